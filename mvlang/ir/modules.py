"""Loading a script and the files it imports (stage: check).

`load` parses the main file, then each `import` depth first: `std/NAME`
from the installed standard library, anything else relative to the
importing file. It reports missing files, cycles and syntax errors in
imported files, and keeps every parsed source for rendering diagnostics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mvlang.diagnostics import Label, Sink, closest
from mvlang.resources import stdlib_modules, stdlib_path
from mvlang.source import NO_SPAN, Source
from mvlang.syntax import Parsed, parse
from mvlang.syntax import ast as A
from mvlang.world import World

DEFINITIONS = (A.Version, A.Import, A.StyleDef, A.Character, A.TransitionDef)


@dataclass
class Module:
    name: str                      # as diagnostics show it
    path: Path                     # absolute
    parsed: Parsed
    imports: list[tuple[A.Import, "Module"]] = field(default_factory=list)


@dataclass
class Loaded:
    main: Module | None
    sources: dict[str, Source]


def load(path: Path, name: str, world: World, sink: Sink, text: str | None = None) -> Loaded:
    loader = _Loader(world, sink)
    if text is None:
        try:
            text = world.read_text(path)
        except (OSError, UnicodeDecodeError) as error:
            sink.error("E3002", f"cannot read `{name}`: {_reason(error)}", NO_SPAN, file=name)
            return Loaded(None, loader.sources)
    main = loader.module(Path(os.path.abspath(path)), name, text, [])
    return Loaded(main, loader.sources)


def _reason(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "it is a folder"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return getattr(error, "strerror", None) or str(error)


class _Loader:
    def __init__(self, world: World, sink: Sink) -> None:
        self.world = world
        self.sink = sink
        self.sources: dict[str, Source] = {}
        self.done: dict[Path, Module] = {}

    def module(self, path: Path, name: str, text: str, stack: list[Path]) -> Module:
        parsed = parse(Source(name, text))
        self.sources[name] = parsed.source
        self.sink.extend(parsed.diagnostics)
        module = Module(name, path, parsed)
        self.done[path] = module
        if parsed.ok:
            for item in parsed.module.items:
                if isinstance(item, A.Import):
                    target = self.follow(module, item, stack + [path])
                    if target is not None:
                        module.imports.append((item, target))
        return module

    def follow(self, importer: Module, item: A.Import, stack: list[Path]) -> Module | None:
        spec = item.path.value
        resolved = self.resolve(importer, item)
        if resolved is None:
            return None
        path, name = resolved
        if path in stack:
            chain = [self.done[p].name for p in stack[stack.index(path):]] + [name]
            self.sink.error("E3003", "import cycle: " + " -> ".join(chain), item.path.span,
                            "this import closes the cycle", file=importer.name,
                            hints=["move the shared definitions into a file that both import"])
            return None
        if path in self.done:
            return self.done[path]
        try:  # the standard library is part of the installation, not of the World
            text = path.read_text("utf-8") if spec.startswith("std/") else self.world.read_text(path)
        except (OSError, UnicodeDecodeError) as error:
            self.sink.error("E3002", f"cannot read `{spec}`: {_reason(error)}", item.path.span,
                            "imported here", file=importer.name)
            return None
        module = self.module(path, name, text, stack)
        self._only_definitions(module)
        return module

    def resolve(self, importer: Module, item: A.Import) -> tuple[Path, str] | None:
        spec = item.path.value
        if spec.startswith("std/"):
            module = spec[4:].removesuffix(".mvs")
            path = stdlib_path(module)
            if module not in stdlib_modules():
                names = [f"std/{m}" for m in stdlib_modules()]
                self.sink.error("E3004", f"there is no standard-library module `{spec}`",
                                item.path.span, "not in the standard library", file=importer.name,
                                suggestion=closest(spec, names),
                                hints=["the standard library has: " + ", ".join(names)])
                return None
            return path, f"std/{module}.mvs"
        relative = spec if spec.endswith(".mvs") else spec + ".mvs"
        path = Path(os.path.normpath(importer.path.parent / relative))
        name = os.path.normpath(os.path.join(os.path.dirname(importer.name), relative))
        kind = self.world.kind(path)
        if kind != "file":
            folder = self.world.listdir(path.parent)
            guess = closest(os.path.basename(relative), [f for f in folder if f.endswith(".mvs")])
            what = "is a folder" if kind == "dir" else "is not there"
            self.sink.error("E3001", f"cannot import `{spec}`: the file {what}", item.path.span,
                            f"looked for {name}", file=importer.name,
                            hints=[f"did you mean `{guess}`?" if guess else "",
                                   "a path is relative to the file that imports it"])
            return None
        return path, name

    def _only_definitions(self, module: Module) -> None:
        for item in module.parsed.module.items:
            if not isinstance(item, DEFINITIONS):
                word = _statement_word(item)
                self.sink.error("E1016", f"`{word}` cannot stand in an imported file", item.span,
                                "not a definition", file=module.name,
                                hints=["an imported file holds only `style`, `character` and "
                                       "`transition NAME = ...` definitions (and imports)"])


def _statement_word(item) -> str:
    return {A.Video: "video", A.Song: "song", A.Music: "music", A.Negative: "negative",
            A.Defaults: "defaults", A.Scene: "scene", A.Transition: "->",
            A.Sfx: "sfx"}.get(type(item), type(item).__name__.lower())


__all__ = ["Module", "Loaded", "load", "Label"]
