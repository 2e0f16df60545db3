"""Lowering lark's parse tree into the AST (stage: parse).

The only module that sees `lark.Tree`: every rule of grammar/mvs.lark has a
method here that returns an AST node, so no tree leaves `mvlang/syntax/`.
String escapes are decoded here, and a bad escape is reported to the sink.
"""

from __future__ import annotations

from decimal import Decimal

from lark import Token, Transformer, v_args

from mvlang.diagnostics import Sink
from mvlang.source import NO_SPAN, Span
from mvlang.syntax import ast as A

UNITS = {"s": "s", "ms": "ms", "f": "f", "b": "beat", "beat": "beat", "beats": "beat",
         "bar": "bar", "bars": "bar", "db": "dB", "%": "%", "deg": "deg"}
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def token_span(token: Token) -> Span:
    return Span(token.start_pos, token.end_pos, token.line, token.column,
                token.end_line, token.end_column)


def meta_span(meta) -> Span:
    if getattr(meta, "empty", True):
        return NO_SPAN
    return Span(meta.start_pos, meta.end_pos, meta.line, meta.column, meta.end_line,
                meta.end_column)


def clock_seconds(text: str) -> Decimal:
    """`1:23.5` -> 83.5; `1:02:03` -> 3723."""
    *whole, last = text.split(":")
    total = 0
    for part in whole:
        total = total * 60 + int(part)
    return total * 60 + Decimal(last)


def decode_string(raw: str, span: Span, sink: Sink) -> tuple[str, bool]:
    """The value of a string token and whether it was written `\"\"\"long\"\"\"`."""
    long = raw.startswith('"""') and len(raw) >= 6
    body = raw[3:-3] if long else raw[1:-1]
    if "\\" not in body:
        return body, long
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            escaped = body[i + 1]
            if escaped in ESCAPES:
                out.append(ESCAPES[escaped])
            else:
                where = span.start + (3 if long else 1) + i
                sink.error("E0006", f"unknown escape `\\{escaped}` in a string",
                           Span(where, where + 2, span.line, span.col, span.line, span.col),
                           "not an escape",
                           hints=['the escapes are \\" \\\\ \\n and \\t; write \\\\ for a backslash'])
                out.append(escaped)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out), long


def _items(children) -> tuple:
    """The statements of a block: the children that are not `{`/`}` tokens."""
    return tuple(c for c in children if not isinstance(c, Token))


def _setting(key):
    """A rule `"key" value` (a leading `+` sign, as in `gain +3dB`, is dropped)."""
    def rule(self, meta, children):
        return A.Setting(key, children[-1], meta_span(meta))
    return rule


