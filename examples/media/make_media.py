"""Regenerate the small media files that the example scripts name.

Usage (from anywhere):

    pip install numpy imageio-ffmpeg
    python examples/media/make_media.py

It writes, next to this file:

- ``decades.ogg``  -- a 42-bar track at exactly 100 bpm in 4/4 (100.8 s):
  kick on every beat, hats on every eighth, and a chord pad that changes every
  bar (Am F C G); the first 8 bars are the intro, from bar 9 a snare on 2 and 4,
  a bass line and open hats join in; bars 41-42 are an outro. The first
  downbeat is at exactly 0.0 s. Mono, 44.1 kHz, Vorbis at about 64 kbps.
- ``city.mp4``     -- 6 s of a procedural city at night: buildings with lit
  windows that switch on and off, cars' lights on the road, a blinking mast
  light and a drifting moon. 320x180, 24 fps, H.264 (libx264, yuv420p).
- ``portrait.png`` -- a 256x256 drawn portrait of a girl with blue eyes,
  written with zlib (no imaging library needed).

Everything is drawn from numbers with fixed seeds: the same numpy and ffmpeg
give the same files byte for byte. The ffmpeg binary comes from the
imageio-ffmpeg package, so nothing needs to be installed system-wide.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- audio

RATE = 44100
BPM = 100
BEAT = 60 / BPM  # 0.6 s
BARS = 42
BEATS_PER_BAR = 4
INTRO_BARS = 8
OUTRO_FROM_BAR = 41  # 1-based: bars 41 and 42 are the outro

# Am, F, C, G: (bass root, pad notes) as MIDI numbers, one chord a bar.
CHORDS = [
    (45, (57, 60, 64)),  # A minor
    (41, (57, 60, 65)),  # F major
    (48, (55, 60, 64)),  # C major
    (43, (55, 59, 62)),  # G major
]


def midi_hz(note: float) -> float:
    """The frequency of a MIDI note number."""
    return 440.0 * 2 ** ((note - 69) / 12)


def soften(x: np.ndarray, width_s: float) -> np.ndarray:
    """Take the edge off a sound with a moving average (a gentle low-pass)."""
    n = max(1, int(width_s * RATE))
    return np.convolve(x, np.ones(n) / n, mode="same")


def kick(rng: np.random.Generator) -> np.ndarray:
    """A sine kick sweeping 150 Hz down to 48 Hz."""
    t = np.arange(int(0.35 * RATE)) / RATE
    freq = 48 + 102 * np.exp(-t * 28)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    click = rng.standard_normal(t.size) * np.exp(-t * 400) * 0.15
    return (np.sin(phase) * np.exp(-t * 9) + click).astype(np.float64)


def snare(rng: np.random.Generator) -> np.ndarray:
    """A noise burst over a short 185 Hz tone."""
    t = np.arange(int(0.25 * RATE)) / RATE
    noise = rng.standard_normal(t.size)
    noise = np.diff(noise, prepend=0.0)  # brighter
    tone = np.sin(2 * np.pi * 185 * t) * np.exp(-t * 30)
    return 0.35 * noise * np.exp(-t * 18) + 0.5 * tone


def hat(rng: np.random.Generator, length_s: float, decay: float) -> np.ndarray:
    """High-passed noise with an exponential decay."""
    t = np.arange(int(length_s * RATE)) / RATE
    noise = np.diff(rng.standard_normal(t.size), n=2, prepend=[0.0, 0.0])
    return 0.12 * noise * np.exp(-t * decay)


def bass_note(note: int, length_s: float) -> np.ndarray:
    """A round bass note: a sine with a touch of its octave."""
    t = np.arange(int(length_s * RATE)) / RATE
    f = midi_hz(note)
    env = np.minimum(1.0, t / 0.005) * np.exp(-t * 3.0)
    return (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)) * env


def pad_chord(notes: tuple[int, ...], length_s: float) -> np.ndarray:
    """A soft pad: detuned sawtooth pairs with slow attack and release."""
    t = np.arange(int(length_s * RATE)) / RATE
    out = np.zeros(t.size)
    for note in notes:
        for detune in (-0.08, 0.08):
            f = midi_hz(note + detune)
            out += 2 * ((t * f) % 1.0) - 1  # sawtooth
    env = np.minimum(1.0, t / 0.4) * np.minimum(1.0, (length_s - t) / 0.3)
    return out * env / (2 * len(notes))


def place(track: np.ndarray, sound: np.ndarray, at_s: float, gain: float) -> None:
    """Mix a sound into the track at a time in seconds."""
    start = round(at_s * RATE)
    end = min(track.size, start + sound.size)
    track[start:end] += gain * sound[: end - start]


def render_track() -> np.ndarray:
    """The whole 42-bar track as float samples in [-1, 1]."""
    rng = np.random.default_rng(100)
    total = round(BARS * BEATS_PER_BAR * BEAT * RATE)
    drums = np.zeros(total)
    bass = np.zeros(total)
    pad = np.zeros(total)
    kick_s, snare_s = kick(rng), snare(rng)
    closed, opened = hat(rng, 0.08, 60), hat(rng, 0.3, 12)
    for bar in range(BARS):
        full = INTRO_BARS <= bar < OUTRO_FROM_BAR - 1
        root, notes = CHORDS[bar % len(CHORDS)]
        bar_s = bar * BEATS_PER_BAR * BEAT
        place(pad, pad_chord(notes, BEATS_PER_BAR * BEAT), bar_s, 0.9 if full else 0.7)
        for beat in range(BEATS_PER_BAR):
            beat_s = bar_s + beat * BEAT
            place(drums, kick_s, beat_s, 1.0 if full else 0.8)
            if full and beat in (1, 3):
                place(drums, snare_s, beat_s, 0.8)
            place(drums, closed, beat_s, 0.5)
            place(drums, opened if full else closed, beat_s + BEAT / 2, 0.6)
            if full:
                pattern = (0, 0, 12, 7)  # root, root, octave, fifth
                place(
                    bass, bass_note(root - 12 + pattern[beat], BEAT * 0.45), beat_s + BEAT / 2, 0.6
                )
                place(bass, bass_note(root - 12, BEAT * 0.4), beat_s, 0.5)
    pad = soften(pad, 0.0004)
    mix = drums + bass + 0.6 * pad
    fade = np.ones(total)
    tail = int(BEATS_PER_BAR * BEAT * RATE)  # fade out over the last bar
    fade[-tail:] = np.linspace(1.0, 0.0, tail)
    mix *= fade
    return mix / np.max(np.abs(mix)) * 0.89  # about -1 dBFS


# ---------------------------------------------------------------- video

W, H, FPS, SECONDS = 320, 180, 24, 6


def city_layout(rng: np.random.Generator) -> list[dict]:
    """Buildings along the skyline: position, size, colour and window grid."""
    buildings, x = [], -10
    while x < W + 40:
        width = int(rng.integers(22, 48))
        height = int(rng.integers(50, 140))
        shade = rng.uniform(0.06, 0.14)
        windows = rng.random((height // 8, width // 6)) < 0.45
        phases = rng.random(windows.shape)
        buildings.append(
            {"x": x, "w": width, "h": height, "shade": shade, "windows": windows, "phases": phases}
        )
        x += width + int(rng.integers(1, 6))
    return buildings


def draw_frame(frame: int, buildings: list[dict], stars: np.ndarray) -> np.ndarray:
    """One frame of the city as an HxWx3 uint8 array."""
    t = frame / FPS
    img = np.zeros((H, W, 3))
    sky = np.linspace(0.0, 1.0, H)[:, None]
    img[:] = np.stack([0.02 + 0.10 * sky, 0.02 + 0.06 * sky, 0.10 + 0.15 * sky], -1)
    ys, xs, twinkle = stars
    img[ys, xs] += (0.5 + 0.4 * np.sin(t * 6 + twinkle))[:, None]
    moon_x, moon_y = 250 - 3 * t, 34
    yy, xx = np.mgrid[0:H, 0:W]
    moon = (xx - moon_x) ** 2 + (yy - moon_y) ** 2
    img[moon < 120] = (0.92, 0.90, 0.78)
    img += np.exp(-moon / 900.0)[..., None] * np.array([0.10, 0.10, 0.08])
    ground = H - 26
    drift = int(t * 4)  # a slow pan along the skyline
    for b in buildings:
        x0, x1 = b["x"] - drift, b["x"] - drift + b["w"]
        y0 = ground - b["h"]
        if x1 <= 0 or x0 >= W:
            continue
        img[max(y0, 0) : ground, max(x0, 0) : min(x1, W)] = b["shade"]
        rows, cols = b["windows"].shape
        lit_now = b["windows"] & (np.sin(t * 1.3 + b["phases"] * 40) > -0.7)
        for r in range(rows):
            for c in range(cols):
                if lit_now[r, c]:
                    wx, wy = x0 + 2 + c * 6, y0 + 3 + r * 8
                    if 0 <= wx < W - 3 and 0 <= wy < ground - 4:
                        img[wy : wy + 4, wx : wx + 3] = (0.95, 0.80, 0.40)
    tallest = max(buildings, key=lambda b: b["h"])
    mast_x = tallest["x"] - drift + tallest["w"] // 2
    mast_y = ground - tallest["h"] - 8
    if 1 <= mast_x < W - 2:
        img[mast_y : mast_y + 8, mast_x] = 0.3
        if int(t * 2) % 2 == 0:  # blinks twice a second
            img[mast_y - 2 : mast_y + 1, mast_x - 1 : mast_x + 2] = (1.0, 0.15, 0.1)
    img[ground:] = (0.05, 0.05, 0.06)
    img[ground + 12 : ground + 13, ::12] = 0.5  # lane markings
    for lane, speed, colour in (
        (ground + 6, 70, (1.0, 0.95, 0.8)),
        (ground + 18, -55, (1.0, 0.1, 0.1)),
    ):
        for k in range(5):
            cx = (k * 80 + speed * t) % (W + 60) - 30
            glow = np.exp(-(((xx - cx) / 10.0) ** 2 + ((yy - lane) / 2.5) ** 2))
            img += glow[..., None] * np.array(colour) * 0.9
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def render_city() -> bytes:
    """All frames of the city clip as raw RGB24 bytes."""
    rng = np.random.default_rng(24)
    buildings = city_layout(rng)
    n = 60
    stars = (rng.integers(0, H - 90, n), rng.integers(0, W, n), rng.uniform(0, 6.3, n))
    return b"".join(draw_frame(f, buildings, stars).tobytes() for f in range(SECONDS * FPS))


# ---------------------------------------------------------------- picture

SIDE, SUPER = 256, 4


def ellipse(
    yy: np.ndarray, xx: np.ndarray, cy: float, cx: float, ry: float, rx: float
) -> np.ndarray:
    """A boolean mask of a filled ellipse."""
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


def render_portrait() -> np.ndarray:
    """A 256x256 portrait: auburn hair, freckles and blue eyes, on a warm backdrop."""
    n = SIDE * SUPER
    yy, xx = (np.mgrid[0:n, 0:n] + 0.5) / SUPER
    img = np.zeros((n, n, 3))
    img[:] = np.stack([0.95 - yy / 700, 0.78 - yy / 900, 0.60 + yy / 1400], -1)
    hair = (0.48, 0.20, 0.10)
    skin = (0.96, 0.80, 0.68)
    img[ellipse(yy, xx, 120, 128, 92, 78)] = hair
    img[(yy > 120) & (yy < 250) & (np.abs(xx - 128) < 76)] = hair
    img[ellipse(yy, xx, 268, 128, 60, 100)] = (0.20, 0.32, 0.55)  # denim shoulders
    img[(yy > 180) & (yy < 225) & (np.abs(xx - 128) < 20)] = skin  # neck
    img[ellipse(yy, xx, 132, 128, 68, 54)] = skin
    img[ellipse(yy, xx, 80, 128, 26, 58) & (yy < 92)] = hair  # fringe
    for side in (-1, 1):
        cx = 128 + side * 23
        img[ellipse(yy, xx, 128, cx, 9, 14)] = (1.0, 1.0, 1.0)
        img[ellipse(yy, xx, 128, cx, 8, 8)] = (0.15, 0.45, 0.85)  # blue iris
        img[ellipse(yy, xx, 128, cx, 4, 4)] = (0.05, 0.05, 0.10)
        img[ellipse(yy, xx, 125, cx + 3, 2, 2)] = (1.0, 1.0, 1.0)
        img[ellipse(yy, xx, 112, cx, 3, 13) & (yy < 112)] = (0.35, 0.15, 0.08)  # brows
        img[ellipse(yy, xx, 160, cx + side * 10, 9, 12)] = (0.98, 0.68, 0.62)  # cheeks
    rng = np.random.default_rng(6)
    for fy, fx in zip(rng.uniform(140, 152, 14), rng.uniform(100, 156, 14)):
        if abs(fx - 128) > 7:
            img[ellipse(yy, xx, fy, fx, 1.4, 1.4)] = (0.72, 0.45, 0.30)
    nose = ellipse(yy, xx, 152, 128, 4, 7) & ~ellipse(yy, xx, 150, 128, 4, 7)
    img[nose] = (0.84, 0.60, 0.50)
    smile = ellipse(yy, xx, 170, 128, 12, 22) & ~ellipse(yy, xx, 165, 128, 11, 22)
    img[smile & (yy > 170)] = (0.75, 0.30, 0.32)
    small = img.reshape(SIDE, SUPER, SIDE, SUPER, 3).mean(axis=(1, 3))
    return (np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an HxWx3 uint8 array as PNG, every row with the 'Up' filter."""
    h, w, _ = rgb.shape
    rows = rgb.reshape(h, w * 3).astype(np.int16)
    up = (rows - np.vstack([np.zeros((1, w * 3), np.int16), rows[:-1]])) % 256
    raw = np.hstack([np.full((h, 1), 2, np.int16), up]).astype(np.uint8).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------- encoding


