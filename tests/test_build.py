"""`mvlang build` end to end: real painter, real codecs, real files.

The audio is a drum loop synthesised here with a known grid (120 bpm, the
first downbeat 0.25 s in), so cut times can be checked against exact beats.
Videos are small (160x90) to keep the suite quick; the code paths are the
ones a 1280x720 build takes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from test_timeline_audio import OFFSET, RATE, drum_loop

from mvlang import cli
from mvlang.build import BuildError, BuildOptions, build, lock_path, prepare, to_run
from mvlang.build.tasks import run_task
from mvlang.media.encode import decode_audio, decode_frames, probe
from mvlang.timeline.model import frame_of

BEAT = F(1, 2)          # 120 bpm


def beat_time(bar: int, beat: float = 1) -> F:
    return F(OFFSET).limit_denominator(1000) + ((bar - 1) * 4 + F(beat) - 1) * BEAT


SCRIPT = """\
video {{ size 160x90; fps 24; seed 5; length 16s }}
song "loop.wav" {{ bpm 120 }}
character ana "Ana, with blue eyes and red hair" {{
  age 8 "a girl in a yellow raincoat"
  age 70 "an old woman with silver hair"
}}
defaults {{ length 2 bars }}

scene meadow {{
  prompt "{{ana@8}} in a sunlit meadow with dandelions"
  camera zoom 1.0 -> 1.2 ease in_out
}}
scene storm at bar 2 beat 3 {{
  prompt "a thunderstorm over a lighthouse, huge waves"
  takes 3
  pick 2
}}
scene night at 4.5s {{
  prompt "a starry night over a quiet sea"
  camera pan right 10%
}}
-> crossfade over 1 beat
scene porch at bar 5 length 1 bar {{
  prompt "{{ana@70}} on a wooden porch at dusk with fireflies"
}}
-> dip black over 2 beats
scene city {{
  prompt "a neon city street in the rain"
}}
-> flash over 1 beat
scene sea {{
  prompt "sunrise over the ocean{tail}"
}}
"""


def write_project(folder: Path, tail: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "loop.wav").exists():
        soundfile.write(folder / "loop.wav", drum_loop(20.0), RATE)
    script = folder / "song.mvs"
    script.write_text(SCRIPT.format(tail=tail), encoding="utf-8")
    return script


def frames_digest(path: Path) -> list[str]:
    return [hashlib.sha256(f.tobytes()).hexdigest()[:16] for f in decode_frames(path)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    script = write_project(tmp_path_factory.mktemp("build") / "project")
    result = build(script, BuildOptions(jobs=2))
    assert result.ok, result.outcome
    return script, result


def test_the_output_matches_the_script_and_the_audio(built):
    script, result = built
    assert result.output == script.with_suffix(".mp4") and result.output.exists()
    info = probe(result.output)
    timeline = result.prepared.resolved.timeline
    assert (info["width"], info["height"], info["fps"]) == (160, 90, 24)
    assert info["frames"] == timeline.frame_count == 16 * 24
    assert abs(info["duration"] - 16) <= 1 / 24
    assert info["audio"] is not None and info["audio"]["channels"] == 2
    assert abs(info["audio"]["duration"] - 16) <= 1 / 24
    # the audio is the song: its loudest moments are the drum hits of the loop
    samples, _ = decode_audio(result.output)
    assert np.abs(samples).max() > 0.3


def test_cuts_land_where_the_script_says(built):
    """Scenes anchored at `bar 2 beat 3`, `4.5s` and `bar 5`: each hard cut is
    found by frame difference in the decoded video within one frame of the
    true time, and the transitions sit centred on their boundaries."""
    _, result = built
    frames = [f.astype(np.int16) for f in decode_frames(result.output)]
    diffs = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(frames)])
    # frame i+1 is the first of a new picture where diffs[i] spikes
    cuts = {i + 1 for i in np.flatnonzero(diffs > 12)}
    fps = 24
    for true_time in (beat_time(2, 3), F(9, 2)):
        expected = frame_of(true_time, F(fps))
        assert min(abs(c - expected) for c in cuts) <= 1, (true_time, sorted(cuts))
    timeline = result.prepared.resolved.timeline
    storm, porch = timeline.shots[1], timeline.shots[3]
    assert abs(float(storm.start - beat_time(2, 3))) <= 1 / fps
    assert abs(float(porch.start - beat_time(5))) <= 1 / fps
    # the crossfade night -> porch: frames change gradually around bar 5, no spike
    middle = frame_of(porch.start, F(fps))
    assert diffs[middle - 6:middle + 6].max() < 12
    # the dip to black: its middle frame is dark
    dip = timeline.cuts[3]
    assert dip.transition.kind == "dip"
    assert frames[frame_of(dip.boundary, F(fps))].mean() < 25


def test_the_lock_file_and_the_metadata_record_the_build(built):
    script, result = built
    lock = json.loads(lock_path(script).read_text())
    assert lock["scenes"]["storm"]["takes"] == 3 and lock["scenes"]["storm"]["pick"] == 2
    assert lock["backends"]["preview"] and lock["audio"]["tracker"]
    first = float(lock["audio"]["first_downbeat"])
    assert abs(first - OFFSET) < 0.03
    meta = probe(result.output)["metadata"]
    digest = hashlib.sha256(script.read_bytes()).hexdigest()
    assert meta["mvlang_script"] == f"sha256:{digest}"
    assert "preview" in meta["mvlang_backends"] and meta["mvlang_version"]


def test_a_build_with_nothing_changed_does_nothing_and_imports_nothing_heavy(built):
    script, result = built
    before = result.output.stat().st_mtime_ns
    code = ("import sys; from mvlang.cli import main\n"
            "try:\n    main(['build', sys.argv[1]])\nexcept SystemExit as e:\n"
            "    heavy = [m for m in ('torch', 'librosa', 'diffusers', 'transformers', 'av', 'scipy') "
            "if m in sys.modules]\n    print('HEAVY', heavy); raise\n")
    run = subprocess.run([sys.executable, "-c", code, str(script)], capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "up to date" in run.stderr and "HEAVY []" in run.stdout
    assert result.output.stat().st_mtime_ns == before


def test_plan_lists_what_is_cached_and_what_would_run(built):
    script, _ = built
    out = CliRunner().invoke(cli.cli, ["plan", str(script), "--json"])
    assert out.exit_code == 0, out.output
    plan = json.loads(out.output)
    assert plan["summary"]["run"] == 0
    kinds = {t["kind"] for t in plan["tasks"]}
    assert kinds == {"keyframe", "segment", "transition", "mix", "concat", "mux"}
    storm = [t for t in plan["tasks"] if t["kind"] == "keyframe" and t["scene"] == "storm"]
    assert len(storm) == 3                     # every take is a task


def test_editing_one_scene_reruns_only_that_scene(built, tmp_path):
    script, _ = built
    copy = tmp_path / "project"
    shutil.copytree(script.parent, copy)
    edited = write_project(copy, tail=", a red sailboat")
    prepared = prepare(edited, BuildOptions())
    planned = sorted((t.kind, t.origin.scene) for t in to_run(prepared))
    # `sea` follows a flash: its keyframe, its shot and the flash into it
    assert planned == sorted([("keyframe", "sea"), ("segment", "sea"), ("transition", "sea"),
                              ("concat", None), ("mux", None)])
    result = build(edited, BuildOptions(jobs=1), prepared=prepared)
    assert result.ok
    assert sorted((t.kind, t.origin.scene) for t in result.ran) == planned
    # a comment and a blank line change no key at all
    edited.write_text("# a note\n\n" + edited.read_text())
    assert to_run(prepare(edited, BuildOptions())) == []


def test_two_clean_builds_are_identical(built, tmp_path):
    _, result = built
    again = write_project(tmp_path / "again")
    second = build(again, BuildOptions(jobs=1))
    assert second.ok
    assert frames_digest(second.output) == frames_digest(result.output)
    a, _ = decode_audio(result.output)
    b, _ = decode_audio(second.output)
    assert a.shape == b.shape and np.array_equal(a, b)


def test_takes_make_different_pictures_and_a_contact_sheet(built):
    script, _ = built
    out = CliRunner().invoke(cli.cli, ["takes", str(script), "storm"])
    assert out.exit_code == 0, out.output
    sheet = script.with_suffix(".storm.takes.png")
    from PIL import Image

    with Image.open(sheet) as image:
        assert image.width > 3 * 480
    prepared = prepare(script, BuildOptions())
    stills = [prepared.store.get(k).file("image.png") for k in prepared.plan.keyframes["storm"]]
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in stills}
    assert len(digests) == 3
    out = CliRunner().invoke(cli.cli, ["takes", str(script), "stormy"])
    assert out.exit_code == 1 and "did you mean `storm`" in out.output


def test_draft_keeps_the_timing_at_a_lower_resolution(tmp_path):
    script = write_project(tmp_path / "p")
    script.write_text(script.read_text().replace("size 160x90", "size 1280x720"))
    result = build(script, BuildOptions(draft=True, jobs=2))
    assert result.ok and result.output.name == "song.draft.mp4"
    info = probe(result.output)
    assert (info["width"], info["height"]) == (640, 360)
    assert info["frames"] == 16 * 24
    assert not lock_path(script).exists()


def test_captions_show_scene_and_bar(tmp_path):
    script = write_project(tmp_path / "p")
    plain = build(script, BuildOptions(jobs=2))
    captioned = build(script, BuildOptions(jobs=2, captions=True,
                                           output=tmp_path / "captioned.mp4"))
    assert plain.ok and captioned.ok
    a = next(decode_frames(plain.output)).astype(int)
    b = next(decode_frames(captioned.output)).astype(int)
    changed = np.abs(a - b).sum(axis=2) > 30
    rows = np.flatnonzero(changed.any(axis=1))
    assert len(rows) and rows.min() > 90 // 3        # only the lower part


def failing_runner(task, inputs, out):
    if task.kind == "keyframe" and task.origin.scene == "night":
        raise ValueError("the painter ran out of paint")
    run_task(task, inputs, out)


def test_a_failing_task_names_its_scene_and_the_rest_is_cached(tmp_path):
    from mvlang.execute.local import LocalExecutor

    script = write_project(tmp_path / "p")
    prepared = prepare(script, BuildOptions())

    class Failing(LocalExecutor):
        def run(self, tasks, store, runner, on_event):
            return super().run(tasks, store, failing_runner, on_event)

    result = build(script, BuildOptions(), executor=Failing(1), prepared=prepared)
    assert not result.ok and result.output is None
    [failed] = result.outcome.failed.values()
    assert failed.task.origin.scene == "night" and "ran out of paint" in failed.error
    source = prepared.resolved.sources[str(script)]
    line = source.text[:failed.task.origin.span.start].count("\n") + 1
    assert source.text.splitlines()[line - 1].startswith("scene night")
    skipped = {prepared.graph[k].origin.scene for k in result.outcome.skipped}
    assert "night" in skipped and "meadow" not in skipped
    assert any(prepared.graph[k].kind == "segment" and prepared.graph[k].origin.scene == "sea"
               for k in result.outcome.done)
    again = build(script, BuildOptions(jobs=1))
    assert again.ok
    assert {t.origin.scene for t in again.ran if t.kind in ("keyframe", "segment")} == {"night"}


def test_paths_may_not_leave_the_folder_and_outputs_never_overwrite_inputs(tmp_path):
    outside = tmp_path / "loop.wav"
    soundfile.write(outside, drum_loop(20.0), RATE)
    folder = tmp_path / "inner"
    folder.mkdir()
    script = folder / "song.mvs"
    script.write_text(SCRIPT.format(tail="").replace('"loop.wav"', '"../loop.wav"'))
    out = CliRunner().invoke(cli.cli, ["build", str(script)])
    assert out.exit_code == 1 and "E3009" in out.output and "outside" in out.output
    assert prepare(script, BuildOptions(allow_outside=True)).ok
    script = write_project(tmp_path / "p")
    for target in (script, script.parent / "loop.wav"):
        with pytest.raises(BuildError) as error:
            prepare(script, BuildOptions(output=target))
        assert error.value.code == "E3010"
    out = CliRunner().invoke(cli.cli, ["build", str(script), "-o", str(script)])
    assert out.exit_code == 1 and "E3010" in out.output and "Traceback" not in out.output


def test_a_bad_audio_file_is_a_diagnostic(tmp_path):
    script = write_project(tmp_path / "p")
    (script.parent / "loop.wav").write_bytes(b"RIFF....WAVEfmt not really audio" * 10)
    out = CliRunner().invoke(cli.cli, ["build", str(script)])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert "E30" in out.output and "loop.wav" in out.output


# -- interruption ----------------------------------------------------------------
def _default_interrupts() -> None:
    """A shell running the tests in the background starts them with SIGINT ignored,
    and Python keeps an ignored SIGINT ignored: give the build Ctrl-C back."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _build_process(script: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mvlang", "build", str(script), "-j", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=_default_interrupts)


