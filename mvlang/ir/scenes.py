"""Pass `read_scenes`: scenes in order, prompt templates expanded, the
transitions placed between scenes, and sounds (stage: check); also the
characters' own checks (`check_characters`)."""

from __future__ import annotations

from fractions import Fraction

from mvlang.diagnostics import Label
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.ir.context import MAX_SEED, Context, Definition, Once, lookup
from mvlang.ir.settings import check_pick, check_range, clock_only, read_shared, read_styles
from mvlang.ir.templates import describe_at, split, value_offsets
from mvlang.ir.transitions import lower_transition
from mvlang.source import Span
from mvlang.syntax import ast as A


DEFAULT_SCENE_LENGTH = T.Duration(Fraction(4), "bar")


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
                chosen = lower_transition(ctx, pending.spec) if pending else ctx.default_transition
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
    v, once = ctx.values, Once(ctx, f"scene `{node.name.name}`")
    out: dict = {"camera": [], "reactions": [], "effects": [], "sounds": [], "cast": {}}
    prompt: A.Str | None = None
    negative = []
    for item in node.items:
        if isinstance(item, A.Setting):
            if not once.first(item.key, item.span) or read_shared(ctx, item, out):
                continue
            if item.key == "prompt":
                prompt = item.value
            elif item.key == "negative":
                negative.append(item.value.value)
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
                out["styles"] = read_styles(ctx, item)
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
    check_pick(ctx, out.get("takes", 1), out.get("pick", 1), out.pop("pick_span", None))
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
        at_span=node.at.span if node.at is not None else node.name.span,
        length_span=(node.length or node.until or node.name).span,
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
        if lookup(ctx, member.name, ("character",), "character") is None:
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
    definition = lookup(ctx, ident, ("character", "style"), "character or style")
    if definition is None:
        return ""
    if definition.kind == "style":
        if ref.age is not None:
            ctx.error("E1005", f"`{ref.name}` is a style: it has no age", span, "a style",
                      labels=[Label(definition.file, definition.node.name.span, "defined here")],
                      hints=[f"write `{{{ref.name}}}`"])
        return definition.node.text.value
    character = character_ir(definition)
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


def character_ir(definition: Definition) -> M.Character:
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


def style_ir(definition: Definition) -> M.Style:
    return M.Style(definition.node.name.name, definition.node.text.value, definition.file,
                   definition.node.span)


def check_characters(ctx: Context) -> None:
    """Ages, seeds and reference images of the characters defined in this file."""
    for definition in ctx.defs.values():
        if definition.kind != "character" or definition.via is not None:
            continue
        seen: dict[Fraction, Span] = {}
        once = Once(ctx, f"character `{definition.node.name.name}`")
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
    start = clock_only(ctx, node.start, "`from`") if node.start else None
    end = clock_only(ctx, node.end, "`to`") if node.end else None
    check_range(ctx, start, end, node)
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
    once, out = Once(ctx, "`effect dream`"), {"amount": Fraction(1, 2), "octaves": 4}
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
    v, once = ctx.values, Once(ctx, "`sfx`")
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
