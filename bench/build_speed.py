"""How fast `mvlang build` is, against ffmpeg encoding its own test pattern.

    python bench/build_speed.py [--seconds 180] [--size 1280x720] [--out DIR]

In one run, on this machine:

1. ffmpeg (the binary imageio-ffmpeg carries) encodes its `testsrc2` pattern
   for the same length, size and rate with the build's codec settings
   (libx264, preset medium, crf 20, yuv420p): the reference.
2. A clean build of a generated script of that length (scenes of five
   seconds, a third with camera moves, crossfades and dips between some)
   with the default backend, `--jobs 2` and `--jobs 1`. Goal: at most 2x
   the reference.
3. Incremental: a 30-scene script built, one scene's prompt changed, built
   again (goal: at most 10% of the full build), and built once more with
   nothing changed (goal: under 1 s).
4. Peak memory (the sum of the resident sizes of the build and its workers,
   sampled every 20 ms) of a 30-second build against a 3-minute one (goal:
   within 1.25x).

Every build runs the real command line in a fresh process with a fresh cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile

RATE = 22050
PROMPTS = [
    "a lighthouse at sunrise, gulls over a calm sea", "a thunderstorm over a dark forest",
    "a neon city street in the rain at night", "a sunlit meadow with dandelions",
    "a snowy mountain village at dusk", "a desert at noon with a lone cactus",
    "a starry night over a quiet lake", "a cosy kitchen with a window and candles",
    "children playing on a beach with bubbles", "an old wooden porch with fireflies",
]


def song(path: Path, seconds: float, bpm: float = 120.0) -> None:
    """A drum loop at `bpm`: kick on beats, snare on 2 and 4, hats on eighths."""
    rng = np.random.default_rng(1)
    out = np.zeros(int(seconds * RATE), np.float32)
    t = np.arange(int(0.25 * RATE)) / RATE
    kick = (np.sin(2 * np.pi * (50 + 110 * np.exp(-t * 30)) * t) * np.exp(-t * 12)).astype(np.float32)
    noise = rng.normal(0, 1, len(t)).astype(np.float32)
    period = 60 / bpm
    for beat in range(int(seconds / period)):
        at = int(beat * period * RATE)
        seg = out[at:at + len(t)]
        seg += kick[:len(seg)]
        if beat % 2:
            seg += (noise * np.exp(-t * 25) * 0.4)[:len(seg)].astype(np.float32)
        half = int((beat + 0.5) * period * RATE)
        seg = out[half:half + len(t)]
        seg += (noise * np.exp(-t * 80) * 0.1)[:len(seg)].astype(np.float32)
    soundfile.write(path, out / np.abs(out).max() * 0.8, RATE)


def script(seconds: int, size: str, scenes: int | None = None, changed: int | None = None) -> str:
    """Scenes of five seconds (or `scenes` of them over the length)."""
    count = scenes or max(1, seconds // 5)
    length = f"{seconds / count:.3f}s"
    lines = [f'video {{ size {size}; fps 24; seed 3; length {seconds}s }}',
             'song "song.wav" { bpm 120 }', f"defaults {{ length {length} }}", ""]
    for i in range(count):
        prompt = PROMPTS[i % len(PROMPTS)] + f", scene {i}"
        if i == changed:
            prompt += ", a red kite in the sky"
        body = [f'  prompt "{prompt}"']
        if i % 3 == 0:
            body.append("  camera zoom 1.0 -> 1.15 ease in_out")
        elif i % 3 == 1:
            body.append("  camera pan right 10%")
        lines += [f"scene s{i:03d} {{", *body, "}"]
        if i + 1 < count and i % 4 == 1:
            lines.append("-> crossfade over 1 beat")
        elif i + 1 < count and i % 4 == 3:
            lines.append("-> dip black over 2 beats")
    return "\n".join(lines) + "\n"


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def run(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak tree memory of a command."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err}")
    return seconds, peak


def mvlang(*args: str) -> list[str]:
    return [sys.executable, "-m", "mvlang", *args]


def project(folder: Path, seconds: int, size: str, **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    song(folder / "song.wav", seconds + 2)
    path = folder / "video.mvs"
    path.write_text(script(seconds, size, **kw))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--out", type=Path, default=None, help="keep the work here")
    parser.add_argument("--parts", default="speed,memory,incremental",
                        help="which measurements, of speed, memory, incremental")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    work = args.out or Path(tempfile.mkdtemp(prefix="mvlang-bench-"))
    width, height = args.size.split("x")
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    print(f"machine: {os.cpu_count()} cores; {args.seconds} s at {args.size}, 24 fps\n")

    results = {}
    if "speed" in parts:
        speed(args, work, ffmpeg, results)
    if "memory" in parts:
        if 2 not in results:
            path = project(work / "full-j2", args.seconds, args.size)
            results[2] = run(mvlang("build", str(path), "--jobs", "2"))
        short = project(work / "short", 30, args.size)
        _, short_peak = run(mvlang("build", str(short), "--jobs", "2"))
        print(f"peak memory: 30 s build {short_peak / 2**20:.0f} MiB, {args.seconds} s build "
              f"{results[2][1] / 2**20:.0f} MiB: {results[2][1] / short_peak:.2f}x")
    if "incremental" in parts:
        incremental_builds(args, work)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


def speed(args, work: Path, ffmpeg: str, results: dict) -> None:
    width, height = args.size.split("x")
    reference, _ = run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size={width}x{height}:rate=24", "-t", str(args.seconds),
                        "-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt",
                        "yuv420p", str(work / "testsrc2.mp4")])
    print(f"ffmpeg testsrc2, libx264 medium crf 20:  {reference:7.2f} s")

    for jobs in (2, 1):
        path = project(work / f"full-j{jobs}", args.seconds, args.size)
        seconds, peak = run(mvlang("build", str(path), "--jobs", str(jobs)))
        results[jobs] = (seconds, peak)
        print(f"mvlang build --jobs {jobs}:                {seconds:7.2f} s  "
              f"({seconds / reference:.2f}x ffmpeg, peak {peak / 2**20:.0f} MiB)")
    print(f"--jobs 1 / --jobs 2: {results[1][0] / results[2][0]:.2f}")


def incremental_builds(args, work: Path) -> None:
    incremental = project(work / "incremental", args.seconds, args.size, scenes=30)
    full, _ = run(mvlang("build", str(incremental)))
    incremental.write_text(script(args.seconds, args.size, scenes=30, changed=17))
    plan = subprocess.run(mvlang("plan", str(incremental)), capture_output=True, text=True,
                          check=True)
    print("plan after changing scene 17:\n  " + plan.stdout.strip().replace("\n", "\n  "))
    again, _ = run(mvlang("build", str(incremental)))
    nothing, _ = run(mvlang("build", str(incremental)))
    print(f"30 scenes: full {full:.2f} s, one prompt changed {again:.2f} s "
          f"({again / full:.1%} of full), nothing changed {nothing:.2f} s")


if __name__ == "__main__":
    main()
