"""How fast `mvlang check` is, against bare Python start-up in the same run.

    python bench/check_speed.py [--runs N] [--scenes N]

Runs the real command line in fresh processes: on a generated script of
2,000 scenes (characters with ages, styles, templates, transitions, sounds)
and on a 10-line script, and `python -c pass` as the reference. Prints the
median wall time of each and the goals' verdicts:

- the large script in under 1 s;
- the small one within 0.3 s of bare Python start-up.

Results go in bench/README.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = '''mvs 1
import "std/looks"
music "deep house" { bpm 124 }
character mia "a girl with blue eyes" { age 6 "pigtails" }
scene meadow {
  prompt "{mia@6} chasing soap bubbles in a sunlit meadow"
  style film
}
-> crossfade over 1 beat
scene dusk { prompt "the meadow at dusk" }
'''

PLACES = ["a meadow", "a neon city", "a frozen lake", "a lighthouse", "a desert road",
          "a rainy street", "a forest clearing", "a train window", "a rooftop", "a harbour"]
LOOKS = ["film", "vhs", "noir", "dreamy", "neon", "watercolor"]
TRANSITIONS = ["crossfade over 1 beat", "dip black", "morph over 1 bar", "zoom out depth 4 over 2 bars",
               "whip left", "flash", "cut"]


def large_script(scenes: int) -> str:
    """A generated script of `scenes` scenes, the shape of a long dream."""
    out = ['mvs 1', 'import "std/looks"', 'import "std/transitions"', "",
           'video {\n  title "A very long dream"\n  size 1280x720\n  fps 24\n  seed 7\n}', "",
           f'music "ambient dream pop, slow build" {{\n  bpm 96\n  length {scenes * 2 + 60}:00\n'
           '  mark drop at bar 33\n}', "",
           'character ana "a woman with a red scarf" {\n  age 8 "braids"\n  age 30 "short hair"\n'
           '  age 70 "white hair"\n}', "",
           "defaults {\n  length 4 beats\n  style dreamy\n  transition soft\n}", ""]
    for i in range(scenes):
        place, look = PLACES[i % len(PLACES)], LOOKS[i % len(LOOKS)]
        age = 8 + (i * 62) // scenes
        out.append(f"# scene {i}")
        out.append(f"scene s{i} {{\n  prompt \"{{ana@{age}}} in {place}, moment {i}\"\n"
                   f"  style {look}\n  camera zoom 1.0 -> 1.1 ease in_out\n"
                   f"  sfx \"wind\" at +1 beat gain -12dB\n}}")
        if i % 3 == 0 and i + 1 < scenes:
            out.append(f"-> {TRANSITIONS[i % len(TRANSITIONS)]}")
    return "\n".join(out) + "\n"


def median_time(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0,):
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scenes", type=int, default=2000)
    args = parser.parse_args()
    mvlang = shutil.which("mvlang")
    launcher = [mvlang] if mvlang else [sys.executable, "-m", "mvlang"]
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "big.mvs", Path(folder) / "small.mvs"
        big.write_text(large_script(args.scenes))
        small.write_text(SMALL)
        lines = big.read_text().count("\n")
        subprocess.run(launcher + ["check", str(small)], capture_output=True)  # warm the caches
        bare = median_time([sys.executable, "-c", "pass"], args.runs)
        t_small = median_time(launcher + ["check", str(small)], args.runs)
        t_big = median_time(launcher + ["check", str(big)], args.runs)
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}, {args.runs} runs each, medians")
    print(f"python -c pass                          {bare * 1000:8.1f} ms")
    print(f"mvlang check, 10-line script            {t_small * 1000:8.1f} ms   "
          f"(+{(t_small - bare) * 1000:.0f} ms over bare Python; goal +300 ms: "
          f"{'met' if t_small - bare < 0.3 else 'MISSED'})")
    print(f"mvlang check, {args.scenes} scenes ({lines} lines)  {t_big * 1000:8.1f} ms   "
          f"(goal 1000 ms: {'met' if t_big < 1 else 'MISSED'}; "
          f"{t_big / bare:.1f}x bare Python)")


if __name__ == "__main__":
    main()
