"""The beat grid as a value: exact positions and times, variable tempo, extrapolation."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mvlang.audio.grid import BeatGrid


def ramp_grid() -> BeatGrid:
    """Beats every 0.5 s for 8 beats, then every 0.4 s (120 -> 150 bpm)."""
    beats = [F(i, 2) for i in range(9)] + [F(4) + F(2, 5) * i for i in range(1, 20)]
    return BeatGrid(tuple(beats), 4, 4, 0, F(12))


def test_steady_grid_bar_and_beat_are_exact():
    grid = BeatGrid.steady(124, 120)
    assert grid.time_at(grid.position(17, 3)) == F(66 * 60, 124)
    assert grid.time_at(grid.position(1)) == 0
    assert grid.bar_beat(grid.position_at(F(66 * 60, 124))) == (17, 3)


def test_fractional_beats_interpolate():
    grid = ramp_grid()
    assert grid.time_at(F(7, 2)) == F(7, 4)
    assert grid.time_at(F(17, 2)) == F(4) + F(1, 5)  # half way into the first 0.4 s beat


def test_variable_tempo_is_followed():
    grid = ramp_grid()
    assert grid.add_beats(F(3), 4) == F(24, 5)
    assert grid.tempo_at(F(1)) == 120 and grid.tempo_at(F(6)) == 150


def test_extrapolation_before_and_after():
    grid = ramp_grid()
    assert grid.time_at(-2) == -1  # before the first beat: the first beats' tempo
    last = grid.beats[-1]
    assert grid.time_at(len(grid.beats) - 1 + 3) == last + 3 * F(2, 5)
    assert grid.position_at(F(-1)) == -2


def test_first_downbeat_renumbers_bars():
    grid = BeatGrid(tuple(F(i, 2) for i in range(20)), 4, 4, first_downbeat=1, duration=F(10))
    assert grid.time_at(grid.position(1)) == F(1, 2)      # bar 1 beat 1 is the second beat
    assert grid.time_at(grid.position(1) - 1) == 0        # the pickup beat
    assert grid.downbeats[:3] == (F(1, 2), F(5, 2), F(9, 2))


def test_snapping():
    grid = BeatGrid.steady(120, 20)
    assert grid.nearest_beat(F(1.2)) == 1 and grid.nearest_beat(F(1.3)) == F(3, 2)
    assert grid.nearest_bar(F(2.9)) == 2 and grid.nearest_bar(F(3.1)) == 4


@given(st.fractions(min_value=-10, max_value=60, max_denominator=97))
def test_time_and_position_are_inverse(position):
    grid = ramp_grid()
    assert grid.position_at(grid.time_at(position)) == position


def test_from_seconds_places_beats_on_samples():
    grid = BeatGrid.from_seconds([0.1, 0.6000001, 1.1], 22050, duration=F(2))
    assert grid.beats == (F(2205, 22050), F(13230, 22050), F(24255, 22050))


def test_invalid_grids():
    with pytest.raises(ValueError):
        BeatGrid((F(0),))
    with pytest.raises(ValueError):
        BeatGrid((F(1), F(1)))
