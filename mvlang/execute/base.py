"""The executor interface, and the code that runs one task anywhere."""

from __future__ import annotations

import shutil
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mvlang.cache.store import Store
from mvlang.plan.graph import Task

# runner(task, inputs, out): does the task's work, reading the entries of its
# inputs ([(role, entry folder)], in the task's order) and writing its files
# into the folder `out`.
Runner = Callable[[Task, list, Path], None]


@dataclass(frozen=True)
class Event:
    kind: str                     # "start", "done", "failed", "skipped"
    task: Task
    seconds: float = 0.0
    error: str = ""               # for "failed": the message; "skipped": which input failed
    detail: str = ""              # for "failed": the traceback
    node: str = ""                # the machine that ran it (a Ray cluster's node)


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    failed: dict[str, Event] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped and not self.interrupted


class Executor(Protocol):
    def run(self, tasks: Sequence[Task], store: Store, runner: Runner,
            on_event: Callable[[Event], None]) -> Outcome: ...


class TaskError(Exception):
    """A task that failed in a way the user can act on (a bad file, say): its
    message is shown without a traceback."""


def run_one(task: Task, store_root: str, runner: Runner) -> tuple[str, float, str, str]:
    """Run one task and commit its output: ("done"|"failed", seconds, message, traceback).

    Runs in a worker process (or in the build's own process). The output is
    written into a fresh temporary folder and committed by renaming, so a
    worker killed at any point leaves nothing half-written behind."""
    store = Store(Path(store_root))
    started = time.perf_counter()
    out = store.tmp()
    try:
        runner(task, _inputs(store, task), out)
        seconds = time.perf_counter() - started
        store.commit(task.key, out, {"kind": task.kind, "label": task.label,
                                     "seconds": round(seconds, 3)})
        return "done", seconds, "", ""
    except Exception as error:  # noqa: BLE001 - reported as the task's failure, never raised
        shutil.rmtree(out, ignore_errors=True)
        message = str(error) if isinstance(error, TaskError) else \
            f"{type(error).__name__}: {error}"
        return "failed", time.perf_counter() - started, message, traceback.format_exc()


def _inputs(store: Store, task: Task) -> list[tuple[str, Path]]:
    """The entry folders of a task's inputs, in its order: [(role, folder)]."""
    found = []
    for role, key in task.inputs:
        entry = store.get(key, verify=False)
        if entry is None:
            raise TaskError(f"input `{role}` ({key[:12]}) is missing from the cache")
        found.append((role, entry.path))
    return found


def run_many(tasks: Sequence[Task], store_root: str, runner: Runner) -> list[tuple]:
    """Run tasks of one batch group together (the runner's `batch`, when it has
    one, gets them all in one call; a model draws them in one pass) and commit
    each: one ("done"|"failed", seconds, message, traceback) per task. A failure
    of the batch fails each of its tasks."""
    batch = getattr(runner, "batch", None)
    if len(tasks) == 1 or batch is None:
        return [run_one(task, store_root, runner) for task in tasks]
    store = Store(Path(store_root))
    started = time.perf_counter()
    outs = [store.tmp() for _ in tasks]
    try:
        batch(list(tasks), [_inputs(store, task) for task in tasks], outs)
        seconds = (time.perf_counter() - started) / len(tasks)
        for task, out in zip(tasks, outs):
            store.commit(task.key, out, {"kind": task.kind, "label": task.label,
                                         "seconds": round(seconds, 3), "batch": len(tasks)})
        return [("done", seconds, "", "")] * len(tasks)
    except Exception as error:  # noqa: BLE001 - reported as each task's failure
        for out in outs:
            shutil.rmtree(out, ignore_errors=True)
        message = str(error) if isinstance(error, TaskError) else \
            f"{type(error).__name__}: {error}"
        seconds = time.perf_counter() - started
        return [("failed", seconds, message, traceback.format_exc())] * len(tasks)
