"""make_dot draws the autograd graph: op nodes by grad_fn name, parameters by name."""

import shutil

import pytest

import numbatorch as torch
from numbatorch.utils.viz import make_dot


def _graph():
    weight = torch.randn(3, 2, requires_grad=True)
    loss = (torch.randn(4, 3) @ weight).relu().sum()
    return make_dot(loss, params={"weight": weight})


def test_make_dot_names_ops_and_parameters():
    source = _graph().source
    assert source.startswith("digraph {")
    for label in ("SumBackward0", "ReluBackward0", "MmBackward0", "weight\\n(3, 2)"):
        assert label in source


def test_make_dot_links_each_op_to_its_consumer():
    source = _graph().source
    edges = [line for line in source.splitlines() if "->" in line]
    assert len(edges) == 4  # weight -> mm -> relu -> sum -> output


def test_make_dot_of_a_tensor_without_history_is_just_the_output():
    source = make_dot(torch.ones(2)).source
    assert "->" not in source and "output" in source


def test_render_without_graphviz_raises_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz"):
        _graph().render(str(tmp_path / "graph"))


def test_save_writes_the_dot_text(tmp_path):
    path = _graph().save(str(tmp_path / "graph.dot"))
    assert open(path).read().startswith("digraph {")


def test_make_dot_keeps_a_parameter_name_starting_with_n():
    # the label was once built with lstrip("\\n"), which strips the letters too
    weight = torch.ones(2, requires_grad=True)
    source = make_dot((weight * 2).sum(), params={"net.weight": weight}).source
    assert '"net.weight\\n(2)"' in source


def test_make_dot_labels_an_unnamed_leaf_by_its_shape():
    weight = torch.ones(2, requires_grad=True)
    assert '[label="(2)", fillcolor=lightblue]' in make_dot((weight * 2).sum()).source
