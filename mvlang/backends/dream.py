"""`effect dream` on a real CNN: DeepDream over octaves, stable on video.

The model is a local transformers image model folder whose hidden states are
feature maps: ResNet, ConvNeXt and their kind (`config.json` names the
architecture; `AutoModel`, or `AutoBackbone` for a backbone-only folder, loads it
with `output_hidden_states=True`). `[models.dream]` in `mvlang.toml` names the
folder; `steps` there is the number of gradient steps per octave (default 10).

Layers. `layer "name"` picks the hidden state whose activations are amplified.
The names are the model's `stage_names` from its config, one per hidden state:
for ResNet and ConvNeXt "stem" (after the stem, 1/4 size), "stage1", "stage2",
... (each stage's output); a model whose config has no stage names uses the
hidden-state indices "0", "1", .... The index of a hidden state is accepted as
well in every case ("2" is "stage2" on a ResNet). `layers(model)` lists the
names; an unknown name raises `ModelError` listing them. The default is the
middle hidden state, rounded up ("stage2" of the tiny 3-stage test ResNet,
"stage3" of a 4-stage ResNet-50 or ConvNeXt): deeper stages dream objects,
shallower ones strokes and textures.

Stills. `Dreamer.still(picture)`: classic DeepDream. The picture is normalised
(mean and std from the folder's `preprocessor_config.json`, else ImageNet's),
shrunk into octaves 1.4 times apart (`octaves` of them; by default as many as
keep the smallest octave's short side at 32 px or more, at most 4), and from
the smallest octave up the
detail added so far is carried up and `steps` gradient-ascent steps are taken
on the mean square of the layer's activations: each step rolls the picture by
a random jitter (numpy generator seeded from `seed`: the same inputs give the
same output), normalises the gradient by its mean absolute value and adds
`STEP * strength` times it; the picture stays within the normalised range of
0..255. `strength` 0 returns the picture unchanged.

Video. `Dreamer.frame(frame)` is stateful: the first frame is dreamed like a
still; every later one starts from the new source frame plus the previous
frame's hallucination (dreamed minus source), warped along the optical flow
from the previous source frame to this one and scaled by `BLEND`, then takes
`VIDEO_STEPS` of the steps (the dream is already there; it only needs to
follow the new picture). The patterns stick to what they grew on and move
with it instead of being re-grown from nothing on every frame, so the video
does not flicker (the classic "flow blending" of deepdream videos). Frames
must come in order; `reset()` (or a new Dreamer) starts another shot, and a
frame of another size starts one too.

Optical flow (`optical_flow`, `warp`) is a pyramidal, iterative Lucas-Kanade
in numpy/scipy: dense, on the grey levels, with Gaussian windows; on textured
pictures it finds smooth motions of up to 8-10 px (more on bigger pictures,
which get more pyramid levels) to about a tenth of a pixel. Pictures larger than
360 px on their short side are solved at a pyramid level of at most that and the
flow scaled up: about 1 s for a 720p pair on one core.

Nothing here imports torch or transformers at module level. The model runs on
`device_of(model)` in `dtype_of(model)` (always float32 on the CPU); the
picture being dreamed, its gradients and the steps are float32.
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from scipy import ndimage

from mvlang.backends import runtime
from mvlang.backends.runtime import ModelError
from mvlang.config import Model

__all__ = ["Dreamer", "layers", "optical_flow", "warp"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
STEPS = 10               # gradient steps per octave (`steps` in [models.dream])
STEP = 0.026             # step size at strength 1, in normalised units per mean |gradient|
                         # (about 1.5 levels of 255, as in the original DeepDream)
OCTAVE_SCALE = 1.4
MAX_OCTAVES = 4          # when `octaves` is not given: at most this many...
MIN_OCTAVE_SIDE = 32     # ...and none smaller than this on its short side
JITTER = 0.08            # random roll of up to this fraction of the octave's short side
BLEND = 0.9              # how much of the previous frame's hallucination carries over
VIDEO_STEPS = 0.1        # later video frames take this fraction of the steps (at least 1):
                         # with BLEND 0.9 the dream neither fades nor piles up over a shot
FLOW_RIDGE = 1e-2        # optical flow: ridge, relative to the mean gradient energy
FLOW_MIN_SIDE = 24       # optical flow: the pyramid's coarsest level is at least this small
FLOW_MAX_SIDE = 360      # optical flow: solved at a pyramid level at most this small, scaled up


# ---------------------------------------------------------------------- the network

class _Net:
    """A loaded folder: the network, its layer names, normalisation and how to reach a layer."""

    def __init__(self, model: Model, device: str, dtype):
        torch = runtime.torch_module()
        import transformers
        from transformers import AutoModel

        path = str(model.path)
        with quiet():
            try:
                net = AutoModel.from_pretrained(path, local_files_only=True, dtype=dtype)
            except ValueError:
                net = transformers.AutoBackbone.from_pretrained(path, local_files_only=True,
                                                                dtype=dtype)
        net = net.eval().to(device)
        net.requires_grad_(False)
        self.net, self.device, self.dtype, self.role = net, device, dtype, model.role
        self.mean, self.std = _normalisation(model.path)
        with torch.no_grad():
            probe = torch.zeros(1, 3, 64, 64, device=device, dtype=dtype)
            hidden = self._hidden_states(probe)
        if not hidden or any(h.ndim != 4 for h in hidden):
            raise ModelError(f"[models.{model.role}] {model.path}: the model's hidden states are "
                             "not feature maps (a CNN such as ResNet or ConvNeXt is needed)")
        names = list(getattr(net.config, "stage_names", None) or [])
        if len(names) != len(hidden):
            names = [str(i) for i in range(len(hidden))]
        self.names = names
        self.modules = [self._module_of(i) for i in range(len(hidden))]
        # use a layer's module directly (stopping the forward pass there) only where it gives
        # exactly that hidden state
        with torch.no_grad():
            for i, module in enumerate(self.modules):
                if module is not None:
                    got = self._stop_at(probe, module)
                    if got is None or got.shape != hidden[i].shape \
                            or not torch.allclose(got, hidden[i], atol=1e-4, rtol=1e-3):
                        self.modules[i] = None

    def _hidden_states(self, x):
        out = self.net(x, output_hidden_states=True, return_dict=True)
        hidden = getattr(out, "hidden_states", None)
        if hidden is None and hasattr(out, "feature_maps"):
            hidden = out.feature_maps
        return list(hidden or [])

    def _module_of(self, index: int):
        """The submodule whose output is hidden state `index` (ResNet, ConvNeXt), or None."""
        base = getattr(self.net, "base_model", self.net)
        stages = getattr(getattr(base, "encoder", None), "stages", None)
        if stages is None:
            return None
        if index == 0:
            stem = getattr(base, "embedder", None)
            return stem if stem is not None else getattr(base, "embeddings", None)
        return stages[index - 1] if index - 1 < len(stages) else None

    def _stop_at(self, x, module):
        class Stop(Exception):
            pass

        caught = []

        def hook(_module, _inputs, output):
            caught.append(output)
            raise Stop

        handle = module.register_forward_hook(hook)
        try:
            self.net(x, output_hidden_states=False, return_dict=True)
        except Stop:
            pass
        finally:
            handle.remove()
        if not caught or not hasattr(caught[0], "ndim"):
            return None
        return caught[0]

    def index(self, layer: str | None) -> int:
        if layer is None:
            return (len(self.names) + 1) // 2 if len(self.names) > 1 else 0
        name = str(layer)
        if name in self.names:
            return self.names.index(name)
        if name.isdigit() and int(name) < len(self.names):
            return int(name)
        raise ModelError(f"effect dream: the `{self.role}` model has no layer {name!r}; its "
                         "layers are " + ", ".join(f'"{n}"' for n in self.names))

    def activations(self, x, index: int):
        module = self.modules[index]
        if module is not None:
            return self._stop_at(x, module)
        return self._hidden_states(x)[index]


@contextmanager
def quiet():
    """transformers without its progress bars and load reports (a classifier's folder loaded
    as its bare model reports the head it leaves out), restored afterwards."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _normalisation(folder: Path) -> tuple[tuple, tuple]:
    file = Path(folder) / "preprocessor_config.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        mean, std = data.get("image_mean"), data.get("image_std")
        if data.get("do_normalize", True) and len(mean) == 3 and len(std) == 3 \
                and all(float(s) > 0 for s in std):
            return tuple(float(m) for m in mean), tuple(float(s) for s in std)
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return IMAGENET_MEAN, IMAGENET_STD


