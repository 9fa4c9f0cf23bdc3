"""numbatorch.utils.tensorboard.SummaryWriter: every method's events, read back with
TensorBoard's own EventAccumulator."""

import itertools
import runpy
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

import numbatorch
import numbatorch.nn as nn

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from tensorboard.plugins.hparams import metadata as hparams_metadata  # noqa: E402

from numbatorch.utils.tensorboard import SummaryWriter  # noqa: E402

EVERYTHING = {"images": 0, "histograms": 0, "tensors": 0, "scalars": 0}


def read(folder) -> EventAccumulator:
    accumulator = EventAccumulator(str(folder), size_guidance=EVERYTHING)
    accumulator.Reload()
    return accumulator


def decode_png(data: bytes) -> np.ndarray:
    """The pixels of a PNG written without filters, as height x width x channels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunks[kind] = chunks.get(kind, b"") + data[position + 8 : position + 8 + length]
        position += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert not rows[:, 0].any()  # filter type 0 on every row
    return rows[:, 1:].reshape(height, width, channels)


def test_scalars_read_back_with_their_steps(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 0.5, 1)
        writer.add_scalar("loss", numbatorch.tensor(0.25), 2)
        writer.add_scalar("lr", numbatorch.tensor([0.1]), 2, new_style=True)
        writer.add_scalar("exact", 0.1, 3, new_style=True, double_precision=True)
    accumulator = read(tmp_path)
    assert [(e.step, e.value) for e in accumulator.Scalars("loss")] == [(1, 0.5), (2, 0.25)]
    (lr,) = accumulator.Tensors("lr")
    assert lr.step == 2 and lr.tensor_proto.float_val == [pytest.approx(0.1)]
    assert accumulator.Tensors("exact")[0].tensor_proto.double_val == [0.1]


def test_a_scalar_of_several_elements_is_refused(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(AssertionError, match="Was given size: 2 and 1 dimensions"):
            writer.add_scalar("loss", numbatorch.ones(2))


def test_add_scalars_writes_one_run_per_tag_under_the_main_tag(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalars("run/loss", {"train": 1.0, "test": 2.0}, 5)
    for tag, value in (("train", 1.0), ("test", 2.0)):
        (event,) = read(tmp_path / f"run_loss_{tag}").Scalars("run/loss")
        assert (event.step, event.value) == (5, value)


def test_histogram_statistics_and_buckets(tmp_path):
    values = np.random.default_rng(0).standard_normal(200).astype(np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weights", numbatorch.from_numpy(values), 3)
        writer.add_histogram("coarse", values, 3, bins=10)
        writer.add_histogram("merged", values, 3, bins=10, max_bins=4)
    accumulator = read(tmp_path)
    (event,) = accumulator.Histograms("weights")
    histogram = event.histogram_value
    as_double = values.astype(np.float64)
    assert (histogram.min, histogram.max) == (as_double.min(), as_double.max())
    assert histogram.num == 200 and sum(histogram.bucket) == 200
    assert histogram.sum == pytest.approx(as_double.sum())
    assert histogram.sum_squares == pytest.approx((as_double**2).sum())
    counts, edges = np.histogram(as_double, bins=10)
    coarse = accumulator.Histograms("coarse")[0].histogram_value
    assert coarse.bucket == [0.0, *counts.tolist()]
    np.testing.assert_allclose(coarse.bucket_limit, edges)
    merged = accumulator.Histograms("merged")[0].histogram_value
    assert merged.bucket[1:] == [counts[0:3].sum(), counts[3:6].sum(), counts[6:9].sum(), counts[9]]


def test_histogram_of_nothing_is_refused(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="The input has no element"):
            writer.add_histogram("empty", numbatorch.zeros(0))


@pytest.mark.parametrize("dataformats", ["CHW", "HWC", "HW"])
def test_image_pixels_read_back(tmp_path, dataformats):
    rgb = np.random.default_rng(1).random((3, 4, 5)).astype(np.float32)  # CHW in [0, 1)
    image = {"CHW": rgb, "HWC": rgb.transpose(1, 2, 0), "HW": rgb[0]}[dataformats]
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("picture", numbatorch.from_numpy(image), 7, dataformats=dataformats)
    (event,) = read(tmp_path).Images("picture")
    expected = (rgb.transpose(1, 2, 0) * 255).astype(np.uint8)
    if dataformats == "HW":
        expected = expected[:, :, :1]
    assert (event.step, event.height, event.width) == (7, 4, 5)
    np.testing.assert_array_equal(decode_png(event.encoded_image_string), expected)


def test_uint8_images_are_written_as_they_are(tmp_path):
    image = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)  # HWC, RGBA
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("rgba", numbatorch.from_numpy(image), dataformats="HWC")
    (event,) = read(tmp_path).Images("rgba")
    np.testing.assert_array_equal(decode_png(event.encoded_image_string), image)


def test_add_images_tiles_a_batch_eight_a_row(tmp_path):
    batch = np.arange(10 * 2 * 3, dtype=np.uint8).reshape(10, 1, 2, 3)  # NCHW
    with SummaryWriter(tmp_path) as writer:
        writer.add_images("batch", numbatorch.from_numpy(batch))
    (event,) = read(tmp_path).Images("batch")
    grid = decode_png(event.encoded_image_string)[:, :, 0]
    assert grid.shape == (4, 24)
    np.testing.assert_array_equal(grid[2:4, 3:6], batch[9, 0])  # 10th image: row 2, col 2
    assert not grid[2:4, 6:].any()  # the rest of the last row is blank


@pytest.mark.parametrize(
    "shape, dataformats", [((3, 4), "CHW"), ((2, 3, 4), "CWX"), ((2, 4, 4), "CHW")]
)
def test_an_image_of_the_wrong_layout_is_refused(tmp_path, shape, dataformats):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="dataformats|channels"):
            writer.add_image("bad", numbatorch.zeros(*shape), dataformats=dataformats)


def test_text_reads_back_under_pytorchs_tag(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "lr *halved*", 4)
    (event,) = read(tmp_path).Tensors("notes/text_summary")
    assert event.step == 4 and event.tensor_proto.string_val == [b"lr *halved*"]


def test_graph_shows_the_ops_and_named_parameters_of_a_forward(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, numbatorch.randn(5, 4))
    graph = read(tmp_path).Graph()
    nodes = {node.name: node for node in graph.node}
    parameters = {name for name, node in nodes.items() if node.op == "Parameter"}
    assert parameters == {f"Sequential/{n}" for n in ("0/weight", "0/bias", "2/weight", "2/bias")}
    ops = sorted(node.op for node in graph.node if node.op not in ("Parameter", "Output"))
    assert ops == ["AddmmBackward0", "AddmmBackward0", "ReluBackward0"]
    (output,) = [node for node in graph.node if node.op == "Output"]
    last = nodes[output.input[0]]
    assert last.op == "AddmmBackward0" and "Sequential/2/weight" in last.input
    relu = next(nodes[name] for name in last.input if nodes[name].op == "ReluBackward0")
    assert "Sequential/0/weight" in nodes[relu.input[0]].input
    shape = nodes["Sequential/0/weight"].attr["_output_shapes"].list.shape[0]
    assert [dim.size for dim in shape.dim] == [3, 4]
    assert [dim.size for dim in output.attr["_output_shapes"].list.shape[0].dim] == [5, 2]


def test_hparams_are_read_by_the_hparams_plugin(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams(
            {"lr": 0.1, "optimizer": "adam", "nesterov": True, "decay": numbatorch.tensor(0.5)},
            {"accuracy": 0.9},
            hparam_domain_discrete={"optimizer": ["adam", "sgd"]},
            run_name="trial",
        )
    accumulator = read(tmp_path / "trial")
    content = accumulator.PluginTagToContent(hparams_metadata.PLUGIN_NAME)
    start = hparams_metadata.parse_session_start_info_plugin_data(
        content[hparams_metadata.SESSION_START_INFO_TAG]
    )
    assert start.hparams["lr"].number_value == 0.1
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["nesterov"].bool_value is True
    assert start.hparams["decay"].number_value == 0.5
    experiment = hparams_metadata.parse_experiment_plugin_data(
        content[hparams_metadata.EXPERIMENT_TAG]
    )
    assert [info.name.tag for info in experiment.metric_infos] == ["accuracy"]
    optimizer = next(info for info in experiment.hparam_infos if info.name == "optimizer")
    assert [v.string_value for v in optimizer.domain_discrete.values] == ["adam", "sgd"]
    assert accumulator.Scalars("accuracy")[0].value == pytest.approx(0.9)


@pytest.mark.parametrize(
    "hparams, domains, error",
    [
        ({"net": [1, 2]}, None, ValueError),
        ({"lr": 0.1}, {"lr": ["fast"]}, TypeError),
        ({"lr": 0.1}, {"momentum": [0.9]}, TypeError),
    ],
)
def test_bad_hparams_are_refused(tmp_path, hparams, domains, error):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error):
            writer.add_hparams(hparams, {"accuracy": 1.0}, domains, run_name="bad")


@pytest.fixture
def ticking_clock(monkeypatch):
    """A clock a second further on at each reading: an event file is named after the time
    and a process-wide counter, and TensorBoard reads the files of a folder in name order,
    so two files opened in one second by counters 9 and 10 would be read the wrong way."""
    seconds = itertools.count(1_000_000_000)
    monkeypatch.setattr(time, "time", lambda: float(next(seconds)))


@pytest.mark.usefixtures("ticking_clock")
def test_purge_step_drops_the_older_events_from_that_step(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(1, 6):
            writer.add_scalar("loss", float(step), step)
    with SummaryWriter(tmp_path, purge_step=3) as writer:
        writer.add_scalar("loss", 30.0, 3)
    events = read(tmp_path).Scalars("loss")
    assert [(e.step, e.value) for e in events] == [(1, 1.0), (2, 2.0), (3, 30.0)]


@pytest.mark.usefixtures("ticking_clock")
def test_flush_puts_pending_events_on_disk_and_close_ends_the_file(tmp_path):
    writer = SummaryWriter(tmp_path, flush_secs=3600)
    writer.add_scalar("loss", 1.0, 1)
    writer.flush()
    assert len(read(tmp_path).Scalars("loss")) == 1
    writer.close()
    writer.add_scalar("loss", 2.0, 2)  # as in PyTorch, a closed writer opens a new file
    writer.close()
    assert [e.value for e in read(tmp_path).Scalars("loss")] == [1.0, 2.0]


def test_without_the_package_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r"pip install 'numbatorch\[tensorboard\]'"):
        SummaryWriter(tmp_path)


@pytest.mark.slow
def test_train_digits_logs_each_epoch(tmp_path):
    main = runpy.run_path(str(Path(__file__).parents[1] / "examples" / "train_digits.py"))["main"]
    arguments = ["--model", "mlp", "--epochs", "2", "--checkpoint", str(tmp_path / "d.pt")]
    main([*arguments, "--tensorboard", str(tmp_path / "runs")])
    accumulator = read(tmp_path / "runs")
    for tag in ("train_loss", "test_loss", "test_acc"):
        assert [event.step for event in accumulator.Scalars(tag)] == [1, 2], tag
    assert accumulator.Scalars("test_acc")[-1].value > 0.5


@pytest.mark.torch
def test_the_same_calls_log_what_pytorchs_writer_logs(tmp_path):
    torch = pytest.importorskip("torch")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    image = np.random.default_rng(2).random((3, 4, 5)).astype(np.float32)
    for writer, tensor in (
        (SummaryWriter(tmp_path / "ours"), numbatorch.from_numpy),
        (TorchWriter(tmp_path / "theirs"), torch.from_numpy),
    ):
        with writer:
            writer.add_scalar("loss", tensor(np.array(0.5, np.float32)), 1)
            writer.add_text("notes", "hello", 1)
            writer.add_image("picture", tensor(image), 1)
            writer.add_histogram("weights", tensor(image), 1, bins=5)
    ours, theirs = read(tmp_path / "ours"), read(tmp_path / "theirs")
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"]
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"]
    assert ours.Scalars("loss")[0].value == theirs.Scalars("loss")[0].value
    ours_histogram = ours.Histograms("weights")[0].histogram_value
    theirs_histogram = theirs.Histograms("weights")[0].histogram_value
    assert ours_histogram.num == theirs_histogram.num
    assert sum(ours_histogram.bucket) == sum(theirs_histogram.bucket)
    assert ours_histogram.sum == pytest.approx(theirs_histogram.sum)
    ours_image = decode_png(ours.Images("picture")[0].encoded_image_string)
    theirs_image = theirs.Images("picture")[0]
    assert (ours_image.shape[0], ours_image.shape[1]) == (theirs_image.height, theirs_image.width)


def test_a_log_dir_that_is_a_file_is_named_in_the_error(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    with pytest.raises(FileExistsError, match="taken"):
        SummaryWriter(taken)


def test_tensors_on_any_device_are_logged(tmp_path, device):
    image = numbatorch.full((1, 2, 2), 0.5, device=device)
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", numbatorch.tensor(1.5, device=device), 1)
        writer.add_image("grey", image, 1)
    accumulator = read(tmp_path)
    assert accumulator.Scalars("loss")[0].value == 1.5
    pixels = decode_png(accumulator.Images("grey")[0].encoded_image_string)
    assert pixels.tolist() == [[[127], [127]], [[127], [127]]]
