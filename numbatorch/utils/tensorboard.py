"""TensorBoard logging: ``SummaryWriter`` with PyTorch's methods (scalars, histograms,
images, text, the autograd graph, hyperparameters), writing event files through the
tensorboard package (install ``numbatorch[tensorboard]``), which TensorBoard and its
``EventAccumulator`` read.

The summaries are the protocol buffers PyTorch's ``torch.utils.tensorboard`` writes, so
TensorBoard shows a numbatorch run as it shows a PyTorch one.
"""

from __future__ import annotations

import math
import os
import socket
import struct
import time
import zlib
from datetime import datetime
from typing import Any

import numpy as np

from .. import _dtype
from .._creation import as_tensor
from ..autograd import grad_mode
from ..tensor import Tensor
from .viz import GraphNode, autograd_graph


def _require_tensorboard() -> None:
    try:
        import tensorboard.summary.writer.event_file_writer  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "numbatorch.utils.tensorboard needs the tensorboard package: "
            "pip install 'numbatorch[tensorboard]'"
        ) from error


def _default_bins() -> np.ndarray:
    """TensorFlow's default histogram buckets (PyTorch's bins='tensorflow'): exponential,
    1e-12 to 1e20 by a factor 1.1 on each side of 0."""
    positive = 1e-12 * 1.1 ** np.arange(math.ceil(math.log(1e32) / math.log(1.1)))
    return np.concatenate([-positive[::-1], [0.0], positive])


def _host(values: Any) -> np.ndarray:
    if isinstance(values, Tensor):
        return values.numpy(force=True)
    return np.asarray(values)


def _as_uint8_image(image: Any) -> np.ndarray:
    """The image as uint8 on the host: floats are taken to be in [0, 1], as in PyTorch."""
    tensor = image.detach() if isinstance(image, Tensor) else as_tensor(np.asarray(image))
    if tensor.dtype.is_floating_point:
        tensor = (tensor.float() * 255).clamp(0, 255)
    return tensor.to(_dtype.uint8).numpy(force=True)


def _to_hwc(image: np.ndarray, dataformats: str) -> np.ndarray:
    """One image as height x width x channels (1, 3 or 4 channels)."""
    if (sorted(dataformats) != sorted("CHW") and dataformats != "HW") or image.ndim != len(
        dataformats
    ):
        raise ValueError(
            f"dataformats {dataformats!r} does not describe an image of shape {image.shape}: "
            "use a permutation of 'CHW' or 'HW' for add_image, of 'NCHW' for add_images"
        )
    if dataformats == "HW":
        image, dataformats = image[None], "CHW"
    hwc = image.transpose([dataformats.index(axis) for axis in "HWC"])
    if hwc.shape[2] not in (1, 3, 4):
        raise ValueError(f"an image needs 1, 3 or 4 channels, not {hwc.shape[2]}")
    return np.ascontiguousarray(hwc)


def _grid(images: np.ndarray, dataformats: str) -> np.ndarray:
    """N images tiled into one, at most 8 a row (as PyTorch's add_images)."""
    if sorted(dataformats) != sorted("NCHW") or images.ndim != 4:
        raise ValueError(
            f"dataformats {dataformats!r} does not describe a batch of images of shape "
            f"{images.shape}: use a permutation of 'NCHW'"
        )
    count = images.shape[dataformats.index("N")]
    tiles = [
        _to_hwc(np.take(images, n, axis=dataformats.index("N")), dataformats.replace("N", ""))
        for n in range(count)
    ]
    height, width, channels = tiles[0].shape
    columns = min(count, 8)
    rows = math.ceil(count / columns)
    canvas = np.zeros((rows * height, columns * width, channels), np.uint8)
    for n, tile in enumerate(tiles):
        row, column = divmod(n, columns)
        canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = tile
    return canvas


