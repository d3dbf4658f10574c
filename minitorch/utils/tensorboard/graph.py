"""A model's graph for TensorBoard's Graphs tab, from minitorch's own trace of one forward pass.

Every op the model's forward calls (not the ops inside a fused op) becomes a node named, as torch
names them, by the module scope it ran in ("TinyVGG/Sequential[conv_block_1]/Conv2d[0]/...") with
its output shapes; the inputs are "input/<name>" nodes, parameters "prim::GetAttr" nodes in their
module's scope, other tensors "prim::Constant" nodes, and the result feeds "output/output.1".
"""
from __future__ import annotations

import inspect

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ...autograd import events
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def _node(name: str, op: str, inputs=(), shape=None, attr: str = "{}") -> NodeDef:
    attrs = {"attr": AttrValue(s=attr.encode())}
    if shape is not None:
        attrs["_output_shapes"] = AttrValue(list=AttrValue.ListValue(
            shape=[TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in shape])]))
    return NodeDef(name=name, op=op, input=list(inputs), attr=attrs)


class _Recorder:
    """Observes one forward: the module scope each op ran in, and which node made each tensor."""

    def __init__(self, model, inputs: dict):
        self.scopes, self.stack = {}, []
        for path, module in model.named_modules():
            parent = self.scopes.get(id(_parent(model, path)), "")
            here = type(module).__name__ if not path else f"{type(module).__name__}[{path.rsplit('.', 1)[-1]}]"
            self.scopes[id(module)] = f"{parent}/{here}" if parent else here
        self.params = {id(p): (m, name) for m in model.modules() for name, p in m._parameters.items() if p is not None}
        self.nodes, self.made, self.keep, self.count = [], {}, [], 0
        for name, t in inputs.items():
            self.nodes.append(_node(f"input/{name}", "IO Node", shape=t.shape))
            self.made[id(t)] = f"input/{name}"
            self.keep.append(t)

    def enter(self, module, args):
        self.stack.append(self.scopes[id(module)])

    def leave(self, module, args, output):
        self.stack.pop()

    def begin(self, event):
        pass

    def end(self, event):
        if event.kind != "op" or event.depth != 0:
            return  # backward nodes, and ops that run inside another op
        scope = self.stack[-1] if self.stack else ""
        inputs = [self._source(t, scope) for t in event.input_tensors()]
        for t in event.output_tensors():
            self.count += 1
            name = f"{scope}/{event.name.split('::')[-1]}.{self.count}"
            self.nodes.append(_node(name, event.name, inputs, shape=t.shape))
            self.made[id(t)] = name
            self.keep.append(t)

    def _source(self, t, scope: str) -> str:
        """The node that made `t`: an op's, an input's, a parameter's or a new constant's."""
        if id(t) in self.made:
            return self.made[id(t)]
        self.count += 1
        if id(t) in self.params:
            module, pname = self.params[id(t)]
            owner = self.scopes[id(module)]
            name = f"{owner}/{pname}/{pname}.{self.count}"
            self.nodes.append(_node(name, "prim::GetAttr", attr=f"{{ name :  {pname} }}"))
        else:
            name = f"{scope}/{self.count}"
            self.nodes.append(_node(name, "prim::Constant", shape=t.shape))
        self.made[id(t)] = name
        self.keep.append(t)
        return name


def _parent(model, path: str):
    if "." not in path:
        return model if path else None
    return model.get_submodule(path.rsplit(".", 1)[0])


def graph(model, args, verbose: bool = False):
    """(GraphDef, RunMetadata) of `model` called on `args` (a tensor or a tuple of them)."""
    args = args if isinstance(args, (tuple, list)) else (args,)
    try:
        names = [p for p in inspect.signature(model.forward).parameters][:len(args)]
    except (TypeError, ValueError):
        names = [f"input.{i}" for i in range(len(args))]
    recorder = _Recorder(model, {n: a for n, a in zip(names, args) if isinstance(a, Tensor)})
    handles = [h for m in model.modules() for h in (m.register_forward_pre_hook(recorder.enter),
                                                    m.register_forward_hook(recorder.leave))]
    try:
        with no_grad(), events.listen(recorder):
            output = model(*args)
    finally:
        for h in handles:
            h.remove()
    outputs = output if isinstance(output, (tuple, list)) else (output,)
    for i, out in enumerate(o for o in outputs if isinstance(o, Tensor)):
        recorder.nodes.append(_node(f"output/output.{i + 1}", "IO Node", [recorder.made.get(id(out), "")],
                                    shape=out.shape))
    if verbose:
        for node in recorder.nodes:
            print(node.name, node.op, list(node.input))
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=recorder.nodes, versions=VersionDef(producer=22)), stats
