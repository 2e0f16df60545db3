"""The store, the keys and the executor, with fake tasks (scheduling and caching only)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from mvlang.cache.store import Store
from mvlang.execute.base import TaskError, run_one
from mvlang.execute.local import LocalExecutor
from mvlang.plan.graph import Graph, Origin, Task
from mvlang.plan.keys import Unencodable, canonical, derive_seed, digest
from mvlang.source import Span


# -- keys ----------------------------------------------------------------------
def test_keys_are_canonical_and_exact():
    a = digest({"b": Fraction(1, 3), "a": [1, "x", None, True]})
    b = digest({"a": (1, "x", None, True), "b": Fraction(2, 6)})
    assert a == b
    assert digest({"x": Fraction(1, 3)}) != digest({"x": Fraction(1, 4)})
    assert canonical(Fraction(5, 10)) == "1/2"


@pytest.mark.parametrize("bad", [0.5, {1: "x"}, {"s": {1, 2}}, b"bytes", object()])
def test_keys_refuse_what_cannot_be_encoded_exactly(bad):
    with pytest.raises(Unencodable):
        digest({"value": bad})


def test_spans_and_labels_never_enter_a_key():
    one = Task("keyframe", {"prompt": "a"}, seed=3, label="keyframe x",
               origin=Origin("x", "a.mvs", Span(10, 20, 2, 1, 2, 11)), local={"path": "/somewhere"})
    two = Task("keyframe", {"prompt": "a"}, seed=3, label="other",
               origin=Origin("y", "b.mvs", Span(0, 1, 1, 1, 1, 2)), local={"path": "/elsewhere"})
    assert one.key == two.key
    assert Task("keyframe", {"prompt": "a"}, seed=4).key != one.key
    assert Task("keyframe", {"prompt": "a"}, seed=3, backend=("preview", "2")).key != one.key


def test_derived_seeds_depend_only_on_their_parts():
    assert derive_seed(814, "scene", "prom") == derive_seed(814, "scene", "prom")
    assert derive_seed(814, "scene", "prom") != derive_seed(815, "scene", "prom")
    assert 0 <= derive_seed(0, "scene", "a") < 2 ** 31


# -- the store -----------------------------------------------------------------
def _put(store: Store, key: str, text: str) -> None:
    folder = store.tmp()
    (folder / "out.txt").write_text(text)
    store.commit(key, folder, {"kind": "fake", "label": key})


def test_store_round_trip_and_corruption_is_a_miss(tmp_path):
    store = Store(tmp_path)
    _put(store, "ab" * 32, "hello")
    entry = store.get("ab" * 32)
    assert entry is not None and entry.file("out.txt").read_text() == "hello"
    entry.file("out.txt").write_text("hellO")          # same size, other bytes
    assert store.get("ab" * 32) is None                 # detected ...
    assert not store.has("ab" * 32)                     # ... and removed
    _put(store, "cd" * 32, "x")
    (store.path("cd" * 32) / "manifest.json").write_text("{not json")
    assert store.get("cd" * 32) is None


def test_store_leaves_no_partial_entry_and_cleans_dead_builds(tmp_path):
    store = Store(tmp_path)
    dead = store.tmp_root / "999999999-abc"            # a pid that does not exist
    dead.mkdir(parents=True)
    (dead / "half.bin").write_bytes(b"x")
    mine = store.tmp()
    assert store.clean_stale() == 1
    assert not dead.exists() and mine.exists()
    assert store.entries() == []


def test_store_gc_keeps_what_the_last_builds_use(tmp_path):
    store = Store(tmp_path)
    for key in ("aa" * 32, "bb" * 32, "cc" * 32):
        _put(store, key, key)
    script = tmp_path / "song.mvs"
    script.write_text("")
    store.record_root(str(script), ["aa" * 32, "bb" * 32])
    count, size = store.gc()
    assert count == 1 and size > 0
    assert store.has("aa" * 32) and store.has("bb" * 32) and not store.has("cc" * 32)
    script.unlink()                       # a script removed: its build is not kept
    assert store.gc()[0] == 2
    assert store.entries() == [] and store.clear()[0] == 0


# -- the executor, with fake tasks ---------------------------------------------
def fake_runner(task: Task, inputs, out: Path) -> None:
    """Writes its label and its inputs' text; fails or sleeps when told to."""
    if task.params.get("fail"):
        raise TaskError(f"cannot make {task.label}")
    if task.params.get("sleep"):
        time.sleep(task.params["sleep"])
    parts = [task.label] + [(p / "out.txt").read_text() for _, p in inputs]
    (out / "out.txt").write_text("(" + " ".join(parts) + ")")


