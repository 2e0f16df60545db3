"""Pass `read_settings`: `video`, the audio (`song` or `music`, with its
marks), `defaults` and `negative` (stage: check)."""

from __future__ import annotations

from fractions import Fraction

from mvlang.diagnostics import Label
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.ir.context import MAX_SEED, Context, Once, first_span, lookup
from mvlang.ir.transitions import lower_transition
from mvlang.ir.values import RESERVED_MARKS
from mvlang.source import Span
from mvlang.syntax import ast as A


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
                  first_span(ctx), "no `song` or `music` in this file",
                  hints=['`song "track.wav"` uses a file; `music "deep house" { bpm 124 }` '
                         "generates one"])
    elif isinstance(audio_node, A.Song):
        ctx.audio = _song(ctx, audio_node)
    else:
        ctx.audio = _music(ctx, audio_node)
    if "defaults" in seen:
        _defaults(ctx, seen["defaults"])


def _video(ctx: Context, node: A.Video) -> M.Video:
    v, once, out = ctx.values, Once(ctx, "`video`"), {}
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


def read_shared(ctx: Context, s: A.Setting, out: dict) -> bool:
    """Options that several blocks share: `bpm`, `meter`, `seed`, `takes`, `pick`.

    Stores the value in `out` (and where `pick` was written, as `pick_span`);
    False when `s` is none of them."""
    v = ctx.values
    if s.key == "bpm":
        out["bpm"] = _bpm(ctx, s.value)
    elif s.key == "meter":
        out["meter"] = _meter(ctx, s.value) or (4, 4)
    elif s.key == "seed":
        out["seed"] = v.whole(s.value, "`seed`", 0, MAX_SEED)
    elif s.key == "takes":
        out["takes"] = v.whole(s.value, "`takes`", 1, 64) or 1
    elif s.key == "pick":
        out["pick"] = v.whole(s.value, "`pick`", 1, 64) or 1
        out["pick_span"] = s.span
    else:
        return False
    return True


def _song(ctx: Context, node: A.Song) -> M.Song:
    once, out = Once(ctx, "`song`"), {}
    for s in node.items:
        if isinstance(s, A.Mark) or not once.first(s.key, s.span) or read_shared(ctx, s, out):
            continue
        if s.key == "downbeat" and not isinstance(s.value, A.Word):
            out["downbeat"] = clock_only(ctx, s.value, "`downbeat`")
        elif s.key in ("from", "to"):
            out["start" if s.key == "from" else "end"] = clock_only(ctx, s.value, f"`{s.key}`")
    check_range(ctx, out.get("start"), out.get("end"), node)
    ctx.files.append(("audio", node.path.value, node.path.span, ctx.name))
    return M.Song(node.path.value, span=node.span, **out)


def clock_only(ctx: Context, time: A.Time, what: str) -> T.Point | None:
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


def check_range(ctx: Context, start: T.Point | None, end: T.Point | None, node) -> None:
    if start is None or end is None:
        return
    frame = T.Frame(4, ctx.video.fps)
    a, b = T.place(start, frame, lambda n: None), T.place(end, frame, lambda n: None)
    if a is not None and b is not None and T.compare(a, b, frame) >= 0:
        ctx.error("E2012", f"`to` ({end}) is not after `from` ({start})", node.span,
                  "empty range", hints=["`to` must come later in the file than `from`"])


def _music(ctx: Context, node: A.Music) -> M.Music:
    once, out = Once(ctx, "`music`"), {}
    for s in node.items:
        if isinstance(s, A.Mark) or not once.first(s.key, s.span) or read_shared(ctx, s, out):
            continue
        if s.key == "key":
            out["key"] = _key(ctx, s.value)
        elif s.key == "length":
            out["length"] = ctx.values.duration(s.value, "the music's `length`")
    check_pick(ctx, out.get("takes", 1), out.get("pick", 1), out.pop("pick_span", None))
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


def check_pick(ctx: Context, takes: int, pick: int, span: Span | None) -> None:
    if span is not None and pick > takes:
        ctx.error("E1011", f"`pick {pick}` is larger than `takes {takes}`", span,
                  f"there {'is' if takes == 1 else 'are'} only {takes} take{'s' if takes != 1 else ''}",
                  hints=[f"raise `takes` to {pick}, or pick 1 to {takes}"])


def _defaults(ctx: Context, node: A.Defaults) -> None:
    once = Once(ctx, "`defaults`")
    for s in node.items:
        key = "style" if isinstance(s, A.StyleUse) else s.key
        if not once.first(key, s.span):
            continue
        if key == "style":
            ctx.default_styles = read_styles(ctx, s)
        elif key == "length":
            ctx.default_length = ctx.values.duration(s.value, "the default `length`")
        elif key == "transition":
            transition = lower_transition(ctx, s.value)
            if transition is not None:
                ctx.default_transition = transition
        elif key == "snap":
            ctx.snap = s.value.word


def read_styles(ctx: Context, use: A.StyleUse) -> tuple[str, ...]:
    names = []
    for ident in use.names:
        definition = lookup(ctx, ident, ("style",), "style")
        if definition is not None:
            if ident.name in names:
                ctx.error("E1009", f"style `{ident.name}` is listed twice", ident.span, "again")
            names.append(ident.name)
    return tuple(names)
