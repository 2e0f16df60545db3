"""End to end on real audio: decode, track, cache, resolve, and the commands.

The audio is synthesised here with a known grid (a drum loop whose first
downbeat is a quarter of a second in), so the resolved times can be checked
against exact beat times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from mvlang import cli
from mvlang.config import load_config
from mvlang.timeline.pipeline import resolve_file

RATE = 22050
BPM = 120
OFFSET = 0.25


def drum_loop(seconds: float = 40.0, bpm: float = BPM, offset: float = OFFSET) -> np.ndarray:
    """Kick on every beat, snare on 2 and 4, hats on eighths; a crash on each downbeat."""
    rng = np.random.default_rng(7)
    out = np.zeros(int(seconds * RATE), dtype=np.float64)
    period = 60 / bpm
    t = np.arange(int(0.3 * RATE)) / RATE
    kick = np.sin(2 * np.pi * (50 + 120 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    snare = rng.normal(0, 1, len(t)) * np.exp(-t * 25) * 0.5
    hat = rng.normal(0, 1, len(t)) * np.exp(-t * 80) * 0.15
    crash = rng.normal(0, 1, len(t)) * np.exp(-t * 6) * 0.2
    beat = 0
    while offset + beat * period < seconds - 0.3:
        start = int(round((offset + beat * period) * RATE))
        out[start:start + len(t)] += kick
        if beat % 4 in (1, 3):
            out[start:start + len(t)] += snare
        if beat % 4 == 0:
            out[start:start + len(t)] += crash
        half = int(round((offset + (beat + 0.5) * period) * RATE))
        out[half:half + len(t)] += hat
        beat += 1
    out += rng.normal(0, 0.003, len(out))
    return (out / np.max(np.abs(out)) * 0.8).astype(np.float32)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("song")
    soundfile.write(folder / "loop.wav", drum_loop(), RATE)
    return folder


def exact(beat_index: int) -> float:
    return OFFSET + beat_index * 60 / BPM


def write_script(folder: Path, body: str, name: str = "video.mvs") -> Path:
    path = folder / name
    path.write_text('song "loop.wav" {\n  bpm 120\n  mark drop at bar 9 - 1 beat\n}\n' + body)
    return path


def test_anchors_resolve_to_the_grid_to_the_millisecond(project):
    script = write_script(project, 'scene intro { prompt "a" }\n'
                                   'scene verse at bar 3 beat 2 { prompt "b" }\n'
                                   'scene hook at drop { prompt "c"; sfx "hit" at +2 beats }\n'
                                   'scene outro at bar 15 { prompt "d" }\n')
    resolved = resolve_file(script)
    assert resolved.ok, [d.message for d in resolved.diagnostics]
    starts = [float(s.start) for s in resolved.timeline.shots]
    expected = [0.0, exact(9), exact(31), exact(56)]
    assert np.max(np.abs(np.array(starts) - expected)) < 0.001
    (cue,) = resolved.timeline.cues
    assert abs(float(cue.start) - exact(33)) < 0.001


def test_second_run_reads_the_cache_without_analysing(project):
    script = write_script(project, 'scene a { prompt "a" }\n', "cached.mvs")
    first = resolve_file(script)
    files = list((project / ".mvlang" / "analysis").glob("*.json"))
    assert files and first.ok
    code = (f"import sys, json; from pathlib import Path; "
            f"from mvlang.timeline.pipeline import resolve_file; "
            f"r = resolve_file(Path({str(script)!r})); "
            f"print(json.dumps([len(r.analysis.grid.beats), "
            f"[m for m in ('librosa', 'mvlang.audio.decode', 'mvlang.audio.tracking', 'numba') "
            f"if m in sys.modules]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    beats, imported = json.loads(out.stdout)
    assert beats == len(first.analysis.grid.beats)
    assert imported == []


def test_a_silent_song_is_an_error_at_the_song_line(tmp_path):
    soundfile.write(tmp_path / "quiet.wav", np.zeros(RATE * 3, dtype=np.float32), RATE)
    script = tmp_path / "v.mvs"
    script.write_text('video { fps 24 }\n\nsong "quiet.wav"\nscene a { prompt "a" }\n')
    resolved = resolve_file(script)
    (error,) = resolved.diagnostics
    assert error.code == "E3007" and error.span.line == 3 and "silent" in error.message


def test_beats_command_prints_one_time_per_line_and_json(project, tmp_path):
    runner = CliRunner()
    cache = str(tmp_path / "cache")
    plain = runner.invoke(cli.cli, ["beats", str(project / "loop.wav"), "--cache", cache])
    assert plain.exit_code == 0, plain.output
    times = [float(x) for x in plain.stdout.split()]
    assert abs(times[0] - OFFSET) < 0.01 and abs(np.median(np.diff(times)) - 0.5) < 0.005
    as_json = runner.invoke(cli.cli, ["beats", str(project / "loop.wav"), "--json", "--cache", cache])
    data = json.loads(as_json.stdout)
    assert abs(data["tempo"] - 120) < 1.2 and data["bars"][0] == {"bar": 1, "time": pytest.approx(OFFSET, abs=0.01)}
    assert len(data["downbeats"]) == pytest.approx(len(data["beats"]) / 4, abs=1)


def test_beats_plot_and_timeline_png(project, tmp_path):
    runner = CliRunner()
    picture = tmp_path / "beats.png"
    result = runner.invoke(cli.cli, ["beats", str(project / "loop.wav"), "--plot", str(picture),
                                     "--cache", str(tmp_path / "c")])
    assert result.exit_code == 0 and picture.read_bytes()[:4] == b"\x89PNG"
    script = write_script(project, 'scene a { prompt "a" }\n-> crossfade over 1 bar\n'
                                   'scene b at bar 5 { prompt "b" }\n', "png.mvs")
    line_png = tmp_path / "line.png"
    table = runner.invoke(cli.cli, ["timeline", str(script), "--png", str(line_png)])
    assert table.exit_code == 0, table.output
    rows = table.stdout.splitlines()
    assert rows[0].split() == ["scene", "start", "end", "bar:beat", "frames"]
    # the loop's first downbeat is at 0.25 s, so 0:00 is half a beat before bar 1 (bar 0 beat 4.5)
    assert rows[1].split()[:4] == ["a", "0:00", "0:08.25", "0:4.5-5:1"]
    assert line_png.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(runner.invoke(cli.cli, ["timeline", str(script), "--json"]).stdout)
    assert [s["scene"] for s in data["shots"]] == ["a", "b"]
    assert data["transitions"][0]["kind"] == "crossfade"


def test_generated_music_has_an_exact_grid(tmp_path):
    script = tmp_path / "m.mvs"
    script.write_text('music "deep house" {\n  bpm 124\n  length 16 bars\n}\n'
                      'scene a { prompt "a" }\nscene b at bar 9 { prompt "b" }\n')
    resolved = resolve_file(script, load_config(tmp_path))
    assert resolved.ok, [d.message for d in resolved.diagnostics]
    assert resolved.timeline.shots[1].start == F(8 * 4 * 60, 124)
    assert abs(float(resolved.timeline.duration) - 16 * 4 * 60 / 124) < 60 / 124


def test_bars_count_from_the_start_of_the_audio():
    from mvlang.audio.analysis import complete_start

    # the tracker locked on at the second beat; the song opened on a downbeat at 0:00
    beats, first = complete_start([0.5, 1.0, 1.5, 2.0, 2.5], 3, 4)
    assert beats[:2] == [0.0, 0.5] and first == 0
    # a pickup: the first downbeat is the third beat, and stays so
    beats, first = complete_start([0.0, 0.5, 1.0, 1.5, 2.0], 2, 4)
    assert beats[0] == 0.0 and first == 2


def test_generated_house_tracked_has_bar_one_at_the_start(tmp_path):
    from mvlang.audio.analysis import analyse_file
    from mvlang.audio.compose import compose

    piece = compose("deep house", length=30.0, seed=5)
    soundfile.write(tmp_path / "house.wav", piece.samples, piece.sample_rate)
    grid = analyse_file(tmp_path / "house.wav").grid
    truth = piece.grid()
    for bar in (1, 5, 9):
        assert abs(float(grid.time_at(grid.position(bar)) - truth.time_at(truth.position(bar)))) < 0.01


@pytest.mark.parametrize("make, code", [
    (lambda p: p.write_bytes(b""), "E3005"),
    (lambda p: p.write_bytes(b"RIFF....WAVE not really" * 40), "E3006"),
])
def test_broken_songs_are_errors_at_the_song_line(tmp_path, make, code):
    make(tmp_path / "broken.wav")
    script = tmp_path / "v.mvs"
    script.write_text('# a comment\nsong "broken.wav" { bpm 120 }\nscene a { prompt "a" }\n')
    (error,) = resolve_file(script).diagnostics
    assert error.code == code and error.span.line == 2 and "broken.wav" in error.message


def test_downbeat_override_renumbers_the_bars(project):
    script = project / "downbeat.mvs"
    script.write_text('song "loop.wav" {\n  downbeat 0:01.25\n}\n'
                      'scene a { prompt "a" }\nscene b at bar 2 { prompt "b" }\n')
    resolved = resolve_file(script)
    assert resolved.ok
    # bar 1 is now the beat at 1.25 s (the loop's third beat), so bar 2 is two seconds later
    assert abs(float(resolved.timeline.shots[1].start) - 3.25) < 0.001
