"""The Ray executor: the same task graph on a Ray cluster (`mvlang build --ray`).

    --ray local      a private Ray instance on this machine (`--jobs` CPUs)
    --ray auto       the cluster this machine belongs to (`ray start` ran here)
    --ray ADDRESS    a cluster's head (`ray://host:10001` or `host:6379`)

Each task becomes a Ray task asking for one CPU; tasks that run a model
(`local["lane"] == "gpu"`) go to long-lived lane actors instead, one per GPU
in the cluster (one on a cluster without GPUs), so each model is loaded once
per actor and stays loaded; ready keyframes of one size go to an actor
together, as on one machine, and work of one backend goes back to the actor
that ran it before (its weights are already there).

The cache, two ways (`[execute] store` in mvlang.toml):

    shared   every node sees the build's cache folder at the same path (NFS, or
             one machine): workers read inputs from it and commit outputs to it.
    driver   workers get their inputs' files from this process and send their
             outputs back; this process commits them. Nothing needs sharing.

`local` defaults to `shared`, a cluster to `driver`. Either way the keys and
the outputs are those of a local build: a task's work is `run_one` with the
same runner, only elsewhere.

Faults: a worker process that dies mid-task (killed, its node lost) is retried
by Ray on another worker (`RETRIES` times); an actor that dies is restarted and
its batch retried. A task commits its output atomically, so a retry never sees
half an entry, and nothing already cached runs again.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from mvlang.cache.store import Store
from mvlang.execute.base import Event, Outcome, Runner, run_many
from mvlang.plan.graph import Task

RETRIES = 3


class RayMissing(RuntimeError):
    """`--ray` without Ray installed."""


def ray_module():
    try:
        import ray
    except ImportError as error:
        raise RayMissing('--ray needs Ray, which is not installed: pip install "mvlang[ray]"'
                         ) from error
    return ray


def _node() -> str:
    return socket.gethostname()


# -- what runs on the workers -----------------------------------------------------
def _materialise(files: dict[str, dict[str, bytes]]) -> Store:
    """A private store on this worker holding the given entries (driver mode)."""
    store = Store(Path(tempfile.mkdtemp(prefix="mvlang-ray-")))
    for key, entry in files.items():
        folder = store.tmp()
        for name, data in entry.items():
            (folder / name).write_bytes(data)
        store.commit(key, folder, {"kind": "input"})
    return store


def _collect(store: Store, keys: Sequence[str]) -> dict[str, dict[str, bytes]]:
    out = {}
    for key in keys:
        entry = store.get(key, verify=False)
        if entry is not None:
            out[key] = {p.name: p.read_bytes() for p in entry.path.iterdir()
                        if p.is_file() and p.name != "manifest.json"}
    return out


# paths on the driver's machine that tasks read (the song, images, footage, refs)
LOCAL_FILES = ("path", "footage_still", "footage_a", "footage_b", "ref")


def _project_files(tasks: list[Task]) -> dict[str, bytes]:
    out = {}
    for task in tasks:
        for name in LOCAL_FILES:
            path = task.local.get(name)
            if isinstance(path, str) and Path(path).is_file() and path not in out:
                out[path] = Path(path).read_bytes()
    return out


def _relocated(tasks: list[Task], project: dict[str, bytes], folder: Path) -> list[Task]:
    """The tasks with their project files written under `folder` on this worker."""
    from dataclasses import replace

    moved = {}
    for index, (path, data) in enumerate(project.items()):
        target = folder / f"{index}-{Path(path).name}"
        target.write_bytes(data)
        moved[path] = str(target)
    return [replace(t, local={k: moved.get(v, v) if isinstance(v, str) else v
                              for k, v in t.local.items()}) for t in tasks]


def work(tasks: list[Task], store_root: str | None, files: dict | None,
         runner: Runner, project: dict | None = None) -> tuple[list[tuple], dict, str]:
    """Run a batch of tasks (one, or one batch group) on this worker: (results,
    output files for the driver to commit (driver mode) or {}, this node). In
    driver mode, `files` are the inputs' entries and `project` the files the
    tasks read from the project (the song, images, footage), sent along."""
    if store_root is not None:
        return run_many(tasks, store_root, runner), {}, _node()
    store = _materialise(files or {})
    try:
        if project:
            tasks = _relocated(tasks, project, store.tmp())
        results = run_many(tasks, str(store.root), runner)
        return results, _collect(store, [t.key for t in tasks]), _node()
    finally:
        shutil.rmtree(store.root, ignore_errors=True)


class Lane:
    """A long-lived worker for model tasks: models loaded here stay loaded."""

    def run(self, tasks, store_root, files, runner, project=None):
        return work(tasks, store_root, files, runner, project)


# -- the driver ---------------------------------------------------------------------
class RayExecutor:
    def __init__(self, address: str = "local", jobs: int | None = None,
                 store_mode: str | None = None):
        self.address = address
        self.jobs = jobs
        self.store_mode = store_mode or ("shared" if address == "local" else "driver")
        if self.store_mode not in ("shared", "driver"):
            raise ValueError(f"the Ray store mode is `shared` or `driver`, not "
                             f"`{self.store_mode}`")

    def _connect(self, ray) -> bool:
        """Join or start Ray; True when this call started it (and stops it after)."""
        if ray.is_initialized():
            return False
        quiet = {"include_dashboard": False, "log_to_driver": False,
                 "configure_logging": True, "logging_level": "error"}
        if self.address == "local":
            from mvlang.execute.local import default_jobs

            ray.init(num_cpus=self.jobs or default_jobs(), **quiet)
        else:
            ray.init(address=self.address, **quiet)
        return True

    def run(self, tasks: Sequence[Task], store: Store, runner: Runner,
            on_event: Callable[[Event], None]) -> Outcome:
        ray = ray_module()
        started = self._connect(ray)
        try:
            return self._run(ray, tasks, store, runner, on_event)
        finally:
            if started:
                ray.shutdown()

    def _run(self, ray, tasks, store: Store, runner, on_event) -> Outcome:
        from mvlang.execute.local import Queue, _lane

        queue = Queue(tasks, on_event)
        outcome, todo, ready, finish = queue.outcome, queue.todo, queue.ready, queue.finish
        resources = ray.cluster_resources()
        cpus = max(1, int(resources.get("CPU", 1)))
        gpus = int(resources.get("GPU", 0))
        remote = ray.remote(num_cpus=1, max_retries=RETRIES)(work)
        lane_options = {"num_gpus": 1} if gpus else {"num_cpus": 1}
        LaneActor = ray.remote(max_restarts=RETRIES, max_task_retries=RETRIES)(Lane)
        lanes: list = []
        lane_backend: dict[int, str] = {}            # lane -> the backend it ran last
        busy: dict[int, object] = {}                 # lane -> its running ref
        shared = str(store.root) if self.store_mode == "shared" else None
        running: dict[object, tuple[list[str], int | None]] = {}

        def payload(keys: list[str]) -> dict | None:
            if shared is not None:
                return None
            files = {}
            for key in keys:
                for _, k in todo[key].inputs:
                    entry = store.get(k, verify=False)
                    if entry is not None and k not in files:
                        files[k] = {p.name: p.read_bytes() for p in entry.path.iterdir()
                                    if p.is_file() and p.name != "manifest.json"}
            return files

        def free_lane(backend: str) -> int | None:
            idle = [i for i in range(max(1, gpus)) if i not in busy]
            if not idle:
                return None
            same = [i for i in idle if lane_backend.get(i) == backend]
            index = (same or [i for i in idle if i not in lane_backend] or idle)[0]
            while len(lanes) <= index:
                lanes.append(LaneActor.options(**lane_options).remote())
            return index

        try:
            while ready or running:
                for key in [k for k in ready if _lane(todo[k])]:
                    if key not in ready:
                        continue
                    backend = (todo[key].backend or ("",))[0]
                    index = free_lane(backend)
                    if index is None:
                        break
                    keys = queue.take_batch(key)
                    for k in keys:
                        on_event(Event("start", todo[k]))
                    batch = [todo[k] for k in keys]
                    ref = lanes[index].run.remote(batch, shared, payload(keys), runner,
                                                  None if shared else _project_files(batch))
                    busy[index] = ref
                    lane_backend[index] = backend
                    running[ref] = (keys, index)
                cpu_running = sum(1 for _, lane in running.values() if lane is None)
                for key in [k for k in ready if not _lane(todo[k])]:
                    if cpu_running >= cpus * 2:          # keep every CPU fed, no more
                        break
                    ready.remove(key)
                    on_event(Event("start", todo[key]))
                    ref = remote.remote([todo[key]], shared, payload([key]), runner,
                                        None if shared else _project_files([todo[key]]))
                    running[ref] = ([key], None)
                    cpu_running += 1
                if not running:
                    break
                done, _ = ray.wait(list(running), num_returns=1)
                for ref in done:
                    keys, lane = running.pop(ref)
                    if lane is not None:
                        busy.pop(lane, None)
                    try:
                        results, files, node = ray.get(ref)
                    except Exception as error:  # noqa: BLE001 - retries exhausted
                        for key in keys:
                            finish(key, "failed", 0.0, f"lost on the cluster: "
                                   f"{type(error).__name__}: {error}", "")
                        continue
                    for key, entry in files.items():
                        folder = store.tmp()
                        for name, data in entry.items():
                            (folder / name).write_bytes(data)
                        task = todo[key]
                        store.commit(key, folder, {"kind": task.kind, "label": task.label})
                    for key, result in zip(keys, results):
                        finish(key, *result, node=node)
        except KeyboardInterrupt:
            outcome.interrupted = True
            for ref in running:
                ray.cancel(ref, force=True)
        return outcome


def executor_for(address: str, jobs: int | None, store_mode: str | None):
    """The Ray executor, or a RayMissing that says how to install Ray."""
    ray_module()
    return RayExecutor(address, jobs, store_mode)

