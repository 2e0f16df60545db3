"""Procedural sound effects, picture-driven sound and the final mix, measured with numbers."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import signal

from mvlang.audio import sfx
from mvlang.audio.mixer import Placed, loudness, mix

R = 48000
CEILING = 10 ** (-1 / 20)


# ------------------------------------------------------------------ measures
def _mono(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x.mean(axis=1) if x.ndim == 2 else x


def _rms_db(x: np.ndarray) -> float:
    return 20 * math.log10(math.sqrt(float(np.mean(np.asarray(x, dtype=float) ** 2))) + 1e-30)


def _onset(x: np.ndarray, threshold: float = 0.1) -> float:
    """Seconds until a 2 ms RMS envelope first reaches `threshold` of its maximum."""
    m = np.abs(np.asarray(x, dtype=float)).max(axis=1)
    w = int(0.002 * R)
    env = np.sqrt(np.convolve(m ** 2, np.ones(w) / w, mode="same"))
    return int(np.argmax(env >= threshold * env.max())) / R


def _onsets(x: np.ndarray) -> np.ndarray:
    """librosa's onsets of a sound after 0.25 s of silence (so one at sample 0 is seen)."""
    import librosa

    y = np.concatenate([np.zeros(R // 4), _mono(x)])
    return librosa.onset.onset_detect(y=y, sr=R, units="time") - 0.25


def _welch(x: np.ndarray):
    return signal.welch(_mono(x), R, nperseg=4096)


def _flatness(x: np.ndarray) -> float:
    """Spectral flatness (geometric / arithmetic mean of the long-term power spectrum) over the
    band that holds the middle 90 % of the sound's energy: ~1 for noise, ~0 for tones."""
    _, p = _welch(x)
    cumulative = np.cumsum(p) / p.sum()
    band = p[(cumulative >= 0.05) & (cumulative <= 0.95)] + 1e-30
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


def _high_share(x: np.ndarray, above: float = 2000.0) -> float:
    f, p = _welch(x)
    return float(p[f > above].sum() / p.sum())


def _centroid(x: np.ndarray) -> float:
    f, p = _welch(x)
    return float((f * p).sum() / p.sum())


# ------------------------------------------------------------------ design: families
FAMILY_PROMPTS = [
    ("rain", "rain"), ("wind", "wind howling"), ("wind", "leaves rustling"),
    ("water", "a babbling stream"),
    ("water", "waves on the shore"), ("water", "a splash"), ("bubbles", "bubbles"),
    ("bells", "a bell"), ("bells", "wind chimes"), ("bells", "a bicycle bell"),
    ("bells", "a church bell"), ("crowd", "a crowd murmur"), ("crowd", "applause"),
    ("crowd", "cheering"), ("laughter", "children laughing"), ("whoosh", "a whoosh"),
    ("impact", "a thud"), ("impact", "a door slam"), ("impact", "a hit"),
    ("impact", "an explosion"), ("impact", "glass shattering"), ("creak", "a door creak"), ("creak", "the floor creaking"),
    ("creak", "creaking wood"), ("birds", "birdsong"), ("birds", "seagulls"),
    ("thunder", "thunder"), ("footsteps", "footsteps"), ("clock", "a clock ticking"),
    ("shutter", "a camera shutter"), ("whistle", "a train whistle"), ("engine", "an engine"),
    ("fire", "fire crackling"), ("typing", "typing"),
]
ONE_SHOTS = ["a whoosh", "a thud", "a door slam", "a hit", "an explosion", "a bell",
             "a bicycle bell", "a church bell", "a door creak", "the floor creaking", "thunder",
             "a camera shutter", "a train whistle", "a splash", "knocking on the door"]


@pytest.fixture(scope="module")
def designed() -> dict[str, np.ndarray]:
    cache: dict[str, np.ndarray] = {}

    def get(prompt: str, seed: int = 7, seconds: float | None = None) -> np.ndarray:
        key = f"{prompt}|{seed}|{seconds}"
        if key not in cache:
            cache[key] = sfx.design(prompt, seed, seconds)
        return cache[key]
    return get


@pytest.mark.parametrize(("family", "prompt"), FAMILY_PROMPTS)
def test_every_family_sounds_and_is_named(designed, family, prompt):
    x = designed(prompt)
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2 and x.shape[0] > R // 4
    assert np.all(np.isfinite(x))
    assert _rms_db(x) > -40, "audible"
    assert abs(20 * math.log10(np.abs(x).max()) + 1.0) < 0.05, "peak -1 dBFS"
    assert family in sfx.describe(prompt)


def test_describe_reads_words():
    assert sfx.describe("rain and distant thunder") == ["rain", "thunder"]
    assert sfx.describe("wind chimes") == ["bells"]
    assert sfx.describe("running water") == ["water"]
    assert sfx.describe("a door slams") == ["impact"]
    assert sfx.describe("the old door") == ["creak"]
    assert sfx.describe("people laughing") == ["laughter"]
    assert sfx.describe("walking in the rain") == ["rain"]
    assert sfx.describe("a camera shutter with motor drive") == ["shutter"]
    assert sfx.describe("ocean waves crashing") == ["water"]
    assert sfx.describe("a storm at sea") == ["thunder", "rain", "water"]
    assert sfx.describe("glorp zibber") == ["texture"]


def test_unknown_words_make_a_soft_texture_chosen_by_the_words(designed):
    a, b = designed("glorp zibber"), designed("quux fnord")
    assert a.shape == b.shape == (4 * R, 2)
    assert abs(_centroid(a) - _centroid(b)) > 50           # the words pick the colour
    assert _flatness(a) > 0.3                               # filtered noise, not a tone


def test_layers_mix_families(designed):
    x = designed("rain and thunder")
    assert x.shape[0] == 5 * R                              # the longer of the two
    rain, thunder = designed("rain"), designed("thunder")
    assert _high_share(thunder) < _high_share(x) < _high_share(rain)


def test_same_inputs_same_samples_other_seeds_other_samples():
    for prompt in ("rain", "a bell ringing twice", "applause", "children laughing far away"):
        a = sfx.design(prompt, 3, 2.0)
        assert np.array_equal(a, sfx.design(prompt, 3, 2.0))
        b = sfx.design(prompt, 4, 2.0)
        assert a.shape == b.shape and not np.allclose(a, b, atol=1e-3)


def test_lengths_textures_fill_one_shots_pad(designed):
    rain = designed("rain", 7, 2.5)
    assert rain.shape == (round(2.5 * R), 2)
    edge = int(0.002 * R)
    assert np.abs(rain[:edge]).max() < 0.05 and np.abs(rain[-edge:]).max() < 0.05   # fades
    assert _rms_db(rain[R // 2:-R // 2]) > -30                                        # filled
    thud = designed("a thud", 7, 3.0)
    assert thud.shape == (3 * R, 2)
    assert np.abs(thud[int(1.6 * R):]).max() == 0.0                                  # padded
    cut = designed("a church bell", 7, 1.0)
    assert cut.shape == (R, 2) and np.abs(cut[-edge:]).max() < 0.02                   # faded
    assert sfx.design("rain", 1, 0.0).shape == (0, 2)
    assert designed("a thud").shape[0] == round(1.5 * R)                              # natural
    assert designed("rain").shape[0] == 4 * R


@pytest.mark.parametrize("prompt", ONE_SHOTS)
def test_one_shots_start_at_sample_zero(designed, prompt):
    assert _onset(designed(prompt)) < 0.010


def test_ringing_twice_rings_twice(designed):
    once = _onsets(designed("a bicycle bell"))
    twice = _onsets(designed("a bicycle bell ringing twice"))
    three = _onsets(designed("a bell ringing three times"))
    assert len(once) == 1 and abs(once[0]) < 0.02
    assert len(twice) == 2 and abs(twice[0]) < 0.02
    assert len(three) == 3
    assert len(_onsets(designed("knocking on the door"))) == 3       # "knocking": a few knocks


def test_far_away_is_quieter_duller_and_wetter(designed):
    for prompt in ("children laughing", "a bell", "rain", "a door slam"):
        near, far = designed(prompt), designed(prompt + " far away")
        assert _rms_db(far) < _rms_db(near) - 5, prompt
        assert _high_share(far) < 0.5 * _high_share(near), prompt
    near, far = designed("a door slam"), designed("a door slam far away")
    tail = slice(int(0.5 * R), int(1.0 * R))            # reverb: more of the energy in the tail
    assert _rms_db(far[tail]) - _rms_db(far) > _rms_db(near[tail]) - _rms_db(near)


def test_heavy_is_louder_and_lower_soft_is_softer(designed):
    plain, heavy, soft = designed("a thud"), designed("a heavy thud"), designed("a soft thud")
    assert _rms_db(heavy) > _rms_db(plain) + 1
    assert _centroid(heavy) < _centroid(plain)
    assert _rms_db(soft) < _rms_db(plain) - 6
    assert _rms_db(designed("light rain")) < _rms_db(designed("rain")) - 6
    assert designed("a short whoosh").shape[0] < designed("a whoosh").shape[0] < designed(
        "a long whoosh").shape[0]


def test_children_laugh_higher(designed):
    import librosa

    def pitch(x):
        """Median f0 (YIN) over the loud frames."""
        y = librosa.resample(_mono(x), orig_sr=R, target_sr=16000)
        f0 = librosa.yin(y, fmin=80, fmax=1000, sr=16000, frame_length=1024)
        rms = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0]
        k = min(f0.size, rms.size)
        return float(np.median(f0[:k][rms[:k] > 0.5 * rms.max()]))
    children = pitch(designed("children laughing"))
    assert children > 1.4 * pitch(designed("a man laughing"))
    assert children > 1.1 * pitch(designed("a woman laughing"))


def test_noise_textures_are_flat_bells_are_tonal(designed):
    bells = [_flatness(designed(p)) for p in ("a bell", "a bicycle bell", "a chime", "wind chimes")]
    for prompt in ("rain", "wind", "light rain"):
        assert _flatness(designed(prompt)) > 0.5 > 10 * max(bells), prompt


def test_fast_enough():
    sfx.design("cheering", 0, 1.0)                 # warm the wavetable cache
    for prompt in ("cheering", "rain", "a church bell ringing twice", "traffic"):
        start = time.perf_counter()
        x = sfx.design(prompt, 1, 6.0)
        spent = time.perf_counter() - start
        assert spent / (x.shape[0] / R) < 0.2, prompt


# ------------------------------------------------------------------ loudness
# ITU-R BS.1770-4's K-weighting at 48 kHz, as printed in the standard (the module derives
# its coefficients for any rate instead)
_K48 = (([1.53512485958697, -2.69169618940638, 1.19839281085285],
         [1.0, -1.69065929318241, 0.73248077421585]),
        ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621]))


def _expected_sine_lufs(amplitude: float, channels: int, freq: float = 1000.0) -> float:
    gain = 1.0
    for b, a in _K48:
        gain *= abs(signal.freqz(b, a, worN=[freq], fs=R)[1][0])
    return -0.691 + 10 * math.log10(channels * amplitude ** 2 / 2 * gain ** 2)


def _sine(seconds: float, amplitude: float, freq: float = 1000.0, rate: int = R) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)


def test_loudness_of_sines_matches_bs1770():
    a = 10 ** (-20 / 20)
    s = _sine(10, a)
    assert abs(_expected_sine_lufs(a, 1) - -23.0) < 0.05      # the familiar figure
    assert abs(loudness(s, R) - _expected_sine_lufs(a, 1)) < 0.5
    assert abs(loudness(s, R) - -23.0) < 0.1                   # mono, or one channel
    assert abs(loudness(np.stack([s, 0 * s], 1), R) - -23.0) < 0.1
    stereo = np.stack([s, s], 1)
    assert abs(loudness(stereo, R) - _expected_sine_lufs(a, 2)) < 0.1   # both channels: -20
    b = 10 ** (-23 / 20)                                       # EBU Tech 3341, case 1
    assert abs(loudness(np.stack([_sine(20, b)] * 2, 1), R) - -23.0) < 0.1
    for rate in (44100, 32000):
        t = _sine(5, a, rate=rate)
        assert abs(loudness(np.stack([t, t], 1), rate) - loudness(stereo, R)) < 0.1


def test_loudness_gates():
    a = 10 ** (-20 / 20)
    loud, quiet = _sine(10, a), _sine(10, a / 100)             # -40 dBFS: under the relative gate
    both = np.concatenate([loud, quiet])
    assert abs(loudness(both, R) - loudness(loud, R)) < 0.1
    silence = np.concatenate([loud, np.zeros(10 * R)])         # under the absolute gate...
    # ...but for the three blocks across the edge, 3/4, 1/2 and 1/4 loud: 97 + 1.5 of 100 blocks
    expected = loudness(loud, R) + 10 * math.log10(98.5 / 100)
    assert abs(loudness(silence, R) - expected) < 0.01
    assert loudness(np.zeros((R, 2)), R) == -math.inf
    assert loudness(np.zeros((0, 2)), R) == -math.inf
    assert abs(loudness(_sine(0.2, a), R) - -23.0) < 0.2       # shorter than a block


# ------------------------------------------------------------------ mixing
def _music(seconds: float, seed: int = 0) -> np.ndarray:
    """Silence-free stand-in music: a low chord with slow movement and a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * R)) / R
    x = sum(a * np.sin(2 * np.pi * f * t + p) for f, a, p in
            ((110, 0.3, 0), (165, 0.2, 1), (220, 0.15, 2), (277, 0.1, 3)))
    x = x * (0.8 + 0.2 * np.sin(2 * np.pi * 0.25 * t))
    noise = signal.sosfilt(signal.butter(2, 400, fs=R, output="sos"), rng.standard_normal(t.size))
    x = x + 0.05 * noise
    return np.stack([x, np.roll(x, 7)], 1).astype(np.float32)


def _band(x: np.ndarray, low: float, high: float) -> np.ndarray:
    sos = signal.butter(4, [low, high], btype="band", fs=R, output="sos")
    return signal.sosfiltfilt(sos, _mono(x))


def _hiss(seconds: float, seed: int = 1) -> np.ndarray:
    """A cue that the music does not have: noise between 3 and 8 kHz."""
    x = _band(np.random.default_rng(seed).standard_normal(int(seconds * R)), 3000, 8000)
    x = x / np.abs(x).max() * 0.5
    return np.stack([x, x], 1).astype(np.float32)


def test_mix_length_and_placement():
    music = _music(3.0)
    out = mix(music, R, [], 5.0)
    assert out.shape == (5 * R, 2) and out.dtype == np.float32
    assert np.abs(out[4 * R:]).max() == 0.0                    # padded with silence
    assert mix(music, R, [], 2.0).shape == (2 * R, 2)          # cut
    late = Placed(_hiss(2.0), 4.0, 0.0)
    early = Placed(_hiss(2.0), -1.5, 0.0)
    out = mix(np.zeros((0, 2), np.float32), R, [late, early], 5.0)
    assert np.abs(out[int(0.52 * R):int(3.98 * R)]).max() == 0.0
    assert np.abs(out[:int(0.49 * R)]).max() > 0 and np.abs(out[4 * R + 10:]).max() > 0
    assert not np.any(mix(np.zeros((R, 2), np.float32), R, [], 1.0))


def test_cue_is_heard_at_its_start():
    music = _music(4.0)
    cue = sfx.design("a door slam", 2, None)
    out = mix(music, R, [Placed(cue, 2.0, 0.0)], 4.0)
    high = _band(out, 1000, 12000)                            # above the music
    w = int(0.001 * R)
    env = np.sqrt(np.convolve(high ** 2, np.ones(w) / w, mode="same"))
    floor = np.median(env[int(1.5 * R):int(1.95 * R)])
    rise = int(1.9 * R) + int(np.argmax(env[int(1.9 * R):] > 10 * floor))
    assert abs(rise / R - 2.0) < 0.020
    found = _onsets(out)
    assert np.min(np.abs(found - 2.0)) < 0.020                 # librosa agrees


def test_cue_gain_is_relative_to_the_music():
    music = _music(6.0)

    def cue_to_music(gain_db: float) -> float:
        out = mix(music, R, [Placed(_hiss(1.0), 3.0, gain_db)], 6.0, target_lufs=-20.0)
        cue = _band(out, 3000, 8000)[int(3.1 * R):int(3.9 * R)]
        bed = _band(out, 80, 350)[int(0.5 * R):int(2.5 * R)]
        return _rms_db(cue) - _rms_db(bed)
    assert abs((cue_to_music(0.0) - cue_to_music(-12.0)) - 12.0) < 1.5
    assert abs((cue_to_music(-6.0) - cue_to_music(-18.0)) - 12.0) < 1.5


def test_music_ducks_under_a_loud_cue():
    music = np.stack([_sine(9, 0.3, 200)] * 2, 1).astype(np.float32)
    loud = Placed(_hiss(2.0), 3.0, 6.0)

    def music_level(out, start, stop):
        return _rms_db(_band(out, 150, 260)[int(start * R):int(stop * R)])
    ducked = mix(music, R, [loud], 9.0, duck_db=6.0)
    drop = music_level(ducked, 3.5, 4.8) - music_level(ducked, 1.0, 2.5)
    assert -7.0 < drop < -4.5
    assert abs(music_level(ducked, 7.5, 8.8) - music_level(ducked, 1.0, 2.5)) < 0.5  # released
    steady = mix(music, R, [loud], 9.0, duck_db=0.0)
    assert abs(music_level(steady, 3.5, 4.8) - music_level(steady, 1.0, 2.5)) < 0.3
    quiet = mix(music, R, [Placed(_hiss(2.0), 3.0, -30.0)], 9.0)
    assert abs(music_level(quiet, 3.5, 4.8) - music_level(quiet, 1.0, 2.5)) < 0.5


def test_never_over_minus_one_dbfs():
    music = _music(8.0) * 3                                    # already clipping-hot
    boom = sfx.design("a heavy explosion", 1, None)
    cues = [Placed(boom, 0.2 * k, 12.0) for k in range(30)]
    cues += [Placed(_hiss(1.0, k), 0.3 * k, 12.0) for k in range(20)]
    out = mix(music, R, cues, 8.0, target_lufs=-5.0)
    assert np.abs(out).max() <= CEILING
    true_peak = np.abs(signal.resample_poly(out.astype(float), 8, 1, axis=0)).max()
    assert 20 * math.log10(true_peak) < -0.8


def test_normalised_to_the_target():
    music = _music(12.0)
    cues = [Placed(sfx.design("rain", 1, 4.0), 2.0, -6.0),
            Placed(sfx.design("a door slam", 1, None), 7.0, 0.0)]
    for target in (-14.0, -23.0):
        out = mix(music, R, cues, 12.0, target_lufs=target)
        assert abs(loudness(out, R) - target) < 1.0
    boom = sfx.design("a heavy explosion", 1, None)            # hot: the limiter works hard
    out = mix(music, R, [Placed(boom, 0.5 * k, 6.0) for k in range(20)], 12.0)
    assert abs(loudness(out, R) - -14.0) < 1.0 and np.abs(out).max() <= CEILING


# ------------------------------------------------------------------ auto
FPS = 24.0


def _features(frames: int, motion=None, brightness=128.0, cuts=()):
    t = np.arange(frames) / FPS
    if motion is None:
        motion = np.clip(12 + 11 * np.sin(2 * np.pi * t / 3.0) + 6 * np.sin(2 * np.pi * t / 1.1),
                         0, None)
    c = np.zeros(frames)
    c[list(cuts)] = 1.0
    return {"motion": np.broadcast_to(np.asarray(motion, dtype=float), (frames,)).copy(),
            "brightness": np.broadcast_to(np.asarray(brightness, dtype=float), (frames,)).copy(),
            "cuts": c}


def _frame_rms(x: np.ndarray, frames: int) -> np.ndarray:
    hop = int(R / FPS)
    m = _mono(x)[:frames * hop].reshape(frames, hop)
    return np.sqrt(np.mean(m ** 2, axis=1))


def test_auto_length_and_determinism():
    f = _features(100)
    x = sfx.auto(f, FPS, "the sea at dawn", 5)
    assert x.shape == (round(100 / FPS * R), 2) and x.dtype == np.float32
    assert np.array_equal(x, sfx.auto(f, FPS, "the sea at dawn", 5))
    assert not np.allclose(x, sfx.auto(f, FPS, "the sea at dawn", 6), atol=1e-3)
    assert np.abs(x).max() <= CEILING


@pytest.mark.parametrize("words", ["an empty room", "a busy city street", "the sea"])
def test_auto_loudness_follows_motion(words):
    f = _features(240)
    x = sfx.auto(f, FPS, words, 1)
    r = np.corrcoef(_frame_rms(x, 240), f["motion"])[0, 1]
    assert r > 0.7


def test_auto_still_picture_is_quiet():
    still = sfx.auto(_features(96, motion=0.5), FPS, "a busy city street", 1)
    moving = sfx.auto(_features(96, motion=30.0), FPS, "a busy city street", 1)
    assert _rms_db(still) < _rms_db(moving) - 12


def test_auto_brighter_picture_brighter_sound():
    for words in ("an empty room", "rain on a window", "a forest"):
        dark = sfx.auto(_features(96, brightness=30.0), FPS, words, 2)
        bright = sfx.auto(_features(96, brightness=230.0), FPS, words, 2)
        assert _centroid(bright) > 1.5 * _centroid(dark), words


def _jump(x: np.ndarray, at: int) -> float:
    """dB from the 150 ms before `at` (ending 100 ms before) to the 100 ms after it."""
    return _rms_db(x[at:at + int(0.1 * R)]) - _rms_db(x[at - int(0.25 * R):at - int(0.1 * R)])


def test_auto_cuts_add_transients():
    cuts = (40, 100, 160)
    brightness = np.full(200, 120.0)
    brightness[100:] = 200.0                       # the second cut goes to a brighter picture
    for words in ("an empty room", "the sea"):
        plain = sfx.auto(_features(200, motion=8.0, brightness=brightness), FPS, words, 3)
        cut = sfx.auto(_features(200, motion=8.0, brightness=brightness, cuts=cuts), FPS, words, 3)
        for frame in cuts:
            at = int(frame / FPS * R)
            assert _jump(cut, at) > _jump(plain, at) + 2.5, (words, frame)


def test_auto_words_choose_the_texture():
    f = _features(96, motion=15.0)
    night = sfx.auto(f, FPS, "a forest at night", 4)
    day = sfx.auto(f, FPS, "a forest", 4)
    assert _rms_db(night) < _rms_db(day) - 3
    fire = sfx.auto(f, FPS, "a fire", 4)
    city = sfx.auto(f, FPS, "a city street", 4)
    sea = sfx.auto(f, FPS, "the sea", 4)
    assert _flatness(fire) > 0.05 and _flatness(sea) > 0.05
    assert len({round(_centroid(x), -1) for x in (fire, city, sea, day)}) == 4
    with pytest.raises(ValueError):
        sfx.auto({"motion": np.zeros(5), "brightness": np.zeros(4), "cuts": np.zeros(5)}, FPS,
                 "", 0)
