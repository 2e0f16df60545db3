"""The same build on the local executor and on Ray, and what a cluster buys.

    python bench/ray_scaling.py [--seconds 60] [--size 640x360]

In one run, on this machine:

1. A generated script (the one `build_speed.py` makes) built from a fresh
   cache with the local executor at `-j 1` and `-j 2`, and on a private Ray
   instance with 1 and 2 CPUs (`--ray local -j N`). Each build runs in-process
   with its own cache; Ray's start-up (`ray.init`) is timed on its own, and the
   overhead per task is (Ray's wall time - the local wall time at the same
   width) / tasks.
2. Per-task costs measured here: each kind's seconds (from the cache's
   manifests) per frame or per task.
3. An estimate for a 3-minute video at full quality
   (`examples/hundred-dreams.mvs`, 1280x720, `--backend diffusers`, SD 1.5 at
   30 steps) on 1, 8 and 32 GPUs, with 8 CPUs per GPU. The graph is simulated
   with list scheduling on its critical path. CPU tasks (render and encode,
   mix) take this machine's measured costs. GPU tasks take the estimates in
   `mvlang/plan/generative.py` (seconds of an H100 per UNet step of a
   512x512 image, per second of music, per dreamed frame), which have not
   been measured on a GPU here yet.
"""

from __future__ import annotations

import argparse
import heapq
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def build_once(folder: Path, jobs: int, ray: bool) -> tuple[float, int, dict]:
    """A clean build: (seconds, tasks, {kind: [seconds, ...]})."""
    from mvlang.build import BuildOptions, build
    from mvlang.execute.local import LocalExecutor
    from mvlang.execute.ray_executor import RayExecutor

    shutil.rmtree(folder / ".mvlang", ignore_errors=True)
    for out in folder.glob("*.mp4"):
        out.unlink()
    executor = RayExecutor("local", jobs, "shared") if ray else LocalExecutor(jobs)
    started = time.perf_counter()
    result = build(folder / "bench.mvs", BuildOptions(jobs=jobs), executor=executor)
    seconds = time.perf_counter() - started
    assert result.ok, result.outcome
    costs: dict[str, list[float]] = {}
    for task in result.ran:
        manifest = json.loads((result.prepared.store.path(task.key) / "manifest.json")
                              .read_text())
        frames = task.params.get("frames") or task.params.get("shot", {}).get("frames") or 1
        costs.setdefault(task.kind, []).append(manifest["seconds"] / frames)
    return seconds, len(result.ran), costs


def simulate(graph, cost, gpus: int, cpus: int) -> float:
    """Wall time of `graph` on `gpus` GPU lanes and `cpus` CPU slots, each task
    taking cost(task) = (seconds, on_gpu): list scheduling, longest chain first."""
    tasks = list(graph)
    readers = graph.consumers()
    rank: dict[str, float] = {}
    for task in reversed(tasks):
        rank[task.key] = cost(task)[0] + max((rank[r] for r in readers[task.key]), default=0)
    waiting = {t.key: {k for _, k in t.inputs} for t in tasks}
    ready = [(-rank[t.key], t.key) for t in tasks if not waiting[t.key]]
    heapq.heapify(ready)
    free = {"gpu": gpus, "cpu": cpus}
    events: list[tuple[float, str]] = []
    now = 0.0
    while ready or events:
        started = []
        while ready:
            _, key = heapq.heappop(ready)
            seconds, on_gpu = cost(graph[key])
            slot = "gpu" if on_gpu else "cpu"
            if free[slot] == 0:
                started.append((rank[key], key))
                continue
            free[slot] -= 1
            heapq.heappush(events, (now + seconds, key))
        for r, key in started:
            heapq.heappush(ready, (-r, key))
        now, key = heapq.heappop(events)
        free["gpu" if cost(graph[key])[1] else "cpu"] += 1
        for reader in readers[key]:
            waiting[reader].discard(key)
            if not waiting[reader]:
                heapq.heappush(ready, (-rank[reader], reader))
    return now