def _png(image: np.ndarray) -> bytes:
    """A PNG of a height x width x channels uint8 image (grey, RGB or RGBA)."""
    height, width, channels = image.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    # each row starts with its filter type, 0 (none)
    rows = np.concatenate([np.zeros((height, 1), np.uint8), image.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes()))
        + chunk(b"IEND", b"")
    )


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir`` (by default
    ``runs/<date>_<hostname><comment>``), as PyTorch's ``SummaryWriter``.

    ``purge_step`` tells TensorBoard to drop the events of an earlier run at and after
    that step (for a run resumed from a checkpoint); ``max_queue`` and ``flush_secs`` say
    how many events or seconds pass before the pending events reach the disk.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        _require_tensorboard()
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self._writers: dict[str, Any] = {}  # folder -> EventFileWriter
        self._writer_in(self.log_dir)  # the event file exists from the start, as in PyTorch

    def _writer_in(self, folder: str) -> Any:
        from tensorboard.compat.proto.event_pb2 import Event, SessionLog
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        writer = self._writers.get(folder)
        if writer is None:
            writer = self._writers[folder] = EventFileWriter(
                folder, self.max_queue, self.flush_secs, self.filename_suffix
            )
            if self.purge_step is not None:
                # What TensorBoard reads as "a run restarted here": it drops the older
                # events of this folder from that step on.
                writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                writer.add_event(
                    Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START))
                )
        return writer

    def get_logdir(self) -> str:
        return self.log_dir

    def _add(
        self, summary: Any, global_step: int | None, walltime: float | None, folder: str = ""
    ) -> None:
        from tensorboard.compat.proto.event_pb2 import Event

        event = Event(summary=summary, wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(global_step)
        self._writer_in(folder or self.log_dir).add_event(event)

    # -- scalars ----------------------------------------------------------------------
    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Logs one number under ``tag`` (a Python number or a one-element tensor).
        ``new_style`` stores it as a tensor (TensorBoard loads those faster)."""
        self._add(
            _scalar_summary(tag, scalar_value, new_style, double_precision), global_step, walltime
        )

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs several numbers drawn on one chart: each goes to its own run folder
        ``<log_dir>/<main_tag>_<tag>``, under the tag ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{tag}")
            self._add(_scalar_summary(main_tag, value, False, False), global_step, walltime, folder)

    # -- distributions ------------------------------------------------------------------
    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Logs the distribution of ``values``. ``bins`` is anything ``numpy.histogram``
        takes, or 'tensorflow' (TensorBoard's exponential buckets); ``max_bins`` merges
        neighbouring buckets down to at most that many."""
        from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary

        flat = _host(values).reshape(-1).astype(np.float64)
        if flat.size == 0:
            raise ValueError("The input has no element.")
        # bucket counts on the host, as PyTorch does: a log summary, not a tensor op
        counts, edges = np.histogram(flat, bins=_default_bins() if bins == "tensorflow" else bins)
        if max_bins is not None and counts.size > max_bins:
            group = math.ceil(counts.size / max_bins)
            padded = np.concatenate([counts, np.zeros(-counts.size % group, counts.dtype)])
            counts = padded.reshape(-1, group).sum(axis=1)
            edges = np.append(edges[:-1:group], edges[-1])
        used = np.flatnonzero(counts)
        first, last = (used[0], used[-1]) if used.size else (0, counts.size - 1)
        # TensorBoard's buckets are (previous limit, limit]: a first, empty bucket marks
        # where the lowest used one starts.
        histogram = HistogramProto(
            min=float(flat.min()),
            max=float(flat.max()),
            num=int(flat.size),
            sum=float(flat.sum()),
            sum_squares=float(flat @ flat),
            bucket_limit=edges[first : last + 2].tolist(),
            bucket=[0.0, *counts[first : last + 1].tolist()],
        )
        self._add(Summary(value=[Summary.Value(tag=tag, histo=histogram)]), global_step, walltime)

    # -- images -------------------------------------------------------------------------
    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Logs one image: floats in [0, 1] or uint8, laid out as ``dataformats`` says
        ('CHW', 'HWC', 'HW'; 1, 3 or 4 channels)."""
        image = _to_hwc(_as_uint8_image(img_tensor), dataformats)
        self._add(_image_summary(tag, image), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Logs a batch of images as one grid image, 8 a row."""
        grid = _grid(_as_uint8_image(img_tensor), dataformats)
        self._add(_image_summary(tag, grid), global_step, walltime)

    # -- text -----------------------------------------------------------------------------
    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a (Markdown) text, under ``<tag>/text_summary`` as PyTorch does."""
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.compat.proto.tensor_pb2 import TensorProto
        from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
        from tensorboard.plugins.text.metadata import create_summary_metadata

        tensor = TensorProto(
            dtype="DT_STRING",
            string_val=[text_string.encode("utf-8")],
            tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
        )
        value = Summary.Value(
            tag=f"{tag}/text_summary",
            metadata=create_summary_metadata(display_name=None, description=None),
            tensor=tensor,
        )
        self._add(Summary(value=[value]), global_step, walltime)

    # -- graph --------------------------------------------------------------------------
    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Logs the graph of one forward pass of ``model`` on ``input_to_model`` (a tensor
        or a tuple of them): the ops autograd recorded (grad_fn names such as
        ``AddmmBackward0``) and the parameters they read, named as in
        ``model.named_parameters()``. Inputs that need no gradient are not part of that
        graph. ``verbose`` prints the graph's nodes; ``use_strict_trace`` is accepted for
        PyTorch compatibility (nothing is traced: the graph is autograd's own).
        """
        from tensorboard.compat.proto.event_pb2 import Event

        if input_to_model is None:
            inputs = ()
        elif isinstance(input_to_model, (tuple, list)):
            inputs = tuple(input_to_model)
        else:
            inputs = (input_to_model,)
        with grad_mode.enable_grad():
            output = model(*inputs)
        graph = _graph_def(output, dict(model.named_parameters()), type(model).__name__)
        if verbose:
            for node in graph.node:
                print(node.name, node.op, list(node.input))
        event = Event(graph_def=graph.SerializeToString(), wall_time=time.time())
        self._writer_in(self.log_dir).add_event(event)

    # -- hyperparameters ------------------------------------------------------------------
    def add_hparams(
        self,
        hparam_dict: dict[str, Any],
        metric_dict: dict[str, Any],
        hparam_domain_discrete: dict[str, list] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Logs one trial for TensorBoard's HPARAMS tab: its hyperparameters (numbers,
        strings, bools, one-element tensors) and the metrics it reached, in the run folder
        ``<log_dir>/<run_name>`` (by default the current time)."""
        if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
            raise TypeError("hparam_dict and metric_dict should be dictionaries")
        folder = os.path.join(self.log_dir, run_name or str(time.time()))
        for summary in _hparams_summaries(hparam_dict, metric_dict, hparam_domain_discrete or {}):
            self._add(summary, None, None, folder)
        for tag, value in metric_dict.items():
            self._add(_scalar_summary(tag, value, False, False), global_step, None, folder)

    # -- life cycle -----------------------------------------------------------------------
    def flush(self) -> None:
        """Writes every pending event to disk."""
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        """Flushes and closes every event file; logging after this starts new ones."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _scalar_summary(tag: str, value: Any, new_style: bool, double_precision: bool) -> Any:
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto

    array = _host(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(
            "Tensor should contain one element (0 dimensions). Was given size: "
            f"{array.size} and {array.ndim} dimensions."
        )
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    tensor = (
        TensorProto(double_val=[number], dtype="DT_DOUBLE")
        if double_precision
        else TensorProto(float_val=[number], dtype="DT_FLOAT")
    )
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


def _image_summary(tag: str, image: np.ndarray) -> Any:
    from tensorboard.compat.proto.summary_pb2 import Summary

    height, width, channels = image.shape
    encoded = Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=_png(image)
    )
    return Summary(value=[Summary.Value(tag=tag, image=encoded)])


def _graph_def(output: Any, params: dict[str, Tensor], model_name: str) -> Any:
    """The autograd graph of ``output`` as a TensorBoard GraphDef: parameter nodes under
    the model's name and module path (TensorBoard folds names on '/'), op nodes by their
    grad_fn name, edges from inputs to consumers."""
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.node_def_pb2 import NodeDef
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.compat.proto.versions_pb2 import VersionDef

    names: dict[int, str] = {}
    nodes: dict[int, NodeDef] = {}
    for item in autograd_graph(output, params):
        if not isinstance(item, GraphNode):
            source, consumer = item
            nodes[consumer].input.append(names[source])
            continue
        if item.kind == "parameter":
            path = item.name.replace(".", "/") if item.name else f"leaf_{len(names)}"
            name, op = f"{model_name}/{path}", "Parameter"
        elif item.kind == "op":
            name, op = f"{model_name}/{item.name}_{len(names)}", item.name
        else:
            name, op = f"output_{len(names)}", "Output"
        names[item.key] = name
        node = nodes[item.key] = NodeDef(name=name, op=op)
        if item.shape is not None:
            shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=s) for s in item.shape])
            node.attr["_output_shapes"].CopyFrom(AttrValue(list=AttrValue.ListValue(shape=[shape])))
    # producer 22: the GraphDef version PyTorch's writer declares
    return GraphDef(node=list(nodes.values()), versions=VersionDef(producer=22))