@v_args(meta=True)
class Lower(Transformer):
    """Tree -> AST. Fixes its own spans with the Source for sub-token positions."""

    def __init__(self, sink: Sink) -> None:
        super().__init__(visit_tokens=False)
        self.sink = sink

    # ---------------------------------------------------------------- module
    def start(self, meta, children):
        return A.Module(tuple(children), meta_span(meta))

    def version(self, meta, children):
        return A.Version(A.Quantity(Decimal(children[0]), None, token_span(children[0])),
                         meta_span(meta))

    def import_stmt(self, meta, children):
        return A.Import(children[0], meta_span(meta))

    def string(self, meta, children):
        token = children[0]
        span = token_span(token)
        value, long = decode_string(str(token), span, self.sink)
        return A.Str(value, long, span)

    # ---------------------------------------------------------------- blocks
    def video(self, meta, children):
        return A.Video(_items(children), meta_span(meta))

    def song(self, meta, children):
        return A.Song(children[0], _items(children[1:]), meta_span(meta))

    def music(self, meta, children):
        return A.Music(children[0], _items(children[1:]), meta_span(meta))

    title = _setting("title")
    fps = _setting("fps")
    seed = _setting("seed")
    video_length = _setting("length")
    length = _setting("length")
    key = _setting("key")
    bpm = _setting("bpm")
    downbeat = _setting("downbeat")
    from_time = _setting("from")
    to_time = _setting("to")
    scene_at = _setting("at")
    until = _setting("until")
    ref = _setting("ref")
    prompt = _setting("prompt")
    takes = _setting("takes")
    pick = _setting("pick")
    image = _setting("image")
    motion = _setting("motion")
    default_transition = _setting("transition")
    dream_strength = _setting("strength")
    dream_octaves = _setting("octaves")
    dream_layer = _setting("layer")
    sfx_at = _setting("at")
    sfx_length = _setting("length")
    sfx_gain = _setting("gain")

    def size(self, meta, children):
        token = children[0]
        width, height = (int(part) for part in str(token).split("x"))
        return A.Setting("size", A.Size(width, height, token_span(token)), meta_span(meta))

    def meter(self, meta, children):
        token = children[0]
        beats, unit = (int(part) for part in str(token).split("/"))
        return A.Setting("meter", A.Meter(beats, unit, token_span(token)), meta_span(meta))

    def length_song(self, meta, children):
        return A.Word("song", meta_span(meta))

    def auto(self, meta, children):
        return A.Word("auto", meta_span(meta))

    def mark(self, meta, children):
        name, time = children
        return A.Mark(A.Ident(str(name), token_span(name)), time, meta_span(meta))

    def style_def(self, meta, children):
        name, text = children
        return A.StyleDef(A.Ident(str(name), token_span(name)), text, meta_span(meta))

    def negative(self, meta, children):
        return A.Negative(children[0], meta_span(meta))

    def character(self, meta, children):
        name, description, *rest = children
        return A.Character(A.Ident(str(name), token_span(name)), description, _items(rest),
                           meta_span(meta))

    def age(self, meta, children):
        return A.Age(children[0], children[1], meta_span(meta))

    def defaults(self, meta, children):
        return A.Defaults(_items(children), meta_span(meta))

    def snap(self, meta, children):
        word = children[1]
        return A.Setting("snap", A.Word(str(word), token_span(word)), meta_span(meta))

    # ---------------------------------------------------------------- scenes
    def scene(self, meta, children):
        name, *rest = children
        header, body, in_body = {}, [], False
        for child in rest:
            if isinstance(child, Token):
                in_body = True
            elif in_body:
                body.append(child)
            else:
                header[child.key] = child.value
        return A.Scene(A.Ident(str(name), token_span(name)), header.get("at"),
                       header.get("length"), header.get("until"), tuple(body), meta_span(meta))

    def cast(self, meta, children):
        return A.Cast(tuple(children), meta_span(meta))

    def cast_member(self, meta, children):
        name = children[0]
        age = children[1] if len(children) > 1 else None
        return A.CastMember(A.Ident(str(name), token_span(name)), age, meta_span(meta))

    def style_use(self, meta, children):
        return A.StyleUse(tuple(A.Ident(str(t), token_span(t)) for t in children), meta_span(meta))

    def footage(self, meta, children):
        path, *options = children
        found = {o.key: o.value for o in options}
        return A.Footage(path, found.get("from"), found.get("to"), meta_span(meta))

    def camera(self, meta, children):
        move = children[0]
        ease = children[1] if len(children) > 1 else None
        return A.Camera(move.move, move.values, move.direction, ease, meta_span(meta))

    def cam_zoom(self, meta, children):
        return A.Camera("zoom", tuple(c for c in children if isinstance(c, A.Quantity)))

    def cam_rotate(self, meta, children):
        return A.Camera("rotate", tuple(c for c in children if isinstance(c, A.Quantity)))

    def cam_pan(self, meta, children):
        return A.Camera("pan", (children[1],), children[0])

    def cam_shake(self, meta, children):
        return A.Camera("shake", (children[0],))

    def _word(self, meta, children):
        return str(children[0])

    ease = direction = react_param = signal = effect_kind = dip_colour = zoom_way = _word

    def react(self, meta, children):
        param, amount, signal, *smooth = children
        return A.React(param, amount, signal, smooth[0] if smooth else None, meta_span(meta))

    def effect_dream(self, meta, children):
        return A.Effect("dream", None, tuple(children), meta_span(meta))

    def effect_finish(self, meta, children):
        return A.Effect(children[0], children[1], (), meta_span(meta))

    def sfx(self, meta, children):
        first, *options = children
        prompt = None if isinstance(first, A.Word) else first
        return A.Sfx(prompt, tuple(options), meta_span(meta))

    # ---------------------------------------------------------------- transitions
    def transition(self, meta, children):
        return A.Transition(children[1], meta_span(meta))

    def transition_def(self, meta, children):
        name, spec = children
        return A.TransitionDef(A.Ident(str(name), token_span(name)), spec, meta_span(meta))

    def trans_spec(self, meta, children):
        kind = children[0]
        over = children[1] if len(children) > 1 else None
        return A.TransSpec(kind.kind, kind.arg, kind.depth, kind.preset, over, meta_span(meta))

    def t_cut(self, meta, children):
        return A.TransSpec("cut")

    def t_crossfade(self, meta, children):
        return A.TransSpec("crossfade")

    def t_flash(self, meta, children):
        return A.TransSpec("flash")

    def t_morph(self, meta, children):
        return A.TransSpec("morph")

    def t_dip(self, meta, children):
        return A.TransSpec("dip", children[0])

    def t_whip(self, meta, children):
        return A.TransSpec("whip", children[0])

    def t_zoom(self, meta, children):
        return A.TransSpec("zoom", children[0], children[1] if len(children) > 1 else None)

    def t_preset(self, meta, children):
        token = children[0]
        return A.TransSpec("preset", None, None, A.Ident(str(token), token_span(token)))

    # ---------------------------------------------------------------- time
    def time(self, meta, children):
        base, *offsets = children
        return A.Time(base, tuple(offsets), meta_span(meta))

    def clock_time(self, meta, children):
        return A.Clock(clock_seconds(str(children[0])), meta_span(meta))

    clock_duration = clock_time

    def bar_time(self, meta, children):
        beat = Decimal(children[1]) if len(children) > 1 else None
        return A.BarTime(Decimal(children[0]), beat, meta_span(meta))

    def beat_time(self, meta, children):
        return A.BeatTime(Decimal(children[0]), meta_span(meta))

    def mark_time(self, meta, children):
        return A.MarkRef(str(children[0]), meta_span(meta))

    def start_time(self, meta, children):
        return A.Anchor("start", meta_span(meta))

    def end_time(self, meta, children):
        return A.Anchor("end", meta_span(meta))

    def offset_time(self, meta, children):
        return children[0]

    def time_offset(self, meta, children):
        sign = 1 if children[0].type == "PLUS" else -1
        return A.Offset(sign, children[1], meta_span(meta))

    def relative_time(self, meta, children):
        return A.RelTime(children[1], meta_span(meta))

    def duration(self, meta, children):
        return children[0]

    def quantity(self, meta, children):
        negative = isinstance(children[0], Token) and children[0].type == "MINUS"
        number = children[1] if negative else children[0]
        value = Decimal(str(number))
        unit_children = children[2:] if negative else children[1:]
        unit = UNITS[unit_children[0].lower()] if unit_children else None
        return A.Quantity(-value if negative else value, unit, meta_span(meta))

    def unit(self, meta, children):
        return str(children[0])
