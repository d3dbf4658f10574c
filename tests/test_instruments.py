"""The instruments for seeing inside: the event stream, tracer, profiler, graph pictures, stepper,
widget and shadow-torch, each checked against what torch shows or computes."""
import json
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.autograd import events
from minitorch.autograd.function import Function, Primitive
from minitorch.autograd.graph import Stepper, draw, formula_of, nodes
from minitorch.testing import shadow_torch as shadow_module
from minitorch.testing.node_names import graph_node_names

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp_step(lib, model, x, y, optimizer):
    loss = lib.nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def twin_mlps():
    mt.manual_seed(0)
    ours = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.ReLU(), mt.nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


# ---- the event stream ------------------------------------------------------------------------

def test_unobserved_ops_run_the_plain_dispatch():
    apply = Primitive.__dict__["apply"]
    with events.listen(mt.autograd.trace(print_records=False)):
        assert Primitive.__dict__["apply"] is not apply
    assert Primitive.__dict__["apply"] is apply and Function.__dict__["apply"].__func__.__name__ == "apply"
    assert not events.observing()


@pytest.mark.parametrize("op, expected", [
    (lambda x: x * 2, "aten::mul"), (lambda x: x.tanh(), "aten::tanh"), (lambda x: x.sum(), "aten::sum"),
    (lambda x: mt.nn.functional.max_pool2d(x, 2), "aten::max_pool2d_with_indices"),
    (lambda x: mt.nn.functional.conv2d(x, mt.ones(2, 1, 3, 3)), "aten::convolution"),
    (lambda x: x.view(-1), "aten::view")])
def test_ops_carry_the_names_torch_gives_them(op, expected):
    x = mt.randn(1, 1, 4, 4)
    with mt.autograd.trace(print_records=False) as t:
        op(x)
    assert t.records[-1].name == expected


# ---- tracer ------------------------------------------------------------------------------------

def test_tracer_records_each_op_with_shapes_dtypes_device_time_and_line(capsys):
    x = mt.ones(2, 3, requires_grad=True)
    with mt.autograd.trace(level=3) as t:
        y = (x * 2).sum(dim=1)  # the traced line
    assert [r.name for r in t.records] == ["aten::mul", "aten::sum"]
    mul, total = t.records
    assert mul.input_shapes == [(2, 3), ()] and mul.output_shapes == [(2, 3)] and total.output_shapes == [(2,)]
    assert mul.output_dtypes == [mt.float32] and mul.device == "cpu" and mul.kernel == "numpy"
    assert mul.time_us > 0 and mul.node_name == "MulBackward0" and mul.depth == 0
    assert mul.source[2] == "test_tracer_records_each_op_with_shapes_dtypes_device_time_and_line"
    assert "the traced line" in mul.source[3]
    err = capsys.readouterr().err
    assert "aten::mul" in err and "us  numpy" in err and "the traced line" in err
    with pytest.raises(ValueError, match="1, 2 or 3"):
        mt.autograd.trace(level=4)
    assert y.shape == (2,)


def test_minitorch_debug_traces_a_whole_program():
    code = "import minitorch as t; (t.ones(2) + 1).exp()"
    env = dict(os.environ, MINITORCH_DEBUG="2")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    lines = [line for line in done.stderr.splitlines() if line.startswith("aten::")]
    assert [line.split()[0] for line in lines] == ["aten::add", "aten::exp"] and all(" us " in l for l in lines)
    env["MINITORCH_DEBUG"] = "9"
    bad = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert bad.returncode != 0 and "MINITORCH_DEBUG must be 0, 1, 2 or 3" in bad.stderr


# ---- profiler ----------------------------------------------------------------------------------

