"""Finishing effects (grain, vignette, blur, glow, dream) and audio-reactive values."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from mvlang.backends.preview.painter import paint
from mvlang.media.effects import Effects
from mvlang.media.react import apply_brightness_hue, reaction_values, signal

W, H = 320, 180


@pytest.fixture(scope="module")
def picture():
    frame = paint("a sunlit meadow with a lighthouse", 3, W, H)
    frame.setflags(write=False)      # effects must never write to their input
    return frame


def _grey(value=128, w=W, h=H):
    return np.full((h, w, 3), value, dtype=np.uint8)


def _gradient_energy(frame):
    a = frame.astype(np.float64)
    return float((np.diff(a, axis=0) ** 2).mean() + (np.diff(a, axis=1) ** 2).mean())


def _distance(a, b):
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


# ----------------------------------------------------------------------------- effects

def test_no_effects_is_the_same_object(picture):
    assert Effects([], W, H, 0, 24).apply(picture, 5) is picture
    assert Effects([("grain", 0.0), ("glow", 0)], W, H, 0, 24).apply(picture, 5) is picture


@pytest.mark.parametrize("kind", ["grain", "vignette", "blur", "glow", "dream"])
def test_every_effect_makes_a_new_frame_and_leaves_the_input_alone(picture, kind):
    before = picture.copy()
    out = Effects([(kind, 0.7)], W, H, 1, 24).apply(picture, 3)
    assert out is not picture
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    assert np.array_equal(picture, before)
    assert _distance(out, picture) > 0.2


def test_bad_effects_and_frames_are_refused(picture):
    with pytest.raises(ValueError, match="unknown effect"):
        Effects([("sparkle", 0.5)], W, H, 0, 24)
    with pytest.raises(ValueError):
        Effects([("grain", 0.5)], W, H, 0, 24).apply(np.zeros((H, W + 1, 3), np.uint8), 0)


def test_vignette_darkens_corners_and_keeps_the_centre():
    out = Effects([("vignette", 1.0)], W, H, 0, 24).apply(_grey(200), 0).astype(int)
    centre = out[H // 2 - 10:H // 2 + 10, W // 2 - 10:W // 2 + 10]
    assert np.abs(centre - 200).max() <= 1
    for corner in (out[:8, :8], out[:8, -8:], out[-8:, :8], out[-8:, -8:]):
        assert corner.mean() < 120
    edge_mid = out[H // 2, :4].mean()
    assert corner.mean() < edge_mid < 200
    weaker = Effects([("vignette", 0.3)], W, H, 0, 24).apply(_grey(200), 0).astype(int)
    assert out[0, 0, 0] < weaker[0, 0, 0] < 200


def test_blur_lowers_gradient_energy_more_with_more_blur(picture):
    energy = _gradient_energy(picture)
    results = []
    for amount in (0.15, 0.4, 1.0):                    # sigma 0.54, 1.44 and 3.6 pixels at 180 rows
        out = Effects([("blur", amount)], W, H, 0, 24).apply(picture, 0)
        results.append(_gradient_energy(out))
        assert abs(out.astype(float).mean() - picture.astype(float).mean()) < 2.0   # blur keeps light
    assert energy > results[0] > results[1] > results[2]


def test_reactive_blur_extra(picture):
    energy = _gradient_energy(picture)
    grain_only = Effects([("vignette", 0.2)], W, H, 0, 24)
    assert _gradient_energy(grain_only.apply(picture, 0, blur_extra=0.5)) < 0.7 * energy
    assert Effects([], W, H, 0, 24).apply(picture, 0, blur_extra=0.5) is not picture
    fixed = Effects([("blur", 0.2)], W, H, 0, 24)
    assert _gradient_energy(fixed.apply(picture, 0, blur_extra=0.6)) < _gradient_energy(fixed.apply(picture, 0))


def test_glow_bleeds_light_into_the_dark_next_to_a_bright_area():
    frame = _grey(30)
    frame[60:120, 140:180] = 255
    frame.setflags(write=False)
    out = Effects([("glow", 1.0)], W, H, 0, 24).apply(frame, 0).astype(float)
    beside = (slice(70, 110), slice(184, 200))         # dark, just right of the bright block
    far = (slice(0, 20), slice(0, 20))
    assert out[beside].mean() > 30 + 15
    assert out[beside].mean() > out[far].mean() + 10
    assert out[60:120, 140:180].min() >= 254           # screen blending never darkens


def test_grain_adds_varying_deterministic_noise():
    frame = _grey(128)
    fx = Effects([("grain", 0.5)], W, H, 11, 24)
    a, b = fx.apply(frame, 0), fx.apply(frame, 1)
    assert a.astype(float).std() > 5.0
    assert abs(a.astype(float).mean() - 128) < 1.0
    assert not np.array_equal(a, b)
    assert np.array_equal(a, fx.apply(frame, 0))
    assert np.array_equal(a, Effects([("grain", 0.5)], W, H, 11, 24).apply(frame, 0))
    assert not np.array_equal(a, Effects([("grain", 0.5)], W, H, 12, 24).apply(frame, 0))
    stronger = Effects([("grain", 1.0)], W, H, 11, 24).apply(frame, 0)
    assert stronger.astype(float).std() > 1.5 * a.astype(float).std()


def test_dream_is_a_slow_deterministic_evolution():
    w, h = 640, 360                         # thinks on a half-size copy
    frame = paint("a sunlit meadow with a lighthouse", 3, w, h)
    fx = Effects([("dream", 0.8)], w, h, 5, 24)
    k, k1, k30 = fx.apply(frame, 10), fx.apply(frame, 11), fx.apply(frame, 40)
    assert _distance(k, frame) > 8.0                      # a strong change to the picture
    step, later = _distance(k, k1), _distance(k, k30)
    assert step < 2.5
    assert later > 6 * step                              # frame k+1 is close, k+30 has moved on
    assert np.array_equal(k, Effects([("dream", 0.8)], w, h, 5, 24).apply(frame, 10))
    assert _distance(k, Effects([("dream", 0.8)], w, h, 6, 24).apply(frame, 10)) > 2.0
    # it follows the picture: more is added where the picture has edges than on a flat area
    flat = _grey(128, w, h)
    assert _distance(fx.apply(flat, 10), flat) < _distance(k, frame)


def test_effects_at_odd_and_tiny_sizes():
    for w, h in ((33, 17), (1, 1), (101, 250)):
        noise = np.random.default_rng(w).integers(0, 256, (h, w, 3), dtype=np.uint8)
        fx = Effects([("blur", 1), ("glow", 1), ("dream", 1), ("grain", 1), ("vignette", 1)], w, h, 0, 30)
        out = fx.apply(noise, 7, blur_extra=0.3)
        assert out.shape == (h, w, 3) and out.dtype == np.uint8


def test_threads_give_the_same_frames(picture):
    fx = Effects([("dream", 0.6), ("glow", 0.5), ("grain", 0.4), ("vignette", 0.5)], W, H, 3, 24)
    serial = [fx.apply(picture, i, blur_extra=0.1 * (i % 3)) for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda i: fx.apply(picture, i, blur_extra=0.1 * (i % 3)), range(8)))
    assert all(np.array_equal(a, b) for a, b in zip(serial, threaded))
    assert len({a.tobytes() for a in serial}) == 8


def test_effects_run_in_order(picture):
    one = Effects([("vignette", 1.0), ("glow", 1.0)], W, H, 0, 24).apply(picture, 0)
    other = Effects([("glow", 1.0), ("vignette", 1.0)], W, H, 0, 24).apply(picture, 0)
    assert not np.array_equal(one, other)


# ----------------------------------------------------------------------------- react

FPS = 24.0
TIMES = np.arange(0, 10 * FPS) / FPS                          # 10 s of frames
BEATS = 0.23 + 0.5 * np.arange(19)                              # 120 bpm, off the frame grid
DOWNBEATS = BEATS[::4]


def _peaks(values):
    v = np.concatenate([[-1.0], values, [-1.0]])
    return np.nonzero((v[1:-1] > v[:-2]) & (v[1:-1] >= v[2:]) & (values > 0))[0]


def _analysis(**extra):
    base = {"beats": BEATS, "downbeats": DOWNBEATS, "onsets": (), "envelopes": {},
            "envelope_rate": 100.0}
    base.update(extra)
    return base


def test_beat_pulse_peaks_on_the_frame_nearest_each_beat():
    s = signal("beat", TIMES, BEATS, DOWNBEATS, (), {}, 100.0, None)
    assert s.shape == TIMES.shape and s.min() >= 0 and s.max() <= 1
    peaks = _peaks(s)
    assert len(peaks) == len(BEATS)
    for beat, peak in zip(BEATS, peaks):
        assert abs(peak - beat * FPS) <= 1.0
        assert peak == int(np.argmin(np.abs(TIMES - beat)))
        assert s[peak] == pytest.approx(1.0)
        assert s[peak + 3] < 0.5                         # decays quickly: 1/8 s later
    assert np.all(s[TIMES < BEATS[0] - 0.5 / FPS] == 0)


def test_bar_pulse_only_on_downbeats():
    s = signal("bar", TIMES, BEATS, DOWNBEATS, (), {}, 100.0, None)
    peaks = _peaks(s)
    assert len(peaks) == len(DOWNBEATS)
    for down, peak in zip(DOWNBEATS, peaks):
        assert abs(peak - down * FPS) <= 1.0
    beat_frames = {int(np.argmin(np.abs(TIMES - b))) for b in BEATS}
    assert set(peaks) <= beat_frames
    off_beats = [int(np.argmin(np.abs(TIMES - b))) for b in BEATS if b not in set(DOWNBEATS)]
    assert all(s[i] < 0.5 for i in off_beats)
    # bars decay more slowly than beats
    beat = signal("beat", TIMES, BEATS, DOWNBEATS, (), {}, 100.0, None)
    assert s[peaks[0] + 3] > beat[peaks[0] + 3]


def test_onset_pulse_and_unknown_signal():
    onsets = [1.0, 1.37, 4.02]
    s = signal("onset", TIMES, (), (), onsets, {}, 100.0, None)
    assert [int(p) for p in _peaks(s)] == [24, 33, 96]
    with pytest.raises(ValueError, match="unknown react signal"):
        signal("wobble", TIMES, (), (), (), {}, 100.0, None)
    with pytest.raises(ValueError, match="kick"):
        signal("kick", TIMES, (), (), (), {}, 100.0, None)


def test_envelope_is_interpolated_and_normalised():
    env = [0.0, 0.1, 0.2, 0.4, 0.2]                  # 10 values a second
    times = np.array([0.0, 0.05, 0.15, 0.3, 0.35, 1.0])
    s = signal("kick", times, (), (), (), {"kick": env}, 10.0, None)
    assert s == pytest.approx([0.0, 0.125, 0.375, 1.0, 0.75, 0.5])
    # normalised by the envelope's own maximum, even if the frames asked for miss it
    part = signal("bass", np.array([0.0, 0.1]), (), (), (), {"bass": env}, 10.0, None)
    assert part == pytest.approx([0.0, 0.25])
    silent = signal("energy", times, (), (), (), {"energy": [0.0] * 5}, 10.0, None)
    assert np.all(silent == 0)


def test_smoothing_delays_and_widens_the_pulse():
    raw = signal("beat", TIMES, BEATS, DOWNBEATS, (), {}, 100.0, None)
    smooth = signal("beat", TIMES, BEATS, DOWNBEATS, (), {}, 100.0, 0.15)
    assert smooth.min() >= 0 and smooth.max() <= 1
    window = slice(int(2.0 * FPS), int(2.5 * FPS) + 1)           # one beat period
    r, s = raw[window], smooth[window]
    assert np.argmax(s) > np.argmax(r)
    assert (s > s.max() / 2).sum() > (r > r.max() / 2).sum()
    assert s.max() < r.max()
    times = np.arange(0, 3 * FPS) / FPS

    def centroid(v):
        return float((v * times).sum() / v.sum())

    assert (centroid(signal("beat", times, [1.0], [], [], {}, 1, 0.2))
            > centroid(signal("beat", times, [1.0], [], [], {}, 1, None)) + 0.1)


def test_reaction_values_add_up():
    s = signal("beat", TIMES, BEATS, DOWNBEATS, (), {}, 100.0, None)
    env = np.linspace(0, 1, 1001)
    k = signal("kick", TIMES, (), (), (), {"kick": env}, 100.0, None)
    values = reaction_values([("zoom", 0.03, "beat", None), ("zoom", 0.05, "kick", None),
                              ("hue", 0.25, "beat", None), ("hue", 40, "beat", None),
                              ("brightness", 0.8, "beat", None), ("brightness", 0.7, "beat", None),
                              ("blur", 2.0, "beat", None)],
                             TIMES, **_analysis(envelopes={"kick": env}))
    assert set(values) == {"zoom", "brightness", "hue", "blur"}        # only what reacts
    assert values["zoom"] == pytest.approx(1.0 + 0.03 * s + 0.05 * k)
    assert values["hue"] == pytest.approx(0.25 * 360 * s + 40 * s)
    assert values["brightness"].max() == pytest.approx(1.0)         # clipped
    assert values["blur"].max() == pytest.approx(1.0)
    shake = reaction_values([("shake", 0.02, "bar", 0.1)], TIMES, **_analysis())
    assert set(shake) == {"shake"}
    assert shake["shake"] == pytest.approx(0.02 * signal("bar", TIMES, BEATS, DOWNBEATS, (), {}, 1, 0.1))
    assert reaction_values([], TIMES, **_analysis()) == {}
    with pytest.raises(ValueError, match="unknown react parameter"):
        reaction_values([("spin", 1, "beat", None)], TIMES, **_analysis())


def test_brightness_and_hue(picture):
    assert apply_brightness_hue(picture, 0.0, 0.0) is picture
    assert apply_brightness_hue(picture, 0.0, 360.0) is picture
    brighter = apply_brightness_hue(picture, 0.2, 0.0)
    assert brighter.dtype == np.uint8 and brighter.shape == picture.shape
    assert brighter.astype(float).mean() > picture.astype(float).mean() + 10
    assert np.all(brighter >= picture)
    darker = apply_brightness_hue(picture, -0.2, 0.0)
    assert darker.astype(float).mean() < picture.astype(float).mean()
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 220
    turned = apply_brightness_hue(red, 0.0, 180.0).astype(int)
    assert turned[0, 0, 0] < turned[0, 0, 1] and turned[0, 0, 0] < turned[0, 0, 2]   # red -> cyan
    back = apply_brightness_hue(apply_brightness_hue(picture, 0.0, 90.0), 0.0, -90.0)
    assert _distance(back, picture) < 6.0
    grey = _grey(100, 8, 8)
    assert np.abs(apply_brightness_hue(grey, 0.0, 123.0).astype(int) - 100).max() <= 1   # greys keep
