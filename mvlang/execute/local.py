"""The local executor: a ready queue over a process pool on this machine.

Tasks that run a model (`task.local["lane"] == "gpu"`) go to a lane of their
own: one long-lived worker process, so that each model is loaded once and one
GPU holds one copy of it; ready tasks of one batch group (`local["batch"]`,
keyframes of one size) go there together, up to the model's batch size, and are
drawn in one call. Everything else runs in the pool beside it.

Tasks start as soon as their inputs are done, up to `jobs` at a time. A task
that fails is reported and the tasks that read it are skipped; every other
task still runs and is cached. With `jobs == 1` tasks run in this process (no
pool to start). A worker process that dies (killed, out of memory) loses the
tasks running in the pool; each gets one more try in a fresh pool. Ctrl-C
stops the workers; every task finished so far is already in the store.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from mvlang.cache.store import Store
from mvlang.execute.base import Event, Outcome, Runner, run_many, run_one
from mvlang.plan.graph import Task


def _pool(workers: int, spawn: bool = False) -> ProcessPoolExecutor:
    """Workers forked from this process where the system allows (they start at
    once and need no importable `__main__`), spawned elsewhere. The GPU lane is
    always spawned: a fork of a process that has started torch's threads (or
    CUDA) can hang, and the lane's process lives for the whole build anyway."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and \
        sys.platform.startswith("linux") and not spawn else "spawn"
    return ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts,
                               mp_context=multiprocessing.get_context(method))


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the build, which stops them (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now: a task cut short leaves only a temporary folder,
    which the next build removes."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


def _priorities(tasks: Sequence[Task], readers: dict[str, list[str]]) -> dict[str, tuple]:
    """Sort keys for the ready queue: the longest estimated chain of work still to
    come after a task first (so long shots start early and the pool does not end
    waiting on one), then the plan's order."""
    rank: dict[str, float] = {}
    for task in reversed(tasks):             # readers come after what they read
        rank[task.key] = task.cost + max((rank[r] for r in readers[task.key]), default=0.0)
    return {t.key: (-rank[t.key], i) for i, t in enumerate(tasks)}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    def __init__(self, jobs: int | None = None):
        self.jobs = max(1, jobs or default_jobs())

    def run(self, tasks: Sequence[Task], store: Store, runner: Runner,
            on_event: Callable[[Event], None]) -> Outcome:
        queue = Queue(tasks, on_event)
        outcome, todo, ready, finish = queue.outcome, queue.todo, queue.ready, queue.finish
        root = str(store.root)

        def take_batch() -> list[str]:
            return queue.take_batch(next(k for k in ready if _lane(todo[k])))

        if self.jobs == 1:
            try:
                while ready:
                    if any(_lane(todo[k]) for k in ready):
                        keys = take_batch()
                    else:
                        keys = [ready.pop(0)]
                    for key in keys:
                        on_event(Event("start", todo[key]))
                    results = run_many([todo[k] for k in keys], root, runner)
                    for key, result in zip(keys, results):
                        finish(key, *result)
            except KeyboardInterrupt:
                outcome.interrupted = True
            return outcome

        running: dict[Future, list[str]] = {}
        retried: set[str] = set()
        workers = min(self.jobs, max(1, len(todo)))
        pool = _pool(workers)
        lane = None                      # the GPU lane's process, started when needed
        try:
            while ready or running:
                lane_busy = any(_lane(todo[keys[0]]) for keys in running.values())
                if not lane_busy and any(_lane(todo[k]) for k in ready):
                    lane = lane or _pool(1, spawn=True)
                    keys = take_batch()
                    for key in keys:
                        on_event(Event("start", todo[key]))
                    running[lane.submit(run_many, [todo[k] for k in keys], root,
                                        runner)] = keys
                cpu_running = sum(1 for keys in running.values() if not _lane(todo[keys[0]]))
                while cpu_running < self.jobs and any(not _lane(todo[k]) for k in ready):
                    key = next(k for k in ready if not _lane(todo[k]))
                    ready.remove(key)
                    on_event(Event("start", todo[key]))
                    running[pool.submit(run_one, todo[key], root, runner)] = [key]
                    cpu_running += 1
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = set()
                for future in finished:
                    keys = running.pop(future)
                    try:
                        result = future.result()
                        results = result if isinstance(result, list) else [result]
                    except BrokenProcessPool:
                        # a worker died (killed, out of memory): every task running in
                        # its pool is lost with it. Each gets one more try in a new pool.
                        broken.add("lane" if _lane(todo[keys[0]]) else "pool")
                        results = []
                        for key in keys:
                            if key in retried:
                                finish(key, "failed", 0.0,
                                       "the worker process running it died twice", "")
                            else:
                                retried.add(key)
                                ready.insert(0, key)
                        continue
                    for key, one in zip(keys, results):
                        finish(key, *one)
                for which in broken:
                    for future, keys in list(running.items()):
                        if _lane(todo[keys[0]]) == (which == "lane"):
                            running.pop(future)
                            ready[0:0] = keys
                    if which == "lane":
                        lane.shutdown(wait=False, cancel_futures=True)
                        lane = _pool(1, spawn=True)
                    else:
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = _pool(workers)
        except KeyboardInterrupt:
            outcome.interrupted = True
            _stop(pool)
            if lane is not None:
                _stop(lane)
        else:
            pool.shutdown(wait=True)
            if lane is not None:
                lane.shutdown(wait=True)
        return outcome


class Queue:
    """The ready queue both executors share: which tasks wait on which, the order
    ready ones start in (longest chain of work after them first), what a finished
    or failed task releases or skips, and batch groups."""

    def __init__(self, tasks: Sequence[Task], on_event: Callable[[Event], None]):
        self.outcome = Outcome()
        self.on_event = on_event
        self.todo = {t.key: t for t in tasks}
        self.waiting = {t.key: {k for _, k in t.inputs if k in self.todo} for t in tasks}
        self.readers: dict[str, list[str]] = {k: [] for k in self.todo}
        for t in tasks:
            for _, k in t.inputs:
                if k in self.todo:
                    self.readers[k].append(t.key)
        self.order = _priorities(tasks, self.readers)
        self.ready = sorted((k for k in self.todo if not self.waiting[k]),
                            key=self.order.__getitem__)

    def finish(self, key: str, status: str, seconds: float, message: str, detail: str,
               node: str = "") -> None:
        task, outcome = self.todo[key], self.outcome
        if status == "done":
            outcome.done.append(key)
            self.on_event(Event("done", task, seconds, node=node))
            for reader in self.readers[key]:
                self.waiting[reader].discard(key)
                if not self.waiting[reader]:
                    self.ready.append(reader)
            self.ready.sort(key=self.order.__getitem__)
            return
        event = Event("failed", task, seconds, message, detail, node=node)
        outcome.failed[key] = event
        self.on_event(event)
        stack = list(self.readers[key])
        while stack:
            reader = stack.pop()
            if reader in outcome.skipped:
                continue
            outcome.skipped.append(reader)
            self.on_event(Event("skipped", self.todo[reader], error=task.label or task.kind))
            stack.extend(self.readers[reader])

    def take_batch(self, first: str) -> list[str]:
        """`first` and the ready tasks of its batch group, up to its model's batch
        size, taken off the ready list."""
        group = self.todo[first].local.get("batch")
        keys = [first] + [k for k in self.ready if k != first and group
                          and self.todo[k].local.get("batch") == group][
                              :_batch_size(self.todo[first]) - 1]
        for k in keys:
            self.ready.remove(k)
        return keys


def _lane(task: Task) -> bool:
    return task.local.get("lane") == "gpu"


def _batch_size(task: Task) -> int:
    options = (task.local.get("model") or {}).get("options") or {}
    return max(1, int(options.get("batch", 4)))
