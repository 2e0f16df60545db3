"""What the generative backends share: torch set up once per process, each
model loaded once per process and kept there, its device, dtype and options,
seeded noise that does not depend on the device, and a fingerprint that keys
what a model makes.

Generated pictures and sounds are reproducible on one machine and device
whoever runs the task (the pool, the GPU lane, a Ray worker): the noise comes
from the seed, torch's CPU thread count from the machine. On other hardware
they can differ in the last bits of the arithmetic, as with any float code.

Nothing here imports torch at module level: `mvlang check`, `fmt`, the language
server and a cached rebuild never load it. Every generative task goes through
`torch_module()` first, which makes torch quiet on small CPUs (OpenMP waits
passively; `MVLANG_TORCH_THREADS` sets its thread count) and keeps the hub
offline: models come from local folders only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from mvlang.config import Model
from mvlang.execute.base import TaskError

DTYPES = ("float32", "float16", "bfloat16")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx")
_LOADED: dict[tuple, object] = {}


class ModelError(TaskError):
    """A configured model that cannot be loaded or run: shown without a traceback."""


def torch_module():
    """torch, imported with this machine's settings (once per process)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch

    threads = int(os.environ.get("MVLANG_TORCH_THREADS") or _cores())
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return torch


def _cores() -> int:
    """The CPU threads torch uses: fixed by the machine, not by who started the
    process (Ray sets OMP_NUM_THREADS=1 in its workers; a CPU's sums depend on how
    they are split, so a local build and a Ray build would draw other pictures)."""
    from mvlang.execute.local import default_jobs

    return default_jobs()


def device_of(model: Model) -> str:
    """`device` from the model's table, else the first of cuda, mps, cpu that exists."""
    wanted = model.option("device")
    if wanted:
        return str(wanted)
    torch = torch_module()
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def dtype_of(model: Model, device: str | None = None):
    """`dtype` from the model's table, else float16 on a GPU and float32 on the CPU."""
    torch = torch_module()
    name = model.option("dtype")
    if name is None:
        name = "float32" if (device or device_of(model)) == "cpu" else "float16"
    if name not in DTYPES:
        raise ModelError(f"[models.{model.role}] dtype = {name!r}: choose one of "
                         + ", ".join(DTYPES))
    return getattr(torch, name)


def load(model: Model, loader: Callable, *extra) -> object:
    """The loaded model for `model` (loader(model, device, dtype, *extra)), loaded
    once per process and kept: a worker that runs many tasks of one backend reads
    the weights once."""
    device = device_of(model)
    dtype = dtype_of(model, device)
    key = (model.role, str(model.path), device, str(dtype), loader.__module__,
           loader.__qualname__, model.option("ip_adapter"), *extra)
    if key not in _LOADED:
        _quiet()
        if not model.path.is_dir():
            raise ModelError(f"[models.{model.role}] path: the folder {model.path} does not "
                             "exist")
        try:
            _LOADED[key] = loader(model, device, dtype, *extra)
        except (OSError, ValueError, KeyError, TypeError, ImportError) as error:
            raise ModelError(f"cannot load the `{model.role}` model from {model.path}: "
                             f"{type(error).__name__}: {error}") from error
    return _LOADED[key]


def _quiet() -> None:
    """No loading bars or advice from diffusers and transformers in a build's log."""
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning, module="diffusers")
    for name in ("diffusers", "transformers"):
        try:
            module = __import__(f"{name}.utils.logging", fromlist=["logging"])
        except ImportError:
            continue
        module.set_verbosity_error()
        module.disable_progress_bar()


def dtype_arg(dtype) -> dict:
    """The dtype keyword of diffusers' `from_pretrained`: `dtype` from 0.36 on (which
    warns about `torch_dtype`), `torch_dtype` before."""
    from diffusers.pipelines import pipeline_utils

    return {"dtype" if hasattr(pipeline_utils, "_resolve_dtype") else "torch_dtype": dtype}


def unload_all() -> None:
    """Forget every loaded model (tests that build many folders)."""
    _LOADED.clear()


def noise(seed: int, shape: tuple, device: str, dtype):
    """Gaussian noise from `seed`, drawn on the CPU so that a seed gives the same
    picture whatever the device, then moved there."""
    torch = torch_module()
    generator = torch.Generator("cpu").manual_seed(int(seed) % (1 << 63))
    return torch.randn(shape, generator=generator, dtype=torch.float32).to(device, dtype)


def generator(seed: int):
    """A CPU generator for `seed` (pipelines draw their noise on the CPU with it)."""
    torch = torch_module()
    return torch.Generator("cpu").manual_seed(int(seed) % (1 << 63))


def fingerprint(path: Path) -> str:
    """What identifies a model folder in a task's key, cheaply: the bytes of its
    config files and the names and sizes of its weight files. (Hashing gigabytes
    of weights on every build would cost more than the build; a retrained model
    saved with the same sizes and configs would need a new folder name... or a
    `mvlang cache clear`.)"""
    path = Path(path)
    h = hashlib.sha256()
    if not path.is_dir():
        return "missing"
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        if file.suffix in WEIGHT_SUFFIXES:
            h.update(f"{relative}\0{file.stat().st_size}\0".encode())
        elif file.suffix in (".json", ".txt", ".model", ".yaml"):
            h.update(relative.encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def model_local(model: Model) -> dict:
    """How a worker finds the model again (`task.local["model"]`)."""
    return {"role": model.role, "path": str(model.path), "options": dict(model.options)}


def model_from(local: dict) -> Model:
    return Model(local["role"], Path(local["path"]), tuple(sorted(local["options"].items())))

