"""Lowering lark's parse tree into the AST (stage: parse).

The only module that sees `lark.Tree`: every rule of grammar/mvs.lark has a
method here that returns an AST node, so no tree leaves `mvlang/syntax/`.
String escapes are decoded here, and a bad escape is reported to the sink.
"""

from __future__ import annotations

from decimal import Decimal

from lark import Token, Tree

from mvlang.diagnostics import Sink
from mvlang.source import NO_SPAN, Span
from mvlang.syntax import ast as A

UNITS = {"s": "s", "ms": "ms", "f": "f", "b": "beat", "beat": "beat", "beats": "beat",
         "bar": "bar", "bars": "bar", "db": "dB", "%": "%", "deg": "deg"}
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def token_span(token: Token) -> Span:
    return Span(token.start_pos, token.end_pos, token.line, token.column,
                token.end_line, token.end_column)


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
    def rule(self, span, children):
        return A.Setting(key, children[-1], span)
    return rule


# Rules whose keyword is their value (`ease in_out`, `snap beat`, units): their tokens stay.
WORD_RULES = {"ease", "direction", "react_param", "signal", "effect_kind", "dip_colour",
              "zoom_way", "unit", "snap"}


class Lower:
    """Tree -> AST, one method per rule, each `(span, children) -> node`.

    The parser keeps every token (so spans run from a statement's keyword to its
    last token); `noise` names the punctuation and keywords dropped before a
    method sees its children."""

    def __init__(self, sink: Sink, noise: frozenset[str]) -> None:
        self.sink = sink
        self.noise = noise
        self.rules = {}

    def transform(self, tree: Tree):
        return self._walk(tree)[0]

    def _walk(self, tree: Tree) -> tuple[object, Span]:
        """Lower a subtree; its span runs from its first token to its last."""
        data = tree.data
        keep_words = data in WORD_RULES
        noise = self.noise
        children = []
        first = last = None
        for child in tree.children:
            if isinstance(child, Tree):
                node, span = self._walk(child)
                children.append(node)
                if span is not NO_SPAN:
                    first = first or (span.start, span.line, span.col)
                    last = (span.end, span.end_line, span.end_col)
                continue
            first = first or (child.start_pos, child.line, child.column)
            last = (child.end_pos, child.end_line, child.end_column)
            if keep_words or child.type not in noise:
                children.append(child)
        span = NO_SPAN if first is None else Span(first[0], last[0], first[1], first[2],
                                                   last[1], last[2])
        method = self.rules.get(data)
        if method is None:
            method = self.rules[data] = getattr(self, data)
        return method(span, children), span

    # ---------------------------------------------------------------- module
    def start(self, span, children):
        return A.Module(tuple(children), span)

    def version(self, span, children):
        return A.Version(A.Quantity(Decimal(children[0]), None, token_span(children[0])),
                         span)

    def import_stmt(self, span, children):
        return A.Import(children[0], span)

    def string(self, span, children):
        token = children[0]
        span = token_span(token)
        value, long = decode_string(str(token), span, self.sink)
        return A.Str(value, long, span)

    # ---------------------------------------------------------------- blocks
    def video(self, span, children):
        return A.Video(_items(children), span)

    def song(self, span, children):
        return A.Song(children[0], _items(children[1:]), span)

    def music(self, span, children):
        return A.Music(children[0], _items(children[1:]), span)

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

    def size(self, span, children):
        token = children[0]
        width, height = (int(part) for part in str(token).split("x"))
        return A.Setting("size", A.Size(width, height, token_span(token)), span)

    def meter(self, span, children):
        token = children[0]
        beats, unit = (int(part) for part in str(token).split("/"))
        return A.Setting("meter", A.Meter(beats, unit, token_span(token)), span)

    def length_song(self, span, children):
        return A.Word("song", span)

    def auto(self, span, children):
        return A.Word("auto", span)

    def mark(self, span, children):
        name, time = children
        return A.Mark(A.Ident(str(name), token_span(name)), time, span)

    def style_def(self, span, children):
        name, text = children
        return A.StyleDef(A.Ident(str(name), token_span(name)), text, span)

    def negative(self, span, children):
        return A.Negative(children[0], span)

    def character(self, span, children):
        name, description, *rest = children
        return A.Character(A.Ident(str(name), token_span(name)), description, _items(rest),
                           span)

    def age(self, span, children):
        return A.Age(children[0], children[1], span)

    def defaults(self, span, children):
        return A.Defaults(_items(children), span)

    def snap(self, span, children):
        word = children[1]
        return A.Setting("snap", A.Word(str(word), token_span(word)), span)

    # ---------------------------------------------------------------- scenes
    def scene(self, span, children):
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
                       header.get("length"), header.get("until"), tuple(body), span)

    def cast(self, span, children):
        return A.Cast(tuple(children), span)

    def cast_member(self, span, children):
        name = children[0]
        age = children[1] if len(children) > 1 else None
        return A.CastMember(A.Ident(str(name), token_span(name)), age, span)

    def style_use(self, span, children):
        return A.StyleUse(tuple(A.Ident(str(t), token_span(t)) for t in children), span)

    def footage(self, span, children):
        path, *options = children
        found = {o.key: o.value for o in options}
        return A.Footage(path, found.get("from"), found.get("to"), span)

    def camera(self, span, children):
        move = children[0]
        ease = children[1] if len(children) > 1 else None
        return A.Camera(move.move, move.values, move.direction, ease, span)

    def cam_zoom(self, span, children):
        return A.Camera("zoom", tuple(c for c in children if isinstance(c, A.Quantity)))

    def cam_rotate(self, span, children):
        return A.Camera("rotate", tuple(c for c in children if isinstance(c, A.Quantity)))

    def cam_pan(self, span, children):
        return A.Camera("pan", (children[1],), children[0])

    def cam_shake(self, span, children):
        return A.Camera("shake", (children[0],))

    def _word(self, span, children):
        return str(children[0])

    ease = direction = react_param = signal = effect_kind = dip_colour = zoom_way = _word

    def react(self, span, children):
        param, amount, signal, *smooth = children
        return A.React(param, amount, signal, smooth[0] if smooth else None, span)

    def effect_dream(self, span, children):
        return A.Effect("dream", None, tuple(children), span)

    def effect_finish(self, span, children):
        return A.Effect(children[0], children[1], (), span)

    def sfx(self, span, children):
        first, *options = children
        prompt = None if isinstance(first, A.Word) else first
        return A.Sfx(prompt, tuple(options), span)

    # ---------------------------------------------------------------- transitions
    def transition(self, span, children):
        return A.Transition(children[1], span)

    def transition_def(self, span, children):
        name, spec = children
        return A.TransitionDef(A.Ident(str(name), token_span(name)), spec, span)

    def trans_spec(self, span, children):
        kind = children[0]
        over = children[1] if len(children) > 1 else None
        return A.TransSpec(kind.kind, kind.arg, kind.depth, kind.preset, over, span)

    def t_cut(self, span, children):
        return A.TransSpec("cut")

    def t_crossfade(self, span, children):
        return A.TransSpec("crossfade")

    def t_flash(self, span, children):
        return A.TransSpec("flash")

    def t_morph(self, span, children):
        return A.TransSpec("morph")

    def t_dip(self, span, children):
        return A.TransSpec("dip", children[0])

    def t_whip(self, span, children):
        return A.TransSpec("whip", children[0])

    def t_zoom(self, span, children):
        return A.TransSpec("zoom", children[0], children[1] if len(children) > 1 else None)

    def t_preset(self, span, children):
        token = children[0]
        return A.TransSpec("preset", None, None, A.Ident(str(token), token_span(token)))

    # ---------------------------------------------------------------- time
    def time(self, span, children):
        base, *offsets = children
        return A.Time(base, tuple(offsets), span)

    def clock_time(self, span, children):
        return A.Clock(clock_seconds(str(children[0])), span)

    clock_duration = clock_time

    def bar_time(self, span, children):
        beat = Decimal(children[1]) if len(children) > 1 else None
        return A.BarTime(Decimal(children[0]), beat, span)

    def beat_time(self, span, children):
        return A.BeatTime(Decimal(children[0]), span)

    def mark_time(self, span, children):
        return A.MarkRef(str(children[0]), span)

    def start_time(self, span, children):
        return A.Anchor("start", span)

    def end_time(self, span, children):
        return A.Anchor("end", span)

    def offset_time(self, span, children):
        return children[0]

    def time_offset(self, span, children):
        sign = 1 if children[0].type == "PLUS" else -1
        return A.Offset(sign, children[1], span)

    def relative_time(self, span, children):
        return A.RelTime(children[1], span)

    def duration(self, span, children):
        return children[0]

    def quantity(self, span, children):
        negative = isinstance(children[0], Token) and children[0].type == "MINUS"
        number = children[1] if negative else children[0]
        value = Decimal(str(number))
        unit_children = children[2:] if negative else children[1:]
        unit = UNITS[unit_children[0].lower()] if unit_children else None
        return A.Quantity(-value if negative else value, unit, span)

    def unit(self, span, children):
        return str(children[0])