def test_a_training_step_profiles_with_the_ops_torch_profiles():
    ours, theirs = twin_mlps()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1])
    with mt.profiler.profile(activities=[mt.profiler.ProfilerActivity.CPU]) as prof:
        mlp_step(mt, ours, mt.tensor(x), mt.tensor(y), mt.optim.SGD(ours.parameters(), lr=0.1))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as tprof:
        mlp_step(torch, theirs, torch.tensor(x), torch.tensor(y), torch.optim.SGD(theirs.parameters(), lr=0.1))
    mine, torchs = Counter(e.name for e in prof.events()), Counter(e.name for e in tprof.events())
    shared = ["aten::addmm", "aten::relu", "aten::cross_entropy_loss", "AddmmBackward0", "ReluBackward0",
              "NllLossBackward0", "torch::autograd::AccumulateGrad", "Optimizer.step#SGD.step",
              "Optimizer.zero_grad#SGD.zero_grad", "autograd::engine::evaluate_function: AddmmBackward0",
              "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"]
    assert {n: mine[n] for n in shared} == {n: torchs[n] for n in shared}
    # backward nodes sit inside their evaluate_function span, as in torch
    relu = next(e for e in prof.events() if e.name == "ReluBackward0")
    assert relu.cpu_parent.name == "autograd::engine::evaluate_function: ReluBackward0"
    assert all(e.cpu_time_total >= e.self_cpu_time_total >= 0 for e in prof.events())


def test_the_table_has_torchs_columns_sorting_and_shapes():
    x = mt.randn(3, 4, requires_grad=True)
    (x @ x.T).relu().sum().backward()  # once before profiling: first-call costs (lazy imports) stay out of the times
    with mt.autograd.profiler.profile(record_shapes=True, profile_memory=True) as prof:
        with mt.autograd.profiler.record_function("model_inference"):
            y = (x @ x.T).relu().sum()
        y.backward()
    table = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=4)
    header = table.splitlines()[1].split("  ")
    columns = [c.strip() for c in header if c.strip()]
    assert columns == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "CPU Mem",
                       "Self CPU Mem", "# of Calls", "Input Shapes"]
    rows = table.splitlines()[3:-2]
    averages = prof.key_averages(group_by_input_shape=True)
    longest = max(averages, key=lambda e: e.cpu_time_total)  # the span, unless the backward ran longer (timings)
    assert len(rows) == 4 and rows[0].strip().startswith(longest.key[:30])
    span = next(e for e in averages if e.key == "model_inference")  # it holds everything forward
    assert all(span.cpu_time_total >= e.cpu_time_total for e in averages if e.key in ("aten::mm", "aten::relu"))
    assert table.rstrip().splitlines()[-1].startswith("Self CPU time total:")
    # which ops make the top four depends on timings; the shapes column is checked over every row
    assert "[[3, 4], [4, 3]]" in prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total")
    mm = next(e for e in prof.function_events if e.name == "aten::mm")
    assert mm.self_cpu_memory_usage == 3 * 3 * 4 and mm.cpu_parent.name == "model_inference"
    with pytest.raises(AttributeError):
        prof.key_averages().table(sort_by="no_such_column")


def test_chrome_trace_holds_every_event(tmp_path):
    with mt.profiler.profile(record_shapes=True) as prof:
        (mt.ones(2, requires_grad=True) * 3).sum().backward()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    names = [e["name"] for e in trace["traceEvents"]]
    assert names == [e.name for e in prof.events()] and "aten::mul" in names
    assert all(e["ph"] == "X" and e["dur"] >= 0 and "ts" in e for e in trace["traceEvents"])
    assert next(e for e in trace["traceEvents"] if e["name"] == "aten::mul")["args"]["Input Dims"] == [[2], []]


def test_schedule_records_the_active_steps_and_hands_each_cycle_over():
    saved = []
    sched = mt.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
    assert [sched(i).name for i in range(9)] == ["NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE"] * 2 + ["NONE"]
    with mt.profiler.profile(schedule=sched, on_trace_ready=lambda p: saved.append(list(p.events()))) as prof:
        for step in range(9):
            mt.ones(1) * step
            prof.step()
    assert len(saved) == 2
    steps = [[e.name for e in events_ if e.name.startswith("ProfilerStep#")] for events_ in saved]
    assert steps == [["ProfilerStep#1", "ProfilerStep#2", "ProfilerStep#3"], ["ProfilerStep#5", "ProfilerStep#6",
                                                                             "ProfilerStep#7"]]
    assert sum(e.name == "aten::mul" for e in saved[0]) == 3  # warmup records too; it is saved with the cycle
    with pytest.raises(ValueError, match="active must be positive"):
        mt.profiler.schedule(wait=1, warmup=0, active=0)


