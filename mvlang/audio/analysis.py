"""Analysing audio into a beat grid, onsets and envelopes, with a cache (stage: analyse).

`analyse_file` hashes the file's bytes and looks in the `AnalysisCache`
first: a second run on the same audio reads a small JSON file and neither
decodes the audio nor imports a tracker or librosa. The key is the sha256 of
the audio's content and of everything that changes the result (`from`,
`to`, the bpm hint, the meter, the tracker's name and version); a `downbeat`
override is applied after the cache, since it only renumbers the bars.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from mvlang.audio.grid import BeatGrid

FORMAT = 2            # bump when the cached layout or its meaning changes
ENVELOPE_RATE = 100   # envelope samples per second
SIGNALS = ("kick", "snare", "bass", "energy")


@dataclass(frozen=True)
class Analysis:
    grid: BeatGrid
    tempo: float                                   # typical bpm
    onsets: tuple[float, ...] = ()                 # seconds
    envelopes: dict[str, tuple[float, ...]] = field(default_factory=dict, compare=False)
    envelope_rate: int = ENVELOPE_RATE
    tracker: str = ""

    @property
    def duration(self) -> Fraction:
        return self.grid.duration

    def with_downbeat(self, seconds: Fraction) -> "Analysis":
        """Renumber bars so that the beat nearest `seconds` is bar 1 beat 1."""
        beats = self.grid.beats
        index = min(range(len(beats)), key=lambda i: abs(beats[i] - seconds))
        return replace(self, grid=replace(self.grid, first_downbeat=index))

    def envelope_at(self, signal: str, seconds: float) -> float:
        values = self.envelopes.get(signal, ())
        index = int(seconds * self.envelope_rate)
        return values[index] if 0 <= index < len(values) else 0.0

    # ---------------------------------------------------------------- storage
    def to_json(self) -> dict:
        g = self.grid
        return {"format": FORMAT, "tracker": self.tracker, "tempo": self.tempo,
                "beats": [_fraction(b) for b in g.beats], "beats_per_bar": g.beats_per_bar,
                "beat_unit": g.beat_unit, "first_downbeat": g.first_downbeat,
                "duration": _fraction(g.duration), "onsets": [round(o, 5) for o in self.onsets],
                "envelope_rate": self.envelope_rate,
                "envelopes": {k: [round(x, 4) for x in v] for k, v in self.envelopes.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "Analysis":
        grid = BeatGrid(tuple(Fraction(b) for b in data["beats"]), data["beats_per_bar"],
                        data["beat_unit"], data["first_downbeat"], Fraction(data["duration"]))
        return cls(grid, data["tempo"], tuple(data["onsets"]),
                   {k: tuple(v) for k, v in data["envelopes"].items()}, data["envelope_rate"],
                   data["tracker"])


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


class AnalysisCache:
    """Analyses stored as JSON under `root/analysis/`, named by their key."""

    def __init__(self, root: Path) -> None:
        self.folder = Path(root) / "analysis"

    def get(self, key: str) -> Analysis | None:
        path = self.folder / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("key") != key:
                return None
            return Analysis.from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or corrupt: a miss, analysed again

    def put(self, key: str, analysis: Analysis) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {**analysis.to_json(), "key": key}
        fd, temp = tempfile.mkstemp(prefix=".analysis-", dir=self.folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(temp, self.folder / f"{key}.json")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def analysis_key(digest: str, *, start, end, bpm, meter, tracker: str, version: str) -> str:
    spec = {"format": FORMAT, "audio": digest, "from": _text(start), "to": _text(end),
            "bpm": _text(bpm), "meter": list(meter), "tracker": tracker, "version": version}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _text(value) -> str | None:
    return None if value is None else str(Fraction(value).limit_denominator(10**6))


# The name and version of each tracker, known without importing it (a cache hit
# must not pay for the tracker's imports); a test keeps them equal to the trackers'.
TRACKERS = {"mvlang": ("mvlang", "2"), "librosa": ("librosa", "1"),
            "beat-this": ("beat_this", "1"), "beat_this": ("beat_this", "1")}


def tracker_identity(tracker: str, checkpoint: Path | None = None) -> tuple[str, str]:
    """What keys a tracker's results: its name, version and (for a model) weights."""
    name, version = TRACKERS.get(tracker, (tracker, "?"))
    if checkpoint is not None and name == "beat_this" and Path(checkpoint).is_file():
        version = f"{version}+{file_digest(Path(checkpoint))[:16]}"
    return name, version