def test_kill_minus_nine_loses_nothing_and_the_next_build_finishes(built, tmp_path):
    """Kill whole builds (the process group: workers too) at several points; each
    next build finishes, reuses what was done, and gives the clean build's video."""
    reference = frames_digest(built[1].output)
    script = write_project(tmp_path / "p")
    kept = []
    for delay in (0.8, 1.6, 2.4, 3.2):
        process = _build_process(script)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        prepared = prepare(script, BuildOptions())
        kept.append(len(prepared.cached()))
    assert kept == sorted(kept) and kept[-1] > 0       # each run kept what it finished
    result = build(script, BuildOptions(jobs=2))
    assert result.ok
    assert all(t.key not in set() for t in result.ran)
    assert frames_digest(result.output) == reference
    assert not any((prepared.store.tmp_root).glob("*")) or all(
        p.name.split("-")[0] == str(os.getpid()) for p in prepared.store.tmp_root.iterdir())


def test_a_corrupt_cache_entry_is_detected_and_rebuilt(built, tmp_path):
    script, result = built
    copy = tmp_path / "project"
    shutil.copytree(script.parent, copy)
    script = copy / "song.mvs"
    prepared = prepare(script, BuildOptions())
    store, graph = prepared.store, prepared.graph
    segment = next(t for t in graph if t.kind == "segment" and t.origin.scene == "city")
    video = store.path(segment.key) / "video.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0xFF
    video.write_bytes(bytes(data))
    store.evict(graph.root)                       # the final video must be made again
    store.evict(graph.outputs["video"])
    again = build(script, BuildOptions(jobs=1))
    assert again.ok
    assert segment.key in {t.key for t in again.ran}        # detected, rebuilt
    assert frames_digest(again.output) == frames_digest(result.output)
    # the published video itself damaged: rebuilt from the cache, not trusted
    final = store.path(graph.root) / "video.mp4"
    data = bytearray(final.read_bytes())
    data[100] ^= 0xFF
    final.write_bytes(bytes(data))
    again.output.unlink()
    third = build(script, BuildOptions(jobs=1))
    assert third.ok and [t.kind for t in third.ran] == ["mux"]