def test_trace_handler_writes_a_trace_file(tmp_path):
    handler = mt.profiler.tensorboard_trace_handler(str(tmp_path), worker_name="w")
    with mt.profiler.profile(on_trace_ready=handler):
        mt.ones(2).exp()
    (path,) = tmp_path.iterdir()
    assert path.name.startswith("w.") and path.name.endswith(".pt.trace.json")
    assert "aten::exp" in [e["name"] for e in json.loads(path.read_text())["traceEvents"]]


# ---- graph pictures ------------------------------------------------------------------------------

def test_the_picture_has_torchs_nodes_and_the_parameter_names():
    ours, theirs = twin_mlps()
    x = np.ones((2, 4), np.float32)
    loss = ours(mt.tensor(x)).tanh().sum()
    tloss = theirs(torch.tensor(x)).tanh().sum()
    picture = draw(loss, params=dict(ours.named_parameters()), show_saved=True)
    ours_nodes = sorted(n.name() for n in nodes(loss))
    assert graph_node_names(loss) == graph_node_names(tloss)  # node for node, torch's graph
    ops = [n for n in ours_nodes if n != "torch::autograd::AccumulateGrad"]  # leaves show their names instead
    for name in ops + ["0.weight", "2.bias", "(8, 4) float32", "output", "mat1", "result"]:
        assert name in picture.source
    svg = picture.pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "TanhBackward0" in svg and "0.weight" in svg


def test_values_grads_and_higher_order_graphs_are_drawn():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = mt.autograd.grad(y, x, create_graph=True)  # 3 x^2, itself a graph
    y.backward(retain_graph=True)
    source = draw(y, params={"x": x}, show_values=True, show_grads=True).source
    assert "data [1, 2]" in source and "grad [3, 12]" in source
    second = draw(g, params={"x": x}).source
    assert "MulBackward0" in second and "PowBackward" in second and "x" in second
    with pytest.raises(TypeError, match="expects tensors"):
        draw([y, "not a tensor"])


def test_rendering_without_dot_says_how_to_install_it(monkeypatch, tmp_path):
    picture = draw((mt.ones(2, requires_grad=True) * 2).sum())
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on this PATH
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        picture.render(str(tmp_path / "g"), format="png")
    assert picture.source.startswith("digraph")
    assert picture._repr_mimebundle_() == {"text/plain": picture.source}


# ---- stepping ------------------------------------------------------------------------------------

def test_stepper_shows_what_each_node_received_used_and_returned():
    x = mt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = mt.tensor([1.5, 2.0, -0.5], requires_grad=True)
    loss = ((x * w).tanh().sum() - 1) ** 2
    tx, tw = (torch.tensor(v.detach().numpy(), requires_grad=True) for v in (x, w))
    tanh_out = (tx * tw).tanh()
    tloss = (tanh_out.sum() - 1) ** 2
    s = Stepper(loss, params={"x": x, "w": w})
    ((first, seed),) = s.where()["ready"]
    assert first.name() == "PowBackward0" and seed[0].item() == 1.0
    assert s.run_to("TanhBackward0") and [v.node.name() for v in s.history] == ["PowBackward0", "SubBackward0",
                                                                              "SumBackward0"]
    view = s.step()
    assert view.node.name() == "TanhBackward0" and view.formula == "grad_self = grad · (1 - y²)"
    assert [name for name, _ in view.saved] == ["result"]  # what torch's TanhBackward0 keeps
    np.testing.assert_allclose(view.saved[0][1].detach().numpy(), tanh_out.detach().numpy(), rtol=1e-6)
    (g_tanh,) = torch.autograd.grad(tloss, tanh_out, retain_graph=True)  # what reached the tanh output
    np.testing.assert_allclose(view.grad_outputs[0].numpy(), g_tanh.numpy(), rtol=1e-5)
    text = str(view)
    assert "TanhBackward0" in text and "saved result" in text and "grad out [0] -> MulBackward0" in text
    s.run()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5)
    sinks = [v for v in s.history if v.accumulated is not None]
    assert len(sinks) == 2 and "x.grad = " in str(sinks[0]) + str(sinks[1]) and s.where() == {"ready": [],
                                                                                              "waiting": []}
    assert s.step() is None and s.done


