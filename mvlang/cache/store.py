"""A content-addressed store of task outputs, safe to interrupt at any moment.

Layout under the cache folder (`.mvlang/` next to the script by default):

    objects/ab/abcdef.../        one entry per task key
        manifest.json            key, kind, label, and every file's sha256 and size
        <the task's files>
    tmp/<random>/                entries being written
    roots/<name>.json            the keys of a script's last build (what `gc` keeps)

An entry is written into `tmp/` and renamed into `objects/` only when its
manifest is complete, so a build killed at any point leaves either a whole
entry or none. Reading an entry verifies its files against the manifest; a
corrupt entry is removed and counts as a miss, so it is built again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Entry:
    key: str
    path: Path
    manifest: dict

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def files(self) -> dict[str, dict]:
        return self.manifest["files"]

    @property
    def size(self) -> int:
        return sum(f["size"] for f in self.files.values())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.tmp_root = self.root / "tmp"

    # -- reading -------------------------------------------------------------
    def path(self, key: str) -> Path:
        return self.objects / key[:2] / key

    def has(self, key: str) -> bool:
        """Whether a complete entry exists (its files are not verified: see `get`)."""
        return (self.path(key) / MANIFEST).is_file()

    def get(self, key: str, verify: bool = True) -> Entry | None:
        """The entry for `key`, its files checked against the manifest; None on a
        miss. A corrupt entry is removed."""
        path = self.path(key)
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.evict(key)
            return None
        entry = Entry(key, path, manifest)
        if verify and not self.verify(entry):
            self.evict(key)
            return None
        return entry

    def verify(self, entry: Entry) -> bool:
        try:
            for name, info in entry.files.items():
                file = entry.path / name
                if file.stat().st_size != info["size"] or _sha256(file) != info["sha256"]:
                    return False
        except (OSError, KeyError, TypeError):
            return False
        return entry.manifest.get("key") == entry.key

    # -- writing -------------------------------------------------------------
    def tmp(self) -> Path:
        """A fresh folder to write an entry's files into, then `commit`."""
        path = self.tmp_root / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        path.mkdir(parents=True)
        return path

    def commit(self, key: str, folder: Path, meta: dict | None = None) -> Entry:
        """Record the files in `folder` (from `tmp()`) as the entry for `key`, atomically."""
        files = {}
        for file in sorted(folder.iterdir()):
            if file.name == MANIFEST or not file.is_file():
                continue
            files[file.name] = {"sha256": _sha256(file), "size": file.stat().st_size}
        manifest = {"key": key, "files": files, "created": round(time.time(), 3),
                    **(meta or {})}
        part = folder / (MANIFEST + ".part")
        with open(part, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, folder / MANIFEST)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(folder, target)
        except OSError:
            if self.has(key):          # another build wrote the same entry first
                shutil.rmtree(folder, ignore_errors=True)
            else:                      # a stale partial folder without a manifest
                shutil.rmtree(target, ignore_errors=True)
                os.rename(folder, target)
        return Entry(key, target, manifest)

    def evict(self, key: str) -> None:
        path = self.path(key)
        if path.exists():
            # rename first, so that no reader sees a half-removed entry
            trash = self.tmp_root / f"evicted-{uuid.uuid4().hex[:12]}"
            trash.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(path, trash)
            except OSError:
                trash = path
            shutil.rmtree(trash, ignore_errors=True)

    # -- housekeeping --------------------------------------------------------
    def entries(self):
        """Every complete entry (unverified), oldest first."""
        if not self.objects.is_dir():
            return []
        found = []
        for manifest in self.objects.glob(f"*/*/{MANIFEST}"):
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {"key": manifest.parent.name, "files": {}}
            found.append(Entry(manifest.parent.name, manifest.parent, data))
        return sorted(found, key=lambda e: e.manifest.get("created", 0))

    def record_root(self, name: str, keys: list[str]) -> None:
        """Remember the keys of a script's latest build: `gc` keeps them."""
        folder = self.root / "roots"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.json"
        part = target.with_suffix(".part")
        part.write_text(json.dumps({"script": name, "keys": keys}), encoding="utf-8")
        os.replace(part, target)

    def roots(self) -> dict[str, set[str]]:
        folder = self.root / "roots"
        out = {}
        for file in folder.glob("*.json") if folder.is_dir() else []:
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                if not Path(data["script"]).exists():     # a script since removed
                    file.unlink()
                    continue
                out[data["script"]] = set(data["keys"])
            except (OSError, ValueError, KeyError):
                continue
        return out

    def clean_tmp(self, older_than: float = 0.0) -> int:
        """Remove unfinished entries (from interrupted builds) older than `older_than` s."""
        removed = 0
        if not self.tmp_root.is_dir():
            return 0
        now = time.time()
        for folder in self.tmp_root.iterdir():
            try:
                if now - folder.stat().st_mtime >= older_than:
                    shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink()
                    removed += 1
            except OSError:
                continue
        return removed

    def clean_stale(self) -> int:
        """Remove unfinished entries left by builds that were killed (their
        process is gone); those of running builds are left alone."""
        removed = 0
        if not self.tmp_root.is_dir():
            return 0
        for folder in self.tmp_root.iterdir():
            pid = folder.name.split("-", 1)[0]
            try:
                made = folder.stat().st_mtime
            except OSError:
                continue
            if pid.isdigit() and _alive(int(pid), made):
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        return removed

    def gc(self) -> tuple[int, int]:
        """Remove entries no recorded build uses, and unfinished ones: (count, bytes)."""
        roots = self.roots()
        keep = set().union(*roots.values()) if roots else set()
        count = size = 0
        for entry in self.entries():
            if entry.key not in keep:
                size += _tree_size(entry.path)
                self.evict(entry.key)
                count += 1
        self.clean_tmp(older_than=3600)
        return count, size

    def clear(self) -> tuple[int, int]:
        count, size = len(self.entries()), _tree_size(self.root) if self.root.exists() else 0
        for name in ("objects", "tmp", "roots", "outputs", "analysis"):
            shutil.rmtree(self.root / name, ignore_errors=True)
        return count, size


def _alive(pid: int, since: float | None = None) -> bool:
    """Whether the process that made a folder at `since` still runs: not when
    the pid is gone, a zombie (killed, not yet reaped), or a newer process that
    got the same pid (Linux tells both from /proc; elsewhere, the pid alone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:       # it exists, and belongs to someone else
        pass
    started = _started(pid)
    if started is None:
        return True
    state, at = started
    return state != "Z" and (since is None or at <= since + 1.0)


def _started(pid: int) -> tuple[str, float] | None:
    """(state, start time in seconds since the epoch) of a process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        boot = next(float(line.split()[1]) for line in
                    Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
        return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