def test_ctrl_c_stops_the_build_and_keeps_what_finished(tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group) once the first tasks are done."""
    script = write_project(tmp_path / "p")
    script.write_text(script.read_text().replace("size 160x90", "size 640x360"))
    process = _build_process(script)
    seen = b""
    while seen.count(b"] ran ") < 3:          # the build log: three tasks finished
        line = process.stderr.readline()
        if not line:
            _, rest = process.communicate(timeout=60)
            pytest.fail(f"the build ended before three tasks finished: {seen + rest!r}")
        seen += line
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, seen + err
    assert b"interrupted" in err and b"Traceback" not in err
    kept = prepare(script, BuildOptions()).cached()
    assert kept
    result = build(script, BuildOptions(jobs=2))
    assert result.ok and not {t.key for t in result.ran} & kept


def test_cache_commands(tmp_path):
    copy = tmp_path / "project"
    assert build(write_project(copy), BuildOptions(jobs=2)).ok
    runner = CliRunner()
    listed = runner.invoke(cli.cli, ["cache", "ls", str(copy)])
    assert listed.exit_code == 0 and "keyframe" in listed.output and "entries" in listed.output
    count = int(listed.output.strip().splitlines()[-1].split()[0])
    edited = write_project(copy, tail=", at dawn")
    assert build(edited, BuildOptions(jobs=2)).ok
    gc = runner.invoke(cli.cli, ["cache", "gc", str(copy)])
    assert gc.exit_code == 0, gc.output
    removed = int(gc.output.split()[1])
    assert removed >= 3                    # the old sea keyframe, shot, flash, join, mux
    assert to_run(prepare(edited, BuildOptions())) == []       # the latest build is kept
    verify = runner.invoke(cli.cli, ["cache", "verify", str(copy)])
    assert verify.exit_code == 0 and "0 corrupt" in verify.output
    clear = runner.invoke(cli.cli, ["cache", "clear", str(copy)])
    assert clear.exit_code == 0
    prepared = prepare(edited, BuildOptions())
    assert len(to_run(prepared)) == len(prepared.graph)      # everything runs again
    assert count > removed


def test_progress_shows_a_live_bar_on_a_terminal_and_lines_elsewhere(built):
    import io

    from rich.console import Console

    from mvlang.build.progress import LineLog, LiveBar
    from mvlang.execute.base import Event

    _, result = built
    tasks = list(result.prepared.graph)[:3]
    stream = io.StringIO()
    with LineLog(len(tasks), stream) as log:
        for task in tasks:
            log(Event("start", task))
            log(Event("done", task, 1.5))
        log(Event("failed", tasks[0], error="boom"))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/3] ran ") and "(1.50 s)" in lines[0]
    assert "FAILED" in lines[-1] and "boom" in lines[-1]
    terminal = io.StringIO()
    bar = LiveBar(tasks, console=Console(file=terminal, force_terminal=True, width=120))
    with bar:
        bar(Event("start", tasks[0]))
        bar(Event("done", tasks[0], 0.5))
    text = terminal.getvalue()
    assert "1/3" in text and "left" in text


def test_the_diffusers_backend_without_its_models_is_a_clear_error(tmp_path):
    script = write_project(tmp_path / "p")
    (script.parent / "mvlang.toml").write_text('[build]\nbackend = "diffusers"\n')
    out = CliRunner().invoke(cli.cli, ["build", str(script)])
    assert out.exit_code == 1 and "E3012" in out.output and "[models.image]" in out.output
    assert "mvlang.toml" in out.output and "Traceback" not in out.output
    assert prepare(script, BuildOptions(backend="preview")).ok     # the flag wins
    (script.parent / "mvlang.toml").write_text(
        '[build]\nbackend = "diffusers"\n[models.image]\npath = "models/nowhere"\n')
    out = CliRunner().invoke(cli.cli, ["build", str(script)])
    assert out.exit_code == 1 and "E3012" in out.output and "[models.image]" in out.output
    assert "nowhere" in out.output and "Traceback" not in out.output
