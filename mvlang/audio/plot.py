"""Pictures of the analysis and of the timeline, for checking timing by eye.

`plot_beats` draws the waveform with every beat, the downbeats and bar
numbers, and the tempo curve; `plot_timeline` draws the shots, transitions
and sounds of a resolved timeline over the waveform. matplotlib is imported
here only (the Agg backend: no screen needed).
"""

from __future__ import annotations

from pathlib import Path

from mvlang.audio.analysis import Analysis


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _waveform(ax, analysis: Analysis, samples=None, sample_rate: int | None = None) -> None:
    """The waveform's envelope (from the samples, else the stored energy curve)."""
    import numpy as np

    if samples is not None and len(samples):
        bins = 4000
        usable = len(samples) // bins * bins or len(samples)
        blocks = np.abs(samples[:usable]).reshape(-1, max(1, usable // bins)).max(axis=1)
        times = np.linspace(0, usable / sample_rate, len(blocks))
    else:
        blocks = np.asarray(analysis.envelopes.get("energy", ()), dtype=float)
        times = np.arange(len(blocks)) / analysis.envelope_rate
    ax.fill_between(times, -blocks, blocks, color="#8aa4c8", linewidth=0)
    ax.set_xlim(0, float(analysis.duration))
    ax.set_yticks([])


def _bars(ax, analysis: Analysis, label: bool = True) -> None:
    grid = analysis.grid
    for t in grid.beats:
        ax.axvline(float(t), color="#555555", linewidth=0.4, alpha=0.6)
    every = max(1, len(grid.downbeats) // 40)  # keep bar numbers readable
    for number, t in enumerate(grid.downbeats):
        bar = grid.bar_beat(grid.position_at(t))[0]
        ax.axvline(float(t), color="#d62728", linewidth=1.0)
        if label and number % every == 0:
            ax.text(float(t), 1.02, str(bar), transform=ax.get_xaxis_transform(),
                    fontsize=7, color="#d62728", ha="center", va="bottom")


def plot_beats(analysis: Analysis, out: Path, samples=None, sample_rate: int | None = None,
               title: str = "") -> None:
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(16, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    _waveform(top, analysis, samples, sample_rate)
    _bars(top, analysis)
    top.set_title(title or f"{len(analysis.grid.beats)} beats, {analysis.tempo:.1f} bpm "
                  f"({analysis.tracker}); red: downbeats with bar numbers", fontsize=9, pad=14)
    beats = [float(b) for b in analysis.grid.beats]
    tempo = [60 / (b - a) for a, b in zip(beats, beats[1:])]
    bottom.plot(beats[1:], tempo, color="#2c7a2c", linewidth=1)
    bottom.set_ylabel("bpm", fontsize=8)
    bottom.set_xlabel("seconds", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_timeline(analysis: Analysis, timeline, out: Path, title: str = "") -> None:
    plt = _pyplot()
    fig, (wave, lanes) = plt.subplots(2, 1, figsize=(16, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 2]})
    _waveform(wave, analysis)
    _bars(wave, analysis)
    wave.set_title(title or "timeline", fontsize=9, pad=14)
    colours = plt.get_cmap("tab20").colors
    for shot in timeline.shots:
        start, end = float(shot.start), float(shot.end)
        lanes.axvspan(start, end, ymin=0.45, ymax=0.95, color=colours[shot.scene.index % 20])
        lanes.text((start + end) / 2, 0.7, shot.name, ha="center", va="center", fontsize=7,
                   rotation=90 if (end - start) < float(timeline.duration) / 25 else 0)
    for cut in timeline.cuts:
        if cut.end > cut.start:
            lanes.axvspan(float(cut.start), float(cut.end), ymin=0.4, ymax=1.0, fill=False,
                          hatch="///", edgecolor="black", linewidth=0.5)
    for cue in timeline.cues:
        lanes.plot(float(cue.start), 0.2, marker="v", color="#444444")
        lanes.text(float(cue.start), 0.05, (cue.cue.prompt or "auto")[:18], fontsize=6,
                   rotation=30, ha="left", va="bottom")
    lanes.set_ylim(0, 1)
    lanes.set_yticks([])
    lanes.set_xlabel("seconds", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
