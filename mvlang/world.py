"""The World: the only door through which the front end reads files.

The command line uses `FileWorld` (the disk), the language server a
`FileWorld` with open editor buffers laid over it, and tests `MemoryWorld`.
`check` asks a World whether the files a script names exist; it never
decodes them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol


class World(Protocol):
    def read_text(self, path: Path) -> str:
        """The text of a file; raises OSError (FileNotFoundError ...) when it cannot."""

    def kind(self, path: Path) -> str | None:
        """"file", "dir", or None when nothing is there."""

    def listdir(self, path: Path) -> list[str]:
        """Names in a folder (empty when it is not one)."""


class FileWorld:
    """The disk, with optional in-memory overlays (open editor buffers)."""

    def __init__(self, overlays: dict[Path, str] | None = None) -> None:
        self.overlays = {Path(os.path.abspath(p)): t for p, t in (overlays or {}).items()}

    def read_text(self, path: Path) -> str:
        path = Path(os.path.abspath(path))
        if path in self.overlays:
            return self.overlays[path]
        return path.read_text(encoding="utf-8")

    def kind(self, path: Path) -> str | None:
        path = Path(os.path.abspath(path))
        if path in self.overlays or path.is_file():
            return "file"
        if path.is_dir():
            return "dir"
        return "file" if path.exists() else None

    def listdir(self, path: Path) -> list[str]:
        try:
            return sorted(os.listdir(path))
        except OSError:
            return []


class MemoryWorld:
    """Files held in a dict, for tests: {"song.mvs": "...", "a.wav": b"" or ""}."""

    def __init__(self, files: dict[str, str | bytes], root: str = "/project") -> None:
        self.root = Path(root)
        self.files = {self._key(Path(name)): body for name, body in files.items()}

    def _key(self, path: Path) -> Path:
        return Path(os.path.normpath(path if path.is_absolute() else self.root / path))

    def read_text(self, path: Path) -> str:
        body = self.files.get(self._key(path))
        if body is None:
            raise FileNotFoundError(str(path))
        return body if isinstance(body, str) else body.decode("utf-8")

    def kind(self, path: Path) -> str | None:
        key = self._key(path)
        if key in self.files:
            return "file"
        if any(key in p.parents for p in self.files):
            return "dir"
        return None

    def listdir(self, path: Path) -> list[str]:
        key = self._key(path)
        return sorted({p.relative_to(key).parts[0] for p in self.files if key in p.parents})
