"""The README's main program: trains, checkpoints per data set and model, resumes (also
past the end of its learning-rate schedule), and refuses bad options before training.
Most runs use `--limit` (a few dozen images) so they take seconds."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest
from numba import njit

import numbatorch
import numbatorch.nn as nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
QUICK = ["--model", "mlp", "--limit", "32", "--batch-size", "16"]


def _load_trainer(name: str = "train_digits"):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _weights(path) -> dict:
    return {k: v.numpy().copy() for k, v in numbatorch.load(str(path))["model"].items()}


@pytest.mark.slow
def test_train_digits_learns_and_resumes_from_its_checkpoint(tmp_path, capsys):
    trainer = _load_trainer()
    checkpoint = str(tmp_path / "digits.pt")
    first = trainer.main(["--model", "mlp", "--epochs", "2", "--checkpoint", checkpoint])
    assert first > 0.6
    second = trainer.main(
        ["--model", "mlp", "--epochs", "1", "--checkpoint", checkpoint, "--resume"]
    )
    output = capsys.readouterr().out
    assert "resumed from" in output and "epoch   3" in output
    assert second > 0.6


def test_each_model_and_data_set_gets_its_own_checkpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    trainer = _load_trainer()
    trainer.main([*QUICK, "--epochs", "1"])
    assert (tmp_path / "checkpoints" / "digits-mlp.pt").exists()
    assert "32 train / 32 test images" in capsys.readouterr().out


def test_resume_without_a_checkpoint_is_an_error_naming_it(tmp_path, capsys):
    trainer = _load_trainer()
    missing = str(tmp_path / "nothing.pt")
    with pytest.raises(SystemExit) as raised:
        trainer.main([*QUICK, "--checkpoint", missing, "--resume"])
    assert raised.value.code == 2
    assert f"--resume: no checkpoint at {missing}" in capsys.readouterr().err


def test_counts_must_be_positive(capsys):
    trainer = _load_trainer()
    with pytest.raises(SystemExit):
        trainer.main(["--limit", "0"])
    assert "argument --limit: must be at least 1, got 0" in capsys.readouterr().err


def test_resume_refuses_another_models_checkpoint(tmp_path, capsys):
    trainer = _load_trainer()
    checkpoint = str(tmp_path / "mlp.pt")
    trainer.main([*QUICK, "--epochs", "1", "--checkpoint", checkpoint])
    with pytest.raises(SystemExit):
        trainer.main(["--model", "cnn", "--limit", "32", "--checkpoint", checkpoint, "--resume"])
    assert "holds a mlp trained on digits, not a cnn on digits" in capsys.readouterr().err


def test_resuming_a_finished_schedule_says_so_and_trains_on(tmp_path, capsys):
    trainer = _load_trainer()
    checkpoint = tmp_path / "digits.pt"
    trainer.main([*QUICK, "--epochs", "1", "--checkpoint", str(checkpoint)])
    finished = _weights(checkpoint)  # its cosine schedule ended at lr 0
    trainer.main([*QUICK, "--epochs", "2", "--checkpoint", str(checkpoint), "--resume"])
    output = capsys.readouterr().out
    assert "schedule had ended at epoch 1 (lr 0): extended by --epochs 2" in output
    assert "reaching 0 at epoch 3" in output and "epoch   3" in output
    resumed = _weights(checkpoint)
    assert any(not np.array_equal(finished[k], resumed[k]) for k in finished)


def test_plot_without_matplotlib_is_refused_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # find_spec then reports it missing
    trainer = _load_trainer()
    with pytest.raises(SystemExit):
        trainer.main([*QUICK, "--checkpoint", str(tmp_path / "c.pt"), "--plot", "c.png"])
    captured = capsys.readouterr()
    assert "--plot needs matplotlib: pip install 'numbatorch[plot]'" in captured.err
    assert "training" not in captured.out
    assert not (tmp_path / "c.pt").exists()


def test_first_epoch_names_the_compile_time_it_leaves_out(tmp_path, monkeypatch, capsys):
    class CompilesOnFirstCall(nn.Module):
        """The MLP, plus a kernel no process has compiled yet, called in forward."""

        def __init__(self, side: int) -> None:
            super().__init__()
            self.inner = build(side)
            self.kernel = njit(lambda x: x + 1)

        def forward(self, x):
            self.kernel(1)
            return self.inner(x)

    trainer = _load_trainer()
    build = trainer.mlp
    monkeypatch.setattr(trainer, "mlp", CompilesOnFirstCall)
    trainer.main([*QUICK, "--epochs", "2", "--checkpoint", str(tmp_path / "c.pt")])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert lines[0].endswith(" s compiling kernels)")
    assert lines[1].endswith("samples/s")


def test_vae_on_the_digits_learns(capsys):
    history = _load_trainer("vae_digits").main(
        ["--epochs", "3", "--limit", "128", "--batch-size", "32"]
    )
    losses = [train for _, train, _ in history]
    assert losses[-1] < losses[0]
    assert "epoch 3/3: train loss" in capsys.readouterr().out


def test_lstm_digits_trains_and_reports(capsys):
    trainer = _load_trainer("lstm_digits")
    accuracy = trainer.main(["--epochs", "3", "--limit", "96", "--hidden", "16"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    losses = [float(line.split()[3]) for line in lines]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert 0.0 <= accuracy <= 1.0


def test_char_transformer_learns_from_the_shipped_text_and_samples(capsys):
    example = _load_trainer("char_transformer")
    # on the CPU: the test suite makes the CUDA simulator look like a GPU
    tiny = ["--steps", "8", "--batch-size", "8", "--block-size", "16", "--d-model", "16",
            "--heads", "2", "--layers", "1", "--lr", "1e-2", "--log-every", "4",
            "--sample-length", "10", "--device", "cpu"]  # fmt: skip
    held_out = example.main(tiny)
    output = capsys.readouterr().out
    assert "39,908 characters, 58 distinct" in output and "step     8/8  loss" in output
    assert held_out < np.log(58)  # below uniform guessing over the 58 characters
    sample = output.split("sample:\n")[1]
    assert len(sample.rstrip("\n")) >= 10 + 8  # the prompt (half a block) and 10 drawn
