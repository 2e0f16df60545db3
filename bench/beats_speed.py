"""How long `mvlang beats` takes on a 3-minute song, against librosa's default.

    python bench/beats_speed.py [--runs N] [--audio FILE]

In one process, after one warm-up run of each (imports loaded, numba
compiled): mvlang's whole analysis (decode, track, onsets and envelopes,
no cache) against `librosa.load` + `librosa.beat.beat_track` with its
defaults, on the same file. Also the command line in a fresh process
(`mvlang beats --no-cache`), which pays its imports. Without --audio the
song is a 3-minute piece from the procedural composer.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(run, runs: int) -> float:
    run()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--audio", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        audio = args.audio
        if audio is None:
            import soundfile

            from mvlang.audio.compose import compose

            piece = compose("deep house with a warm bassline", bpm=124, length=180.0, seed=1)
            audio = Path(folder) / "song.wav"
            soundfile.write(audio, piece.samples, piece.sample_rate)
        import librosa

        from mvlang.audio.analysis import analyse_file

        ours = timed(lambda: analyse_file(audio), args.runs)

        def baseline():
            y, sr = librosa.load(str(audio), sr=22050)
            librosa.beat.beat_track(y=y, sr=sr)

        theirs = timed(baseline, args.runs)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mvlang", "beats", "--no-cache", str(audio)],
                       check=True, capture_output=True)
        command = time.perf_counter() - start
    print(f"file: {audio.name if args.audio else '3:00 composed deep house, 44.1 kHz stereo wav'}")
    print(f"librosa.load + beat_track (defaults), warm   {theirs:7.2f} s")
    print(f"mvlang analysis (decode, track, features)    {ours:7.2f} s   "
          f"ratio {ours / theirs:.2f} (goal <= 1.5)")
    print(f"`mvlang beats --no-cache` in a new process   {command:7.2f} s   (imports included)")


if __name__ == "__main__":
    main()
