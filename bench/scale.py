"""Does the build's cost grow linearly with the script's length?

    python bench/scale.py [--size 640x360] [--scenes 10,100]

Generated scripts of 10 and 100 scenes of 4 seconds each (2 bars at 120 bpm),
with the whole vocabulary spread over them: camera moves, `react`, effects,
crossfades, dips, morphs, whips, runs of zoom outs, `sfx` cues and `sfx
auto`. Each is built from a clean cache with the real command line; the
report is the wall time per scene and per second of video (linear growth:
the same per-scene time for both).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from build_speed import PROMPTS, mvlang, run, song

TRANSITIONS = ["-> crossfade over 1 beat", "-> dip black over 2 beats", "-> morph over 1 bar",
               "-> whip left over 1 beat", "-> zoom out depth 3 over 1 bar",
               "-> zoom out depth 3 over 1 bar", "", "-> flash over 1 beat"]
BODIES = ["  camera zoom 1.0 -> 1.15 ease in_out", "  camera pan right 10%\n  effect grain 0.3",
          "  react zoom 0.04 to beat\n  effect vignette 0.5", "  effect glow 0.4",
          '  sfx "a bell ringing twice" at +1 beat gain -8dB', "  react brightness 0.2 to kick",
          "  effect dream strength 0.5", "  sfx auto gain -10dB"]


def script(scenes: int, size: str) -> str:
    seconds = scenes * 4
    lines = [f"video {{ size {size}; fps 24; seed 5; length {seconds}s }}",
             'song "song.wav" { bpm 120 }', "defaults { length 2 bars }", ""]
    for i in range(scenes):
        lines += [f"scene s{i:03d} {{", f'  prompt "{PROMPTS[i % len(PROMPTS)]}, part {i}"',
                  BODIES[i % len(BODIES)], "}"]
        if i + 1 < scenes and TRANSITIONS[i % len(TRANSITIONS)]:
            lines.append(TRANSITIONS[i % len(TRANSITIONS)])
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--scenes", default="10,100")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mvlang-scale-"))
    print(f"machine: {os.cpu_count()} cores; scenes of 4 s at {args.size}, 24 fps\n")
    results = []
    for count in (int(n) for n in args.scenes.split(",")):
        folder = work / f"s{count}"
        folder.mkdir()
        song(folder / "song.wav", count * 4 + 2)
        path = folder / "video.mvs"
        path.write_text(script(count, args.size))
        seconds, peak = run(mvlang("build", str(path)))
        results.append((count, seconds))
        print(f"{count:4d} scenes ({count * 4:4d} s of video): {seconds:7.2f} s, "
              f"{seconds / count:.3f} s a scene, peak {peak / 2**20:.0f} MiB")
    (small, t_small), (large, t_large) = results[0], results[-1]
    print(f"\n{large} scenes / {small} scenes: {t_large / t_small:.2f}x the time for "
          f"{large / small:.0f}x the length")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
