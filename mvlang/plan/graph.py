"""The task graph: what a build does, every task keyed before anything runs.

A `Task` is one unit of work with a kind (`keyframe`, `segment`, ...), its
parameters, its seed, the backend that runs it and the tasks whose outputs it
reads. Its key is the sha256 of exactly those things (`keys.digest`); where it
came from (the scene, the line, file paths on this machine) rides along
outside the key, for progress and error messages only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mvlang.plan.keys import digest
from mvlang.source import NO_SPAN, Span


@dataclass(frozen=True)
class Origin:
    """Where a task comes from, for messages: never part of a key."""

    scene: str | None = None
    file: str = ""
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Task:
    kind: str
    params: dict
    inputs: tuple[tuple[str, str], ...] = ()      # (role, key) of the tasks read
    seed: int | None = None
    backend: tuple[str, str] | None = None        # (name, version)
    label: str = field(default="", compare=False)
    origin: Origin = field(default_factory=Origin, compare=False)
    cost: float = field(default=0.1, compare=False)   # estimated seconds on this machine
    local: dict = field(default_factory=dict, compare=False)   # paths on this machine
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", digest(self.identity()))

    def identity(self) -> dict:
        return {"kind": self.kind, "params": self.params, "seed": self.seed,
                "backend": list(self.backend) if self.backend else None,
                "inputs": [[role, key] for role, key in self.inputs]}

    def input(self, role: str) -> str:
        for name, key in self.inputs:
            if name == role:
                return key
        raise LookupError(f"task {self.label or self.kind} has no input `{role}`")

    @property
    def short(self) -> str:
        return self.key[:12]


@dataclass
class Graph:
    """Tasks in an order where every task follows its inputs; `root` is the final video."""

    tasks: dict[str, Task] = field(default_factory=dict)
    root: str = ""
    extras: list[str] = field(default_factory=list)   # built too, though the video needs none
    outputs: dict[str, str] = field(default_factory=dict)   # role ("video", "audio") -> key

    def add(self, task: Task) -> Task:
        for _, key in task.inputs:
            if key not in self.tasks:
                raise ValueError(f"{task.label}: input {key[:12]} is not in the graph yet")
        self.tasks.setdefault(task.key, task)
        return self.tasks[task.key]

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks.values())

    def __len__(self) -> int:
        return len(self.tasks)

    def __getitem__(self, key: str) -> Task:
        return self.tasks[key]

    def consumers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {key: [] for key in self.tasks}
        for task in self.tasks.values():
            for _, key in task.inputs:
                out[key].append(task.key)
        return out

    def needed(self, cached: Iterable[str] | set[str], roots: Iterable[str] = ()) -> list[Task]:
        """The tasks a build must run, in order: those reachable from the roots
        through tasks that are not cached. A cached task's inputs are not needed."""
        cached = set(cached)
        want: set[str] = set()
        stack = list(roots) or [self.root, *self.extras]
        while stack:
            key = stack.pop()
            if key in want or key in cached:
                continue
            want.add(key)
            stack.extend(k for _, k in self.tasks[key].inputs)
        return [t for t in self.tasks.values() if t.key in want]

    def keys(self) -> list[str]:
        return list(self.tasks)
