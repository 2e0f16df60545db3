"""`mvlang.toml`: a project's settings, found next to the script (or named).

    [cache]
    dir = ".mvlang"                 # where analyses and (later) artifacts live

    [beats]
    tracker = "mvlang"              # or "beat-this" (needs `checkpoint`) or "librosa"
    checkpoint = "models/beat_this_final0.ckpt"

    [build]
    backend = "preview"             # the default for `mvlang build`

    [execute]
    ray = "auto"                    # build on Ray: "local", "auto" or a head's address
    store = "driver"                # "shared" (every node sees the cache) or "driver"

    [models.image]                  # one table per role: image, inpaint, video,
    path = "models/sd15"            # music, sfx, dream
    device = "cuda"                 # optional: device, dtype, steps, guidance, batch,
                                    # size (the drawing's side), ip_adapter (a folder), ip_scale
    dtype = "float16"
    steps = 30

Paths are relative to the file's folder. Nothing is ever downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomllib

NAME = "mvlang.toml"


class ConfigError(Exception):
    """A `mvlang.toml` that cannot be read or holds a bad value."""


ROLES = ("image", "inpaint", "video", "music", "sfx", "dream")
MODEL_KEYS = {"path": str, "device": str, "dtype": str, "steps": int, "guidance": (int, float),
              "batch": int, "size": int, "ip_adapter": str, "ip_scale": (int, float)}
PATH_KEYS = ("path", "ip_adapter")     # folders, relative to the file's folder


@dataclass(frozen=True)
class Model:
    """A local model folder for one role (`[models.ROLE]`)."""

    role: str
    path: Path
    options: tuple[tuple[str, object], ...] = ()

    def option(self, name: str, default=None):
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class Config:
    root: Path                       # the folder paths are relative to
    cache_dir: Path
    tracker: str = "mvlang"
    checkpoint: Path | None = None
    file: Path | None = None         # the mvlang.toml read, if any
    backend: str = "preview"         # [build] backend
    models: tuple[Model, ...] = ()   # [models.ROLE]
    ray: str | None = None           # [execute] ray
    store: str | None = None         # [execute] store


def load_config(script_dir: Path, path: Path | None = None) -> Config:
    """The settings for a script in `script_dir` (defaults when there is no file)."""
    path = Path(path) if path else Path(script_dir) / NAME
    if not path.exists():
        if path.name != NAME or path.parent != Path(script_dir):
            raise ConfigError(f"the configuration file {path} does not exist")
        return Config(Path(script_dir), Path(script_dir) / ".mvlang")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    root = path.parent
    beats = data.get("beats", {})
    tracker = beats.get("tracker", "mvlang")
    if tracker not in ("mvlang", "beat-this", "librosa"):
        raise ConfigError(f"{path}: [beats] tracker = {tracker!r}: choose \"mvlang\", "
                          "\"beat-this\" or \"librosa\"")
    checkpoint = beats.get("checkpoint")
    if tracker == "beat-this" and not checkpoint:
        raise ConfigError(f"{path}: [beats] tracker = \"beat-this\" needs `checkpoint`, "
                          "the path of a local beat_this checkpoint file")
    cache = data.get("cache", {}).get("dir", ".mvlang")
    backend = data.get("build", {}).get("backend", "preview")
    if backend not in ("preview", "diffusers"):
        raise ConfigError(f"{path}: [build] backend = {backend!r}: choose \"preview\" or "
                          "\"diffusers\"")
    execute = data.get("execute", {})
    ray, store = execute.get("ray"), execute.get("store")
    if ray is not None and not isinstance(ray, str):
        raise ConfigError(f"{path}: [execute] ray = {ray!r}: \"local\", \"auto\" or an address")
    if store not in (None, "shared", "driver"):
        raise ConfigError(f"{path}: [execute] store = {store!r}: choose \"shared\" or "
                          "\"driver\"")
    return Config(root, root / cache, tracker, root / checkpoint if checkpoint else None, path,
                  backend, _models(data.get("models", {}), root, path), ray, store)


def _models(table, root: Path, path: Path) -> tuple[Model, ...]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [models] holds one table per role: [models.image], ...")
    models = []
    for role, entry in table.items():
        if role not in ROLES:
            raise ConfigError(f"{path}: [models.{role}]: no such role; the roles are "
                              + ", ".join(ROLES))
        if not isinstance(entry, dict) or "path" not in entry:
            raise ConfigError(f"{path}: [models.{role}] needs `path`, the model's local folder")
        options = []
        for key, value in entry.items():
            kind = MODEL_KEYS.get(key)
            if kind is None:
                raise ConfigError(f"{path}: [models.{role}] {key}: unknown setting; the "
                                  "settings are " + ", ".join(MODEL_KEYS))
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ConfigError(f"{path}: [models.{role}] {key} = {value!r} has the wrong type")
            if key in PATH_KEYS[1:]:
                value = str(root / value)
            if key != "path":
                options.append((key, value))
        models.append(Model(role, root / entry["path"], tuple(options)))
    return tuple(models)
