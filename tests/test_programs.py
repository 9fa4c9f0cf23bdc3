"""Well-known small PyTorch programs, written as their sources write them and importing
numbatorch as torch (tests/programs/, one file each), run unchanged and learn: PyTorch
examples' word_language_model, dcgan and time_sequence_prediction; the tutorials' char-RNN
name classifier and generator, LSTM tagger, seq2seq with attention, "Learning PyTorch with
examples" (custom autograd Function, nn.Module, dynamic net); a small ResNet and a fine-
tuning script. With PyTorch installed, the same source with `import torch` runs under
PyTorch too (so the programs use PyTorch's API, not ours) and, where the program draws
no random numbers, gives the same numbers."""

from __future__ import annotations

import math
import pathlib
import sys
import types

import numpy as np
import pytest

PROGRAMS = pathlib.Path(__file__).resolve().parent / "programs"


def run_program(name: str, library: str = "numbatorch"):
    """Runs tests/programs/<name>.py's main() with `library` as its torch."""
    source = (PROGRAMS / f"{name}.py").read_text()
    if library != "numbatorch":
        source = source.replace("numbatorch", library)
    module = types.ModuleType(f"program_{name}")
    module.__file__ = str(PROGRAMS / f"{name}.py")
    sys.modules[module.__name__] = module  # dataclasses and pickling look modules up
    try:
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        return module.main()
    finally:
        del sys.modules[module.__name__]


def _learns(losses, factor=1.0):
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-2:]) < factor * np.mean(losses[:2])


def check_word_language_model(result):
    for name, val_losses in result.items():
        # the best epoch's reloaded weights score as they did when saved
        assert val_losses[-1] == pytest.approx(min(val_losses[1:-1]), rel=1e-5), name
        assert min(val_losses[1:-1]) < val_losses[0], name


def check_dcgan(result):
    assert result["fake_shape"] == (8, 3, 16, 16)
    assert result["restored_max_diff"] == 0.0
    assert np.all(np.isfinite(result["Loss_D"] + result["Loss_G"]))


def check_char_rnn_classification(result):
    _learns(result["losses"], 0.5)
    assert result["train_accuracy"] > 0.8 and result["test_size"] == 6


def check_char_rnn_generation(result):
    _learns(result["losses"])
    assert all(name[0] in "ABR" for name in result["samples"])


def check_lstm_tagger(result):
    _learns(result["losses"], 0.5)
    assert result["predicted"] == result["expected"]


def check_resnet(result):
    _learns(result["losses"], 0.7)
    assert result["lrs"][:3] == pytest.approx([0.1, 0.1, 0.01])  # MultiStepLR([2, 3])
    cosine = [0.05 * (1 + math.cos(math.pi * t / 3)) / 2 for t in range(3)]
    assert result["lrs"][3:] == pytest.approx(cosine)
    assert result["accuracy"] > 0.5  # four classes
    assert result["probability_sums"] == pytest.approx([1.0, 1.0])


def check_time_sequence_prediction(result):
    assert result["test_losses"][-1] < result["test_losses"][0]
    assert result["prediction_shape"] == (3, 33) and result["dtype"] == "float64"


def check_seq2seq_attention(result):
    _learns(result["losses"], 0.75)
    assert result["attention_shape"] == (1, 6, 4)


def check_polynomial_custom_function(result):
    _learns(result, 0.6)


def check_polynomial_module(result):
    _learns(result[:200], 0.5)
    _learns(result[200:], 0.5)


def check_dynamic_net(result):
    _learns(result, 0.5)


def check_finetune(result):
    assert result["frozen_unchanged"] and result["trainable"] == ["fc.weight", "fc.bias"]
    assert result["lrs"] == pytest.approx([1e-4, 1e-3])  # each group's lr after StepLR
    assert result["resumed_equal"]
    train_losses = [loss for phase, loss, _ in result["history_ft"] if phase == "train"]
    _learns(train_losses)


CHECKS = {
    name.removeprefix("check_"): check
    for name, check in globals().items()
    if name.startswith("check_")
}
# programs whose numbers do not depend on the random generator (numbatorch's draws differ
# from PyTorch's): the same losses as PyTorch's
DETERMINISTIC = ["polynomial_custom_function"]


def test_every_program_has_a_check():
    assert sorted(CHECKS) == sorted(path.stem for path in PROGRAMS.glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_program_runs_unchanged_and_learns(name, capsys):
    CHECKS[name](run_program(name))


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_program_is_pytorch_code_that_passes_the_same_check_under_pytorch(name, capsys):
    pytest.importorskip("torch")
    CHECKS[name](run_program(name, "torch"))


@pytest.mark.torch
@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_program_gives_pytorchs_numbers(name, capsys):
    pytest.importorskip("torch")
    np.testing.assert_allclose(run_program(name), run_program(name, "torch"), rtol=1e-4)
