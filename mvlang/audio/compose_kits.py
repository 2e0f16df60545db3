"""The sound of each style: which instrument plays each part, and how (stage: backends).

`kit(style, mood, key, rng)` maps the voice names the part writers use
("kick", "bass", "chord", "lead", ...) to instruments from `synth_voices` with
their parameters bound. The take's generator nudges decays and cutoffs so
that takes differ in sound as well as in notes; the mood scales brightness.
The kick is tuned to the key's tonic.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from . import synth_voices as V
from .compose_styles import Mood, Style
from .compose_theory import Key
from .synth import midi_hz

Voice = Callable[..., np.ndarray]


def kick_hz(key: Key) -> float:
    """The tonic, moved by octaves into 42-64 Hz, where a kick's body sits."""
    hz = midi_hz(key.tonic + 24)
    while hz < 42:
        hz *= 2
    while hz >= 64:
        hz /= 2
    return hz


def kit(style: Style, mood: Mood, key: Key, rng: np.random.Generator) -> dict[str, Voice]:
    tone = float(np.clip(style.bright * mood.bright, 0.05, 1.2))

    def vary(value: float, spread: float = 0.15) -> float:
        return value * (1 + spread * (2 * rng.random() - 1))

    def cut(base: float) -> float:
        return vary(base * 2 ** (2 * (tone - 0.6)))
    tune = kick_hz(key)
    drums = {
        "kick": partial(V.kick, tune=tune, high=vary(tune * 3.2), body=vary(0.12), grit=0.4),
        "snare": partial(V.snare, tone=vary(190), snap=vary(0.14)),
        "clap": partial(V.clap, bright=cut(5200)),
        "hat": partial(V.hat, tau=vary(0.035), bright=cut(8000)),
        "ohat": partial(V.hat, tau=vary(0.12), bright=cut(7000)),
        "ride": V.ride, "crash": partial(V.crash, bright=cut(4500)),
        "revcrash": V.reverse_crash, "boom": V.boom, "riser": V.riser,
        "roll": partial(V.snare, snap=0.08, length=0.2), "tom": V.tom, "rim": V.rim,
        "shaker": V.shaker, "timpani": V.timpani, "taiko": V.taiko, "crackle": V.crackle,
        "pad": partial(V.pad, cutoff=cut(1800), attack=0.8),
    }
    return {**drums, **_STYLE_KITS[style.name](vary, cut, tune)}


def _house(vary, cut, tune):
    return {"bass": partial(V.bass_pluck, bright=cut(1800)),
            "chord": partial(V.stab, cutoff=cut(2600), length=vary(0.2)),
            "lead": partial(V.pluck, bright=cut(4500), shape="saw" if vary(1) > 1 else "square")}


def _deep_house(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 2.8, click=0.2, grit=0.2,
                            body=vary(0.13)),
            "bass": partial(V.bass_pluck, bright=cut(900), sub=1.0, snap=0.12),
            "chord": partial(V.stab, cutoff=cut(1800), length=vary(0.3), shape="tri", voices=3),
            "lead": partial(V.keys, tine=vary(0.3)),
            "hat": partial(V.hat, tau=vary(0.03), bright=cut(9000), metal_mix=0.3)}


def _techno(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 4, length=0.55, body=vary(0.16),
                            click=0.5, grit=0.9),
            "bass": partial(V.acid, bright=cut(2200)),
            "bass_hi": partial(V.acid, bright=cut(2200), accent=1.0),
            "chord": partial(V.stab, cutoff=cut(1500), length=vary(0.35)),
            "lead2": partial(V.pluck, bright=cut(3500), shape="square", snap=0.05),
            "hat": partial(V.hat, tau=vary(0.03), bright=cut(9000), metal_mix=0.6)}


def _ambient(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune * 0.9, high=tune * 1.8, click=0.0, grit=0.0,
                            body=vary(0.16), length=0.6),
            "crash": partial(V.crash, bright=6500, tau=1.6, length=4.0),
            "bass": partial(V.drone, attack=vary(2.0)),
            "chord": partial(V.pad, cutoff=cut(1500), attack=vary(1.8), release=3.0,
                             shape="saw" if vary(1) > 1 else "tri", voices=5, cents=10),
            "pad": partial(V.pad, cutoff=cut(1300), attack=2.0, release=3.0),
            "lead": partial(V.glass, tau=vary(1.0))}