def test_where_shows_nodes_waiting_for_more_gradients():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    a = x.exp()
    loss = (a * 2 + a.sin()).sum()  # a's node waits for both branches
    s = Stepper(loss)
    s.step(3)  # Sum, Add, then the first branch
    waiting = [n.name() for n, _ in s.where()["waiting"]]
    assert waiting == ["ExpBackward0"]
    with pytest.raises(ValueError):
        s.step(0)


def test_formulas_come_from_the_op():
    x = mt.ones(2, requires_grad=True)
    assert formula_of((x * x).grad_fn) == "grad_self = grad · other, grad_other = grad · self"
    assert formula_of(mt.nn.functional.relu(x).grad_fn) == "grad_self = grad · (y > 0)"
    assert formula_of(x.exp().grad_fn) == "grad_self = grad · (y)"
    assert "variable.grad" in formula_of((x * 1).grad_fn.next_functions[0][0])


def test_widget_steps_back_by_replaying():
    pytest.importorskip("ipywidgets")
    from minitorch.autograd.widget import StepperWidget
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * 2).sum()
    w = StepperWidget(loss, params={"x": x})
    assert w.previous_button.disabled and "has not started" in w.details.value
    for _ in range(4):
        w.next_button.click()
    assert w.position == 4 and "x.grad" in w.details.value and "backward is complete" in w.details.value
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)
    w.previous_button.click()
    assert w.position == 3 and x.grad is None and "ExpBackward0" in w.details.value
    assert "<svg" in w.picture.value and "khaki" in w.picture.value  # the nodes run so far are shaded
    w.run_to("torch::autograd::AccumulateGrad")
    assert w.position == 3
    w.reset_button.click()
    assert w.position == 0 and x.grad is None


# ---- shadow-torch --------------------------------------------------------------------------------

class TinyVGG(mt.nn.Module):
    def __init__(self, hidden=8, classes=5):
        super().__init__()
        self.block_1 = mt.nn.Sequential(mt.nn.Conv2d(3, hidden, 3, padding=1), mt.nn.ReLU(),
                                        mt.nn.Conv2d(hidden, hidden, 3, padding=1), mt.nn.ReLU(), mt.nn.MaxPool2d(2))
        self.block_2 = mt.nn.Sequential(mt.nn.Conv2d(hidden, hidden, 3, padding=1), mt.nn.ReLU(), mt.nn.MaxPool2d(2))
        self.classifier = mt.nn.Sequential(mt.nn.Flatten(), mt.nn.Linear(hidden * 16, classes))

    def forward(self, x):
        return self.classifier(self.block_2(self.block_1(x)))


def tinyvgg_loss(model, x, y):
    return mt.nn.functional.cross_entropy(model(x), y)


@pytest.fixture
def vgg():
    mt.manual_seed(0)
    return TinyVGG(), mt.randn(4, 3, 16, 16), mt.tensor([0, 1, 2, 3])


def test_shadow_matches_a_correct_model_everywhere(vgg):
    model, x, y = vgg
    report = shadow_module.shadow(lambda x, y: mt.nn.functional.cross_entropy(model(x), y), x, y)
    assert report.matched and report.first is None and "every op matched torch" in str(report)
    whole = shadow_module.shadow(model, x)
    assert whole.matched
    forward = [r.ours.name for r in whole.rows if r.phase == "forward"]
    assert forward.count("aten::convolution") == 3 and forward.count("aten::max_pool2d_with_indices") == 2
    sinks = [r.ours.param for r in whole.rows if r.ours.param]
    assert sorted(sinks) == sorted(n for n, _ in model.named_parameters())


