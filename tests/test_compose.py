"""The procedural composer (`preview` music): determinism, styles, tempo, key, form, loudness.

Everything is measured on the rendered samples with plain numpy: an onset
envelope (spectral flux) and its autocorrelation for the tempo, a chroma
profile from one FFT for the key, band energies and onset rates for the
styles. Renders are short (8 to 16 bars) and cached, to keep the file quick.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import cache

import numpy as np
import pytest

from mvlang.audio.compose import STYLES, Composition, compose, default_bpm, style_of
from mvlang.audio.compose_arrange import arrange
from mvlang.audio.compose_theory import parse_key

SR = 44100


@cache
def render(prompt: str, **options) -> Composition:
    options.setdefault("length", 16.0)
    return compose(prompt, **options)


# ------------------------------------------------------------------ measures
def onset_envelope(x: np.ndarray, hop: int = 128, frame: int = 1024) -> np.ndarray:
    """Positive spectral flux of the log magnitude, one value per hop."""
    mono = x.mean(axis=1).astype(float)
    count = (len(mono) - frame) // hop
    index = np.arange(count)[:, None] * hop + np.arange(frame)[None, :]
    spectrum = np.log1p(100 * np.abs(np.fft.rfft(mono[index] * np.hanning(frame), axis=1)))
    flux = np.maximum(np.diff(spectrum, axis=0), 0).sum(axis=1)
    return flux - flux.mean()


def autocorrelation_period(x: np.ndarray, low_bpm: float = 70, high_bpm: float = 180,
                           hop: int = 128) -> float:
    """Seconds between beats where the onset envelope best repeats (parabolic peak)."""
    env = onset_envelope(x, hop)
    size = 1 << (2 * len(env)).bit_length()
    spectrum = np.fft.rfft(env, size)
    corr = np.fft.irfft(spectrum * np.conj(spectrum), size)[:len(env)]
    low, high = int(60 / high_bpm * SR / hop), int(60 / low_bpm * SR / hop)
    k = low + int(np.argmax(corr[low:high]))
    a, b, c = corr[k - 1], corr[k], corr[k + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * hop / SR


def chroma(x: np.ndarray, low: float = 150, high: float = 2500) -> np.ndarray:
    """Energy per pitch class (C = 0) between `low` and `high` Hz, summing to 1."""
    mono = x.mean(axis=1).astype(float)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / SR)
    keep = (freqs > low) & (freqs < high)
    classes = np.round(12 * np.log2(freqs[keep] / 440) + 9).astype(int) % 12
    profile = np.bincount(classes, weights=power[keep], minlength=12)
    return profile / profile.sum()


def scale_fit(profile: np.ndarray, key: str) -> float:
    tonality = parse_key(key)
    template = np.zeros(12)
    template[sorted(tonality.pitch_classes())] = 1
    return float(np.corrcoef(template, profile)[0, 1])


def features(x: np.ndarray) -> dict[str, float]:
    mono = x.mean(axis=1).astype(float)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / SR)
    env = onset_envelope(x, hop=512)
    strong = 0.2 * np.percentile(env, 99.5)
    peaks = (env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:]) & (env[1:-1] > strong)
    return {
        "centroid": float((power * freqs).sum() / power.sum()),
        "low": float(power[freqs < 150].sum() / power.sum()),
        "high": float(power[freqs > 5000].sum() / power.sum()),
        "onsets": float(peaks.sum() / (len(mono) / SR)),
    }


def dbfs(x: np.ndarray) -> float:
    return 20 * np.log10(float(np.max(np.abs(x))))


# ------------------------------------------------------------------ determinism and takes
def test_the_same_inputs_give_identical_samples():
    a = compose("dark techno", length=6.0, seed=7, take=2)
    b = compose("dark techno", length=6.0, seed=7, take=2)
    assert a.samples.dtype == np.float32 and a.samples.shape[1] == 2
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, compose("dark techno", length=6.0, seed=8, take=2).samples)


def test_takes_differ_but_keep_tempo_key_and_form():
    takes = [render("house", take=t) for t in (1, 2, 3)]
    assert len({(c.bpm, c.key, c.sections, len(c.samples)) for c in takes}) == 1
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = takes[i].samples[:, 0], takes[j].samples[:, 0]
            assert np.corrcoef(a, b)[0, 1] < 0.9


# ------------------------------------------------------------------ styles
@pytest.mark.parametrize("prompt, style", [
    ("hypnotic deep house, warm analog bass, airy female vocal chops", "deep house"),
    ("chill house for a sunny afternoon", "house"),
    ("lo-fi hip hop beats to study to", "lofi"),
    ("boom bap hip hop", "hiphop"),
    ("dark warehouse techno", "techno"),
    ("slow ambient drone, calm", "ambient"),
    ("heavy guitar rock anthem", "rock"),
    ("epic cinematic orchestral trailer", "orchestral"),
    ("80s synthwave night drive", "synthwave"),
    ("liquid Drum & Bass", "drum and bass"),
    ("drum'n'bass", "drum and bass"),
    ("dark trap with 808s", "trap"),
    ("a song about my grandmother", "house"),
])
def test_the_words_choose_the_style(prompt, style):
    assert style_of(prompt) == style


def test_there_are_enough_styles_and_each_renders():
    assert len(STYLES) >= 6
    for name in STYLES:
        c = compose(name, length=4.0)
        assert c.style == name
        assert np.isfinite(c.samples).all() and np.max(np.abs(c.samples)) <= 1.0


def test_styles_sound_measurably_different():
    names = ("ambient", "house", "rock", "orchestral", "lofi", "techno")
    f = {name: features(render(name).samples) for name in names}
    assert min(f, key=lambda n: f[n]["onsets"]) == "ambient"
    assert f["rock"]["centroid"] > 2 * f["lofi"]["centroid"]
    assert f["rock"]["high"] > 10 * f["lofi"]["high"]        # distortion and cymbals vs dust
    assert f["lofi"]["high"] < f["house"]["high"] and f["lofi"]["high"] < f["techno"]["high"]
    assert f["ambient"]["high"] < f["house"]["high"] / 10     # no hats, a dark room
    assert f["techno"]["onsets"] > f["orchestral"]["onsets"]
    # no two styles share a fingerprint (log-scaled features, at least 25% apart somewhere)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            gaps = [abs(np.log(f[a][k] + 1e-9) - np.log(f[b][k] + 1e-9)) for k in f[a]]
            assert max(gaps) > np.log(1.25), (a, b, f[a], f[b])


def test_moods_shape_the_key_and_tone():
    assert render("dark rock", length=2.0).key == "E minor"
    assert render("happy trap", length=2.0).key == "C# major"
    assert render("fast house", length=2.0).bpm == round(124 * 1.08)
    dark = features(render("dark synthwave", length=8.0).samples)
    bright = features(render("synthwave", length=8.0).samples)
    assert dark["centroid"] < bright["centroid"]


# ------------------------------------------------------------------ tempo and grid
@pytest.mark.parametrize("prompt, bpm", [("house", None), ("techno", Fraction(2611, 20)),
                                         ("rock", 100), ("lofi", None)])
def test_onsets_repeat_at_the_requested_tempo(prompt, bpm):
    c = render(prompt, bpm=bpm)
    expected = 60 / float(c.bpm)
    assert c.bpm == (Fraction(bpm) if bpm else Fraction(STYLES[style_of(prompt)].bpm))
    assert autocorrelation_period(c.samples) == pytest.approx(expected, rel=0.01)


def test_the_grid_is_exact():
    c = render("techno", bpm=Fraction(2611, 20))
    grid = c.grid()
    period = Fraction(60) / c.bpm
    assert all(beat == i * period for i, beat in enumerate(grid.beats))
    assert grid.first_downbeat == 0 and grid.duration == Fraction(len(c.samples), SR)
    assert (grid.beats_per_bar, grid.beat_unit) == (4, 4)
    for name, first, _ in c.sections:
        assert grid.mark(name) == grid.time_at(grid.position(first))


def test_a_kick_starts_on_every_beat_sample():
    c = render("house")
    x = np.abs(c.samples.mean(axis=1))
    period = Fraction(60) / c.bpm
    window = int(0.006 * SR)
    for i in range(int(c.duration / period) - 2):            # all but the final fade
        start = round(i * period * SR)
        after = x[start:start + window].max()
        before = x[max(0, start - window):start].max() if start else 0.0
        assert after > 1.5 * before and after > 0.25, i


# ------------------------------------------------------------------ key
def test_harmony_is_in_the_requested_key():
    a_minor = chroma(render("house", key="A minor").samples)
    c_sharp = chroma(render("house", key="C# major").samples)
    assert scale_fit(a_minor, "A minor") > scale_fit(a_minor, "C# major") + 0.3
    assert scale_fit(c_sharp, "C# major") > scale_fit(c_sharp, "A minor") + 0.3
    for key in ("A minor", "C# major", "Bb minor", "E major"):
        profile = chroma(render("synthwave", key=key, length=8.0).samples)
        fits = {root: scale_fit(profile, f"{root} major") for root in
                ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")}
        relative = parse_key(key)
        major_root = relative.tonic if relative.mode == "major" else (relative.tonic + 3) % 12
        assert list(fits).index(max(fits, key=fits.get)) == major_root, (key, fits)


def test_the_default_tempo_is_known_before_rendering():
    assert default_bpm("house") == 124 == render("house", length=2.0).bpm
    assert default_bpm("fast house") == round(124 * 1.08)
    assert default_bpm("house", (6, 8)) == 186 == render("house", length=4.0, meter=(6, 8)).bpm


def test_keys_are_read_and_written_canonically():
    assert render("house", key="f#m", length=4.0).key == "F# minor"
    assert render("ambient", length=4.0).key == "D major"
    with pytest.raises(ValueError):
        compose("house", key="H minor", length=4.0)


# ------------------------------------------------------------------ length, form, meter
@pytest.mark.parametrize("length", [4.0, 16.0, 37.5])
def test_length_is_whole_bars_within_one_bar_of_the_request(length):
    c = render("house", length=length)
    bar = 4 * 60 / float(c.bpm)
    bars = c.sections[-1][2]
    assert abs(float(c.duration) - length) <= bar / 2 + 1e-9
    assert len(c.samples) == round(bars * 4 * Fraction(60) / c.bpm * SR)


def test_sections_cover_every_bar_and_build():
    for count in (1, 8, 16, 30, 64, 93, 130):
        sections = arrange(count)
        assert sections[0][1] == 1 and sections[-1][2] == count
        assert all(b[1] == a[2] + 1 for a, b in itertools.pairwise(sections))
        assert len({name for name, _, _ in sections}) == len(sections)
    natural = arrange(64)
    assert [name for name, _, _ in natural] == ["intro", "build", "drop", "break", "build2",
                                               "drop2", "outro"]
    assert all((last - first + 1) % 4 == 0 for _, first, last in natural)


def test_the_form_builds_and_its_sections_are_marked():
    c = render("house", bpm=180, length=70.0)      # 52 bars: intro ... break ... drop2, outro
    grid = c.grid()
    assert [n for n, _ in grid.marks] == [n for n, _, _ in c.sections]
    assert {"intro", "build", "drop", "break", "build2", "drop2", "outro"} == set(dict(grid.marks))
    bar = 4 * Fraction(60) / c.bpm * SR

    def level(name: str) -> float:
        first, last = next((a, b) for n, a, b in c.sections if n == name)
        part = c.samples[round((first - 1) * bar):round(last * bar)]
        return float(np.sqrt(np.mean(part ** 2)))
    assert level("drop") > 1.2 * level("break")
    assert level("drop2") > level("intro") and level("drop") > level("intro")


@pytest.mark.parametrize("meter, pulses", [((3, 4), (0, 1, 2)), ((6, 8), (0, 3))])
def test_other_meters_give_their_bars_and_accents(meter, pulses):
    c = render("house", meter=meter)
    grid = c.grid()
    assert (grid.beats_per_bar, grid.beat_unit) == meter == (c.beats_per_bar, c.beat_unit)
    bars = c.sections[-1][2]
    assert len(c.samples) == round(bars * meter[0] * Fraction(60) / c.bpm * SR)
    x = np.abs(c.samples.mean(axis=1))
    window = int(0.006 * SR)
    strength = np.zeros(meter[0])
    for i in range(bars * meter[0]):
        start = round(i * Fraction(60) / c.bpm * SR)
        strength[i % meter[0]] += x[start:start + window].max()
    on = min(strength[list(pulses)])
    off = [s for k, s in enumerate(strength) if k not in pulses]
    assert not off or on > 1.3 * max(off)


# ------------------------------------------------------------------ loudness
@pytest.mark.parametrize("prompt", ["house", "ambient", "rock", "lofi"])
def test_loudness_is_normalised_without_clipping(prompt):
    x = render(prompt).samples
    assert np.isfinite(x).all()
    assert -1.5 < dbfs(x) <= -0.99
    assert np.all(np.abs(np.mean(x, axis=0)) < 1e-3)         # no DC
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] < 0.999        # stereo, not twin mono
    assert np.sqrt(np.mean(x ** 2)) > 0.05


def test_bad_options_are_value_errors():
    for options in ({"bpm": 0}, {"take": 0}, {"meter": (4, 3)}, {"length": -1.0}):
        with pytest.raises(ValueError):
            compose("house", **options)
