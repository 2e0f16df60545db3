"""Builds on a local Ray instance: the same keys and the same decoded output as
the local executor, in both cache modes; a worker killed mid-task is retried
and the build still finishes right; without Ray, `--ray` says how to install it."""

import hashlib
import os
import shutil
import signal
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import cli_without
from test_build import write_project

from mvlang.build import BuildOptions, build
from mvlang.execute.ray_executor import RayExecutor
from mvlang.media.encode import decode_audio, decode_frames


def digests(path: Path) -> list[str]:
    return [hashlib.sha256(f.tobytes()).hexdigest()[:16] for f in decode_frames(path)]


@pytest.fixture(scope="module")
def ray_instance():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="error")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    script = write_project(tmp_path_factory.mktemp("local") / "p")
    result = build(script, BuildOptions(jobs=2))
    assert result.ok, result.outcome
    audio, _ = decode_audio(result.output)
    return script, result, digests(result.output), audio


def keys_in(store) -> set[str]:
    return {p.name for p in (store.root / "objects").glob("*/*") if p.is_dir()}


@pytest.mark.parametrize("mode", ["driver", "shared"])
def test_a_ray_build_has_the_local_builds_keys_and_output(ray_instance, local_build,
                                                          tmp_path, mode):
    script, local, frames, audio = local_build
    copy = tmp_path / "p"
    shutil.copytree(script.parent, copy, ignore=shutil.ignore_patterns(".mvlang", "*.mp4",
                                                                       "*.lock"))
    events = []
    result = build(copy / script.name, BuildOptions(jobs=2), on_event=events.append,
                   executor=RayExecutor("local", 2, mode))
    assert result.ok, result.outcome
    assert set(result.prepared.graph.tasks) == set(local.prepared.graph.tasks)
    assert keys_in(result.prepared.store) == keys_in(local.prepared.store)
    assert result.prepared.graph.root == local.prepared.graph.root
    assert digests(result.output) == frames
    assert np.array_equal(decode_audio(result.output)[0], audio)
    done = [e for e in events if e.kind == "done"]
    assert done and {e.node for e in done} == {socket.gethostname()}   # per-node progress
    again = build(copy / script.name, BuildOptions(jobs=2),
                  executor=RayExecutor("local", 2, mode))
    assert again.ok and not again.ran                      # nothing cached runs again


def test_a_generative_build_on_ray_equals_the_local_one(ray_instance, tiny_build, tmp_path):
    """Model tasks run in Ray's lane actors (batched as at home) and draw exactly the
    pictures and sounds the local GPU lane drew."""
    script, local = tiny_build
    copy = tmp_path / "p"
    shutil.copytree(script.parent, copy, ignore=shutil.ignore_patterns(".mvlang", "*.mp4",
                                                                       "*.lock"))
    result = build(copy / script.name, BuildOptions(jobs=2),
                   executor=RayExecutor("local", 2, "driver"))
    assert result.ok, result.outcome
    assert result.prepared.graph.root == local.prepared.graph.root
    assert digests(result.output) == digests(local.output)
    assert np.array_equal(decode_audio(result.output)[0], decode_audio(local.output)[0])


def _ray_workers_running_a_task() -> list[int]:
    """Ray worker processes while they run `work` (their title is `ray::work`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if title.startswith(b"ray::work"):
            pids.append(int(entry.name))
    return pids


def test_a_worker_killed_mid_task_is_retried_and_the_build_finishes(ray_instance,
                                                                     local_build, tmp_path):
    script, _, frames, audio = local_build
    copy = tmp_path / "p"
    shutil.copytree(script.parent, copy, ignore=shutil.ignore_patterns(".mvlang", "*.mp4",
                                                                       "*.lock"))
    killed: list[int] = []
    started = threading.Event()

    def on_event(event):
        if event.kind == "start" and event.task.kind == "segment":
            started.set()

    def killer():
        started.wait(60)
        deadline = time.monotonic() + 30
        while not killed and time.monotonic() < deadline:
            for pid in _ray_workers_running_a_task():
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    continue
                break
            time.sleep(0.02)

    thread = threading.Thread(target=killer)
    thread.start()
    result = build(copy / script.name, BuildOptions(jobs=2), on_event=on_event,
                   executor=RayExecutor("local", 2, "shared"))
    thread.join()
    assert killed, "no Ray worker was caught running a task"
    assert result.ok, result.outcome
    assert digests(result.output) == frames
    assert np.array_equal(decode_audio(result.output)[0], audio)


def test_without_ray_the_flag_says_how_to_install_it(local_build):
    script = local_build[0]
    run = cli_without("ray", "build", str(script), "--ray", "local")
    assert run.returncode == 1
    assert "E3014" in run.stderr and 'pip install "mvlang[ray]"' in run.stderr
    assert "Traceback" not in run.stderr


def test_in_driver_mode_a_worker_needs_none_of_the_drivers_files(local_build, tmp_path):
    """A worker that sees neither the cache nor the project: the mix gets its
    input entries and the song's bytes sent along, and sends back exactly the
    local build's output."""
    from mvlang.build.tasks import run_task
    from mvlang.execute.ray_executor import _collect, _project_files, work

    _, local, _, _ = local_build
    graph, store = local.prepared.graph, local.prepared.store
    mix = graph[graph.outputs["audio"]]
    inputs = _collect(store, [key for _, key in mix.inputs])
    project = _project_files([mix])
    assert list(project) == [mix.local["path"]]
    song = Path(mix.local["path"])
    hidden = song.with_name("elsewhere.wav")
    song.rename(hidden)
    try:
        results, files, node = work([mix], None, inputs, run_task, project)
    finally:
        hidden.rename(song)
    assert results[0][0] == "done", results
    ours = store.get(mix.key).path
    assert set(files[mix.key]) == {p.name for p in ours.iterdir() if p.name != "manifest.json"}
    for name, data in files[mix.key].items():
        assert data == (ours / name).read_bytes()
    assert node == socket.gethostname()
