"""Transitions and transition presets, lowered to the IR (stage: check)."""

from __future__ import annotations

from fractions import Fraction

from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.ir.context import Context, Definition, lookup
from mvlang.ir.values import Values
from mvlang.syntax import ast as A


BUILTIN_TRANSITIONS = ("cut", "crossfade", "dip", "whip", "flash", "morph", "zoom")


DEFAULT_OVER = {"crossfade": T.Duration(Fraction(1), "beat"), "dip": T.Duration(Fraction(1), "beat"),
                "whip": T.Duration(Fraction(1), "beat"), "flash": T.Duration(Fraction(1), "beat"),
                "morph": T.Duration(Fraction(1), "bar"), "zoom": T.Duration(Fraction(2), "bar")}


def lower_transition(ctx: Context, spec: A.TransSpec) -> M.Transition | None:
    if spec.kind == "preset":
        definition = lookup(ctx, spec.preset, ("transition",), "transition", BUILTIN_TRANSITIONS)
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
            transition = lower_transition(ctx, spec)
        finally:
            ctx.values = values
        if transition is None:
            return None
        ctx.presets[name] = transition
    return ctx.presets[name]
