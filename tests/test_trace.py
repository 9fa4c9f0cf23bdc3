"""numbatorch._trace: the graph one forward records (ops, arguments, parameters,
constants), its replay against eager, and that ops run untouched when no trace records."""

import numpy as np
import pytest

import numbatorch
import numbatorch.nn as nn
from numbatorch import _trace
from numbatorch.autograd.function import Function


class Lambda(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, stride=2, padding=1)
        self.fc = nn.Linear(8, 3)
        self.offset = numbatorch.tensor([0.5, -0.5, 1.0])  # a plain attribute, not a buffer

    def forward(self, x):
        x = self.conv(x).relu()
        x = x.flatten(1)
        return self.fc(x).sum(1, keepdim=True) + x.mean(1, keepdim=True) * 2 + self.offset


@pytest.fixture(scope="module")
def traced():
    numbatorch.manual_seed(0)
    model = Tiny()
    x = numbatorch.randn(2, 1, 4, 4)
    with numbatorch.no_grad():
        graph, result = _trace.trace_module(model, (x,))
    return model, x, graph, result


def test_trace_records_each_function_call_in_order(traced):
    _, _, graph, _ = traced
    ops = [node.op for node in graph.nodes]
    assert ops == ["Convolution", "Relu", "View", "Linear", "Sum", "Mean", "Mul", "Add", "Add"]


def test_trace_records_arguments_by_name_as_values_and_attributes(traced):
    _, x, graph, _ = traced
    conv = graph.nodes[0]
    assert conv.args["x"] is graph.inputs[0]
    assert conv.attributes["stride"] == (2, 2) and conv.attributes["padding"] == (1, 1)
    assert [v.name for v in conv.inputs] == ["input_0", "conv.weight", "conv.bias"]
    assert conv.outputs[0].shape == (2, 2, 2, 2) and conv.outputs[0].producer is conv
    total = graph.nodes[4]
    assert total.attributes == {"dims": (1,), "keepdim": True, "dtype": None}
    assert graph.inputs[0].shape == (2, 1, 4, 4) and graph.inputs[0].kind == "input"


def test_trace_names_parameters_and_keeps_other_tensors_as_constants(traced):
    model, _, graph, _ = traced
    assert sorted(v.name for v in graph.parameters()) == [
        "conv.bias", "conv.weight", "fc.bias", "fc.weight"
    ]  # fmt: skip
    (offset,) = graph.constants()
    assert offset.tensor is model.offset and not offset.computed
    # the scalar 2 stays a literal argument, not a constant tensor
    assert graph.nodes[6].args["b"] == 2


def test_graph_replays_the_forward_on_new_inputs(traced):
    model, _, graph, result = traced
    x = numbatorch.randn(2, 1, 4, 4)
    with numbatorch.no_grad():
        np.testing.assert_allclose(graph(x).numpy(), model(x).numpy(), rtol=1e-6, atol=1e-6)
    assert graph.outputs[0].producer is graph.nodes[-1]
    assert "Convolution(x=%0" in str(graph)


def test_function_apply_is_restored_after_a_trace_even_when_the_forward_raises():
    original = Function.__dict__["apply"]

    def broken(x):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        _trace.trace(broken, (numbatorch.ones(2),))
    assert Function.__dict__["apply"] is original
    assert not _trace.recording()


def test_a_trace_inside_a_trace_is_refused():
    def outer(x):
        return _trace.trace(lambda y: y * 2, (x,))[1]

    with pytest.raises(RuntimeError, match="another trace is already recording"):
        _trace.trace(outer, (numbatorch.ones(2),))
    assert not _trace.recording()


def test_inplace_ops_rebind_the_written_tensor():
    def forward(x):
        y = x * 3
        y += 1  # not recorded by autograd under no_grad: a trace must still see it
        return nn.functional.relu(y, inplace=True)

    with numbatorch.no_grad():
        graph, _ = _trace.trace(forward, (numbatorch.tensor([-1.0, 2.0]),))
        assert [node.op for node in graph.nodes] == ["Mul", "Add", "Relu"]
        np.testing.assert_array_equal(graph(numbatorch.tensor([-2.0, 1.0])).numpy(), [0.0, 4.0])


def test_an_out_argument_takes_the_value_written_into_it():
    def forward(x):
        out = numbatorch.empty(2)
        numbatorch.mul(x, 3, out=out)
        mask = x * 0  # recorded, then overwritten by a comparison the trace cannot see
        numbatorch.gt(x, 0, out=mask)
        return out + mask

    graph, _ = _trace.trace(forward, (numbatorch.tensor([-1.0, 2.0]),))
    assert [node.op for node in graph.nodes] == ["Mul", "Mul", "Add"]
    (mask,) = graph.constants()
    assert mask.computed and graph.nodes[2].args["b"] is mask
    assert graph.nodes[2].args["a"] is graph.nodes[0].outputs[0]


def test_a_tensor_written_by_an_unrecorded_op_is_refused_not_read_stale():
    def forward(x):
        y = x * 2
        y.fill_(1.0)  # straight to its kernel: the trace cannot know y's new values
        return y + 1

    with pytest.raises(RuntimeError, match="modified in place by an operation the tracer"):
        _trace.trace(forward, (numbatorch.ones(2),))


def test_only_the_outermost_function_call_is_recorded():
    norm = nn.LayerNorm(4)  # its forward runs reshape, mean and var inside
    with numbatorch.no_grad():
        graph, _ = _trace.trace_module(norm, (numbatorch.randn(3, 4),))
    assert [node.op for node in graph.nodes] == ["NativeLayerNorm"]


def test_trace_refuses_non_tensor_arguments_and_outputs():
    with pytest.raises(TypeError, match="argument 0 must be a Tensor"):
        _trace.trace(lambda x: x, (3,))
    with pytest.raises(TypeError, match="output 0 is a float"):
        _trace.trace(lambda x: x.sum().item(), (numbatorch.ones(2),))


def test_constants_the_traced_call_computes_outside_functions_are_marked():
    def forward(x):
        return x * (x > 0) + numbatorch.ones(2)

    graph, _ = _trace.trace(forward, (numbatorch.tensor([-1.0, 2.0]),))
    assert [(v.dtype.name, v.computed) for v in graph.constants()] == [
        ("bool", True), ("float32", True)
    ]  # fmt: skip


def test_a_detached_view_of_a_parameter_is_that_parameter():
    linear = nn.Linear(2, 2)
    graph, _ = _trace.trace_module(Lambda(linear), (numbatorch.ones(1, 2),))
    assert [v.name for v in graph.parameters()] == ["fn.bias", "fn.weight"]

    def forward(x):
        return x @ linear.weight.detach().t()

    graph, _ = _trace.trace(forward, (numbatorch.ones(1, 2),), dict(linear.named_parameters()))
    assert [v.name for v in graph.parameters()] == ["weight"] and not graph.constants()


def test_nested_outputs_are_flattened_in_order():
    # an LSTM returns (output, (h_n, c_n))
    x = numbatorch.ones(2)
    graph, _ = _trace.trace(lambda x: (x * 2, [x + 1, (x - 1,)]), (x,))
    assert [node.op for node in graph.nodes] == ["Mul", "Add", "Sub"]
    assert graph.outputs == [node.outputs[0] for node in graph.nodes]
    with pytest.raises(TypeError, match="output 1 is a int"):
        _trace.trace(lambda x: (x, (3,)), (x,))
