"""The core's imports go one way: a module never imports, at any depth of its code, a module that
imports it back. Units are minitorch's top-level modules and packages; the layering below is the
one the README's layout describes, lowest first."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "minitorch"
# each unit may import only units listed before it
LAYERS = ["dtypes", "backends", "device", "cuda", "_tensor_str", "autograd", "tensor", "random", "ops", "nn"]


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path, module: str):
    """The minitorch modules `path` imports anywhere in its code (function bodies included)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                full = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    yield from (f"{full}.{a.name}" for a in node.names)
                    continue
            else:
                full = node.module or ""
            if full.startswith("minitorch"):
                yield full
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("minitorch"))


def core_graph() -> dict:
    edges = {}
    for path in ROOT.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        source = unit_of(module)
        for target in map(unit_of, imports(path, module)):
            if source != target and source in LAYERS and target in LAYERS:
                edges.setdefault(source, set()).add(target)
    return edges


def test_core_imports_follow_the_layers():
    wrong = [f"{source} -> {target}" for source, targets in core_graph().items() for target in targets
             if LAYERS.index(target) > LAYERS.index(source)]
    assert not wrong, f"imports against the layering {LAYERS}: {sorted(wrong)}"


def test_the_graph_is_read_correctly():
    graph = core_graph()  # a few edges the code certainly has
    assert {"tensor", "autograd", "dtypes"} <= graph["ops"] and "backends" in graph["device"] and "ops" in graph["nn"]
