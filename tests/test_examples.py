"""The README's main program: trains, checkpoints, and a second run resumes."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load_trainer():
    spec = importlib.util.spec_from_file_location(
        "train_digits", ROOT / "examples" / "train_digits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