def test_shadow_names_the_layer_of_a_planted_forward_bug(vgg, monkeypatch):
    model, x, y = vgg
    correct = mt.ops.conv.Conv2d.forward

    def off_in_block_2(ctx, inp, *args, **kwargs):  # only the 8x8 convolution of block_2 is off
        out = correct(ctx, inp, *args, **kwargs)
        return out + 1e-3 if inp.shape[-1] == 8 else out
    monkeypatch.setattr(mt.ops.conv.Conv2d, "forward", staticmethod(off_in_block_2))
    report = shadow_module.shadow(model, x)
    first = report.first
    assert (first.phase, first.ours.name, first.ours.module) == ("forward", "aten::convolution", "block_2.0")
    assert abs(first.max_abs - 1e-3) < 1e-5 and "self.block_2(self.block_1(x))" in first.where
    text = report.summary()
    assert "aten::convolution" in text and "block_2.0" in text and "torch in" in text
    earlier = [r for r in report.rows if r.phase == "forward" and r.index < first.index]
    assert earlier and all(r.ok for r in earlier)
    colours = report.draw().source
    assert "salmon" in colours and "palegreen" in colours and "penwidth=3" in colours


def test_shadow_names_a_planted_backward_bug(vgg, monkeypatch):
    model, x, y = vgg
    correct = mt.ops.activation.Relu.backward_arrays

    def wrong_at_16(ctx, gy):  # a wrong gradient in the ReLUs of block_1 only
        g = correct(ctx, gy)
        return g * 1.01 if gy.shape[-1] == 16 else g
    monkeypatch.setattr(mt.ops.activation.Relu, "backward_arrays", staticmethod(wrong_at_16))
    first = shadow_module.shadow(lambda x, y: tinyvgg_loss(model, x, y), x, y).first
    assert (first.phase, first.ours.name) == ("backward", "ReluBackward0")
    # 1% off, measured in float32: rounding of the smallest gradients moves the worst ratio a little
    assert first.ours.outputs[0].shape == (4, 8, 16, 16) and first.max_rel == pytest.approx(0.01, rel=0.05)


def test_shadow_compares_with_a_given_torch_model():
    ours, theirs = twin_mlps()
    theirs[0].bias.data += 1.0  # overwritten: our weights are loaded into the torch model
    assert shadow_module.shadow(ours, mt.randn(3, 4), torch_model=theirs).matched
    with pytest.raises(TypeError, match="needs a minitorch nn.Module or a function"):
        shadow_module.shadow(3, mt.randn(3, 4))


# ---- the command line ----------------------------------------------------------------------------

def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "minitorch.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=300)


def test_help_lists_every_command():
    out = cli("--help").stdout
    for command in ("demo", "parity", "bench", "graph", "trace", "profile", "shadow", "run", "doctor"):
        assert f"\n{command}" in out


def test_graph_command_draws_and_steps_the_users_expression(tmp_path):
    done = cli("graph", "(x * w).tanh().sum()", "--var", "x=[1, 2, 3]", "--var", "w=randn(3)")
    assert done.returncode == 0, done.stderr
    assert "MulBackward0 -> torch::autograd::AccumulateGrad (x), torch::autograd::AccumulateGrad (w)" in done.stdout
    assert "step 0: SumBackward0" in done.stdout and "x.grad = (3,) float32" in done.stdout
    out = tmp_path / "g.svg"
    done = cli("graph", "(x * 2).sum()", "--var", "x=[1.0]", "--out", str(out))
    assert done.returncode == 0 and out.read_text().lstrip().startswith("<?xml")
    assert "MulBackward0" in cli("graph", "--dot").stdout
    stepped = cli("graph", "--step", stdin="\nq\n")
    assert stepped.returncode == 0 and "step 1:" in stepped.stdout and "step 2:" not in stepped.stdout
    script = tmp_path / "model.py"
    script.write_text("layer = nn.Linear(2, 1)\nloss = layer(tensor([[1.0, 2.0]])).sum()\n")
    done = cli("graph", str(script))
    assert done.returncode == 0 and "layer.weight.grad = (1, 2) float32 [1, 2]" in done.stdout
    bad = cli("graph", "x +", "--var", "x=[1.0]")
    assert bad.returncode == 2 and "SyntaxError" in bad.stderr


def test_trace_profile_and_run_commands_run_a_torch_script(tmp_path):
    script = os.path.join(HERE, "shadow", "train_step.py")
    traced = cli("trace", "--level", "3", script)
    assert traced.returncode == 0 and "aten::addmm" in traced.stdout and "train_step.py:" in traced.stdout
    trace_file = tmp_path / "t.json"
    profiled = cli("profile", "--row-limit", "5", "--chrome-trace", str(trace_file), script)
    assert profiled.returncode == 0 and "Self CPU time total" in profiled.stdout
    assert any(e["name"] == "aten::addmm" for e in json.loads(trace_file.read_text())["traceEvents"])
    ran = cli("run", script)
    assert ran.returncode == 0 and "epoch 4: loss" in ran.stdout