def _graph(fail: str | None = None, sleep: float = 0) -> Graph:
    """a, b -> ab;  c -> cc;  ab, cc -> root"""
    g = Graph()

    def add(label, *inputs):
        return g.add(Task("fake", {"label": label, "fail": label == fail, "sleep": sleep},
                          inputs=tuple(("in", t.key) for t in inputs), label=label,
                          origin=Origin(label)))
    a, b, c = add("a"), add("b"), add("c")
    ab, cc = add("ab", a, b), add("cc", c)
    g.root = add("root", ab, cc).key
    return g


@pytest.mark.parametrize("jobs", [1, 2])
def test_executor_runs_in_dependency_order_and_caches(tmp_path, jobs):
    store, graph = Store(tmp_path), _graph()
    events = []
    outcome = LocalExecutor(jobs).run(graph.needed(set()), store, fake_runner, events.append)
    assert outcome.ok and len(outcome.done) == 6
    text = store.get(graph.root).file("out.txt").read_text()
    assert text == "(root (ab (a) (b)) (cc (c)))"
    done = [e.task.label for e in events if e.kind == "done"]
    assert done.index("a") < done.index("ab") < done.index("root")
    cached = {k for k in graph.tasks if store.has(k)}
    assert graph.needed(cached) == []


def test_a_failing_task_skips_its_readers_and_the_rest_is_cached(tmp_path):
    store, graph = Store(tmp_path), _graph(fail="b")
    events = []
    outcome = LocalExecutor(2).run(graph.needed(set()), store, fake_runner, events.append)
    assert not outcome.ok
    [failed] = outcome.failed.values()
    assert failed.task.label == "b" and failed.task.origin.scene == "b"
    assert "cannot make b" in failed.error
    skipped = {graph[k].label for k in outcome.skipped}
    assert skipped == {"ab", "root"}
    assert {graph[k].label for k in outcome.done} == {"a", "c", "cc"}
    assert all(store.has(k) for k in outcome.done)
    # fixed: the next build runs only what is missing
    fixed = _graph()
    cached = {k for k in fixed.tasks if store.has(k)}
    assert {t.label for t in fixed.needed(cached)} == {"b", "ab", "root"}


def test_a_cached_task_needs_none_of_its_inputs(tmp_path):
    store, graph = Store(tmp_path), _graph()
    LocalExecutor(1).run(graph.needed(set()), store, fake_runner, lambda e: None)
    ab = next(t for t in graph if t.label == "ab")
    for task in graph:
        if task.label in ("a", "b"):
            store.evict(task.key)
    cached = {k for k in graph.tasks if store.has(k)}
    assert graph.needed(cached) == []                       # the root is cached
    store.evict(graph.root)
    cached = {k for k in graph.tasks if store.has(k)}
    assert [t.label for t in graph.needed(cached)] == ["root"]
    assert ab.key in cached


def test_run_one_reports_instead_of_raising(tmp_path):
    task = Task("fake", {"label": "x", "fail": True}, label="x")
    status, _, message, _ = run_one(task, str(tmp_path), fake_runner)
    assert status == "failed" and message == "cannot make x"
    assert list((tmp_path / "tmp").iterdir()) == []        # nothing half-written is left
    task = Task("fake", {"label": "y"}, inputs=(("in", "ff" * 32),), label="y")
    status, _, message, _ = run_one(task, str(tmp_path), fake_runner)
    assert status == "failed" and "missing from the cache" in message


def test_a_dead_builds_folder_is_stale_even_when_its_pid_lives_again(tmp_path):
    """A killed build's pid can come back as another process (a long-running
    machine reuses pids), or linger as a zombie: neither keeps its folder."""
    store = Store(tmp_path)
    old = store.tmp_root / "0-old"
    old.mkdir(parents=True)
    os.utime(old, (time.time() - 3600, time.time() - 3600))   # made an hour ago
    newcomer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        reused = old.rename(store.tmp_root / f"{newcomer.pid}-old")
        time.sleep(0.5)                                   # the second one has exited
        dead = store.tmp_root / f"{zombie.pid}-z"
        dead.mkdir()
        mine = store.tmp()
        assert store.clean_stale() == 2
        assert not reused.exists() and not dead.exists() and mine.exists()
    finally:
        newcomer.kill()
        newcomer.wait()
        zombie.wait()