def analyse_file(path: Path, *, start=None, end=None, bpm=None, meter=(4, 4), downbeat=None,
                 tracker: str = "mvlang", checkpoint: Path | None = None,
                 cache: AnalysisCache | None = None, cached_only: bool = False) -> Analysis:
    """The analysis of `path` (the part `start`..`end`), from the cache when it is there.

    `cached_only`: never analyse (an editor asking what `bar 17` is): a LookupError
    when the cache does not hold it."""
    name, version = tracker_identity(tracker, checkpoint)
    key = analysis_key(file_digest(path), start=start, end=end, bpm=bpm, meter=meter,
                       tracker=name, version=version)
    analysis = cache.get(key) if cache else None
    if analysis is None and cached_only:
        raise LookupError("the analysis of this audio is not cached yet")
    if analysis is None:
        from mvlang.audio.decode import read_audio

        audio = read_audio(path, start, end)
        analysis = analyse_samples(audio.samples, audio.sample_rate, bpm=bpm, meter=meter,
                                   tracker=tracker, checkpoint=checkpoint)
        if cache:
            cache.put(key, analysis)
    if downbeat is not None:
        analysis = analysis.with_downbeat(Fraction(downbeat))
    return analysis


START_SLACK = 0.03  # seconds: a beat this close before 0:00 still counts as in the audio


def complete_start(beats: list[float], first: int, per_bar: int) -> tuple[list[float], int]:
    """Put back the beats a tracker leaves out at the very start, at the first tempo.

    Bars are counted from the start of the audio, as a musician counts them: a
    song that opens on a downbeat has `bar 1` at 0:00 even when the tracker only
    locks on a beat or two later. Returns the beats and the index of the earliest
    downbeat (beats before it are a pickup, bar 0)."""
    if len(beats) < 2:
        return beats, first
    gaps = sorted(b - a for a, b in zip(beats[:5], beats[1:5]))
    period = gaps[len(gaps) // 2]  # the median of the first intervals: one odd beat is no tempo
    beats = list(beats)
    if len(beats) > 2 and abs((beats[1] - beats[0]) - period) > 0.05 * period:
        beats[0] = beats[1] - period  # a first beat pulled off by the edge of the audio
    added = []
    while beats[0] - period * (len(added) + 1) >= -START_SLACK:
        added.append(beats[0] - period * (len(added) + 1))
    beats = [max(0.0, t) for t in reversed(added)] + beats
    return beats, (first + len(added)) % per_bar


def analyse_samples(samples, sample_rate: int, *, bpm=None, meter=(4, 4),
                    tracker: str = "mvlang", checkpoint: Path | None = None) -> Analysis:
    """Track beats and measure onsets and envelopes of mono samples."""
    from mvlang.audio.tracking import make_tracker

    engine = make_tracker(tracker, checkpoint)
    tracked = engine.track(samples, sample_rate, bpm=None if bpm is None else float(bpm),
                           meter=tuple(meter))
    duration = Fraction(len(samples), sample_rate)
    beats, first = complete_start([float(t) for t in tracked.beats], tracked.first_downbeat,
                                  meter[0])
    grid = BeatGrid.from_seconds(beats, sample_rate, beats_per_bar=meter[0],
                                 beat_unit=meter[1], first_downbeat=first, duration=duration)
    return measure(samples, sample_rate, grid, float(tracked.tempo),
                   f"{engine.name} {engine.version}")


def measure(samples, sample_rate: int, grid: BeatGrid, tempo: float, source: str) -> Analysis:
    """The analysis of mono samples on a known grid: onsets and the `react` envelopes."""
    from mvlang.audio.features import envelopes, onsets

    curves = envelopes(samples, sample_rate, ENVELOPE_RATE)
    return Analysis(grid, tempo, tuple(float(t) for t in onsets(samples, sample_rate)),
                    {k: tuple(float(x) for x in curves[k]) for k in SIGNALS},
                    ENVELOPE_RATE, source)