def test_shadow_command_finds_a_planted_bug_in_a_training_script():
    script = os.path.join(HERE, "shadow", "train_step.py")
    clean = cli("shadow", "--steps", "2", script)
    assert clean.returncode == 0 and "every op matched torch" in clean.stdout, clean.stderr
    buggy = cli("shadow", "--steps", "2", "--table", script, "--planted-bug")
    assert buggy.returncode == 1
    first = next(line for line in buggy.stdout.splitlines() if line.startswith("first divergence"))
    assert first.startswith("first divergence: backward op #") and first.endswith("ReluBackward0")
    assert "DIVERGES" in buggy.stdout


def test_parity_command_writes_a_report(tmp_path):
    report = tmp_path / "parity.md"
    done = cli("parity", "--op", "tanh", "--examples", "3", "--report", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text()
    assert "| tanh |" in text and "specs pass" in text
    assert cli("parity", "--op", "no-such-op").returncode == 2


def test_the_torch_alias_fails_on_missing_modules_as_python_does():
    code = ("import minitorch; minitorch.as_torch(); import torch, torch.nn.functional as F;"
            "assert torch.__name__ == 'minitorch' and F.relu is minitorch.nn.functional.relu\n"
            "try:\n import torch.no_such_module\nexcept ModuleNotFoundError as e: print(e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "No module named 'torch.no_such_module'" in done.stdout


def masked_relu_score(x, mask):
    return mt.nn.functional.relu(x.masked_fill(mask, float("-inf"))).sum(dim=1)


def test_relu_of_minus_infinity_is_zero_as_shadow_first_showed():
    """shadow-torch found this one: relu computed as x * (x > 0) gave nan at -inf (and -0.0 below zero)."""
    x = mt.tensor([[1.5, -2.0, 0.5, 3.0], [-1.0, 2.0, 0.0, 1.0]], requires_grad=True)
    mask = mt.tensor([[False, True, False, False], [True, False, False, True]])
    report = shadow_module.shadow(masked_relu_score, x, mask)
    assert report.matched, str(report)
    assert np.signbit(mt.relu(mt.tensor([-1.0, float("-inf")])).numpy()).tolist() == [False, False]


def test_bench_compare_command_marks_regressions(tmp_path):
    def run(minitorch_seconds):
        stats = [("minitorch", minitorch_seconds), ("torch", 2e-3)]
        return {"benchmarks": [{"group": "matmul 512x512", "name": f"test[{fw}]", "stats": {"median": t},
                                "extra_info": {"framework": fw, "device": "cpu"}} for fw, t in stats],
                "minitorch_machine": {"cpu": "test cpu"}}
    (tmp_path / "new.json").write_text(json.dumps(run(4e-3)))
    (tmp_path / "old.json").write_text(json.dumps(run(2e-3)))
    done = cli("bench", "compare", str(tmp_path / "new.json"), str(tmp_path / "old.json"), "--out",
               str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    assert "+100% regression" in done.stdout and (tmp_path / "report" / "REPORT.md").exists()


def test_with_stack_names_the_users_lines():
    with mt.profiler.profile(with_stack=True) as prof:
        mt.ones(2).exp()  # profiled here
    exp = next(e for e in prof.events() if e.name == "aten::exp")
    assert exp.stack and exp.stack[0].endswith("test_with_stack_names_the_users_lines")
    assert "test_instruments.py(" in exp.stack[0]
    assert "Source Location" in prof.key_averages(group_by_stack_n=1).table()


def test_the_readme_pictures_regenerate(tmp_path):
    done = subprocess.run([sys.executable, os.path.join(HERE, os.pardir, "docs", "make_pictures.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "graph.png").stat().st_size > 10_000 and (tmp_path / "shadow.png").stat().st_size > 10_000
    report = (tmp_path / "shadow_report.txt").read_text()
    assert "first divergence: forward op #3 aten::convolution" in report and "in module   block_2.0" in report
