"""Which style a music prompt asks for, and how its words shape it (stage: backends).

`STYLES` names each style's tempo, key and parts; `style_of` scores the prompt's
words against `KEYWORDS` (a genre's name weighs more than a mood word, and a
tie goes to the word written first), and `mood_of` reads the modifiers
("dark", "warm", "airy", "fast" ...) that shift mode, timbre, space and tempo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_STYLE = "house"


@dataclass(frozen=True)
class Style:
    name: str
    about: str          # what tells it apart, in words
    bpm: int            # default tempo (beats of a x/4 meter)
    key: str            # default key
    groove: str         # drum family: four, backbeat, breakbeat, halftime, epic, soft
    bass: str           # offbeat, rolling, octaves, eighths, reese, 808, walk, drone, ostinato
    chords: str         # chord part: stabs, dub, pad, power, keys, piano, strings
    top: str            # melody part: pluck, arp, bell, glass, guitar, brass, flute
    chord_bars: int = 1     # bars per chord
    sevenths: bool = False  # four-note chords
    harmony: str = "key"    # progressions: "key" (by mode), "static", "slow"
    swing: float = 0.5      # share of a pair of sixteenths taken by the first
    bright: float = 0.6     # 0 dark .. 1 bright: filter cutoffs
    drive: float = 0.2      # saturation on the mix
    reverb: float = 0.25    # send level of the music
    room: float = 1.8       # reverb time, seconds
    pump: float = 0.0       # sidechain ducking of bass and chords under the kick
    dust: float = 0.0       # vinyl crackle and a dull top end
    mix: tuple[float, ...] = (0.0, -4.0, -5.0, -7.0, -12.0)   # dB: drums, bass, chords, top, fx


STYLES: dict[str, Style] = {s.name: s for s in (
    Style("house", "four-on-the-floor kick, clap on the backbeat, open hat on the off-beat, "
          "off-beat plucked bass, chord stabs, sidechain pump", 124, "A minor",
          "four", "offbeat", "stabs", "pluck", pump=0.5, mix=(0.0, -5.0, -6.5, -7.0, -12.0)),
    Style("deep house", "softer four-on-the-floor, warm sub bass, dark seventh-chord stabs, "
          "electric piano, more room", 122, "F minor", "four", "offbeat", "stabs", "keys",
          sevenths=True, bright=0.35, reverb=0.35, room=2.2, pump=0.35),
    Style("techno", "hard, long, driven kick, rolling sixteenth acid bass, dub chord stabs "
          "every three sixteenths, one chord for long stretches, ride", 130, "F minor", "four",
          "rolling", "dub", "arp", harmony="static", bright=0.5, drive=0.35, reverb=0.3,
          room=2.6, pump=0.6),
    Style("ambient", "no drums but a soft pulse, long slow pads, drone bass, glassy "
          "arpeggios, a large room", 72, "D major", "soft", "drone", "pad", "glass",
          chord_bars=2, harmony="slow", bright=0.3, drive=0.0, reverb=0.6, room=4.5),
    Style("lofi", "swung dusty drums, walking sine bass, low-passed electric piano sevenths, "
          "breathy flute, vinyl crackle", 80, "F major", "backbeat", "walk", "keys", "flute",
          sevenths=True, swing=0.62, bright=0.3, drive=0.25, reverb=0.2, room=1.4, dust=1.0),
    Style("hiphop", "boom-bap kick and hard snare, lightly swung hats, piano loop, round bass",
          90, "C minor", "backbeat", "walk", "piano", "pluck", sevenths=True, swing=0.56,
          bright=0.45, drive=0.3, reverb=0.15, room=1.2, dust=0.3),
    Style("rock", "kick and snare backbeat, crash on the downbeats, distorted power chords, "
          "bass guitar eighths, tom fills, a lead guitar", 128, "E major", "backbeat",
          "eighths", "power", "guitar", bright=0.85, drive=0.4, reverb=0.15, room=1.3),
    Style("orchestral", "string ensemble chords and staccato ostinato, timpani and taiko, "
          "brass swells, cymbal swells, a hall", 96, "D minor", "epic", "ostinato", "strings",
          "brass", bright=0.55, drive=0.05, reverb=0.5, room=3.2),
    Style("synthwave", "gated big snare, octave-bouncing bass, bright detuned saw pads, "
          "sixteenth arpeggios, eighties shine", 104, "A minor", "four", "octaves", "pad", "arp",
          bright=0.75, reverb=0.35, room=2.4, pump=0.3),
    Style("drum and bass", "fast breakbeat (kick 1 and the and-of-3, snare 2 and 4), "
          "detuned reese bass, airy pads", 174, "G minor", "breakbeat", "reese", "pad", "bell",
          chord_bars=2, bright=0.55, drive=0.3, reverb=0.3, room=2.0),
    Style("trap", "half-time clap, long gliding 808, rolling hi-hats, dark bells and choir",
          140, "C# minor", "halftime", "808", "choir", "bell", bright=0.45, drive=0.3,
          reverb=0.3, room=2.0),
)}

# phrase -> (style, weight): a genre's own name weighs more than a word that leans to it.
KEYWORDS: dict[str, tuple[str, int]] = {
    "house": ("house", 2), "disco": ("house", 1), "dance": ("house", 1), "edm": ("house", 1),
    "club": ("house", 1), "garage": ("house", 1),
    "deep house": ("deep house", 3), "deep": ("deep house", 1),
    "techno": ("techno", 2), "acid": ("techno", 1), "rave": ("techno", 1),
    "industrial": ("techno", 1), "warehouse": ("techno", 1), "hypnotic": ("techno", 1),
    "ambient": ("ambient", 2), "drone": ("ambient", 1), "meditation": ("ambient", 1),
    "calm": ("ambient", 1), "peaceful": ("ambient", 1), "atmospheric": ("ambient", 1),
    "space": ("ambient", 1), "new age": ("ambient", 2),
    "lofi": ("lofi", 2), "lo fi": ("lofi", 2), "chill": ("lofi", 1), "chillhop": ("lofi", 2),
    "study": ("lofi", 1), "jazz": ("lofi", 1), "jazzy": ("lofi", 1),
    "hip hop": ("hiphop", 2), "hiphop": ("hiphop", 2), "boom bap": ("hiphop", 3),
    "rap": ("hiphop", 1),
    "rock": ("rock", 2), "guitar": ("rock", 1), "metal": ("rock", 2), "punk": ("rock", 2),
    "grunge": ("rock", 2), "band": ("rock", 1), "indie": ("rock", 1),
    "orchestral": ("orchestral", 2), "orchestra": ("orchestral", 2),
    "cinematic": ("orchestral", 2), "symphonic": ("orchestral", 2), "epic": ("orchestral", 1),
    "film score": ("orchestral", 2), "soundtrack": ("orchestral", 1),
    "trailer": ("orchestral", 1), "strings": ("orchestral", 1),
    "synthwave": ("synthwave", 2), "retrowave": ("synthwave", 2), "outrun": ("synthwave", 2),
    "80s": ("synthwave", 1), "1980s": ("synthwave", 1), "eighties": ("synthwave", 1),
    "retro": ("synthwave", 1), "neon": ("synthwave", 1), "synthpop": ("synthwave", 1),
    "synth pop": ("synthwave", 1),
    "drum and bass": ("drum and bass", 3), "drum n bass": ("drum and bass", 3),
    "dnb": ("drum and bass", 2), "jungle": ("drum and bass", 2), "neurofunk": ("drum and bass", 2),
    "liquid": ("drum and bass", 1),
    "trap": ("trap", 2), "808": ("trap", 1), "drill": ("trap", 2),
}


@dataclass(frozen=True)
class Mood:
    mode: str | None = None   # "minor" / "major" when the words ask for one
    bright: float = 1.0       # multiplies the style's brightness
    tempo: float = 1.0        # multiplies the default tempo
    reverb: float = 0.0       # added to the send
    room: float = 1.0         # multiplies the reverb time
    drive: float = 0.0        # added saturation
    warm: bool = False        # a gentle top-end roll-off on the mix


_MOOD_WORDS: tuple[tuple[tuple[str, ...], dict], ...] = (
    (("dark", "darker", "sinister", "moody", "ominous", "gloomy", "night", "haunting",
      "menacing"), {"mode": "minor", "bright": 0.7}),
    (("sad", "melancholic", "melancholy", "lonely", "nostalgic", "somber"),
     {"mode": "minor", "bright": 0.85}),
    (("happy", "uplifting", "bright", "sunny", "joyful", "euphoric", "cheerful", "hopeful",
      "summer"), {"mode": "major", "bright": 1.2}),
    (("warm", "analog", "cozy", "mellow", "vintage"), {"bright": 0.85, "drive": 0.1, "warm": True}),
    (("airy", "ethereal", "dreamy", "spacious", "floating", "lush"), {"reverb": 0.2, "room": 1.4}),
    (("fast", "energetic", "driving", "uptempo", "hyper", "frantic"), {"tempo": 1.08}),
    (("slow", "lazy", "relaxed", "downtempo", "sleepy"), {"tempo": 0.9}),
    (("hard", "heavy", "aggressive", "distorted", "gritty", "raw"), {"drive": 0.3, "bright": 1.1}),
    (("soft", "gentle", "quiet", "tender"), {"drive": -0.1, "bright": 0.85}),
)
MOODS: dict[str, dict] = {word: change for group, change in _MOOD_WORDS for word in group}


def words(prompt: str) -> list[str]:
    """Lowercase words, with "lo-fi", "drum & bass" and "drum'n'bass" made uniform."""
    text = prompt.lower().replace("&", " and ").replace("'n'", " n ")
    text = re.sub(r"[-_/'’]", " ", text)
    return re.findall(r"[a-z0-9]+", text)


def _matches(tokens: list[str], phrase: str) -> list[int]:
    parts = phrase.split()
    return [i for i in range(len(tokens) - len(parts) + 1) if tokens[i:i + len(parts)] == parts]


def style_of(prompt: str) -> str:
    """The style the prompt's words choose (`DEFAULT_STYLE` when none does)."""
    tokens = words(prompt)
    score: dict[str, int] = {}
    first: dict[str, int] = {}
    for phrase, (style, weight) in KEYWORDS.items():
        hits = _matches(tokens, phrase)
        if hits:
            score[style] = score.get(style, 0) + weight * len(hits)
            first[style] = min(first.get(style, len(tokens)), hits[0])
    if not score:
        return DEFAULT_STYLE
    return min(score, key=lambda s: (-score[s], first[s], s))


def mood_of(prompt: str) -> Mood:
    """The modifiers among the prompt's words, combined."""
    mode, values = None, {"bright": 1.0, "tempo": 1.0, "reverb": 0.0, "room": 1.0, "drive": 0.0}
    warm = False
    for token in words(prompt):
        change = MOODS.get(token)
        if not change:
            continue
        mode = change.get("mode", mode)
        warm = warm or change.get("warm", False)
        for name in ("bright", "tempo", "room"):
            values[name] *= change.get(name, 1.0)
        for name in ("reverb", "drive"):
            values[name] += change.get(name, 0.0)
    return Mood(mode=mode, warm=warm, **values)
