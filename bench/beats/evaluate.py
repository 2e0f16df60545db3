"""Beat and downbeat accuracy of mvlang's tracker against librosa's, and their speed.

    python bench/beats/evaluate.py [--audio DIR] [--real DIR] [--only TEXT] [--files] [--no-timing]

Runs each tracker on each file of the benchmark set (made by make_set.py
when the folder is empty), without a tempo hint and with the true tempo as
the hint, and prints a Markdown table per group and overall:

- beat F: mir_eval's F-measure (70 ms window) after its usual trimming of
  the first 5 s, the mean over files;
- error: the mean absolute offset of the beats matched within 70 ms, ms;
- downbeat acc: the fraction of true downbeats (after 5 s) with a predicted
  downbeat within 70 ms; downbeat F: the F-measure of the downbeats.

Then it times `MvlangTracker.track` against `librosa.beat.beat_track` on a
3-minute 22050 Hz file, each the second of two runs (warm).

A `real` group is read from `--real` (default bench/beats/real): audio files
with a `NAME.beats` annotation beside them (lines `time [beat number]`, beat
number 1 a downbeat) and, optionally, `NAME.meter` ("3 4").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import make_set

from mvlang.audio import features
from mvlang.audio.tracking import LibrosaBaseline, MvlangTracker

GROUPS = ["click", "drums", "3/4", "6/8", "swing", "ramp", "offbeat-house", "real"]
WINDOW = 0.07


@dataclass
class Piece:
    name: str
    group: str
    samples: np.ndarray
    sample_rate: int
    meter: tuple[int, int]
    bpm: float
    beats: np.ndarray
    downbeats: np.ndarray


@dataclass
class Score:
    f: list[float] = field(default_factory=list)
    f_hint: list[float] = field(default_factory=list)
    error_ms: list[float] = field(default_factory=list)
    down_acc: list[float] = field(default_factory=list)
    down_f: list[float] = field(default_factory=list)
    down_acc_hint: list[float] = field(default_factory=list)


# ---------------------------------------------------------------- loading
def load_set(folder: Path, only: str) -> list[Piece]:
    if not any(folder.glob("*.json")):
        make_set.main(["--out", str(folder)])
    pieces = []
    for meta in sorted(folder.glob("*.json")):
        if only not in meta.stem:
            continue
        truth = json.loads(meta.read_text())
        samples, sr = sf.read(meta.with_suffix(".wav"), dtype="float32")
        pieces.append(Piece(meta.stem, truth["group"], samples, sr, tuple(truth["meter"]),
                            truth["bpm"], np.array(truth["beats"]), np.array(truth["downbeats"])))
    return pieces


def load_real(folder: Path, only: str) -> list[Piece]:
    pieces = []
    for notes in sorted(folder.glob("*.beats")) if folder.is_dir() else []:
        audio = next((p for p in folder.glob(notes.stem + ".*")
                      if p.suffix.lower() in (".wav", ".flac", ".ogg", ".mp3")), None)
        if audio is None or only not in notes.stem:
            continue
        rows = np.atleast_2d(np.loadtxt(notes))
        beats = rows[:, 0]
        meter_file = notes.with_suffix(".meter")
        meter = tuple(int(v) for v in meter_file.read_text().split()) if meter_file.exists() \
            else (int(rows[:, 1].max()) if rows.shape[1] > 1 else 4, 4)
        downbeats = beats[rows[:, 1] == 1] if rows.shape[1] > 1 else beats[::meter[0]]
        samples, sr = sf.read(audio, dtype="float32", always_2d=True)
        pieces.append(Piece(notes.stem, "real", samples.mean(axis=1), sr, meter,
                            float(60 / np.median(np.diff(beats))), beats, downbeats))
    return pieces


# ---------------------------------------------------------------- scoring
def evaluate(tracker, piece: Piece, score: Score) -> dict:
    import mir_eval

    row = {}
    for hint in (None, piece.bpm):
        tracked = tracker.track(piece.samples, piece.sample_rate, bpm=hint, meter=piece.meter)
        beats = np.asarray(tracked.beats)
        per_bar = piece.meter[0]
        downs = beats[tracked.first_downbeat % per_bar::per_bar]
        ref, est = mir_eval.beat.trim_beats(piece.beats), mir_eval.beat.trim_beats(beats)
        f = mir_eval.beat.f_measure(ref, est, WINDOW)
        ref_down = mir_eval.beat.trim_beats(piece.downbeats)
        acc = _hit_rate(ref_down, downs)
        if hint is None:
            score.f.append(f)
            score.error_ms.append(_mean_error(ref, est))
            score.down_acc.append(acc)
            score.down_f.append(mir_eval.beat.f_measure(ref_down, mir_eval.beat.trim_beats(downs),
                                                        WINDOW))
            row.update(f=f, tempo=tracked.tempo, down=acc)
        else:
            score.f_hint.append(f)
            score.down_acc_hint.append(acc)
            row.update(f_hint=f)
    return row


def _hit_rate(reference: np.ndarray, estimated: np.ndarray) -> float:
    if len(reference) == 0:
        return float("nan")
    if len(estimated) == 0:
        return 0.0
    gaps = np.abs(reference[:, None] - estimated[None, :]).min(axis=1)
    return float(np.mean(gaps <= WINDOW))


def _mean_error(reference: np.ndarray, estimated: np.ndarray) -> float:
    if len(reference) == 0 or len(estimated) == 0:
        return float("nan")
    gaps = estimated[None, :] - reference[:, None]
    nearest = gaps[np.arange(len(reference)), np.abs(gaps).argmin(axis=1)]
    matched = np.abs(nearest[np.abs(nearest) <= WINDOW])
    return float(matched.mean() * 1000) if len(matched) else float("nan")


# ---------------------------------------------------------------- report
def table(scores: dict[str, dict[str, Score]], counts: dict[str, int]) -> str:
    """A row per group and tracker, then the overall rows."""
    head = ["group", "files", "tracker", "beat F", "beat F (hint)", "error ms",
            "downbeat acc", "downbeat F", "downbeat acc (hint)"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    names = list(next(iter(scores.values())).keys()) if scores else []
    for group in [g for g in GROUPS if g in scores] + ["overall"]:
        files = counts[group] if group in counts else sum(counts.values())
        for name in names:
            s = scores[group][name] if group != "overall" else _merge(scores, name)
            row = [group, str(files), name, _mean(s.f), _mean(s.f_hint), _mean(s.error_ms, 1),
                   _mean(s.down_acc), _mean(s.down_f), _mean(s.down_acc_hint)]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _merge(scores, name) -> Score:
    out = Score()
    for group in scores.values():
        for key in vars(out):
            getattr(out, key).extend(getattr(group[name], key))
    return out


def _mean(values: list[float], digits: int = 3) -> str:
    values = [v for v in values if not math.isnan(v)]
    return f"{np.mean(values):.{digits}f}" if values else "-"


# ---------------------------------------------------------------- timing
def timing(runs: int = 5) -> str:
    """MvlangTracker.track against librosa.beat.beat_track on a 3-minute 22050 Hz song:
    both warmed up once, then the median of `runs` runs each, interleaved."""
    import librosa

    spec = make_set.Spec("timing", "drums", make_set.steady(123), (4, 4), "rock", 180.0, 22050)
    samples, _ = make_set.synthesise(spec, 1)
    tracker = MvlangTracker()
    ours, theirs = [], []
    for _ in range(runs + 1):
        features._CACHE.clear()                  # no help from the front end's cache
        start = time.perf_counter()
        tracker.track(samples, 22050)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        librosa.beat.beat_track(y=samples, sr=22050)
        theirs.append(time.perf_counter() - start)
    mine, base = np.median(ours[1:]), np.median(theirs[1:])
    return (f"3-minute 22050 Hz song, warm, median of {runs}: MvlangTracker.track "
            f"{mine * 1000:.0f} ms, librosa.beat.beat_track {base * 1000:.0f} ms "
            f"(ratio {mine / base:.2f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", type=Path, default=HERE / "audio")
    parser.add_argument("--real", type=Path, default=HERE / "real")
    parser.add_argument("--only", default="")
    parser.add_argument("--trackers", default="mvlang,librosa")
    parser.add_argument("--files", action="store_true", help="a line per file")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    trackers = {"mvlang": MvlangTracker(), "librosa": LibrosaBaseline()}
    trackers = {k: trackers[k] for k in args.trackers.split(",")}
    pieces = load_set(args.audio, args.only) + load_real(args.real, args.only)
    scores: dict[str, dict[str, Score]] = {}
    counts: dict[str, int] = {}
    for piece in pieces:
        counts[piece.group] = counts.get(piece.group, 0) + 1
        per = scores.setdefault(piece.group, {name: Score() for name in trackers})
        for name, tracker in trackers.items():
            row = evaluate(tracker, piece, per[name])
            if args.files:
                print(f"{piece.name:18} {name:8} F {row['f']:.3f} hint {row['f_hint']:.3f} "
                      f"tempo {row['tempo']:6.1f} (true {piece.bpm:6.1f}) down {row['down']:.2f}",
                      flush=True)
    print(table(scores, counts))
    if not args.no_timing:
        print()
        print(timing())


if __name__ == "__main__":
    main()
