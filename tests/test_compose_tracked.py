"""The composer's music, tracked by mvlang's own tracker, gives back its grid.

Generated music never needs tracking (its grid is exact), so this checks the
two halves against each other: the composer puts clear beats exactly where it
says, and the tracker finds them. With the `bpm` the script gives as a hint,
every style but drum and bass comes back within 1% of its tempo with beat
F >= 0.95; without a hint, so do all but trap and drum and bass, which are
read at half tempo (70 and 87), the half-time feel a listener also taps.
Drum and bass with its hint keeps the tempo (174.0) but drifts in its sparse
outro (F 0.85), so it is not listed.
"""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest
from scipy.signal import resample_poly

from mvlang.audio.compose import compose
from mvlang.audio.tracking import MvlangTracker

RATE = 22050
WITH_HINT = ["house", "deep house", "techno", "ambient", "lofi", "hiphop", "rock", "orchestral",
             "synthwave", "trap"]
WITHOUT_HINT = ["house", "deep house", "techno", "ambient", "lofi", "hiphop", "rock", "orchestral",
                "synthwave"]


def tracked(style: str, hint: bool):
    piece = compose(style, length=36.0, seed=3)
    mono = resample_poly(piece.samples.mean(axis=1), 1, 2).astype(np.float32)
    truth = np.array([float(b) for b in piece.grid().beats])
    truth = truth[truth < len(mono) / RATE]
    result = MvlangTracker().track(mono, RATE, bpm=float(piece.bpm) if hint else None)
    score = mir_eval.beat.f_measure(mir_eval.beat.trim_beats(truth),
                                    mir_eval.beat.trim_beats(result.beats))
    return piece, result, score


@pytest.mark.parametrize("style", WITH_HINT)
def test_tracked_with_the_written_tempo(style):
    piece, result, score = tracked(style, hint=True)
    assert piece.style == style
    assert abs(result.tempo - float(piece.bpm)) / float(piece.bpm) < 0.01
    assert score >= 0.95


@pytest.mark.parametrize("style", WITHOUT_HINT)
def test_tracked_without_a_hint(style):
    piece, result, score = tracked(style, hint=False)
    assert abs(result.tempo - float(piece.bpm)) / float(piece.bpm) < 0.01
    assert score >= 0.95
