"""Editor navigation over a script's text: the name under the cursor, where it
is defined, where it is used, what it means, renaming it, and completion.

Pure functions (no editor protocol here): the language server adapts them.
Positions in and out are 0-based `line` / `character` as editors count them;
spans are the front end's `Span`s. Everything is built on `parse` and
`check_file`, so the names mean what the checker says they mean; references
inside prompts get their place the way the checker's E1001 does
(`templates.split` and `templates.value_offsets`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from mvlang.ide.complete import keywords_at
from mvlang.ide.keywords import KEYWORDS, STATEMENT_KEYWORDS, UNITS
from mvlang.ir.context import Definition
from mvlang.ir.scenes import character_ir
from mvlang.ir.templates import age_text, describe_at, split, value_offsets
from mvlang.ir.transitions import BUILTIN_TRANSITIONS
from mvlang.resources import stdlib_modules
from mvlang.source import Source, Span
from mvlang.syntax import ast as A
from mvlang.syntax import parse

__all__ = [
    "Completion",
    "Edit",
    "Location",
    "Occurrence",
    "apply_suggestion",
    "complete",
    "definition",
    "hover",
    "references",
    "rename",
    "word_at",
]

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RENAMABLE = ("character", "style", "mark")


@dataclass(frozen=True)
class Occurrence:
    """A name written in the script: `span` covers the name itself, `whole` the
    written reference (`{mia@16}` in a prompt), `age` the age written there."""

    name: str
    kind: str            # character, style, mark, scene, transition; "ref" for a `{...}`
    span: Span
    is_definition: bool = False
    whole: Span | None = None
    age: Fraction | None = None


@dataclass(frozen=True)
class Location:
    file: str            # a path
    span: Span


@dataclass(frozen=True)
class Edit:
    file: str
    span: Span
    new_text: str


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str            # keyword, character, style, mark, scene, transition, module, unit
    detail: str = ""


# ------------------------------------------------------------------ indexing

def occurrences(parsed_module: A.Module, source: Source) -> list[Occurrence]:
    """Every definition and use of a name in one parsed file, in text order."""
    out: list[Occurrence] = []

    def prompt(text: A.Str) -> None:
        raw = source.text[text.span.start:text.span.end]
        if not raw.startswith('"'):
            return
        offsets = value_offsets(raw)
        at = lambda i: text.span.start + offsets[min(i, len(offsets) - 1)]
        for piece in split(text.value):
            ref = piece.ref
            if ref is None or ref.name is None:
                continue
            out.append(Occurrence(ref.name, "ref", source.span(at(ref.start + 1),
                                                                at(ref.start + 1 + len(ref.name))),
                                  whole=source.span(at(ref.start), at(ref.end)), age=ref.age))

    def walk(node) -> None:
        if isinstance(node, (tuple, list)):
            for child in node:
                walk(child)
            return
        if not dataclasses.is_dataclass(node):
            return
        if isinstance(node, A.StyleDef):
            out.append(Occurrence(node.name.name, "style", node.name.span, True))
        elif isinstance(node, A.Character):
            out.append(Occurrence(node.name.name, "character", node.name.span, True))
        elif isinstance(node, A.Mark):
            out.append(Occurrence(node.name.name, "mark", node.name.span, True))
        elif isinstance(node, A.Scene):
            out.append(Occurrence(node.name.name, "scene", node.name.span, True))
        elif isinstance(node, A.TransitionDef):
            out.append(Occurrence(node.name.name, "transition", node.name.span, True))
        elif isinstance(node, A.StyleUse):
            out.extend(Occurrence(n.name, "style", n.span) for n in node.names)
        elif isinstance(node, A.CastMember):
            out.append(Occurrence(node.name.name, "character", node.name.span))
        elif isinstance(node, A.MarkRef):
            out.append(Occurrence(node.name, "mark", node.span))
        elif isinstance(node, A.TransSpec) and node.preset is not None:
            out.append(Occurrence(node.preset.name, "transition", node.preset.span))
        elif isinstance(node, A.Setting) and node.key == "prompt" and isinstance(node.value, A.Str):
            prompt(node.value)
        for f in dataclasses.fields(node):
            if f.name not in ("span", "name"):
                walk(getattr(node, f.name))

    walk(parsed_module.items)
    return sorted(out, key=lambda o: o.span.start)


@dataclass
class _Index:
    path: str
    source: Source
    items: tuple
    occurrences: list[Occurrence]
    defs: dict[str, tuple[str, Location, object]]   # name -> kind, where, AST node
    result: object = None                             # the CheckResult


def _index(text: str, path: str | Path, world=None) -> _Index:
    from mvlang.ir import check_file

    path = str(path)
    result = check_file(Path(path), world, name=path, text=text)
    if result.module is not None:
        parsed = result.module.parsed
        modules = [(path, parsed)] + _imported(result.module)
    else:
        parsed = parse(Source(path, text))
        modules = [(path, parsed)]
    imports = [i for i in parsed.module.items if isinstance(i, A.Import)]
    if imports and len(modules) == 1:   # a syntax error stops the loader before imports
        modules += _imports_only(parsed.source, imports, path, world)
    defs: dict[str, tuple[str, Location, object]] = {}
    for file, mod in reversed(modules):      # the main file's own definitions win
        for occ in occurrences(mod.module, mod.source):
            if occ.is_definition:
                defs[occ.name] = (occ.kind, Location(file, occ.span), _node(mod.module, occ))
    return _Index(path, parsed.source, parsed.module.items,
                  occurrences(parsed.module, parsed.source), defs, result)


def _imports_only(source: Source, imports: list, path: str, world) -> list:
    """The imported modules of a script that does not parse: its imports loaded alone."""
    from mvlang.diagnostics import Sink
    from mvlang.ir.modules import load
    from mvlang.world import FileWorld

    text = "\n".join(source.text[i.span.start:i.span.end] for i in imports)
    loaded = load(Path(path), path, world or FileWorld(), Sink(path), text)
    return _imported(loaded.main) if loaded.main is not None else []


def _imported(module, seen=None) -> list:
    seen = set() if seen is None else seen
    out = []
    for _item, sub in module.imports:
        if sub.path in seen:
            continue
        seen.add(sub.path)
        out.append((str(sub.path), sub.parsed))
        out.extend(_imported(sub, seen))
    return out


def _node(module: A.Module, occ: Occurrence):
    for item in module.items:
        name = getattr(item, "name", None)
        if isinstance(name, A.Ident) and name.span == occ.span:
            return item
    return None


def _offset(source: Source, line: int, character: int) -> int:
    starts = source._line_starts
    if line >= len(starts):
        return len(source.text)
    return min(starts[line] + character, len(source.text))


def _at(index: _Index, line: int, character: int) -> Occurrence | None:
    offset = _offset(index.source, line, character)
    for occ in index.occurrences:
        whole = occ.whole or occ.span
        if whole.start <= offset <= whole.end:
            return occ
    return None


def _kind(index: _Index, occ: Occurrence) -> str:
    """The kind of thing a name means (a `{...}` is a character or a style)."""
    if occ.kind == "ref":
        return index.defs[occ.name][0] if occ.name in index.defs else "character"
    return occ.kind


def _same(index: _Index, occ: Occurrence, other: Occurrence) -> bool:
    return other.name == occ.name and _kind(index, other) == _kind(index, occ)


# ------------------------------------------------------------------ queries

def word_at(text: str, line: int, character: int, path: str = "<input>"
            ) -> tuple[str, Span] | None:
    """The name, or the whole `{name@age}` reference, under the cursor, with its span."""
    parsed = parse(Source(path, text))
    source = parsed.source
    offset = _offset(source, line, character)
    for occ in occurrences(parsed.module, source):
        whole = occ.whole or occ.span
        if whole.start <= offset <= whole.end:
            return text[whole.start:whole.end], whole
    for match in NAME.finditer(text, max(0, offset - 200), offset + 200):
        if match.start() <= offset <= match.end():
            return match.group(), source.span(match.start(), match.end())
    return None


def definition(text: str, path: str | Path, line: int, character: int, world=None
               ) -> Location | None:
    """Where the character, style, mark, scene or preset under the cursor is defined."""
    index = _index(text, path, world)
    occ = _at(index, line, character)
    if occ is None or occ.name not in index.defs:
        return None
    kind, where, _node = index.defs[occ.name]
    return where if kind == _kind(index, occ) else None


def references(text: str, path: str | Path, line: int, character: int,
               include_definition: bool = True, world=None) -> list[Location]:
    """Every place in this script where the name under the cursor is used."""
    index = _index(text, path, world)
    occ = _at(index, line, character)
    if occ is None:
        return []
    return [Location(index.path, o.span) for o in index.occurrences
            if _same(index, occ, o) and (include_definition or not o.is_definition)]


def hover(text: str, path: str | Path, line: int, character: int, world=None) -> str | None:
    """Markdown about the name under the cursor."""
    index = _index(text, path, world)
    occ = _at(index, line, character)
    if occ is None:
        return None
    kind = _kind(index, occ)
    entry = index.defs.get(occ.name)
    if kind == "scene":
        program = getattr(index.result, "program", None)
        scene = next((s for s in program.scenes if s.name == occ.name), None) if program else None
        if scene is not None:
            return f"**scene {occ.name}**\n\n{scene.prompt}"
        node = entry[2] if entry else None
        prompt = next((i.value.value for i in getattr(node, "items", ())
                       if isinstance(i, A.Setting) and i.key == "prompt"), "")
        return f"**scene {occ.name}**\n\n{prompt}" if prompt else f"**scene {occ.name}**"
    if entry is None or entry[0] != kind:
        return None
    node = entry[2]
    if kind == "style":
        return f"**style {occ.name}**\n\n{node.text.value}"
    if kind == "character":
        character = character_ir(Definition("character", node, entry[1].file))
        age = occ.age if occ.age is not None else _cast_age(index, occ)
        title = f"**{occ.name}**" + (f" at {age_text(age)}" if age is not None else "")
        text = describe_at(character, age)
        ages = ", ".join(age_text(a) for a, _ in character.ages)
        return f"{title}\n\n{text}" + (f"\n\ndescribed at ages {ages}" if ages else "")
    if kind == "mark":
        mark = _mark_node(index, occ.name)
        if mark is not None:
            return f"**mark {occ.name}** at `{index.source.text[mark.at.span.start:mark.at.span.end]}`"
        return f"**mark {occ.name}**"
    if kind == "transition" and node is not None:
        return f"**transition {occ.name}**: `{node.spec.kind}`"
    return None


def _mark_node(index: _Index, name: str) -> A.Mark | None:
    for item in index.items:
        for sub in getattr(item, "items", ()):
            if isinstance(sub, A.Mark) and sub.name.name == name:
                return sub
    return None


def _cast_age(index: _Index, occ: Occurrence) -> Fraction | None:
    """The age a scene casts a character at, for `{mia}` or `cast mia age 16`."""
    for item in index.items:
        if isinstance(item, A.Scene) and item.span.start <= occ.span.start < item.span.end:
            for sub in item.items:
                if isinstance(sub, A.Cast):
                    for member in sub.members:
                        if member.name.name == occ.name and member.age is not None:
                            return Fraction(member.age.value)
    return None


def rename(text: str, path: str | Path, line: int, character: int, new_name: str,
           world=None) -> list[Edit] | None:
    """Edits that rename the character, style or mark under the cursor everywhere in
    this script (and its definition in an imported file of the user's)."""
    if not NAME.fullmatch(new_name) or new_name in KEYWORDS:
        raise ValueError(f"`{new_name}` is not a valid name")
    index = _index(text, path, world)
    occ = _at(index, line, character)
    if occ is None or _kind(index, occ) not in RENAMABLE:
        return None
    edits = [Edit(index.path, o.span, new_name) for o in index.occurrences if _same(index, occ, o)]
    entry = index.defs.get(occ.name)
    if entry is not None and entry[1].file != index.path:
        if _is_stdlib(entry[1].file):
            return None
        edits.append(Edit(entry[1].file, entry[1].span, new_name))
    return edits


def _is_stdlib(file: str) -> bool:
    from mvlang.resources import stdlib_path

    try:
        return Path(file).parent.resolve() == stdlib_path("looks").parent.resolve()
    except OSError:
        return False


def complete(text: str, path: str | Path, line: int, character: int, world=None
             ) -> list[Completion]:
    """What may be typed at the cursor."""
    source = Source(str(path), text)
    before = source.line_text(line + 1)[:character]
    if re.search(r'\bimport\s+"[^"]*$', before):
        return [Completion(f"std/{m}", "module") for m in stdlib_modules()]
    index = _index(text, path, world)
    names = sorted(index.defs.items())
    if re.search(r"->\s*[A-Za-z_]*$", before) or re.search(r"\btransition\s+[A-Za-z_]*$", before):
        return ([Completion(k, "transition", "built-in") for k in BUILTIN_TRANSITIONS]
                + [Completion(n, "transition", "preset") for n, (k, _w, _n) in names
                   if k == "transition"])
    if re.search(r"(?<![A-Za-z_0-9.])-?[0-9]+(\.[0-9]+)?\s?[A-Za-z%]*$", before) and \
            not re.search(r"\b(bar|beat|age)\s+[0-9.]+$", before):
        return [Completion(u, "unit") for u in UNITS]
    quotes = before.count('"') - before.count('\\"')
    if quotes % 2 == 1:   # inside a string: only `{references}`
        if re.search(r"\{[A-Za-z_0-9]*$", before):
            return [Completion(n, k) for n, (k, _w, _n) in names if k in ("character", "style")]
        return []
    lines = text.split("\n")[:line]
    valid = keywords_at("".join(f"{ln}\n" for ln in lines) + before)
    if valid is None:   # the prefix does not lex (an unclosed string): every keyword
        out = [Completion(w, "keyword") for w in sorted(STATEMENT_KEYWORDS)]
        out += [Completion(w, "keyword") for w in sorted(KEYWORDS - STATEMENT_KEYWORDS)]
    else:               # the keywords the parser takes at the cursor, statements first
        out = [Completion(w, "keyword") for w in sorted(valid, key=lambda w: (
            w not in STATEMENT_KEYWORDS, w))]
    out += [Completion(n, k, Path(w.file).name) for n, (k, w, _n) in names]
    return out


def apply_suggestion(written: str, suggestion: str) -> str:
    """The text that replaces a diagnostic's span to apply its "did you mean":
    inside a `{mai@6}` reference only the name changes, a quoted path stays quoted."""
    ref = re.fullmatch(r"\{([A-Za-z_][A-Za-z0-9_]*)(.*)", written, re.DOTALL)
    if ref:
        return "{" + suggestion + ref.group(2)
    if written.startswith('"') and not suggestion.startswith('"'):
        return '"' + suggestion.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return suggestion