def _load(model: Model, device: str, dtype) -> _Net:
    if device == "cpu":        # half precision on the CPU is slow where it works at all
        dtype = runtime.torch_module().float32
    return _Net(model, device, dtype)


def _net(model: Model) -> _Net:
    return runtime.load(model, _load)


def layers(model: Model) -> list[str]:
    """The names `layer "name"` may give for this model (see the module's docstring)."""
    return list(_net(model).names)


# ---------------------------------------------------------------------- dreaming

class Dreamer:
    """DeepDream with one model, layer and strength: `still` for pictures, `frame` for video."""

    def __init__(self, model: Model, *, strength: float = 1.0, octaves: int | None = None,
                 layer: str | None = None, seed: int = 0):
        strength = float(strength)
        if not math.isfinite(strength) or strength < 0:
            raise ValueError(f"effect dream: strength must be a number >= 0, not {strength}")
        if octaves is not None and int(octaves) < 1:
            raise ValueError(f"effect dream: octaves must be at least 1, not {octaves}")
        self.model = model
        self.strength = strength
        self.octaves = None if octaves is None else int(octaves)
        self.seed = int(seed)
        self.steps = int(model.option("steps", STEPS))
        if self.steps < 0:
            raise ModelError(f"[models.{model.role}] steps = {self.steps}: must be >= 0")
        self._net = _net(model)
        self.layer_index = self._net.index(layer)
        self.layer = self._net.names[self.layer_index]
        self.reset()

    def reset(self) -> None:
        """Forget the previous video frame: the next `frame` starts a new shot."""
        self._previous: tuple[np.ndarray, np.ndarray] | None = None   # (source, dreamed) float32
        self._count = 0

    # ------------------------------------------------------------------ public
    def still(self, frame: np.ndarray) -> np.ndarray:
        """One HxWx3 uint8 picture, dreamed from scratch (a new HxWx3 uint8 array)."""
        source = _check(frame).astype(np.float32)
        return _to_uint8(self._dream(source, self.steps, self._rng(0)))

    def frame(self, frame: np.ndarray) -> np.ndarray:
        """The next frame of a video, dreamed so that it follows the previous one."""
        source = _check(frame).astype(np.float32)
        if self._previous is None or self._previous[0].shape != source.shape:
            self._count = 0
            dreamed = self._dream(source, self.steps, self._rng(0))
        else:
            before, dreamed_before = self._previous
            flow = optical_flow(before, source)
            carried = warp(dreamed_before - before, flow)
            start = source + BLEND * carried
            steps = max(1, round(self.steps * VIDEO_STEPS)) if self.steps else 0
            dreamed = self._dream(start, steps, self._rng(self._count))
        self._previous = (source, dreamed)
        self._count += 1
        return _to_uint8(dreamed)

    # ------------------------------------------------------------------ inside
    def _rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed & (2**63 - 1), 0xD2EA, int(index)])

    def _octave_sizes(self, height: int, width: int) -> list[tuple[int, int]]:
        count = self.octaves
        if count is None:
            count = 1
            while count < MAX_OCTAVES and \
                    min(height, width) / OCTAVE_SCALE ** count >= MIN_OCTAVE_SIDE:
                count += 1
        sizes = []
        for k in range(count):
            h = max(1, round(height / OCTAVE_SCALE ** k))
            w = max(1, round(width / OCTAVE_SCALE ** k))
            if min(h, w) < 8 and sizes:    # the network cannot see anything smaller
                break
            sizes.append((h, w))
        return sizes

    def _dream(self, picture: np.ndarray, steps: int, rng: np.random.Generator) -> np.ndarray:
        """picture HxWx3 float32 0..255 (may hold a carried dream) -> dreamed, float32 0..255."""
        if steps <= 0 or self.strength <= 0:
            return np.clip(picture, 0.0, 255.0)
        torch = runtime.torch_module()
        F = torch.nn.functional
        net = self._net
        H, W = picture.shape[:2]
        mean = torch.tensor(net.mean, dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(net.std, dtype=torch.float32).view(1, 3, 1, 1)
        low, high = (0.0 - mean) / std, (1.0 - mean) / std
        x = torch.from_numpy(np.ascontiguousarray(picture.transpose(2, 0, 1)))[None] / 255.0
        x = ((x - mean) / std).clamp(low, high)
        device = net.device
        mean, std, low, high, x = (t.to(device) for t in (mean, std, low, high, x))
        sizes = self._octave_sizes(H, W)
        bases = [x] + [F.interpolate(x, size=s, mode="bilinear", align_corners=False,
                                     antialias=True) for s in sizes[1:]]
        step = STEP * self.strength
        detail = torch.zeros_like(bases[-1])
        for base in reversed(bases):
            if detail.shape != base.shape:
                detail = F.interpolate(detail, size=base.shape[2:], mode="bilinear",
                                       align_corners=False)
            image = base + detail
            reach = max(1, int(JITTER * min(base.shape[2:])))
            for _ in range(steps):
                image = self._step(image, step, rng, reach, low, high)
            detail = image - base
        out = (image * std + mean) * 255.0
        return out[0].permute(1, 2, 0).float().cpu().numpy().clip(0.0, 255.0)

    def _step(self, image, step, rng, reach, low, high):
        torch = runtime.torch_module()
        oy, ox = (int(v) for v in rng.integers(-reach, reach + 1, size=2))
        rolled = torch.roll(image, shifts=(oy, ox), dims=(2, 3)).detach().requires_grad_(True)
        with torch.enable_grad():
            act = self._net.activations(rolled.to(self._net.dtype), self.layer_index)
            loss = act.float().pow(2).mean()
            (grad,) = torch.autograd.grad(loss, rolled)
        grad = grad.float()
        grad = grad / (grad.abs().mean() + 1e-12)
        moved = rolled.detach() + step * grad
        return torch.roll(moved, shifts=(-oy, -ox), dims=(2, 3)).clamp(low, high)


def _check(frame) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 picture, got {frame.shape} {frame.dtype}")
    return frame


def _to_uint8(picture: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(picture, 0.0, 255.0)).astype(np.uint8)


# ---------------------------------------------------------------------- optical flow

def _grey(image) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"expected an HxW or HxWx3 picture, got {image.shape}")
    return image


