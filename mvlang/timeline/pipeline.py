"""From a script file to its resolved timeline: check, analyse the audio, resolve.

This is what `mvlang timeline` (and later `mvlang build`) runs. The audio is
a `song` file, analysed by the beat tracker, or `music`, rendered by the
procedural composer whose grid is known exactly; both analyses are cached
under the project's cache folder, keyed by content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from mvlang.audio.analysis import Analysis, AnalysisCache
from mvlang.config import Config, load_config
from mvlang.diagnostics import Diagnostic, Sink
from mvlang.ir import CheckResult, check_file
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.source import Source
from mvlang.timeline.model import Timeline
from mvlang.timeline.resolve import resolve


@dataclass
class Resolved:
    check: CheckResult
    analysis: Analysis | None = None
    timeline: Timeline | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def sources(self) -> dict[str, Source]:
        return self.check.sources

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def resolve_file(path: Path, config: Config | None = None, name: str | None = None,
                 allow_outside: bool = False, cached_only: bool = False, world=None,
                 text: str | None = None, generated_music=None) -> Resolved:
    """Check, analyse, resolve. `cached_only`: the audio's analysis only from the
    cache (no timeline otherwise); `world`/`text`: editor buffers;
    `generated_music(program) -> Path | None`: the file of `music` made by a model,
    whose beats are tracked like a song's (None: the composer's grid)."""
    path = Path(path)
    check = check_file(path, world, name=name, text=text, allow_outside=allow_outside)
    if not check.ok:
        return Resolved(check, diagnostics=check.diagnostics)
    program = check.program
    config = config or load_config(path.parent)
    sink = Sink(check.program.file)
    made = generated_music(program) if generated_music is not None and \
        isinstance(program.audio, M.Music) else None
    analysis = analyse_audio(program, path.parent, config, sink, cached_only, made)
    timeline = resolve(program, analysis.grid, sink) if analysis is not None else None
    return Resolved(check, analysis, timeline, _merge(check.diagnostics, sink.items))


def _merge(first: list[Diagnostic], second: list[Diagnostic]) -> list[Diagnostic]:
    """Both lists, without the second's repeats of the first (the checker and the
    resolver can both see a stretched scene)."""
    seen = {(d.code, d.file, d.span) for d in first}
    return sorted(first + [d for d in second if (d.code, d.file, d.span) not in seen],
                  key=Diagnostic.sort_key)


def analyse_audio(program: M.Program, folder: Path, config: Config, sink: Sink,
                  cached_only: bool = False, generated: Path | None = None) -> Analysis | None:
    """The analysis of the program's audio, or None after a diagnostic (or, with
    `cached_only`, when it is not in the cache). `generated`: the file a model
    made for `music`, tracked by the configured beat tracker."""
    audio = program.audio
    cache = AnalysisCache(config.cache_dir)
    if isinstance(audio, M.Music) and generated is not None:
        from mvlang.audio.analysis import analyse_file

        return analyse_file(generated, meter=audio.meter, tracker=config.tracker,
                            checkpoint=config.checkpoint, cache=cache)
    if isinstance(audio, M.Music):
        try:
            return music_analysis(program, cache, cached_only)
        except LookupError:
            return None
    from mvlang.audio.errors import AudioError
    from mvlang.audio.analysis import analyse_file

    try:
        return analyse_file(folder / audio.path, start=_seconds(audio.start),
                            end=_seconds(audio.end), bpm=audio.bpm, meter=audio.meter,
                            downbeat=_seconds(audio.downbeat), tracker=config.tracker,
                            checkpoint=config.checkpoint, cache=cache, cached_only=cached_only)
    except LookupError:
        return None
    except AudioError as error:
        sink.error(error.code, error.message, audio.span, "the song", hints=[error.hint])
    except (RuntimeError, FileNotFoundError) as error:  # a tracker that cannot run here
        sink.error("E3008", f"the beat tracker `{config.tracker}` cannot run: {error}",
                   audio.span, "analysing this song",
                   hints=[f"set [beats] in {config.file or 'mvlang.toml'}, or remove it to use "
                          "mvlang's own tracker"])
    return None


def _seconds(point: T.Point | None) -> Fraction | None:
    """A clock-only point (`from`, `to`, `downbeat`, as the checker ensures) in seconds."""
    if point is None:
        return None
    total = Fraction(point.base.seconds) if isinstance(point.base, T.Clock) else Fraction(0)
    for offset in point.offsets:
        total += offset.amount
    return total


def music_spec(program: M.Program) -> dict:
    music: M.Music = program.audio
    return {"prompt": music.prompt, "bpm": _text(music.bpm), "key": music.key,
            "length": None if music.length is None else [str(music.length.amount),
                                                         music.length.unit],
            "meter": list(music.meter), "seed": music.seed if music.seed is not None
            else program.video.seed, "take": music.pick}


def music_analysis(program: M.Program, cache: AnalysisCache, cached_only: bool = False
                   ) -> Analysis:
    """Generated music: its grid is known exactly; cached like a tracked song."""
    from mvlang.versions import COMPOSER as VERSION

    spec = music_spec(program)
    key = hashlib.sha256(json.dumps({"music": spec, "composer": VERSION},
                                    sort_keys=True).encode()).hexdigest()
    analysis = cache.get(key)
    if analysis is None and cached_only:
        raise LookupError("the analysis of this music is not cached yet")
    if analysis is None:
        analysis = _analyse_composition(render_music(program))
        cache.put(key, analysis)
    return analysis


def render_music(program: M.Program):
    """The composition for the program's `music`, at the take it picks."""
    return compose_spec(music_spec(program))


def compose_spec(spec: dict):
    """The composition a `music_spec` describes (the build's music task runs this)."""
    from mvlang.audio.compose import compose

    length = spec["length"]
    music = M.Music(spec["prompt"], bpm=None if spec["bpm"] is None else Fraction(spec["bpm"]),
                    key=spec["key"], meter=tuple(spec["meter"]), pick=spec["take"],
                    length=None if length is None else T.Duration(Fraction(length[0]), length[1]))
    return compose(music.prompt, bpm=music.bpm, key=music.key, length=_music_seconds(music),
                   meter=music.meter, seed=spec["seed"], take=music.pick)


def _music_seconds(music: M.Music) -> float | None:
    length = music.length
    if length is None:
        return None
    if length.unit == "s":
        return float(length.amount)
    from mvlang.audio.compose import default_bpm

    bpm = music.bpm if music.bpm is not None else Fraction(default_bpm(music.prompt, music.meter))
    beats = length.amount * (music.meter[0] if length.unit == "bar" else 1)
    return float(beats * 60 / bpm) if length.unit != "f" else float(length.amount / 24)


def _analyse_composition(composition) -> Analysis:
    from mvlang.audio.analysis import measure

    mono = composition.samples.mean(axis=1) if composition.samples.ndim == 2 else composition.samples
    return measure(mono, composition.sample_rate, composition.grid(), float(composition.bpm),
                   f"composer {composition.style}")


def _text(value) -> str | None:
    return None if value is None else str(value)