def _lofi(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 2.5, click=0.3, grit=0.2, body=0.1),
            "snare": partial(V.snare, tone=vary(180), snap=vary(0.12), bright=cut(4500),
                             tone_mix=0.4),
            "hat": partial(V.hat, tau=vary(0.025), bright=cut(7000), metal_mix=0.3),
            "bass": partial(V.bass_sub, warmth=0.3, attack=0.01),
            "chord": partial(V.keys, tine=vary(0.25)),
            "pad": partial(V.pad, cutoff=cut(1200), attack=1.0),
            "lead": partial(V.flute, breath=vary(0.12))}


def _hiphop(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 3, click=0.4, grit=0.6, body=vary(0.14)),
            "snare": partial(V.snare, tone=vary(200), snap=vary(0.16), bright=cut(8000),
                             tone_mix=0.55),
            "bass": partial(V.bass_sub, warmth=0.5),
            "chord": partial(V.piano, tau=vary(1.4)),
            "lead": partial(V.pluck, bright=cut(3000), shape="tri", tau=0.5)}


def _rock(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 2.4, length=0.35, body=vary(0.09),
                            click=0.7, grit=0.3),
            "snare": partial(V.snare, tone=vary(200), snap=vary(0.18), bright=cut(9000),
                             tone_mix=0.6),
            "hat": partial(V.hat, tau=vary(0.045), bright=cut(7000), metal_mix=0.4),
            "crash": partial(V.crash, tau=1.0, bright=cut(4000)),
            "bass": partial(V.bass_guitar, bright=cut(1600)),
            "chord": partial(V.power, gain=vary(6.0), cutoff=cut(4200)),
            "chord_mute": partial(V.power, muted=True, gain=6.0, cutoff=cut(4200)),
            "pad": partial(V.strings, cutoff=cut(1800)),
            "lead": partial(V.lead, cutoff=cut(3200), grit=4.0, vibrato=18.0)}


def _orchestral(vary, cut, tune):
    return {"crash": partial(V.crash, bright=3200, tau=1.3, length=3.5),
            "bass": partial(V.staccato, cutoff=cut(1800)),
            "low": partial(V.strings, cutoff=cut(1100), attack=0.5),
            "chord": partial(V.strings, cutoff=cut(2600), attack=vary(0.4)),
            "pad": partial(V.strings, cutoff=cut(2000), attack=0.6),
            "ostinato": partial(V.staccato, cutoff=cut(3800)),
            "lead": partial(V.brass, bright=cut(2600))}


def _synthwave(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 4, click=0.3, grit=0.5),
            "snare": partial(V.snare, tone=vary(200), gated=vary(0.22), bright=cut(8000),
                             length=0.4),
            "bass": partial(V.bass_pluck, bright=cut(1400), dark=200, snap=0.12, sub=0.4,
                            shape="square" if vary(1) > 1 else "saw"),
            "chord": partial(V.pad, cutoff=cut(3500), attack=vary(0.08), release=0.5, cents=16),
            "lead": partial(V.lead, cutoff=cut(4000)),
            "lead2": partial(V.pluck, bright=cut(5000), shape="square", snap=0.06)}


def _drum_and_bass(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 4.5, length=0.3, body=0.08, click=0.5),
            "snare": partial(V.snare, tone=vary(220), snap=vary(0.15), bright=cut(9000),
                             tone_mix=0.45),
            "hat": partial(V.hat, tau=vary(0.025), bright=cut(9000)),
            "bass": partial(V.reese, cutoff=cut(520)),
            "chord": partial(V.pad, cutoff=cut(1600), attack=1.0, release=2.0),
            "lead": partial(V.bell, ratio=3.5, tau=vary(0.8))}


def _trap(vary, cut, tune):
    return {"kick": partial(V.kick, tune=tune, high=tune * 4, length=0.3, body=0.07, click=0.4),
            "clap": partial(V.clap, bright=cut(6000), tail=0.12),
            "hat": partial(V.hat, tau=vary(0.025), bright=cut(9000)),
            "bass": partial(V.bass808, tau=vary(0.9), glide=vary(0.5), grit=1.2),
            "chord": partial(V.pad, formant=True, cutoff=cut(2200), attack=0.4, release=1.5),
            "pad": partial(V.pad, formant=True, cutoff=cut(1800), attack=0.8, release=2.0),
            "lead": partial(V.bell, ratio=3.5, tau=vary(1.0))}


_STYLE_KITS = {"house": _house, "deep house": _deep_house, "techno": _techno,
               "ambient": _ambient, "lofi": _lofi, "hiphop": _hiphop, "rock": _rock,
               "orchestral": _orchestral, "synthwave": _synthwave,
               "drum and bass": _drum_and_bass, "trap": _trap}
