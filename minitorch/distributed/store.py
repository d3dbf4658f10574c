"""TCPStore: the key-value store processes meet at before they can talk (torch's rendezvous store).

One process (the launcher, or rank 0) serves it at MASTER_ADDR:MASTER_PORT; every process is a
client. It carries only small start-up facts (a NCCL unique id, an MPI port name, a failure flag):
tensors travel through MPI or NCCL, never through the store. Each request and answer is one JSON
object behind a 4-byte length; values are bytes, sent as base64.
"""
from __future__ import annotations

import base64
import json
import socket
import socketserver
import struct
import threading
import time
from datetime import timedelta

DEFAULT_TIMEOUT = timedelta(seconds=300)


class DistStoreError(RuntimeError):
    """A store operation failed or timed out (torch.distributed.DistStoreError)."""


def _send(sock, obj) -> None:
    data = json.dumps(obj).encode()
    sock.sendall(struct.pack("!I", len(data)) + data)


def _recv(sock):
    head = _recv_exact(sock, 4)
    if head is None:
        return None
    body = _recv_exact(sock, struct.unpack("!I", head)[0])
    return None if body is None else json.loads(body)


def _recv_exact(sock, n):
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class _Table:
    """The served keys, with a condition that wakes waiters when a key appears."""

    def __init__(self):
        self.data: dict[str, bytes] = {}
        self.changed = threading.Condition()

    def handle(self, req):
        op, key = req["op"], req.get("key")
        with self.changed:
            if op == "set":
                self.data[key] = base64.b64decode(req["value"])
                self.changed.notify_all()
                return {}
            if op == "add":
                value = int(self.data.get(key, b"0")) + req["amount"]
                self.data[key] = str(value).encode()
                self.changed.notify_all()
                return {"value": value}
            if op == "compare_set":
                current = self.data.get(key)
                expected = base64.b64decode(req["expected"])
                if (current is None and expected == b"") or current == expected:
                    self.data[key] = base64.b64decode(req["value"])
                    self.changed.notify_all()
                    current = self.data[key]
                return {"value": base64.b64encode(current if current is not None else expected).decode()}
            if op == "wait":
                ok = self.changed.wait_for(lambda: all(k in self.data for k in req["keys"]), req["timeout"])
                return {"ok": ok}
            if op == "get":
                return {"value": base64.b64encode(self.data[key]).decode()}
            if op == "check":
                return {"ok": all(k in self.data for k in req["keys"])}
            if op == "delete":
                return {"ok": self.data.pop(key, None) is not None}
            if op == "num_keys":
                return {"value": len(self.data)}
        return {"error": f"unknown store operation {op!r}"}


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, table):
        self.table = table
        super().__init__(address, _Handler)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            req = _recv(self.request)
            if req is None:
                return
            _send(self.request, self.server.table.handle(req))


class TCPStore:
    """torch.distributed.TCPStore: `is_master=True` serves the store (port 0 picks a free port,
    read back from `.port`); every instance is a client of it."""

    def __init__(self, host_name: str, port: int, world_size: int | None = None, is_master: bool = False,
                 timeout: timedelta = DEFAULT_TIMEOUT, wait_for_workers: bool = True):
        self.host = host_name
        self.timeout = timeout
        self._server = None
        if is_master:
            self._server = _Server((host_name, port), _Table())
            port = self._server.server_address[1]
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.port = port
        self._sock = self._connect()
        self._lock = threading.Lock()
        if is_master and world_size and wait_for_workers:
            self.add("_workers", 1)
            self._wait_count("_workers", world_size)
        elif world_size and wait_for_workers:
            self.add("_workers", 1)

    def _connect(self):
        deadline = time.monotonic() + self.timeout.total_seconds()
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=5)
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as e:
                if time.monotonic() > deadline:
                    raise DistStoreError(f"could not reach the store at {self.host}:{self.port} "
                                         f"within {self.timeout}: {e}") from None
                time.sleep(0.05)

    def _call(self, **req):
        with self._lock:
            _send(self._sock, req)
            answer = _recv(self._sock)
        if answer is None:
            raise DistStoreError(f"the store at {self.host}:{self.port} closed the connection")
        if "error" in answer:
            raise DistStoreError(answer["error"])
        return answer

    def _wait_count(self, key, count):
        deadline = time.monotonic() + self.timeout.total_seconds()
        while int(self.get(key)) < count:
            if time.monotonic() > deadline:
                raise DistStoreError(f"timed out after {self.timeout} waiting for {count} workers to join")
            time.sleep(0.01)

    @staticmethod
    def _bytes(value) -> str:
        if isinstance(value, str):
            value = value.encode()
        return base64.b64encode(bytes(value)).decode()

    def set(self, key: str, value) -> None:
        self._call(op="set", key=key, value=self._bytes(value))

    def get(self, key: str) -> bytes:
        """The value of `key`, waiting up to the store's timeout for it to be set."""
        self.wait([key])
        return base64.b64decode(self._call(op="get", key=key)["value"])

    def add(self, key: str, amount: int) -> int:
        return self._call(op="add", key=key, amount=int(amount))["value"]

    def compare_set(self, key: str, expected_value, desired_value) -> bytes:
        answer = self._call(op="compare_set", key=key, expected=self._bytes(expected_value),
                            value=self._bytes(desired_value))
        return base64.b64decode(answer["value"])

    def wait(self, keys, timeout: timedelta | None = None) -> None:
        timeout = self.timeout if timeout is None else timeout
        if not self._call(op="wait", keys=list(keys), timeout=timeout.total_seconds())["ok"]:
            raise DistStoreError(f"wait timeout after {timeout} for keys {list(keys)}")

    def check(self, keys) -> bool:
        return self._call(op="check", keys=list(keys))["ok"]

    def delete_key(self, key: str) -> bool:
        return self._call(op="delete", key=key)["ok"]

    def num_keys(self) -> int:
        return self._call(op="num_keys")["value"]

    def set_timeout(self, timeout: timedelta) -> None:
        self.timeout = timeout

    def close(self) -> None:
        """Stop serving (master) and drop the connection."""
        self._sock.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
