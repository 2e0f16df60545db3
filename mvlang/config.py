"""`mvlang.toml`: a project's settings, found next to the script (or named).

    [cache]
    dir = ".mvlang"                 # where analyses and (later) artifacts live

    [beats]
    tracker = "mvlang"              # or "beat-this" (needs `checkpoint`) or "librosa"
    checkpoint = "models/beat_this_final0.ckpt"

Paths are relative to the file's folder. Nothing is ever downloaded.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

NAME = "mvlang.toml"


class ConfigError(Exception):
    """A `mvlang.toml` that cannot be read or holds a bad value."""


@dataclass(frozen=True)
class Config:
    root: Path                       # the folder paths are relative to
    cache_dir: Path
    tracker: str = "mvlang"
    checkpoint: Path | None = None
    file: Path | None = None         # the mvlang.toml read, if any


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
    return Config(root, root / cache, tracker, root / checkpoint if checkpoint else None, path)