def _down(image: np.ndarray) -> np.ndarray:
    """Blur and halve (each coarse pixel covers two fine ones each way)."""
    blurred = ndimage.gaussian_filter(image, 1.0, mode="nearest")
    h, w = (image.shape[0] + 1) // 2, (image.shape[1] + 1) // 2
    return _resize(blurred, (h, w))


def _resize(field: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resampling of a 2-D field to `shape`, pixel areas aligned."""
    h0, w0 = field.shape
    h, w = shape
    y = (np.arange(h, dtype=np.float32) + 0.5) * (h0 / h) - 0.5
    x = (np.arange(w, dtype=np.float32) + 0.5) * (w0 / w) - 0.5
    return _sample(field, np.broadcast_to(y[:, None], (h, w)), np.broadcast_to(x[None, :], (h, w)))


def _sample(field: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Bilinear samples of a 2-D float32 field at (y, x), edges clamped."""
    h, w = field.shape
    y = np.clip(y, 0.0, h - 1.0)
    x = np.clip(x, 0.0, w - 1.0)
    y0 = np.minimum(np.floor(y).astype(np.intp), max(h - 2, 0))
    x0 = np.minimum(np.floor(x).astype(np.intp), max(w - 2, 0))
    fy = (y - y0).astype(np.float32)
    fx = (x - x0).astype(np.float32)
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    top = field[y0, x0] * (1 - fx) + field[y0, x1] * fx
    bottom = field[y1, x0] * (1 - fx) + field[y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Move `image` along `flow` (a backward warp): out[y, x] = image[y - dy, x - dx] with
    (dx, dy) = flow[y, x], sampled bilinearly, edges clamped. With flow = optical_flow(a, b),
    warp(a, flow) looks like b. HxW or HxWxC; a uint8 image gives uint8 (rounded), anything
    else float32."""
    image = np.asarray(image)
    flow = np.asarray(flow, dtype=np.float32)
    h, w = image.shape[:2]
    if flow.shape != (h, w, 2):
        raise ValueError(f"flow is {flow.shape}, expected {(h, w, 2)} for a {w}x{h} picture")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    y, x = yy - flow[..., 1], xx - flow[..., 0]
    data = image.astype(np.float32)
    if data.ndim == 2:
        out = _sample(data, y, x)
    else:
        out = np.stack([_sample(np.ascontiguousarray(data[..., c]), y, x)
                        for c in range(data.shape[2])], axis=2)
    if image.dtype == np.uint8:
        return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
    return out


def optical_flow(a: np.ndarray, b: np.ndarray, *, window: float = 3.5,
                 iterations: int = 5) -> np.ndarray:
    """Dense motion from picture `a` to picture `b` (HxW or HxWx3, any numeric type):
    float32 (H, W, 2), flow[y, x] = (dx, dy) = how far the content seen at (x, y) in `b`
    has moved since `a`, so that b[y, x] ~ a[y - dy, x - dx] (see `warp`).

    Pyramidal, iterative Lucas-Kanade: halving pyramids of the grey levels down to ~16 px;
    at each level, from the coarser level's flow, `iterations` times: warp `a` by the flow,
    and solve the windowed (Gaussian, sigma `window` px) 2x2 least-squares system of the
    linearised brightness constancy for the update, with the gradients of the mean of the
    two pictures and a small ridge so that flat areas keep the coarse flow."""
    A, B = _grey(a), _grey(b)
    if A.shape != B.shape:
        raise ValueError(f"pictures of different sizes: {A.shape} and {B.shape}")
    scale = max(float(np.abs(A).max()), float(np.abs(B).max()), 1e-6)
    A, B = A / scale, B / scale
    pyramid = [(A, B)]
    while min(pyramid[-1][0].shape) >= FLOW_MIN_SIDE and len(pyramid) < 8:
        pa, pb = pyramid[-1]
        pyramid.append((_down(pa), _down(pb)))
    # big pictures: the flow is solved at the first level no larger than FLOW_MAX_SIDE and
    # scaled up (motion is smooth; this keeps a 720p frame under a second)
    finest = next(i for i, (pa, _) in enumerate(pyramid)
                  if min(pa.shape) <= FLOW_MAX_SIDE or i == len(pyramid) - 1)
    flow = np.zeros(pyramid[-1][0].shape + (2,), np.float32)
    for pa, pb in reversed(pyramid[finest:]):
        h, w = pa.shape
        flow = _resize_flow(flow, (h, w))
        pa = ndimage.gaussian_filter(pa, 0.7, mode="nearest")
        pb = ndimage.gaussian_filter(pb, 0.7, mode="nearest")
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        gby, gbx = np.gradient(pb)
        for _ in range(iterations):
            sy, sx = yy - flow[..., 1], xx - flow[..., 0]
            aw = _sample(pa, sy, sx)
            # samples from outside `a` (content that entered the frame) say nothing
            inside = ((sy >= 0) & (sy <= h - 1) & (sx >= 0) & (sx <= w - 1)).astype(np.float32)
            gay, gax = np.gradient(aw)
            ix, iy = 0.5 * (gax + gbx) * inside, 0.5 * (gay + gby) * inside
            it = aw - pb
            sxx = ndimage.gaussian_filter(ix * ix, window, mode="nearest", truncate=3.0)
            sxy = ndimage.gaussian_filter(ix * iy, window, mode="nearest", truncate=3.0)
            syy = ndimage.gaussian_filter(iy * iy, window, mode="nearest", truncate=3.0)
            sxt = ndimage.gaussian_filter(ix * it, window, mode="nearest", truncate=3.0)
            syt = ndimage.gaussian_filter(iy * it, window, mode="nearest", truncate=3.0)
            ridge = FLOW_RIDGE * float(np.mean(sxx + syy)) + 1e-9
            sxx += ridge
            syy += ridge
            det = sxx * syy - sxy * sxy
            du = (syy * sxt - sxy * syt) / det
            dv = (sxx * syt - sxy * sxt) / det
            flow[..., 0] += np.clip(du, -1.0, 1.0)
            flow[..., 1] += np.clip(dv, -1.0, 1.0)
            # a 3x3 median keeps one bad window from dragging its neighbours along
            flow[..., 0] = ndimage.median_filter(flow[..., 0], size=3, mode="nearest")
            flow[..., 1] = ndimage.median_filter(flow[..., 1], size=3, mode="nearest")
    return _resize_flow(flow, A.shape)


def _resize_flow(flow: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    if flow.shape[:2] == (h, w):
        return flow
    fy, fx = h / flow.shape[0], w / flow.shape[1]
    return np.stack([_resize(flow[..., 0], (h, w)) * fx,
                     _resize(flow[..., 1], (h, w)) * fy], axis=2).astype(np.float32)
