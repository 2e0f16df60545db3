"""The checker's shared state and name lookup (stage: check).

`Context` carries one check's state through the passes; `lookup` resolves a
name to a definition of the right kind or reports why it cannot; `Once`
reports an option given twice in one block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mvlang.diagnostics import Diagnostic, Label, Sink, closest
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.ir.modules import Module
from mvlang.ir.values import Values
from mvlang.source import Source, Span
from mvlang.syntax import ast as A
from mvlang.world import World


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
    allow_outside: bool = False    # files outside the script's folder tree are allowed

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


class Once:
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


def lookup(ctx: Context, ident: A.Ident, kinds: tuple[str, ...], what: str,
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


def first_span(ctx: Context) -> Span:
    items = ctx.items
    return items[0].span if items else Span(0, 0, 1, 1, 1, 1)


MAX_SEED = 2**63 - 1
