"""The tracker on the project's own example song (examples/media/decades.ogg).

The song is exactly 100 bpm in 4/4 from 0:00: an 8-bar intro of kick, hats
and pads, then snare, bass and open hats on the off-beats join at bar 9. A
listener taps 100 all the way through; the fuller texture must not make the
tracker jump to double time, and bar 9 must land where the band comes in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mvlang.audio.analysis import analyse_file

SONG = Path(__file__).resolve().parent.parent / "examples" / "media" / "decades.ogg"


def test_one_tempo_through_a_change_of_texture():
    grid = analyse_file(SONG).grid
    beats = np.array([float(b) for b in grid.beats])
    gaps = np.diff(beats)
    assert np.all(np.abs(gaps - 0.6) < 0.02), np.round(gaps[np.abs(gaps - 0.6) >= 0.02], 3)
    assert abs(float(grid.time_at(grid.position(9))) - 19.2) < 0.01
    assert abs(float(grid.time_at(grid.position(1)))) < 0.01