def ffmpeg(args: list[str], stdin: bytes) -> None:
    """Run the ffmpeg that imageio-ffmpeg ships, feeding raw data on stdin."""
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [exe, "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(cmd, input=stdin, check=True)


def write_ogg(path: Path) -> None:
    pcm = (render_track() * 32767).astype("<i2").tobytes()
    ffmpeg(
        [
            "-f",
            "s16le",
            "-ar",
            str(RATE),
            "-ac",
            "1",
            "-i",
            "-",
            "-c:a",
            "libvorbis",
            "-b:a",
            "64k",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            str(path),
        ],
        pcm,
    )


def write_mp4(path: Path) -> None:
    ffmpeg(
        [
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{W}x{H}",
            "-r",
            str(FPS),
            "-i",
            "-",
            "-c:v",
            "libx264",
            "-preset",
            "medium",
            "-crf",
            "24",
            "-pix_fmt",
            "yuv420p",
            "-threads",
            "1",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            "-movflags",
            "+faststart",
            str(path),
        ],
        render_city(),
    )


def main() -> None:
    write_ogg(HERE / "decades.ogg")
    write_mp4(HERE / "city.mp4")
    (HERE / "portrait.png").write_bytes(png_bytes(render_portrait()))
    for name in ("decades.ogg", "city.mp4", "portrait.png"):
        print(f"{name}: {(HERE / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
