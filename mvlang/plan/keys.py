"""Canonical encoding of task inputs, and the keys and seeds derived from it.

A key is the sha256 of a canonical JSON text: dictionaries with sorted string
keys, no whitespace, exact `Fraction`s written as "n/d", tuples as lists.
Floats, sets, bytes and any other object are refused: a value that cannot be
written the same way on every machine must not decide what is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction


class Unencodable(TypeError):
    """A value that has no canonical encoding."""


def canonical(value) -> object:
    """`value` as plain JSON data, exactly and deterministically."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise Unencodable(f"a key must be a string, not {type(k).__name__}: {k!r}")
            out[k] = canonical(v)
        return out
    raise Unencodable(f"{type(value).__name__} has no canonical encoding: {value!r} "
                    "(use an int, a string or a Fraction)")


def encode(value) -> bytes:
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def digest(value) -> str:
    """The sha256 (hex) of the canonical encoding of `value`."""
    return hashlib.sha256(encode(value)).hexdigest()


def derive_seed(*parts) -> int:
    """A seed in [0, 2**31) from a base seed and names: `derive_seed(814, "scene", "prom")`.

    The same parts give the same seed on every machine; a scene's seed depends
    on the video's seed and its own name only, so inserting a scene reseeds
    nothing else."""
    return int(digest(["seed", *parts])[:8], 16) & 0x7FFFFFFF


def file_digest(path, chunk: int = 1 << 20) -> str:
    """The sha256 of a file's bytes (what a task keys on instead of its path)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
