"""What a build shows while it runs.

On a terminal: one live progress bar (tasks done of all, the scenes being
worked on, elapsed time and the time left, weighted by each task's estimated
cost). Elsewhere (a log, CI): one line per finished task, which is also the
build log that says what ran.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from mvlang.execute.base import Event


def images_of(task) -> int:
    """How many pictures a generative task draws (0 for the rest)."""
    if task.kind == "keyframe":
        return 1
    if task.kind == "zoom":
        return int(task.params.get("depth", 0))
    if task.kind == "morph":
        return int(task.params.get("count", 0))
    return 0


class Rate:
    """Pictures drawn per second of the build so far (keyframes, zoom levels)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.images = 0

    def add(self, event: Event) -> None:
        if event.kind == "done":
            self.images += images_of(event.task)

    def text(self) -> str:
        if not self.images:
            return ""
        seconds = max(1e-6, time.perf_counter() - self.started)
        return f"{self.images / seconds:.2f} img/s"


class Nodes:
    """Work per machine, for builds on a Ray cluster: tasks done and their seconds."""

    def __init__(self) -> None:
        self.work: dict[str, list[float]] = {}

    def add(self, event: Event) -> None:
        if event.node and event.kind == "done":
            self.work.setdefault(event.node, []).append(event.seconds)

    def text(self) -> str:
        return ", ".join(f"{node}: {len(s)} tasks, {sum(s):.1f} s"
                         for node, s in sorted(self.work.items()))


class LineLog:
    """One line per finished, failed or skipped task."""

    def __init__(self, total: int, stream: TextIO | None = None, verbose: bool = False):
        self.total, self.count = total, 0
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.rate = Rate()
        self.nodes = Nodes()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.nodes.work:
            print(f"per node: {self.nodes.text()}", file=self.stream, flush=True)

    def __call__(self, event: Event) -> None:
        if event.kind == "start":
            return
        self.count += 1
        self.rate.add(event)
        self.nodes.add(event)
        width = len(str(self.total))
        rate = self.rate.text() if images_of(event.task) else ""
        text = {"done": f"ran {event.task.label} ({event.seconds:.2f} s)"
                        + (f" · {rate}" if rate else "")
                        + (f" on {event.node}" if event.node else ""),
                "failed": f"FAILED {event.task.label}: {event.error}",
                "skipped": f"skipped {event.task.label} (it needs {event.error})"}[event.kind]
        print(f"[{self.count:>{width}}/{self.total}] {text}", file=self.stream, flush=True)
        if event.kind == "failed" and self.verbose and event.detail:
            print(event.detail, file=self.stream, flush=True)


class LiveBar:
    """A rich progress bar; finished tasks are not listed (see the summary)."""

    def __init__(self, tasks, stream: TextIO | None = None, verbose: bool = False,
                 console=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.costs = {t.key: max(t.cost, 0.01) for t in tasks}
        self.total = len(self.costs)
        self.done = 0
        self.running: dict[str, str] = {}
        self.verbose = verbose
        self.console = console or Console(file=stream or sys.stderr)
        self.progress = Progress(
            TextColumn("[bold]{task.fields[count]}"), BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
            TextColumn("left"), TimeRemainingColumn(), TextColumn("{task.description}"),
            console=self.console, transient=False)
        self.bar = self.progress.add_task("starting", total=sum(self.costs.values()),
                                          count=f"0/{self.total}")
        self.started = time.perf_counter()
        self.rate = Rate()
        self.nodes = Nodes()

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)
        if self.nodes.work:
            self.console.print(f"per node: {self.nodes.text()}")

    def __call__(self, event: Event) -> None:
        key = event.task.key
        if event.kind == "start":
            self.running[key] = event.task.label
        else:
            self.running.pop(key, None)
            self.done += 1
            self.rate.add(event)
            self.nodes.add(event)
            self.progress.advance(self.bar, self.costs.get(key, 0.01))
            if event.kind == "failed":
                self.console.print(f"[red]failed[/red] {event.task.label}: {event.error}")
                if self.verbose and event.detail:
                    self.console.print(event.detail, markup=False)
        labels = list(self.running.values())
        text = ", ".join(labels[:3]) + (f" +{len(labels) - 3}" if len(labels) > 3 else "")
        if self.rate.text():
            text = f"[cyan]{self.rate.text()}[/cyan] {text}"
        if len(self.nodes.work) > 1:
            text = " ".join(f"[magenta]{node}[/magenta] {len(s)}"
                            for node, s in sorted(self.nodes.work.items())) + " " + text
        self.progress.update(self.bar, description=text, count=f"{self.done}/{self.total}")


def reporter(tasks, stream: TextIO | None = None, verbose: bool = False):
    stream = stream or sys.stderr
    if stream.isatty():
        return LiveBar(tasks, stream, verbose)
    return LineLog(len(tasks), stream, verbose)
