"""The `real` group of the beat benchmark: music that people composed and sequenced,
rendered with sampled instruments, with exact beats and downbeats.

    python bench/beats/make_real.py [--held-out] [--out DIR] [--only TEXT] [--list]

No annotated recordings can be had from the package registries, but MIDI
files can: a MIDI file carries its tempo map and time signatures, so the time
of every beat and downbeat of the rendered audio is known exactly. The
sources (see README.md for their licences):

- Freedoom's music (Debian `freedoom`): MIDI lumps read out of the two WADs;
  rock and metal with drums, some orchestral pieces without.
- OpenMSX, the music set of OpenTTD (Debian `openttd-openmsx`): blues, boogie,
  jazz, pop and game tunes, most with drums, two with a changing tempo.
- The music21 corpus (PyPI `music21`): Bach chorales, Mozart, Joplin, Haydn,
  Clara Schumann, Schubert, without drums. These are scores, not
  performances: the script writes their MIDI itself, with a tempo map that
  plays them as a player would (a slow swell of the tempo over each phrase, a
  ritardando into every fermata and the fermata held, see `rubato`).
- MMA, Musical MIDI Accompaniment (Debian `mma`): its library grooves (disco,
  bossa nova, swing, trance, R&B, country waltz), written by its author as
  drum, bass and chord patterns, played over chord charts in this file. MMA
  humanises them (a few ms of random timing and velocity, seeded here).

Each piece is rendered with fluidsynth (Debian `fluidsynth`) through a General
MIDI soundfont, FluidR3 (Debian `fluid-soundfont-gm`) or TimGM6mb (Debian
`timgm6mb-soundfont`), with fluidsynth's default reverb and chorus, at 22050 or
44100 Hz, and cut to an excerpt of 30 to 60 s that starts part-way into a bar.
Beside each `NAME.wav`: `NAME.beats` (a line per beat: time in seconds and
beat number in the bar, 1 = downbeat), `NAME.meter` (`3 4`) and `NAME.json`
(source, licence, style, where the excerpt starts in the song, soundfont).
Beats are at the counting unit of the time signature (quarters in x/4,
eighths in 6/8, as evaluate.py and BeatGrid count them). Everything is
deterministic: the same packages give the same files.

A MIDI file from a game is kept only if its notes sit on its own beat grid
(80% of the note onsets within 20 ms of a sixteenth or a triplet of the grid),
which rules out MIDI recorded freely against a tempo map that does not follow
it (several Freedoom tracks are such); MMA and the music21 scores are written
on their grid by construction (MMA's humanised notes lie up to about 30 ms
off it, strummed chords more, as a band's would). Every excerpt has a single
time signature.

Needs, installed by hand (this script installs nothing):

    apt-get install fluidsynth fluid-soundfont-gm timgm6mb-soundfont \\
        freedoom openttd-openmsx mma
    pip install mido music21 soundfile numpy

Sources whose package is missing are skipped with a note.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TPQ = 480                                    # ticks per quarter of the MIDI we write

SOUNDFONTS = {
    "FluidR3": ["/usr/share/sounds/sf2/FluidR3_GM.sf2"],
    "TimGM6mb": ["/usr/share/sounds/sf2/TimGM6mb.sf2"],
}
FREEDOOM = "/usr/share/games/doom/{}.wad"
OPENMSX = "/usr/share/games/openttd/baseset/openmsx/{}.mid"

LICENCES = {
    "freedoom": "BSD-3-Clause (Freedoom project)",
    "openmsx": "GPL-2.0 (OpenMSX authors)",
    "music21": "music21 corpus: public-domain works, encodings distributed with music21 "
               "(BSD-3-Clause software; see the corpus licence)",
    "mma": "GPL-2.0+ (MMA grooves, Bob van der Poel); chord charts in this file",
}


@dataclass
class Piece:
    name: str
    source: str                  # freedoom | openmsx | music21 | mma
    ref: str                     # what to read: a lump, a file stem, a corpus path, a groove
    style: str
    at: float = 0.3              # where the excerpt lies, 0 (start) .. 1 (end)
    options: dict = field(default_factory=dict)


PIECES = [
    # Freedoom: rock and metal with drums; E1M5 without.
    Piece("fd-e1m1", "freedoom", "freedoom1:D_E1M1", "metal, fast"),
    Piece("fd-e1m3", "freedoom", "freedoom1:D_E1M3", "rock, slow"),
    Piece("fd-e1m5", "freedoom", "freedoom1:D_E1M5", "orchestral, no drums"),
    Piece("fd-e1m8", "freedoom", "freedoom1:D_E1M8", "rock, 3/4"),
    Piece("fd-e2m2", "freedoom", "freedoom1:D_E2M2", "rock"),
    Piece("fd-e2m7", "freedoom", "freedoom1:D_E2M7", "metal"),
    Piece("fd-e2m9", "freedoom", "freedoom1:D_E2M9", "rock, 6/8"),
    Piece("fd-e3m3", "freedoom", "freedoom1:D_E3M3", "rock"),
    Piece("fd-e3m6", "freedoom", "freedoom1:D_E3M6", "rock"),
    Piece("fd-ampie", "freedoom", "freedoom2:D_AMPIE", "metal, 3/4"),
    Piece("fd-messag", "freedoom", "freedoom2:D_MESSAG", "rock, 3/4, tempo drifts"),
    Piece("fd-ddtbl2", "freedoom", "freedoom2:D_DDTBL2", "metal"),
    Piece("fd-doom", "freedoom", "freedoom2:D_DOOM", "industrial rock"),
    Piece("fd-runnin", "freedoom", "freedoom2:D_RUNNIN", "rock"),
    # OpenMSX: game music, blues, jazz and pop.
    Piece("msx-be-sharp", "openmsx", "be_sharp_bw_redfarn", "jazz, tempo changes"),
    Piece("msx-boogi-marabi", "openmsx", "boogi_marabi_redfarn", "marabi, 3/4"),
    Piece("msx-city-blues", "openmsx", "city_blues_redfarn", "blues"),
    Piece("msx-coconut-run", "openmsx", "coconut_run2", "pop, fast"),
    Piece("msx-harp-harmony", "openmsx", "harp_harmony", "pop"),
    Piece("msx-keep-rolling", "openmsx", "keep_on_rolling", "pop rock"),
    Piece("msx-midnight-snow", "openmsx", "midnight_snow_run", "pop, tempo changes"),
    Piece("msx-mosey-along", "openmsx", "mosey_along_redfarn", "swing"),
    Piece("msx-no-work-song", "openmsx", "no_work_song_redfarn", "country"),
    Piece("msx-say-what", "openmsx", "say_what_redfarn", "funk"),
    Piece("msx-chemistry-lab", "openmsx", "chemistry_lab", "electronic, no drums"),
    Piece("msx-chuggachugga", "openmsx", "chuggachugga", "novelty, slows at the end", at=1.0),
    # music21 scores, played with a tempo map (no drums).
    Piece("cl-bach-bwv10-7", "music21", "bach/bwv10.7", "chorale, organ", at=0.0,
          options={"bpm": 72, "programs": [19], "swell": 0.03}),
    Piece("cl-bach-bwv104-6", "music21", "bach/bwv104.6", "chorale, strings", at=0.0,
          options={"bpm": 80, "programs": [48, 48, 48, 48], "swell": 0.03}),
    Piece("cl-bach-bwv66-6", "music21", "bach/bwv66.6", "chorale, choir and strings", at=0.0,
          options={"bpm": 76, "programs": [52, 52, 48, 48], "swell": 0.03, "times": 2}),
    Piece("cl-joplin-maple-leaf", "music21", "joplin/maple_leaf_rag", "ragtime, piano",
          options={"bpm": 92, "programs": [0], "swell": 0.02}),
    Piece("cl-mozart-k545", "music21", "mozart/k545/movement1_exposition", "sonata, piano",
          at=0.0, options={"bpm": 126, "programs": [0], "swell": 0.04, "times": 2}),
    Piece("cl-clara-polonaise", "music21", "schumann_clara/polonaise_op1n1",
          "polonaise, piano, 3/4", options={"bpm": 104, "programs": [0], "swell": 0.05}),
    Piece("cl-schubert-lindenbaum", "music21", "schubert/Lindenbaum", "song, 3/4",
          options={"bpm": 84, "programs": [71, 0, 0], "swell": 0.05}),
    Piece("cl-haydn-op74-menuet", "music21", "haydn/opus74no1/movement3",
          "string quartet, 3/4", options={"bpm": 150, "programs": [40, 40, 41, 42],
                                           "swell": 0.03}),
    # MMA grooves over chord charts (drums, bass, chords; humanised by MMA).
    Piece("mma-disco", "mma", "BoneyM", "disco", at=0.1, options={"bpm": 122, "chart": "pop"}),
    Piece("mma-bossanova", "mma", "BossaNova", "bossa nova", at=0.1,
          options={"bpm": 136, "chart": "jazz"}),
    Piece("mma-swing", "mma", "Swing", "swing", at=0.1, options={"bpm": 152, "chart": "jazz"}),
    Piece("mma-trance", "mma", "Trance", "trance", at=0.1, options={"bpm": 138, "chart": "minor"}),
    Piece("mma-rb", "mma", "R&B", "rhythm and blues", at=0.1, options={"bpm": 96, "chart": "blues"}),
    Piece("mma-countrywaltz", "mma", "CountryWaltz", "country waltz, 3/4", at=0.1,
          options={"bpm": 150, "chart": "waltz"}),
]

# A second set, held out while the tracker's constants were chosen on PIECES: other
# tracks of the same sources (`--held-out`, into real/held-out/ by default).
HELD_OUT = [
    Piece("ho-fd-e1m2", "freedoom", "freedoom1:D_E1M2", "rock"),
    Piece("ho-fd-e1m4", "freedoom", "freedoom1:D_E1M4", "rock, slow"),
    Piece("ho-fd-e1m9", "freedoom", "freedoom1:D_E1M9", "rock"),
    Piece("ho-fd-e2m3", "freedoom", "freedoom1:D_E2M3", "rock"),
    Piece("ho-fd-e2m5", "freedoom", "freedoom1:D_E2M5", "rock"),
    Piece("ho-fd-e2m8", "freedoom", "freedoom1:D_E2M8", "metal, fast"),
    Piece("ho-fd-e3m5", "freedoom", "freedoom1:D_E3M5", "rock"),
    Piece("ho-fd-e3m7", "freedoom", "freedoom1:D_E3M7", "metal"),
    Piece("ho-fd-count2", "freedoom", "freedoom2:D_COUNT2", "rock"),
    Piece("ho-fd-evil", "freedoom", "freedoom2:D_EVIL", "metal"),
    Piece("ho-fd-stalks", "freedoom", "freedoom2:D_STALKS", "rock"),
    Piece("ho-fd-theda2", "freedoom", "freedoom2:D_THEDA2", "metal"),
    Piece("ho-fd-shawn3", "freedoom", "freedoom2:D_SHAWN3", "rock"),
    Piece("ho-fd-tense", "freedoom", "freedoom2:D_TENSE", "rock"),
    Piece("ho-fd-e3m8", "freedoom", "freedoom1:D_E3M8", "orchestral, no drums"),
    Piece("ho-msx-ttsong4", "openmsx", "ttsong_iv_imuh3", "pop, slow"),
    Piece("ho-msx-train", "openmsx", "train_filled_with_cash", "pop"),
    Piece("ho-msx-slow-neasy", "openmsx", "slow_neasy_redfarn", "shuffle"),
    Piece("ho-msx-flying", "openmsx", "flying_scotsman", "pop, fast"),
    Piece("ho-msx-linns", "openmsx", "linns_basket", "pop"),
    Piece("ho-msx-relax", "openmsx", "relax_song", "pop"),
    Piece("ho-msx-ultimate", "openmsx", "ultimate_run", "pop"),
    Piece("ho-msx-modern", "openmsx", "modern_motion", "electronic"),
    Piece("ho-msx-moo", "openmsx", "moo_redfarn", "shuffle"),
    Piece("ho-cl-bach-bwv11-6", "music21", "bach/bwv11.6", "chorale, strings", at=0.0,
          options={"bpm": 68, "programs": [48, 48, 42, 42], "swell": 0.03}),
    Piece("ho-cl-bach-bwv13-6", "music21", "bach/bwv13.6", "chorale, organ", at=0.0,
          options={"bpm": 74, "programs": [19], "swell": 0.03, "times": 2}),
    Piece("ho-cl-haydn-op74-1", "music21", "haydn/opus74no1/movement1", "string quartet",
          options={"bpm": 132, "programs": [40, 40, 41, 42], "swell": 0.03}),
    Piece("ho-cl-clara-pol2", "music21", "schumann_clara/polonaise_op1n2",
          "polonaise, piano, 3/4", options={"bpm": 100, "programs": [0], "swell": 0.05}),
    Piece("ho-mma-samba", "mma", "Samba", "samba", at=0.1, options={"bpm": 100, "chart": "jazz"}),
    Piece("ho-mma-ska", "mma", "Ska", "ska", at=0.1, options={"bpm": 150, "chart": "pop"}),
    Piece("ho-mma-8beat", "mma", "8Beat", "pop", at=0.1, options={"bpm": 112, "chart": "pop"}),
    Piece("ho-mma-softrock", "mma", "SoftRock", "soft rock", at=0.1,
          options={"bpm": 90, "chart": "minor"}),
    Piece("ho-mma-jazzwaltz", "mma", "JazzWaltz", "jazz waltz, 3/4", at=0.1,
          options={"bpm": 160, "chart": "waltz"}),
    Piece("ho-mma-polka", "mma", "Polka", "polka", at=0.1, options={"bpm": 120, "chart": "waltz"}),
    Piece("ho-mma-popballad", "mma", "PopBallad", "pop ballad", at=0.1,
          options={"bpm": 72, "chart": "pop"}),
]

CHARTS = {   # chords a bar, 32 bars each
    "pop": "C Am F G C Am Dm G Em Am F G C F G C "
           "Am F C G Am F G G F G Em Am Dm G C C",
    "jazz": "Dm7 G7 Cmaj7 Cmaj7 Cm7 F7 Bbmaj7 Bbmaj7 Bm7b5 E7 Am7 D7 Dm7 G7 Cmaj7 A7 "
            "Dm7 G7 Cmaj7 Am7 Fmaj7 Fm6 Em7 A7 Dm7 G7 Em7 A7 Dm7 G7 C6 C6",
    "minor": "Am Am F F C C G G Am Am F F Dm Dm E E "
             "Am F C G Am F E E Dm Am F G Am Am E E",
    "blues": "C7 F7 C7 C7 F7 F7 C7 C7 G7 F7 C7 G7 C7 F7 C7 C7 "
             "F7 F7 C7 A7 D7 G7 C7 G7 C7 F7 C7 C7 G7 F7 C7 C7",
    "waltz": "G G C C D7 D7 G G G G C C A7 A7 D7 D7 "
             "G G7 C Cm G E7 A7 D7 G G C C D7 D7 G G",
}


# ================================================================ MIDI sources
def freedoom_midi(ref: str) -> bytes:
    """A music lump of a Freedoom WAD (its lumps named D_*, standard MIDI files)."""
    wad, lump = ref.split(":")
    path = Path(FREEDOOM.format(wad))
    data = path.read_bytes()
    _, count, table = struct.unpack("<4sii", data[:12])
    for i in range(count):
        offset, size, name = struct.unpack("<ii8s", data[table + 16 * i:table + 16 * i + 16])
        if name.rstrip(b"\0").decode("ascii") == lump:
            body = data[offset:offset + size]
            if body[:4] != b"MThd":
                raise ValueError(f"{ref} is not a MIDI lump")
            return body
    raise KeyError(f"no lump {lump} in {path}")


def openmsx_midi(ref: str) -> bytes:
    return Path(OPENMSX.format(ref)).read_bytes()


def mma_midi(groove: str, bpm: float, chart: str, seed: int) -> bytes:
    """MMA's groove `groove` over the chord chart, at `bpm`, its randomness seeded."""
    chords = CHARTS[chart].split()
    lines = [f"RndSeed {seed}", f"Tempo {bpm}", f"Groove {groove}"]
    lines += [f"{i + 1} {chord}" for i, chord in enumerate(chords)]
    lines += [f"{len(chords) + i + 1} {chord}" for i, chord in enumerate(chords)]
    with tempfile.TemporaryDirectory() as tmp:
        song, out = Path(tmp) / "song.mma", Path(tmp) / "song.mid"
        song.write_text("\n".join(lines) + "\n")
        subprocess.run(["mma", "-w", "-xNOCREDIT", str(song), "-f", str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return out.read_bytes()


def music21_midi(ref: str, options: dict, seed: int) -> tuple[bytes, list[tuple[int, int]], str]:
    """A corpus score as MIDI bytes with a player's tempo map; its beats (tick, number); its
    meter ("3 4"). Repeats are expanded; `times` plays the whole `times` times."""
    import mido
    from music21 import corpus, expressions

    score = corpus.parse(ref)
    with contextlib.suppress(Exception):    # a score music21 cannot expand: as written
        score = score.expandRepeats()
    rng = random.Random(seed)
    parts = score.parts
    length = float(score.highestTime)
    times = int(options.get("times", 1))
    programs = options["programs"]
    notes, fermatas = [], []
    for index, part in enumerate(parts):
        flat = part.stripTies().flatten()
        for n in flat.notes:
            start, dur = float(n.offset), float(n.quarterLength)
            if dur <= 0:
                continue
            if index == 0 and any(isinstance(e, expressions.Fermata) for e in n.expressions):
                fermatas.append((start, start + dur))
            strength = float(getattr(n, "beatStrength", 0.5) or 0.5)
            for pitch in n.pitches:
                velocity = int(np.clip(58 + 24 * strength + rng.randint(-5, 5), 30, 120))
                notes.append((index % 16, programs[index % len(programs)], start, dur,
                              pitch.midi, velocity))
    beats, meter, regular = _score_beats(parts[0], length)
    if regular < length:
        length = regular
        notes = [(c, p, s, min(d, length - s), m, v) for c, p, s, d, m, v in notes if s < length]
        fermatas = [(a, b) for a, b in fermatas if a < length]
    # play it `times` times
    notes = [(c, p, s + k * length, d, m, v) for k in range(times) for c, p, s, d, m, v in notes]
    fermatas = [(a + k * length, b + k * length) for k in range(times) for a, b in fermatas]
    beats = [(q + k * length, b) for k in range(times) for q, b in beats]
    total = length * times
    tempo = rubato(total, options["bpm"], options.get("swell", 0.03), fermatas, rng)

    mid = mido.MidiFile(ticks_per_beat=TPQ)
    conductor = mido.MidiTrack()
    mid.tracks.append(conductor)
    events = [(round(q * TPQ), mido.MetaMessage("set_tempo", tempo=round(60e6 / bpm)))
              for q, bpm in tempo]
    conductor.extend(_delta(events))
    channels: dict[int, list] = {}
    for channel, program, start, dur, pitch, velocity in notes:
        channel = channel if channel != 9 else 10
        track = channels.setdefault(channel, [(0, mido.Message("program_change",
                                                               channel=channel,
                                                               program=program))])
        on, off = round(start * TPQ), round((start + dur) * TPQ) - 1
        track.append((on, mido.Message("note_on", channel=channel, note=pitch,
                                       velocity=velocity)))
        track.append((max(on + 1, off), mido.Message("note_off", channel=channel, note=pitch)))
    for channel in sorted(channels):
        track = mido.MidiTrack()
        track.extend(_delta(channels[channel]))
        mid.tracks.append(track)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "score.mid"
        mid.save(path)
        data = path.read_bytes()
    return data, [(round(q * TPQ), b) for q, b in beats], meter


def _score_beats(part, length: float) -> tuple[list[tuple[float, int]], str, float]:
    """(quarter-length offset, beat number) of each counted beat, from the measures; the
    meter; and where the score stops being regular: the start of the first bar (not the
    first or the last) longer than its time signature (an encoding slip) or in another
    meter. The piece is played up to there."""
    beats, meter, current = [], None, None
    measures = list(part.getElementsByClass("Measure"))
    for index, measure in enumerate(measures):
        if measure.timeSignature is not None:
            current = measure.timeSignature
        if current is None:
            continue
        begin = float(measure.offset)
        text = f"{current.numerator} {current.denominator}"
        meter = meter or text
        bar = float(current.barDuration.quarterLength)
        span = float(measure.duration.quarterLength)
        if text != meter or (0 < index < len(measures) - 1 and span > bar + 1e-6):
            return beats, meter, begin
        unit = 4.0 / current.denominator
        nominal = begin - float(measure.paddingLeft or 0.0)
        for k in range(current.numerator):
            q = nominal + k * unit
            if begin - 1e-6 <= q < begin + span - 1e-6 and q < length:
                beats.append((q, k + 1))
    return beats, meter or "4 4", length


def rubato(length: float, bpm: float, swell: float, fermatas: list[tuple[float, float]],
           rng: random.Random) -> list[tuple[float, float]]:
    """A player's tempo, one value an eighth note: (quarter-length offset, bpm).

    The tempo swells and relaxes by +-`swell` over phrases of 8 to 16 beats,
    slows by up to 20% over the two beats before a fermata, holds the fermata
    note at half speed (twice its length) and takes the tempo again after it."""
    steps = np.arange(0.0, length + 0.5, 0.5)
    phrase = rng.choice([8.0, 12.0, 16.0])
    phase = rng.uniform(0, 2 * np.pi)
    factor = 1.0 + swell * np.sin(2 * np.pi * steps / phrase + phase)
    for start, end in fermatas:
        before = (steps >= start - 2.0) & (steps < start)
        factor[before] *= 1.0 - 0.2 * (steps[before] - (start - 2.0)) / 2.0
        factor[(steps >= start) & (steps < end)] *= 0.5
    return [(float(q), float(bpm * f)) for q, f in zip(steps, factor)]


def _delta(events: list) -> list:
    """Messages with delta times from (absolute tick, message) pairs (stable sort)."""
    out, last = [], 0
    for tick, message in sorted(events, key=lambda e: e[0]):
        out.append(message.copy(time=tick - last))
        last = tick
    return out


# ================================================================ beats of a MIDI file
class TempoMap:
    """Ticks to seconds through a MIDI file's tempo changes (all tracks merged)."""

    def __init__(self, mid):
        import mido

        self.tpq = mid.ticks_per_beat
        ticks, tempi, tick = [0], [500000], 0
        for message in mido.merge_tracks(mid.tracks):
            tick += message.time
            if message.type == "set_tempo":
                if tick == ticks[-1]:
                    tempi[-1] = message.tempo
                else:
                    ticks.append(tick)
                    tempi.append(message.tempo)
        self.ticks = np.array(ticks, float)
        self.tempi = np.array(tempi, float)
        seconds = np.diff(self.ticks) * self.tempi[:-1] / 1e6 / self.tpq
        self.starts = np.concatenate([[0.0], np.cumsum(seconds)])

    def seconds(self, ticks) -> np.ndarray:
        ticks = np.asarray(ticks, float)
        i = np.searchsorted(self.ticks, ticks, side="right") - 1
        return self.starts[i] + (ticks - self.ticks[i]) * self.tempi[i] / 1e6 / self.tpq

    def ticks_at(self, seconds: float) -> int:
        i = int(np.searchsorted(self.starts, seconds, side="right") - 1)
        return int(self.ticks[i] + (seconds - self.starts[i]) * 1e6 * self.tpq / self.tempi[i])


def midi_notes(mid) -> tuple[np.ndarray, int]:
    """Note-on ticks of every note, and the tick of the last note-off."""
    import mido

    ons, tick, last = [], 0, 0
    for message in mido.merge_tracks(mid.tracks):
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            ons.append(tick)
        if message.type in ("note_on", "note_off"):
            last = tick
    return np.array(sorted(ons)), last


def midi_beats(mid, end_tick: int) -> tuple[list[tuple[int, int]], list[tuple[int, str]]]:
    """Beats (tick, number in the bar) from the time signatures (4/4 until the first), each
    signature starting a bar; and the signatures (tick, "n d")."""
    import mido

    signatures, tick = [], 0
    for message in mido.merge_tracks(mid.tracks):
        tick += message.time
        if message.type == "time_signature":
            sig = (message.numerator, message.denominator)
            if signatures and signatures[-1][0] == tick:
                signatures[-1] = (tick, sig)
            elif not signatures or signatures[-1][1] != sig:
                signatures.append((tick, sig))
    if not signatures or signatures[0][0] > 0:
        signatures.insert(0, (0, (4, 4)))
    beats = []
    for i, (start, (num, den)) in enumerate(signatures):
        stop = signatures[i + 1][0] if i + 1 < len(signatures) else end_tick + 1
        unit = mid.ticks_per_beat * 4 / den
        k = 0
        while start + k * unit < stop:
            beats.append((round(start + k * unit), k % num + 1))
            k += 1
    return beats, [(t, f"{n} {d}") for t, (n, d) in signatures]


def grid_fit(onsets: np.ndarray, beats: np.ndarray) -> float:
    """Fraction of note onsets within 20 ms of a sixteenth or a triplet of the beat grid."""
    if len(onsets) == 0 or len(beats) < 2:
        return 0.0
    spans = np.diff(beats)
    grid = np.unique(np.concatenate(
        [(beats[:-1, None] + spans[:, None] * np.arange(parts)[None, :] / parts).ravel()
         for parts in (4, 3)] + [beats]))
    index = np.clip(np.searchsorted(grid, onsets), 1, len(grid) - 1)
    gap = np.minimum(np.abs(onsets - grid[index - 1]), np.abs(onsets - grid[index]))
    return float(np.mean(gap <= 0.020))


# ================================================================ rendering
def render(midi: bytes, end_tick: int, soundfont: str, rate: int) -> np.ndarray:
    """fluidsynth's rendering of the MIDI up to `end_tick`, mono float32."""
    import mido
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        src, cut, wav = Path(tmp) / "in.mid", Path(tmp) / "cut.mid", Path(tmp) / "out.wav"
        src.write_bytes(midi)
        mid = mido.MidiFile(src)
        for track in mid.tracks:            # drop everything after end_tick
            tick, kept = 0, []
            for message in track:
                tick += message.time
                if message.is_meta and message.type == "end_of_track":
                    continue
                if tick > end_tick:
                    break
                kept.append(message)
            track[:] = kept
            track.append(mido.MetaMessage("end_of_track", time=0))
        silence = mido.MidiTrack()           # then every voice off: fluidsynth renders on
        silence.append(mido.MetaMessage("marker", text="end", time=end_tick))
        for channel in range(16):           # while any voice sounds (held, looped samples)
            silence.append(mido.Message("control_change", channel=channel, control=123))
            silence.append(mido.Message("control_change", channel=channel, control=120))
        silence.append(mido.MetaMessage("end_of_track", time=0))
        mid.type = max(mid.type, 1)
        mid.tracks.append(silence)
        mid.save(cut)
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(rate),
                        "-F", str(wav), soundfont, str(cut)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=600)
        audio, got = sf.read(wav, dtype="float32", always_2d=True)
    assert got == rate, (got, rate)
    return audio.mean(axis=1)


def make_piece(piece: Piece, out: Path, index: int) -> dict | None:
    import mido
    import soundfile as sf

    rng = random.Random(piece.name)
    seed = rng.randrange(1 << 30)
    meter_text = None
    if piece.source == "freedoom":
        data = freedoom_midi(piece.ref)
    elif piece.source == "openmsx":
        data = openmsx_midi(piece.ref)
    elif piece.source == "mma":
        data = mma_midi(piece.ref, piece.options["bpm"], piece.options["chart"], seed % 10000)
    elif piece.source == "music21":
        data, score_beats, meter_text = music21_midi(piece.ref, piece.options, seed)
    else:
        raise ValueError(piece.source)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.mid"
        path.write_bytes(data)
        mid = mido.MidiFile(path)
    tempo = TempoMap(mid)
    ons, last = midi_notes(mid)
    if piece.source == "music21":
        beat_ticks, signatures = score_beats, [(0, meter_text)]
    else:
        beat_ticks, signatures = midi_beats(mid, last)
    ticks = np.array([t for t, _ in beat_ticks])
    numbers = np.array([b for _, b in beat_ticks])
    times = tempo.seconds(ticks)
    onsets = tempo.seconds(ons)
    first, final = float(onsets[0]), float(tempo.seconds(last))

    # the excerpt: 30 to 60 s, from a downbeat past `at` of the music, less part of a bar
    length = rng.uniform(30.0, 60.0)
    music = final - first
    if music < 30.0:
        print(f"  {piece.name}: skipped, only {music:.0f} s of music")
        return None
    length = min(length, music)
    target = first + piece.at * (music - length)
    downs = times[(numbers == 1) & (times >= target - 1e-9)]
    start = float(downs[0]) if len(downs) else target
    bar = float(np.median(np.diff(times[numbers == 1]))) if (numbers == 1).sum() > 1 else 2.0
    start = max(0.0, start - rng.uniform(0.1, 0.9) * bar)
    if start + length > final:
        start = max(0.0, final - length)
    stop = start + length
    inside = (times >= start) & (times < stop)
    sigs = [s for t, s in signatures if tempo.seconds(t) < stop]
    later = [s for t, s in signatures if start < tempo.seconds(t) < stop]
    if later and any(s != sigs[-1] for s in later):
        print(f"  {piece.name}: skipped, the time signature changes in the excerpt")
        return None
    meter = sigs[-1] if sigs else "4 4"
    fit = grid_fit(onsets[(onsets >= start) & (onsets < stop)], times[inside])
    if fit < 0.8 and piece.source in ("freedoom", "openmsx"):   # (the others we write)
        print(f"  {piece.name}: skipped, notes off the beat grid (fit {fit:.2f})")
        return None

    rate = (22050, 44100)[index % 2]
    soundfont_name = ("FluidR3", "TimGM6mb")[(index // 2) % 2]
    soundfont = next((p for p in SOUNDFONTS[soundfont_name] if Path(p).exists()), None)
    if soundfont is None:
        soundfont_name = next(n for n, ps in SOUNDFONTS.items() if any(Path(p).exists()
                                                                       for p in ps))
        soundfont = next(p for p in SOUNDFONTS[soundfont_name] if Path(p).exists())
    audio = render(data, tempo.ticks_at(stop + 1.0), soundfont, rate)
    a, b = round(start * rate), round(stop * rate)
    clip = np.zeros(b - a, np.float32)
    got = audio[a:b]
    clip[:len(got)] = got
    fade = int(0.02 * rate)
    clip[:fade] *= np.linspace(0, 1, fade, dtype=np.float32)
    clip[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    peak = float(np.abs(clip).max())
    if peak <= 0:
        print(f"  {piece.name}: skipped, silent")
        return None
    clip *= 0.89 / peak                                       # -1 dBFS
    sf.write(out / f"{piece.name}.wav", clip, rate, subtype="PCM_16")
    beat_times = times[inside] - start
    lines = [f"{t:.4f} {n}" for t, n in zip(beat_times, numbers[inside])]
    (out / f"{piece.name}.beats").write_text("\n".join(lines) + "\n")
    (out / f"{piece.name}.meter").write_text(meter + "\n")
    bpms = 60.0 / np.diff(beat_times)
    info = {
        "name": piece.name, "source": piece.source, "ref": piece.ref, "style": piece.style,
        "licence": LICENCES[piece.source], "meter": meter,
        "excerpt_start_s": round(start, 4), "length_s": round(length, 3),
        "bpm_median": round(float(np.median(bpms)), 2),
        "bpm_range": [round(float(bpms.min()), 2), round(float(bpms.max()), 2)],
        "grid_fit": round(fit, 3), "soundfont": soundfont_name, "sample_rate": rate,
        "options": piece.options,
    }
    (out / f"{piece.name}.json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def available(piece: Piece) -> str | None:
    """Why the piece cannot be made here, or None."""
    if shutil.which("fluidsynth") is None:
        return "fluidsynth is not installed"
    if piece.source == "freedoom" and not Path(FREEDOOM.format(piece.ref.split(":")[0])).exists():
        return "freedoom is not installed"
    if piece.source == "openmsx" and not Path(OPENMSX.format(piece.ref)).exists():
        return "openttd-openmsx is not installed"
    if piece.source == "mma" and shutil.which("mma") is None:
        return "mma is not installed"
    if piece.source == "music21":
        try:
            import music21  # noqa: F401
        except ImportError:
            return "music21 is not installed"
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="default real/, or real/held-out/ with --held-out")
    parser.add_argument("--held-out", action="store_true",
                        help="make the held-out set instead")
    parser.add_argument("--only", default="")
    parser.add_argument("--list", action="store_true", help="list the pieces and stop")
    args = parser.parse_args(argv)
    pieces = HELD_OUT if args.held_out else PIECES
    if args.out is None:
        args.out = HERE / "real" / "held-out" if args.held_out else HERE / "real"
    if args.list:
        for piece in pieces:
            print(f"{piece.name:24} {piece.source:8} {piece.ref:36} {piece.style}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    made, missing = [], set()
    for index, piece in enumerate(pieces):
        if args.only not in piece.name:
            continue
        why = available(piece)
        if why:
            missing.add(why)
            continue
        info = make_piece(piece, args.out, index)
        if info:
            made.append(info)
            print(f"{info['name']:24} {info['meter']:4} {info['bpm_median']:6.1f} bpm "
                  f"({info['bpm_range'][0]:.0f}-{info['bpm_range'][1]:.0f}) "
                  f"{info['length_s']:4.0f} s fit {info['grid_fit']:.2f} "
                  f"{info['soundfont']} {info['sample_rate']}", flush=True)
    for why in sorted(missing):
        print(f"skipped some pieces: {why}", file=sys.stderr)
    print(f"{len(made)} files in {args.out}")


if __name__ == "__main__":
    main()