def estimate(per_frame: dict[str, float], work: Path) -> dict:
    """The 3-minute example planned with `--backend diffusers` (SD 1.5-sized folders
    stand in: only their configs are read), simulated on 1, 8 and 32 GPUs."""
    from mvlang.build import BuildOptions, prepare
    from mvlang.dev.tiny import build as tiny
    from mvlang.dev.tiny import config_text
    from mvlang.plan.generative import gpu_seconds

    project = work / "hundred"
    shutil.copytree(ROOT / "examples", project, ignore=shutil.ignore_patterns(
        "*.mp4", "*.lock", ".mvlang"))
    made = tiny(work / "models", ("image", "inpaint", "music", "sfx", "dream", "video"))
    (project / "mvlang.toml").write_text(config_text(made, steps=30, device="cuda"),
                                         encoding="utf-8")
    prepared = prepare(project / "hundred-dreams.mvs",
                       BuildOptions(backend="diffusers", generate_music=False))
    graph = prepared.graph
    counts: dict[str, int] = {}

    def cost(task):
        """(seconds, on a GPU): a model's work, plus the rendering of a dreamed shot."""
        if task.local.get("lane") == "gpu":
            return max(gpu_seconds(task), 0.01) + (_cpu(task, per_frame) if task.kind in
                                                   ("segment", "transition") else 0), True
        return _cpu(task, per_frame), False

    for task in graph:
        counts[task.kind] = counts.get(task.kind, 0) + 1
    total_gpu = sum(gpu_seconds(t) for t in graph)
    total_cpu = sum(_cpu(t, per_frame) for t in graph)
    walls = {n: simulate(graph, cost, n, 8 * n) for n in (1, 8, 32)}
    return {"tasks": len(graph), "counts": counts, "gpu_seconds": round(total_gpu, 1),
            "cpu_seconds": round(total_cpu, 1),
            "wall_seconds": {n: round(w, 1) for n, w in walls.items()}}


def _cpu(task, per_frame: dict[str, float]) -> float:
    frames = task.params.get("frames") or task.params.get("shot", {}).get("frames") or 1
    codec = task.params.get("codec")
    codec = codec if isinstance(codec, dict) else None
    # measured at the bench's size: scaled by the pixels of the frames planned
    scale = codec["width"] * codec["height"] / PIXELS if codec else 1.0
    return per_frame.get(task.kind, 0.05) * frames * scale if task.kind in (
        "segment", "transition", "zoomseg") else per_frame.get(task.kind, 0.2)


PIXELS = 640 * 360


def main() -> None:
    global PIXELS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    PIXELS = width * height

    import ray
    from build_speed import script, song

    results: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        folder = work / "project"
        folder.mkdir()
        song(folder / "song.wav", args.seconds)
        (folder / "bench.mvs").write_text(script(args.seconds, args.size), encoding="utf-8")
        per_frame: dict[str, list[float]] = {}
        for jobs in (1, 2):
            seconds, tasks, costs = build_once(folder, jobs, ray=False)
            results[f"local_j{jobs}"] = round(seconds, 2)
            for kind, values in costs.items():
                per_frame.setdefault(kind, []).extend(values)
            started = time.perf_counter()
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False,
                     logging_level="error")
            results[f"ray_init_{jobs}"] = round(time.perf_counter() - started, 2)
            seconds, tasks, _ = build_once(folder, jobs, ray=True)
            ray.shutdown()
            results[f"ray_{jobs}"] = round(seconds, 2)
            results[f"overhead_per_task_{jobs}"] = round(
                (seconds - results[f"local_j{jobs}"]) / tasks, 3)
            results["tasks"] = tasks
            print(f"{jobs} worker(s): local {results[f'local_j{jobs}']:.2f} s, Ray "
                  f"{seconds:.2f} s (+ {results[f'ray_init_{jobs}']:.1f} s to start Ray), "
                  f"{tasks} tasks: {results[f'overhead_per_task_{jobs}'] * 1000:+.0f} ms "
                  "a task", flush=True)
        medians = {kind: sorted(v)[len(v) // 2] for kind, v in per_frame.items()}
        results["per_frame_or_task_s"] = {k: round(v, 4) for k, v in medians.items()}
        print("measured per frame (segments, transitions) or per task:",
              ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in sorted(medians.items())))
        results["estimate"] = estimate(medians, work)
    e = results["estimate"]
    print(f"3-minute example at full quality: {e['tasks']} tasks, "
          f"{e['gpu_seconds'] / 3600:.2f} GPU-hours and {e['cpu_seconds'] / 3600:.2f} "
          "CPU-hours of work")
    for n, wall in e["wall_seconds"].items():
        print(f"  {n:>2} GPU(s) with {8 * n} CPUs: about {wall / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