def _hparams_summaries(
    hparam_dict: dict[str, Any], metric_dict: dict[str, Any], domains: dict[str, list]
) -> list:
    """The experiment, session-start and session-end summaries of TensorBoard's hparams
    plugin for one trial."""
    from google.protobuf import struct_pb2
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    kinds = (
        (bool, "bool_value", api_pb2.DATA_TYPE_BOOL),  # before int: a bool is an int
        ((int, float), "number_value", api_pb2.DATA_TYPE_FLOAT64),
        (str, "string_value", api_pb2.DATA_TYPE_STRING),
    )
    unknown = sorted(set(domains) - set(hparam_dict))
    if unknown:
        raise TypeError(f"hparam_domain_discrete names {unknown}, which hparam_dict does not have")
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for name, value in hparam_dict.items():
        if value is None:
            continue
        if isinstance(value, Tensor):
            value = float(_host(value).reshape(-1)[0])
        kind = next((kind for kind in kinds if isinstance(value, kind[0])), None)
        if kind is None:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        types, field, data_type = kind
        setattr(start.hparams[name], field, value)
        domain = None
        if name in domains:
            choices = domains[name]
            if not isinstance(choices, list) or not all(isinstance(c, types) for c in choices):
                raise TypeError(
                    f"parameter: hparam_domain_discrete[{name}] should be a list of same type "
                    f"as hparam_dict[{name}]."
                )
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: c}) for c in choices])
        infos.append(api_pb2.HParamInfo(name=name, type=data_type, domain_discrete=domain))
    experiment = api_pb2.Experiment(
        hparam_infos=infos,
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metric_dict],
    )
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    contents = (
        (metadata.EXPERIMENT_TAG, plugin_data_pb2.HParamsPluginData(experiment=experiment)),
        (
            metadata.SESSION_START_INFO_TAG,
            plugin_data_pb2.HParamsPluginData(session_start_info=start),
        ),
        (metadata.SESSION_END_INFO_TAG, plugin_data_pb2.HParamsPluginData(session_end_info=end)),
    )
    return [
        Summary(value=[Summary.Value(tag=tag, metadata=metadata.create_summary_metadata(data))])
        for tag, data in contents
    ]
