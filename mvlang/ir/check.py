"""The checker: AST (+ imports, stdlib) -> IR with symbolic times (stage: check).

`check_file` loads the script and its imports through a World, then runs
`PASSES` in order, each `(ctx) -> None`, the way sqlglot's optimizer runs its
rules. Every problem becomes a diagnostic; the result holds the Program only
when there is no error. Nothing here decodes audio or loads a model, so
`mvlang check` is instant.

The passes: `collect_definitions` and the file and usage passes are here;
`read_settings` in settings.py, `check_characters` and `read_scenes` in
scenes.py, `check_times` in anchors.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from mvlang.diagnostics import Label, Sink, closest
from mvlang.ir import model as M
from mvlang.ir.anchors import check_times
from mvlang.ir.context import CheckResult, Context, Definition
from mvlang.ir.modules import Module, load
from mvlang.ir.scenes import character_ir, check_characters, read_scenes, style_ir
from mvlang.ir.settings import read_settings
from mvlang.ir.transitions import BUILTIN_TRANSITIONS
from mvlang.ir.values import Values
from mvlang.syntax import ast as A
from mvlang.world import FileWorld, MemoryWorld, World


AUDIO_TYPES = {".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a", ".aac"}


IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


VIDEO_TYPES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif"}


def check_file(path: str | Path, world: World | None = None, name: str | None = None,
               text: str | None = None, allow_outside: bool = False) -> CheckResult:
    """Check the script at `path` (its text may be given, as an editor buffer).

    Files the script names must lie in its folder's tree unless `allow_outside`."""
    world = world or FileWorld()
    name = name or str(path)
    sink = Sink(name)
    loaded = load(Path(path), name, world, sink, text)
    if loaded.main is None or sink.has_errors:
        return CheckResult(None, sink.sorted(), loaded.sources, loaded.main)
    ctx = Context(loaded.main, sink, world, Values(sink, name), allow_outside=allow_outside)
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
        characters=tuple(character_ir(d) for d in ctx.defs.values() if d.kind == "character"),
        styles=tuple(style_ir(d) for d in ctx.defs.values() if d.kind == "style"),
        presets=tuple(sorted(ctx.presets.items())), negative=", ".join(ctx.negative),
        snap=ctx.snap, file=ctx.name)


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


def check_files(ctx: Context) -> None:
    """Files the script names exist (they are not opened: `check` stays instant)."""
    base = ctx.module.path.parent
    for kind, path, span, file in ctx.files:
        target = Path(os.path.normpath(base / path))
        found = ctx.world.kind(target)
        noun = {"audio": "audio file", "image": "image", "video": "video file"}[kind]
        if not ctx.allow_outside and (Path(path).is_absolute() or
                                      not target.is_relative_to(Path(os.path.normpath(base)))):
            ctx.error("E3009", f"the {noun} `{path}` is outside the script's folder", span,
                      "leaves the folder", file=file,
                      hints=["copy the file into the script's folder (or below it), or build "
                             "with `--allow-outside`"])
        elif found is None:
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
                        hints=["remove it, or use it in a scene"])
    for item, module in ctx.module.imports:
        provided = [n for n, d in ctx.defs.items() if d.via is item]
        if provided and not any(n in ctx.used for n in provided):
            ctx.warning("W0004", f"nothing from `{item.path.value}` is used", item.span,
                        "unused import", hints=["remove the import"])


PASSES = (collect_definitions, read_settings, check_characters, read_scenes, check_times,
          check_files, warn_unused)
