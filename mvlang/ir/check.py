"""The checker: AST (+ imports, stdlib) -> IR with symbolic times (stage: check).

`check_file` loads the script and its imports through a World, then runs
`PASSES` in order, each `(ctx) -> None`, the way sqlglot's optimizer runs its
rules. Every problem becomes a diagnostic; the result holds the Program only
when there is no error. Nothing here decodes audio or loads a model, so
`mvlang check` is instant.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from mvlang.diagnostics import Diagnostic, Label, Sink, closest
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.ir.modules import Module, load
from mvlang.ir.templates import describe_at, split, value_offsets
from mvlang.ir.values import RESERVED_MARKS, Values
from mvlang.source import Source, Span
from mvlang.syntax import ast as A
from mvlang.world import FileWorld, MemoryWorld, World

DEFAULT_SCENE_LENGTH = T.Duration(Fraction(4), "bar")
MAX_SEED = 2**63 - 1
AUDIO_TYPES = {".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a", ".aac"}
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
VIDEO_TYPES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif"}


@dataclass
class CheckResult:
    program: M.Program | None
    diagnostics: list[Diagnostic]
    sources: dict[str, Source]
    module: Module | None = None

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


@dataclass
class Definition:
    kind: str                 # "style", "character" or "transition"
    node: object              # the AST node
    file: str
    via: A.Import | None = None  # the import that brought it in, if any
    ir: object = None            # the lowered IR, once made


@dataclass
class Context:
    module: Module
    sink: Sink
    world: World
    values: Values
    defs: dict[str, Definition] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    video: M.Video = field(default_factory=M.Video)
    audio: M.Song | M.Music | None = None
    marks: dict[str, M.Mark] = field(default_factory=dict)
    default_length: T.Duration | None = None
    default_styles: tuple[str, ...] = ()
    default_transition: M.Transition = field(default_factory=M.Transition)
    snap: str = "off"
    negative: list[str] = field(default_factory=list)
    scenes: list[M.Scene] = field(default_factory=list)
    transitions: list[M.Transition] = field(default_factory=list)
    cues: list[M.Cue] = field(default_factory=list)
    presets: dict[str, M.Transition] = field(default_factory=dict)
    files: list[tuple[str, str, Span, str]] = field(default_factory=list)  # kind, path, span, file

    @property
    def name(self) -> str:
        return self.module.name

    @property
    def items(self) -> tuple:
        return self.module.parsed.module.items

    def error(self, *args, **kwargs) -> None:
        self.sink.error(*args, **kwargs)

    def warning(self, *args, **kwargs) -> None:
        self.sink.warning(*args, **kwargs)


# ====================================================================== entry points

def check_file(path: str | Path, world: World | None = None, name: str | None = None,
               text: str | None = None) -> CheckResult:
    """Check the script at `path` (its text may be given, as an editor buffer)."""
    world = world or FileWorld()
    name = name or str(path)
    sink = Sink(name)
    loaded = load(Path(path), name, world, sink, text)
    if loaded.main is None or sink.has_errors:
        return CheckResult(None, sink.sorted(), loaded.sources, loaded.main)
    ctx = Context(loaded.main, sink, world, Values(sink, name))
    for check_pass in PASSES:
        check_pass(ctx)
    program = None if sink.has_errors else _program(ctx)
    return CheckResult(program, sink.sorted(), loaded.sources, loaded.main)


def check_text(text: str, name: str = "main.mvs", files: dict[str, str | bytes] | None = None
               ) -> CheckResult:
    """Check a script held in memory, beside in-memory `files` (for tests and tools)."""
    world = MemoryWorld({name: text, **(files or {})})
    return check_file(world.root / name, world, name)


def _program(ctx: Context) -> M.Program:
    return M.Program(
        video=ctx.video, audio=ctx.audio, scenes=tuple(ctx.scenes),
        transitions=tuple(ctx.transitions), cues=tuple(ctx.cues),
        marks=tuple(ctx.marks.values()),
        characters=tuple(_character(d) for d in ctx.defs.values() if d.kind == "character"),
        styles=tuple(_style(d) for d in ctx.defs.values() if d.kind == "style"),
        presets=tuple(sorted(ctx.presets.items())), negative=", ".join(ctx.negative),
        snap=ctx.snap, file=ctx.name)


# ====================================================================== pass 1: names

def collect_definitions(ctx: Context) -> None:
    """Styles, characters and transition presets visible in the main file."""
    _define_local(ctx, ctx.module, ctx.defs, None)
    for item, imported in ctx.module.imports:
        table: dict[str, Definition] = {}
        _define_local(ctx, imported, table, item)
        for name, definition in table.items():
            if name in ctx.defs:
                _clash(ctx, name, ctx.defs[name], definition)
            else:
                ctx.defs[name] = definition


def _define_local(ctx: Context, module: Module, table: dict[str, Definition], via) -> None:
    for item in module.parsed.module.items:
        kind = {A.StyleDef: "style", A.Character: "character",
                A.TransitionDef: "transition"}.get(type(item))
        if kind is None:
            continue
        name = item.name.name
        if kind == "transition" and name in BUILTIN_TRANSITIONS:
            ctx.error("E1017", f"`{name}` cannot name a transition preset", item.name.span,
                      "a built-in transition", file=module.name,
                      hints=[f"`-> {name}` always means the built-in `{name}`: pick another name"])
            continue
        if name in table:
            first = table[name]
            if via is None:  # the imported file's own duplicates are reported in its check
                ctx.error("E1002", f"`{name}` is defined twice", item.name.span,
                          f"{kind} `{name}` defined again here", file=module.name,
                          labels=[Label(first.file, first.node.name.span, "first defined here")])
            continue
        table[name] = Definition(kind, item, module.name, via)


def _clash(ctx: Context, name: str, first: Definition, second: Definition) -> None:
    if first.via is None:
        ctx.error("E1003", f"`{name}` is defined here and also imported from {second.file}",
                  first.node.name.span, "defined here", file=first.file,
                  labels=[Label(ctx.name, second.via.span, "also defined by this import")],
                  hints=["rename one of them: imported names may not be redefined"])
    else:
        ctx.error("E1003", f"`{name}` is defined both in {first.file} and in {second.file}",
                  second.via.span, f"imports `{name}` again", file=ctx.name,
                  labels=[Label(ctx.name, first.via.span, f"`{name}` first imported here")],
                  hints=["import only one of them, or rename one definition"])


# ====================================================================== pass 2: settings

def read_settings(ctx: Context) -> None:
    """`video`, the audio (`song` or `music`, with marks), `defaults`, `negative`."""
    seen: dict[str, A.Video | A.Defaults] = {}
    audio_node = None
    for item in ctx.items:
        if isinstance(item, (A.Video, A.Defaults)):
            word = "video" if isinstance(item, A.Video) else "defaults"
            if word in seen:
                ctx.error("E1002", f"`{word}` is given twice", item.span, "again here",
                          labels=[Label(ctx.name, seen[word].span, "first given here")],
                          hints=[f"merge the two `{word}` blocks into one"])
                continue
            seen[word] = item
        elif isinstance(item, (A.Song, A.Music)):
            if audio_node is not None:
                ctx.error("E2004", "a video has exactly one `song` or `music`", item.span,
                          "a second audio source", labels=[Label(ctx.name, audio_node.span,
                                                                 "the first one")])
                continue
            audio_node = item
        elif isinstance(item, A.Negative):
            ctx.negative.append(item.text.value)
    _collect_marks(ctx, audio_node)
    if "video" in seen:
        ctx.video = _video(ctx, seen["video"])
    if audio_node is None:
        ctx.error("E2003", "the script has no audio: add a `song` or a `music`",
                  _first_span(ctx), "no `song` or `music` in this file",
                  hints=['`song "track.wav"` uses a file; `music "deep house" { bpm 124 }` '
                         "generates one"])
    elif isinstance(audio_node, A.Song):
        ctx.audio = _song(ctx, audio_node)
    else:
        ctx.audio = _music(ctx, audio_node)
    if "defaults" in seen:
        _defaults(ctx, seen["defaults"])


def _first_span(ctx: Context) -> Span:
    items = ctx.items
    return items[0].span if items else Span(0, 0, 1, 1, 1, 1)


class _Once:
    """Reports an option given twice in one block."""

    def __init__(self, ctx: Context, block: str) -> None:
        self.ctx, self.block, self.seen = ctx, block, {}

    def first(self, key: str, span: Span) -> bool:
        if key in self.seen:
            self.ctx.error("E1009", f"`{key}` is set twice in {self.block}", span, "set again here",
                           labels=[Label(self.ctx.name, self.seen[key], "first set here")])
            return False
        self.seen[key] = span
        return True


def _video(ctx: Context, node: A.Video) -> M.Video:
    v, once, out = ctx.values, _Once(ctx, "`video`"), {}
    for s in node.items:
        if not once.first(s.key, s.span):
            continue
        if s.key == "title":
            out["title"] = s.value.value
        elif s.key == "size":
            size = _size(ctx, s.value)
            if size:
                out["width"], out["height"] = size
        elif s.key == "fps":
            fps = v.number(s.value, "`fps`", 1, 120, example="fps 24")
            if fps is not None:
                out["fps"] = fps
        elif s.key == "seed":
            seed = v.whole(s.value, "`seed`", 0, MAX_SEED)
            if seed is not None:
                out["seed"] = seed
        elif s.key == "length" and not isinstance(s.value, A.Word):
            length = v.duration(s.value, "the video's `length`")
            if length is not None:
                out["length"] = length
    return M.Video(**out)


def _size(ctx: Context, size: A.Size) -> tuple[int, int] | None:
    w, h = size.width, size.height
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        ctx.error("E1010", f"size {w}x{h} is out of range", size.span,
                  "between 16x16 and 7680x4320")
        return None
    if w % 2 or h % 2:
        ctx.error("E1010", f"size {w}x{h} has an odd side", size.span, "both sides must be even",
                  hints=[f"video encoders need even sides: try {w + w % 2}x{h + h % 2}"])
        return None
    return w, h


def _collect_marks(ctx: Context, audio) -> None:
    marks = [m for m in (audio.items if audio else ()) if isinstance(m, A.Mark)]
    for mark in marks:
        name = mark.name.name
        if name in RESERVED_MARKS:
            ctx.error("E1017", f"`{name}` cannot name a mark", mark.name.span, "reserved word",
                      hints=["`start`, `end`, `bar` and `beat` already mean something in a time"])
        elif name in ctx.values.marks:
            ctx.error("E1002", f"mark `{name}` is defined twice", mark.name.span, "again here",
                      labels=[Label(ctx.name, ctx.values.marks[name].name.span, "first here")])
        else:
            ctx.values.marks[name] = mark
    for name, mark in list(ctx.values.marks.items()):
        point = ctx.values.time(mark.at, f"mark `{name}`")
        if point is not None:
            ctx.marks[name] = M.Mark(name, point, mark.span)


def _meter(ctx: Context, meter: A.Meter) -> tuple[int, int] | None:
    if not 1 <= meter.beats <= 32 or meter.unit not in (1, 2, 4, 8, 16, 32):
        ctx.error("E2007", f"`{meter.beats}/{meter.unit}` is not a meter mvlang can count",
                  meter.span, "invalid meter",
                  hints=["1 to 32 beats to the bar, of 1, 2, 4, 8, 16 or 32: `4/4`, `3/4`, `6/8`"])
        return None
    return meter.beats, meter.unit


def _bpm(ctx: Context, value) -> Fraction | None:
    if isinstance(value, A.Word):
        return None
    return ctx.values.number(value, "`bpm`", 20, 400, example="bpm 124")


def _song(ctx: Context, node: A.Song) -> M.Song:
    once, out, v = _Once(ctx, "`song`"), {}, ctx.values
    for s in node.items:
        if isinstance(s, A.Mark) or not once.first(s.key, s.span):
            continue
        if s.key == "bpm":
            out["bpm"] = _bpm(ctx, s.value)
        elif s.key == "meter":
            out["meter"] = _meter(ctx, s.value) or (4, 4)
        elif s.key == "downbeat" and not isinstance(s.value, A.Word):
            out["downbeat"] = _clock_only(ctx, s.value, "`downbeat`")
        elif s.key in ("from", "to"):
            out["start" if s.key == "from" else "end"] = _clock_only(ctx, s.value, f"`{s.key}`")
    _check_range(ctx, out.get("start"), out.get("end"), node)
    ctx.files.append(("audio", node.path.value, node.path.span, ctx.name))
    return M.Song(node.path.value, span=node.span, **out)


def _clock_only(ctx: Context, time: A.Time, what: str) -> T.Point | None:
    """`from`, `to`, `downbeat`: times in the audio file, so clock times only."""
    point = ctx.values.time(time, what)
    if point is None:
        return None
    frame = T.Frame(4, ctx.video.fps)
    position = T.place(point, frame, lambda name: None)
    if position is None or position.axis != "s":
        ctx.error("E2011", f"{what} takes a clock time in the file, such as `0:12.5` or `12.5s`",
                  time.span, "not a clock time",
                  hints=["bars and marks are counted from the part of the file in use, "
                         "so they cannot say which part that is"])
        return None
    if position.value < 0:
        ctx.error("E2010", f"{what} is before the start of the file", time.span, "negative time")
        return None
    return point


def _check_range(ctx: Context, start: T.Point | None, end: T.Point | None, node) -> None:
    if start is None or end is None:
        return
    frame = T.Frame(4, ctx.video.fps)
    a, b = T.place(start, frame, lambda n: None), T.place(end, frame, lambda n: None)
    if a is not None and b is not None and T.compare(a, b, frame) >= 0:
        ctx.error("E2012", f"`to` ({end}) is not after `from` ({start})", node.span,
                  "empty range", hints=["`to` must come later in the file than `from`"])


def _music(ctx: Context, node: A.Music) -> M.Music:
    once, out, v = _Once(ctx, "`music`"), {}, ctx.values
    take_span = None
    for s in node.items:
        if isinstance(s, A.Mark) or not once.first(s.key, s.span):
            continue
        if s.key == "bpm":
            out["bpm"] = _bpm(ctx, s.value)
        elif s.key == "meter":
            out["meter"] = _meter(ctx, s.value) or (4, 4)
        elif s.key == "key":
            out["key"] = _key(ctx, s.value)
        elif s.key == "length":
            out["length"] = v.duration(s.value, "the music's `length`")
        elif s.key == "takes":
            out["takes"] = v.whole(s.value, "`takes`", 1, 64) or 1
        elif s.key == "pick":
            out["pick"] = v.whole(s.value, "`pick`", 1, 64) or 1
            take_span = s.span
        elif s.key == "seed":
            out["seed"] = v.whole(s.value, "`seed`", 0, MAX_SEED)
    _check_pick(ctx, out.get("takes", 1), out.get("pick", 1), take_span)
    return M.Music(node.prompt.value, span=node.span,
                   **{k: val for k, val in out.items() if val is not None})


KEYS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}


def _key(ctx: Context, text: A.Str) -> str | None:
    """`"A minor"`, `"F# major"`, `"Bb"`, `"C#m"` -> canonical `A minor`."""
    words = text.value.strip().replace("♯", "#").replace("♭", "b").split()
    if words:
        root, mode = words[0], " ".join(words[1:]).lower()
        if len(root) >= 2 and root[-1] == "m" and not mode and root[:-1]:
            root, mode = root[:-1], "minor"
        mode = {"": "major", "maj": "major", "major": "major", "min": "minor", "minor": "minor",
                "m": "minor"}.get(mode)
        if mode and root[0].lower() in KEYS and root[1:] in ("", "#", "b"):
            return f"{root[0].upper()}{root[1:]} {mode}"
    ctx.error("E2014", f"`{text.value}` is not a key", text.span, "not a key",
              hints=['write a note and a mode: "A minor", "F# major", "Bb minor"'])
    return None


def _check_pick(ctx: Context, takes: int, pick: int, span: Span | None) -> None:
    if span is not None and pick > takes:
        ctx.error("E1011", f"`pick {pick}` is larger than `takes {takes}`", span,
                  f"there {'is' if takes == 1 else 'are'} only {takes} take{'s' if takes != 1 else ''}",
                  hints=[f"raise `takes` to {pick}, or pick 1 to {takes}"])


def _defaults(ctx: Context, node: A.Defaults) -> None:
    once = _Once(ctx, "`defaults`")
    for s in node.items:
        key = "style" if isinstance(s, A.StyleUse) else s.key
        if not once.first(key, s.span):
            continue
        if key == "style":
            ctx.default_styles = _styles(ctx, s)
        elif key == "length":
            ctx.default_length = ctx.values.duration(s.value, "the default `length`")
        elif key == "transition":
            transition = _transition(ctx, s.value)
            if transition is not None:
                ctx.default_transition = transition
        elif key == "snap":
            ctx.snap = s.value.word


def _styles(ctx: Context, use: A.StyleUse) -> tuple[str, ...]:
    names = []
    for ident in use.names:
        definition = _lookup(ctx, ident, ("style",), "style")
        if definition is not None:
            if ident.name in names:
                ctx.error("E1009", f"style `{ident.name}` is listed twice", ident.span, "again")
            names.append(ident.name)
    return tuple(names)


def _lookup(ctx: Context, ident: A.Ident, kinds: tuple[str, ...], what: str,
            extra: tuple[str, ...] = ()) -> Definition | None:
    """Resolve a name to a definition of one of `kinds`, or report why not."""
    definition = ctx.defs.get(ident.name)
    if definition is None:
        candidates = [n for n, d in ctx.defs.items() if d.kind in kinds] + list(extra)
        ctx.error("E1001", f"unknown {what} `{ident.name}`", ident.span, f"no such {what}",
                  suggestion=closest(ident.name, candidates),
                  hints=[_define_hint(what, ident.name)])
        return None
    if definition.kind not in kinds:
        ctx.error("E1005", f"`{ident.name}` is a {definition.kind}, not a {what}", ident.span,
                  f"a {definition.kind}", labels=[Label(definition.file, definition.node.name.span,
                                                         f"the {definition.kind} is defined here")])
        return None
    ctx.used.add(ident.name)
    return definition


def _define_hint(what: str, name: str) -> str:
    return {"style": f'define it: `style {name} "..."`, or `import "std/looks"`',
            "character": f'define it: `character {name} "who they are"`',
            "transition": f"define it: `transition {name} = crossfade over 1 beat`, "
                          'or `import "std/transitions"`'}.get(what, "")


# ====================================================================== transitions

BUILTIN_TRANSITIONS = ("cut", "crossfade", "dip", "whip", "flash", "morph", "zoom")
# How long a transition written without `over` lasts (a cut takes no time).
DEFAULT_OVER = {"crossfade": T.Duration(Fraction(1), "beat"), "dip": T.Duration(Fraction(1), "beat"),
                "whip": T.Duration(Fraction(1), "beat"), "flash": T.Duration(Fraction(1), "beat"),
                "morph": T.Duration(Fraction(1), "bar"), "zoom": T.Duration(Fraction(2), "bar")}


def _transition(ctx: Context, spec: A.TransSpec) -> M.Transition | None:
    if spec.kind == "preset":
        definition = _lookup(ctx, spec.preset, ("transition",), "transition", BUILTIN_TRANSITIONS)
        if definition is None:
            return None
        base = _preset(ctx, spec.preset.name, definition)
        if base is None:
            return None
        over = _over(ctx, spec, base.kind) if spec.over is not None else base.over
        return M.Transition(base.kind, base.arg, base.depth, over, spec.preset.name, spec.span)
    depth = None
    if spec.kind == "zoom":
        depth = 3 if spec.depth is None else ctx.values.whole(spec.depth, "the zoom's `depth`", 1, 16)
    over = _over(ctx, spec, spec.kind) if spec.over is not None else DEFAULT_OVER.get(spec.kind)
    return M.Transition(spec.kind, spec.arg, depth, over, None, spec.span)


def _over(ctx: Context, spec: A.TransSpec, kind: str) -> T.Duration | None:
    if spec.over is None:
        return None
    if kind == "cut":
        ctx.error("E1016", "a `cut` takes no time: it has no `over`", spec.over.span,
                  "not for a cut", hints=["remove `over ...`, or use `crossfade` or `dip black`"])
        return None
    return ctx.values.duration(spec.over, "a transition's `over`")


def _preset(ctx: Context, name: str, definition: Definition) -> M.Transition | None:
    if name not in ctx.presets:
        values, ctx.values = ctx.values, Values(ctx.sink, definition.file, ctx.values.marks)
        try:
            spec = definition.node.spec
            if spec.kind == "preset":
                ctx.error("E1016", "a transition preset cannot name another preset",
                          spec.preset.span, "a preset", file=definition.file,
                          hints=["write the transition itself: `crossfade over 1 beat`"])
                return None
            transition = _transition(ctx, spec)
        finally:
            ctx.values = values
        if transition is None:
            return None
        ctx.presets[name] = transition
    return ctx.presets[name]


# ====================================================================== pass 3: scenes

def read_scenes(ctx: Context) -> None:
    """Scenes in order, the transitions between them, and top-level sounds."""
    pending: A.Transition | None = None
    names: dict[str, A.Scene] = {}
    for item in ctx.items:
        if isinstance(item, A.Transition):
            if pending is not None:
                ctx.error("E1013", "two transitions in a row", item.span, "a second transition",
                          labels=[Label(ctx.name, pending.span, "the first")],
                          hints=["one transition stands between two scenes"])
            elif not ctx.scenes and not names:
                ctx.error("E1013", "a transition before the first scene", item.span,
                          "no scene before it", hints=["a transition stands between two scenes"])
            else:
                pending = item
                continue
        elif isinstance(item, A.Scene):
            if item.name.name in names:
                ctx.error("E1002", f"scene `{item.name.name}` is defined twice", item.name.span,
                          "again here", labels=[Label(ctx.name, names[item.name.name].name.span,
                                                      "first defined here")],
                          hints=["scene names are unique: they key the scene's seed and cache"])
            names[item.name.name] = item
            if len(names) > 1:
                chosen = _transition(ctx, pending.spec) if pending else ctx.default_transition
                ctx.transitions.append(chosen or M.Transition())
            pending = None
            scene = _scene(ctx, item, len(ctx.scenes))
            ctx.scenes.append(scene)
        elif isinstance(item, A.Sfx):
            cue = _cue(ctx, item, None)
            if cue is not None:
                ctx.cues.append(cue)
    if pending is not None:
        ctx.error("E1013", "a transition after the last scene", pending.span, "no scene after it",
                  hints=["a transition stands between two scenes; to end on black, add a "
                         "last scene or use `dip black` before it"])


def _scene(ctx: Context, node: A.Scene, index: int) -> M.Scene:
    v, once = ctx.values, _Once(ctx, f"scene `{node.name.name}`")
    out: dict = {"camera": [], "reactions": [], "effects": [], "sounds": [], "cast": {}}
    prompt: A.Str | None = None
    negative = []
    take_span = None
    for item in node.items:
        if isinstance(item, A.Setting):
            if not once.first(item.key, item.span):
                continue
            if item.key == "prompt":
                prompt = item.value
            elif item.key == "negative":
                negative.append(item.value.value)
            elif item.key == "seed":
                out["seed"] = v.whole(item.value, "`seed`", 0, MAX_SEED)
            elif item.key == "takes":
                out["takes"] = v.whole(item.value, "`takes`", 1, 64) or 1
            elif item.key == "pick":
                out["pick"] = v.whole(item.value, "`pick`", 1, 64) or 1
                take_span = item.span
            elif item.key == "image":
                out["image"] = item.value.value
                ctx.files.append(("image", item.value.value, item.value.span, ctx.name))
            elif item.key == "motion":
                out["motion"] = item.value.value
        elif isinstance(item, A.Negative):
            if once.first("negative", item.span):
                negative.append(item.text.value)
        elif isinstance(item, A.StyleUse):
            if once.first("style", item.span):
                out["styles"] = _styles(ctx, item)
        elif isinstance(item, A.Cast):
            _cast(ctx, item, out["cast"])
        elif isinstance(item, A.Footage):
            if once.first("footage", item.span):
                out["footage"] = _footage(ctx, item)
        elif isinstance(item, A.Camera):
            move = _camera(ctx, item)
            if move:
                out["camera"].append(move)
        elif isinstance(item, A.React):
            reaction = _react(ctx, item)
            if reaction:
                out["reactions"].append(reaction)
        elif isinstance(item, A.Effect):
            if once.first(f"effect {item.kind}", item.span):
                effect = _effect(ctx, item)
                if effect:
                    out["effects"].append(effect)
        elif isinstance(item, A.Sfx):
            cue = _cue(ctx, item, node.name.name)
            if cue:
                out["sounds"].append(cue)
    if "image" in out and "footage" in out:
        ctx.error("E1008", f"scene `{node.name.name}` has both an `image` and `footage`",
                  node.name.span, "two pictures", hints=["keep one of them"])
    if prompt is None and "image" not in out and "footage" not in out:
        ctx.error("E1007", f"scene `{node.name.name}` shows nothing", node.name.span,
                  "no prompt, image or footage",
                  hints=['add `prompt "what the scene shows"`, `image "file"` or `footage "file"`'])
    _check_pick(ctx, out.get("takes", 1), out.get("pick", 1), take_span)
    styles = out.pop("styles", None)
    styles = ctx.default_styles if styles is None else styles
    cast = out.pop("cast")
    template = prompt.value if prompt else ""
    text = _expand(ctx, prompt, cast) if prompt else ""
    final = ", ".join(p for p in [text] + [_style_text(ctx, s) for s in styles] if p)
    length, length_from = _scene_length(ctx, node)
    header = {"at": v.time(node.at, "a scene's `at`") if node.at else None,
              "until": v.time(node.until, "a scene's `until`") if node.until else None}
    return M.Scene(
        name=node.name.name, index=index, prompt=final, template=template,
        negative=", ".join(negative), styles=styles,
        cast=tuple(sorted(cast.items(), key=lambda kv: kv[0])),
        length=length, length_from=length_from, span=node.span,
        camera=tuple(out.pop("camera")), reactions=tuple(out.pop("reactions")),
        effects=tuple(out.pop("effects")), sounds=tuple(out.pop("sounds")),
        **header, **{k: val for k, val in out.items() if val is not None})


def _scene_length(ctx: Context, node: A.Scene) -> tuple[T.Duration | None, str]:
    if node.length is not None:
        return ctx.values.duration(node.length, "a scene's `length`"), "scene"
    if node.until is not None:
        return None, "scene"
    if ctx.default_length is not None:
        return ctx.default_length, "defaults"
    return DEFAULT_SCENE_LENGTH, "default"


def _style_text(ctx: Context, name: str) -> str:
    definition = ctx.defs.get(name)
    return definition.node.text.value if definition else ""


def _cast(ctx: Context, node: A.Cast, cast: dict) -> None:
    for member in node.members:
        if _lookup(ctx, member.name, ("character",), "character") is None:
            continue
        if member.name.name in cast:
            ctx.error("E1009", f"`{member.name.name}` is cast twice in this scene",
                      member.name.span, "cast again")
            continue
        age = None
        if member.age is not None:
            age = ctx.values.number(member.age, "an age", 0, 150)
        cast[member.name.name] = age


def _expand(ctx: Context, prompt: A.Str, cast: dict) -> str:
    """The prompt with `{name}`, `{name@age}` and `{style}` filled in."""
    source = ctx.module.parsed.source
    offsets = value_offsets(source.text[prompt.span.start:prompt.span.end])
    out = []
    for piece in split(prompt.value):
        ref = piece.ref
        if ref is None:
            out.append(piece.text)
            continue
        span = source.span(prompt.span.start + offsets[min(ref.start, len(offsets) - 1)],
                           prompt.span.start + offsets[min(ref.end, len(offsets) - 1)])
        out.append(_fill(ctx, ref, span, cast))
    return "".join(out)


def _fill(ctx: Context, ref, span: Span, cast: dict) -> str:
    if ref.name is None:
        ctx.error("E0008", "a `{` in a prompt starts a reference like `{mia}` or `{mia@16}`",
                  span, "not a reference",
                  hints=["write `{{` for a literal brace"])
        return ""
    ident = A.Ident(ref.name, span)
    definition = _lookup(ctx, ident, ("character", "style"), "character or style")
    if definition is None:
        return ""
    if definition.kind == "style":
        if ref.age is not None:
            ctx.error("E1005", f"`{ref.name}` is a style: it has no age", span, "a style",
                      labels=[Label(definition.file, definition.node.name.span, "defined here")],
                      hints=[f"write `{{{ref.name}}}`"])
        return definition.node.text.value
    character = _character(definition)
    age = ref.age if ref.age is not None else cast.get(ref.name)
    if ref.age is not None and not 0 <= ref.age <= 150:
        ctx.error("E1010", "an age must be between 0 and 150", span, "out of range")
    if age is None and character.ages:
        ctx.error("E1004", f"which age of `{ref.name}`? The scene casts no age for them", span,
                  "needs an age", labels=[Label(definition.file, definition.node.name.span,
                                                f"`{ref.name}` is described at ages "
                                                + ", ".join(_age(a) for a, _ in character.ages))],
                  hints=[f"write `{{{ref.name}@16}}`, or add `cast {ref.name} age 16` to the scene"])
    if ref.name not in cast or (ref.age is not None and cast[ref.name] is None):
        cast[ref.name] = age
    return describe_at(character, age)


def _age(age: Fraction) -> str:
    return str(age.numerator) if age.denominator == 1 else format(float(age), "g")


def _character(definition: Definition) -> M.Character:
    """The IR of a character definition (made once: prompts ask for it often)."""
    if definition.ir is None:
        definition.ir = _lower_character(definition)
    return definition.ir


def _lower_character(definition: Definition) -> M.Character:
    node: A.Character = definition.node
    ages, seed, ref = [], None, None
    for item in node.items:
        if isinstance(item, A.Age):
            ages.append((Fraction(item.age.value), item.text.value))
        elif item.key == "seed":
            seed = int(item.value.value) if item.value.value == int(item.value.value) else None
        elif item.key == "ref":
            ref = item.value.value
    return M.Character(node.name.name, node.description.value, tuple(sorted(ages)), seed, ref,
                       definition.file, node.span)


def _style(definition: Definition) -> M.Style:
    return M.Style(definition.node.name.name, definition.node.text.value, definition.file,
                   definition.node.span)


def check_characters(ctx: Context) -> None:
    """Ages, seeds and reference images of the characters defined in this file."""
    for definition in ctx.defs.values():
        if definition.kind != "character" or definition.via is not None:
            continue
        seen: dict[Fraction, Span] = {}
        once = _Once(ctx, f"character `{definition.node.name.name}`")
        for item in definition.node.items:
            if isinstance(item, A.Age):
                age = ctx.values.number(item.age, "an age", 0, 150)
                if age in seen:
                    ctx.error("E1009", f"age {_age(age)} is described twice", item.age.span,
                              "again", labels=[Label(ctx.name, seen[age], "first here")])
                elif age is not None:
                    seen[age] = item.age.span
            elif not once.first(item.key, item.span):
                continue
            elif item.key == "seed":
                ctx.values.whole(item.value, "a character's `seed`", 0, MAX_SEED)
            elif item.key == "ref":
                ctx.files.append(("image", item.value.value, item.value.span, ctx.name))


def _footage(ctx: Context, node: A.Footage) -> M.Footage:
    ctx.files.append(("video", node.path.value, node.path.span, ctx.name))
    start = _clock_only(ctx, node.start, "`from`") if node.start else None
    end = _clock_only(ctx, node.end, "`to`") if node.end else None
    _check_range(ctx, start, end, node)
    return M.Footage(node.path.value, start, end)


EASES = {"linear", "in", "out", "in_out"}


def _camera(ctx: Context, node: A.Camera) -> M.CameraMove | None:
    v = ctx.values
    ease = node.ease or "linear"
    if node.move == "zoom":
        values = [v.number(q, "a zoom", Fraction(1, 100), 100, example="camera zoom 1.0 -> 1.2")
                  for q in node.values]
    elif node.move == "rotate":
        values = [v.number(q, "a rotation", -3600, 3600, units=("deg",),
                           example="camera rotate 0deg -> 8deg") for q in node.values]
    elif node.move == "pan":
        values = [v.number(q, "a pan", 0, 10, units=("%",), example="camera pan left 10%")
                  for q in node.values]
        values = [Fraction(0)] + values
    else:
        values = [v.number(q, "a shake", 0, 1, example="camera shake 0.2") for q in node.values]
    if any(x is None for x in values):
        return None
    start, end = values[0], values[-1]
    return M.CameraMove(node.move, start, end, node.direction, ease)


def _react(ctx: Context, node: A.React) -> M.Reaction | None:
    units = (None, "deg") if node.param == "hue" else (None,)
    amount = ctx.values.number(node.amount, f"`react {node.param}`", -10, 10, units=units,
                               example=f"react {node.param} 0.1 to {node.signal}")
    smooth = None
    if node.smooth is not None:
        smooth = ctx.values.duration(node.smooth, "`smooth`")
    return None if amount is None else M.Reaction(node.param, amount, node.signal, smooth)


def _effect(ctx: Context, node: A.Effect) -> M.Effect | None:
    v = ctx.values
    if node.kind != "dream":
        amount = v.number(node.amount, f"`effect {node.kind}`", 0, 1,
                          example=f"effect {node.kind} 0.3")
        return None if amount is None else M.Effect(node.kind, amount)
    once, out = _Once(ctx, "`effect dream`"), {"amount": Fraction(1, 2), "octaves": 4}
    for s in node.options:
        if not once.first(s.key, s.span):
            continue
        if s.key == "strength":
            out["amount"] = v.number(s.value, "the dream's `strength`", 0, 1)
        elif s.key == "octaves":
            out["octaves"] = v.whole(s.value, "the dream's `octaves`", 1, 8)
        else:
            out["layer"] = s.value.value
    if out["amount"] is None or out["octaves"] is None:
        return None
    return M.Effect("dream", **out)


def _cue(ctx: Context, node: A.Sfx, scene: str | None) -> M.Cue | None:
    v, once = ctx.values, _Once(ctx, "`sfx`")
    out: dict = {}
    for s in node.options:
        if not once.first(s.key, s.span):
            continue
        if node.prompt is None and s.key != "gain":
            ctx.error("E1016", f"`sfx auto` takes no `{s.key}`", s.span, "not for `sfx auto`",
                      hints=["`sfx auto` follows the whole scene; only `gain` can be set"])
            continue
        if s.key == "at":
            out["at"] = v.time(s.value, "a sound's `at`", relative=scene is not None)
        elif s.key == "length":
            out["length"] = v.duration(s.value, "a sound's `length`")
        else:
            out["gain_db"] = v.number(s.value, "`gain`", -60, 24, units=("dB",),
                                      example="gain -6dB")
    if scene is None and node.prompt is None:
        ctx.error("E1016", "`sfx auto` belongs inside a scene", node.span, "outside any scene",
                  hints=["it makes a sound from the scene's own pictures"])
        return None
    if scene is None and "at" not in out:
        ctx.error("E1014", "a sound outside a scene needs `at TIME`", node.span, "when?",
                  hints=['for example `sfx "thunder" at bar 9`'])
        return None
    if any(val is None for val in out.values()):
        return None
    at = out.pop("at", None) or T.Point(T.Named("scene"), ())
    return M.Cue(node.prompt.value if node.prompt else None, at, scene=scene, span=node.span,
                 **out)


# ====================================================================== pass 4: time

def check_times(ctx: Context) -> None:
    """Anchors that can be compared without the audio: order, overlap, past the end."""
    frame = _frame(ctx)
    if frame is None:
        return
    placer = _MarkPlacer(ctx, frame)
    previous: tuple[M.Scene, T.Position | None, T.Position | None] | None = None
    last_anchor: tuple[M.Scene, T.Position] | None = None
    for scene in ctx.scenes:
        start = T.place(scene.at, frame, placer) if scene.at else (previous[2] if previous else
                                                                   T.Position("s", Fraction(0)))
        if scene.at is not None and start is not None:
            if last_anchor and _before(ctx, scene, start, last_anchor, frame):
                start = None
            else:
                _meet_previous(ctx, scene, start, previous, frame)
                last_anchor = (scene, start)
        end = _scene_end(ctx, scene, start, frame, placer)
        _check_in_audio(ctx, scene, start, frame)
        previous = (scene, start, end)
    for cue in ctx.cues:
        position = T.place(cue.at, frame, placer)
        if position is not None and T.compare(position, T.Position("s", Fraction(0)), frame) == -1:
            ctx.error("E2010", "this sound starts before the audio", cue.span, "negative time")


def _frame(ctx: Context) -> T.Frame | None:
    audio = ctx.audio
    if audio is None:
        return None
    seconds_per_beat = end = None
    if isinstance(audio, M.Music) and audio.bpm is not None:
        seconds_per_beat = Fraction(60) / audio.bpm
    frame = T.Frame(audio.meter[0], ctx.video.fps, seconds_per_beat)
    if isinstance(audio, M.Music) and audio.length is not None:
        end = T.place(T.Point(T.Named("start"), (audio.length,)), frame, lambda n: None)
        if end is not None and end.axis == "s":
            frame = T.Frame(frame.beats_per_bar, frame.fps, seconds_per_beat, end.value)
    return frame


class _MarkPlacer:
    """Places marks (which may refer to other marks), reporting cycles once."""

    def __init__(self, ctx: Context, frame: T.Frame) -> None:
        self.ctx, self.frame, self.done, self.busy = ctx, frame, {}, set()

    def __call__(self, name: str) -> T.Position | None:
        if name in self.done:
            return self.done[name]
        mark = self.ctx.marks.get(name)
        if mark is None:
            return None
        if name in self.busy:
            self.ctx.error("E2009", f"mark `{name}` is defined in terms of itself", mark.span,
                           "a cycle of marks")
            self.done[name] = None
            return None
        self.busy.add(name)
        position = T.place(mark.at, self.frame, self)
        self.busy.discard(name)
        self.done[name] = position
        return position


def _before(ctx, scene, start, last_anchor, frame) -> bool:
    earlier, position = last_anchor
    order = T.compare(start, position, frame)
    if order is not None and order <= 0:
        code = "E2001" if order < 0 else "E2002"
        message = (f"scene `{scene.name}` is anchored at {T.describe(start, frame)}, before "
                   f"scene `{earlier.name}` which starts at {T.describe(position, frame)}"
                   if order < 0 else
                   f"scenes `{earlier.name}` and `{scene.name}` both start at "
                   f"{T.describe(start, frame)}, which leaves `{earlier.name}` no time")
        ctx.error(code, message, scene.at and _at_span(ctx, scene), "anchored here",
                  labels=[Label(ctx.name, _at_span(ctx, earlier), "the earlier anchor")],
                  hints=["scenes play in the order they are written: anchors must move forward"])
        return True
    return False


def _scene_node(ctx: Context, scene: M.Scene) -> A.Scene:
    return next(i for i in ctx.items if isinstance(i, A.Scene) and i.span == scene.span)


def _at_span(ctx: Context, scene: M.Scene) -> Span:
    node = _scene_node(ctx, scene)
    return node.at.span if node.at is not None else node.name.span


def _length_span(ctx: Context, scene: M.Scene) -> Span:
    node = _scene_node(ctx, scene)
    written = node.length if node.length is not None else node.until
    return written.span if written is not None else node.name.span


def _meet_previous(ctx, scene, start, previous, frame) -> None:
    if previous is None:
        return
    before, before_start, before_end = previous
    if before_start is not None:
        order = T.compare(start, before_start, frame)
        if order is not None and order <= 0:
            ctx.error("E2002", f"scene `{scene.name}` starts at {T.describe(start, frame)}, "
                      f"which leaves scene `{before.name}` no time", _at_span(ctx, scene),
                      "anchored here", labels=[Label(ctx.name, before.span,
                                                     f"`{before.name}` starts at "
                                                     f"{T.describe(before_start, frame)}")])
            return
    if before_end is None or before.length_from != "scene":
        return
    order = T.compare(start, before_end, frame)
    if order:
        verb, code = ("stretches", "W0001") if order > 0 else ("shortens", "W0002")
        ctx.warning(code, f"scene `{scene.name}` at {T.describe(start, frame)} {verb} scene "
                    f"`{before.name}`, which would end at {T.describe(before_end, frame)}",
                    _at_span(ctx, scene), "anchored here",
                    labels=[Label(ctx.name, _length_span(ctx, before), "its length is written here")],
                    hints=[f"remove `length` from `{before.name}` to let it run until "
                           f"`{scene.name}`, or move the anchor"])


def _scene_end(ctx, scene, start, frame, placer) -> T.Position | None:
    if scene.until is not None:
        until = T.place(scene.until, frame, placer)
        if until is not None and start is not None:
            order = T.compare(until, start, frame)
            if order is not None and order <= 0:
                ctx.error("E2005", f"scene `{scene.name}` ends ({T.describe(until, frame)}) "
                          f"before it starts ({T.describe(start, frame)})", scene.span,
                          "`until` is not after the start")
                return None
        return until
    if start is None or scene.length is None:
        return None
    return T.add(start, scene.length, frame)


def _check_in_audio(ctx, scene, start, frame) -> None:
    if start is None:
        return
    zero = T.Position("s", Fraction(0))
    if T.compare(start, zero, frame) == -1:
        ctx.error("E2010", f"scene `{scene.name}` starts before the audio does",
                  _at_span(ctx, scene), f"at {T.describe(start, frame)}")
    elif frame.end_seconds is not None:
        end = T.Position("s", frame.end_seconds)
        if T.compare(start, end, frame) in (0, 1):
            ctx.error("E2006", f"scene `{scene.name}` starts at {T.describe(start, frame)}, "
                      f"after the music ends ({T.clock_text(frame.end_seconds)})",
                      _at_span(ctx, scene), "past the end",
                      hints=["lengthen the music's `length`, or remove scenes"])


# ====================================================================== pass 5: files

def check_files(ctx: Context) -> None:
    """Files the script names exist (they are not opened: `check` stays instant)."""
    base = ctx.module.path.parent
    for kind, path, span, file in ctx.files:
        target = Path(os.path.normpath(base / path))
        found = ctx.world.kind(target)
        noun = {"audio": "audio file", "image": "image", "video": "video file"}[kind]
        if found is None:
            folder = ctx.world.listdir(target.parent)
            guess = closest(target.name, folder)
            ctx.error("E3001", f"{noun} `{path}` not found", span, "no such file", file=file,
                      suggestion=str(Path(path).parent / guess) if guess and "/" in path
                      else guess,
                      hints=["paths are relative to the script's folder"])
        elif found == "dir":
            ctx.error("E3002", f"`{path}` is a folder, not an {noun}", span, "a folder", file=file)
        elif Path(path).suffix.lower() not in {"audio": AUDIO_TYPES, "image": IMAGE_TYPES,
                                                "video": VIDEO_TYPES}[kind]:
            ctx.warning("W0005", f"`{path}` does not look like an {noun}", span,
                        "unexpected file type", file=file,
                        hints=["mvlang reads " + ", ".join(sorted({"audio": AUDIO_TYPES,
                               "image": IMAGE_TYPES, "video": VIDEO_TYPES}[kind]))])


# ====================================================================== pass 6: unused

def warn_unused(ctx: Context) -> None:
    """Definitions of this file never used, and imports that bring nothing used.

    Only for a script without errors: an error (a clash, a misspelt name) makes
    names look unused that are not."""
    if ctx.sink.has_errors:
        return
    for name, definition in ctx.defs.items():
        if definition.via is None and name not in ctx.used:
            ctx.warning("W0003", f"{definition.kind} `{name}` is never used",
                        definition.node.name.span, "defined here",
                        hints=[f"remove it, or use it in a scene"])
    for item, module in ctx.module.imports:
        provided = [n for n, d in ctx.defs.items() if d.via is item]
        if provided and not any(n in ctx.used for n in provided):
            ctx.warning("W0004", f"nothing from `{item.path.value}` is used", item.span,
                        "unused import", hints=["remove the import"])


PASSES = (collect_definitions, read_settings, check_characters, read_scenes, check_times,
          check_files, warn_unused)
