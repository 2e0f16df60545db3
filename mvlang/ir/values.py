"""Reading AST values into IR values, with their units and ranges checked.

Stage: check. Each reader takes an AST value and what the slot is called,
reports a diagnostic when the value is of the wrong kind or out of range,
and returns the IR value (or None after an error).
"""

from __future__ import annotations

from fractions import Fraction

from mvlang.diagnostics import Sink, closest
from mvlang.ir import time as T
from mvlang.syntax import ast as A

UNIT_WORDS = {None: "a plain number", "s": "seconds", "ms": "milliseconds", "f": "frames",
              "beat": "beats", "bar": "bars", "dB": "decibels", "%": "a percentage",
              "deg": "degrees"}
RESERVED_MARKS = {"start", "end", "bar", "beat"}


class Values:
    """Readers bound to one sink and the file's mark names."""

    def __init__(self, sink: Sink, file: str, marks: dict[str, object] | None = None) -> None:
        self.sink = sink
        self.file = file
        self.marks = marks if marks is not None else {}

    def _error(self, *args, **kwargs) -> None:
        self.sink.error(*args, file=self.file, **kwargs)

    # ---------------------------------------------------------------- numbers
    def number(self, q: A.Quantity, what: str, low=None, high=None, *, integer=False,
               units=(None,), example: str = "") -> Fraction | None:
        if q.unit not in units:
            wanted = " or ".join(UNIT_WORDS[u] for u in units)
            self._error("E1012", f"{what} takes {wanted}, not {UNIT_WORDS[q.unit]}", q.span,
                            f"written in {UNIT_WORDS[q.unit]}",
                            hints=[f"for example `{example}`" if example else ""])
            return None
        value = Fraction(q.value)
        if q.unit == "%":
            value /= 100
        if integer and value.denominator != 1:
            self._error("E1010", f"{what} must be a whole number", q.span, "not whole")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self._error("E1010", f"{what} must be {_range(low, high, q.unit)}", q.span,
                            "out of range")
            return None
        return value

    def whole(self, q: A.Quantity, what: str, low: int, high: int) -> int | None:
        value = self.number(q, what, low, high, integer=True)
        return None if value is None else int(value)

    # ---------------------------------------------------------------- time
    def duration(self, d, what: str, *, positive: bool = True) -> T.Duration | None:
        if isinstance(d, A.Clock):
            result = T.Duration(Fraction(d.seconds), "s")
        elif d.unit in (None, "dB", "%", "deg"):
            self._error("E1012", f"{what} takes a duration, not {UNIT_WORDS[d.unit]}", d.span,
                            "not a duration",
                            hints=["write a unit: `5s`, `250ms`, `12f`, `4 beats`, `2 bars` "
                                   "or a clock time `1:30`"])
            return None
        else:
            amount = Fraction(d.value)
            unit = d.unit
            if unit == "ms":
                amount, unit = amount / 1000, "s"
            result = T.Duration(amount, unit)
        if positive and result.amount <= 0:
            self._error("E2013", f"{what} must be longer than zero", d.span, "not positive")
            return None
        return result

    def time(self, t, what: str, *, relative: bool = False) -> T.Point | None:
        """A time, or with `relative` also `+DUR` (from the scene's start)."""
        if isinstance(t, A.RelTime):
            if not relative:
                self._error("E1015", f"{what} cannot be relative: `+DUR` counts from a "
                                "scene's start", t.span, "relative time outside a scene",
                                hints=["write an absolute time such as `bar 9` or `0:30`"])
                return None
            offset = self.duration(t.duration, "a relative time", positive=False)
            return None if offset is None else T.Point(T.Named("scene"), (offset,))
        base = self._base(t.base, what)
        offsets = []
        for offset in t.offsets:
            duration = self.duration(offset.duration, "an offset", positive=False)
            if duration is None:
                return None
            offsets.append(duration if offset.sign > 0 else -duration)
        return None if base is None else _fold(base, tuple(offsets))

    def _base(self, base, what: str):
        if isinstance(base, A.Clock):
            return T.Clock(Fraction(base.seconds))
        if isinstance(base, A.Quantity):
            duration = self.duration(base, what, positive=False)
            return None if duration is None else T.Point(T.Named("start"), (duration,))
        if isinstance(base, A.BarTime):
            if base.bar < 1 or (base.beat is not None and base.beat < 1):
                self._error("E2008", "bars and beats count from 1", base.span, "below 1",
                                hints=["`bar 1 beat 1` is the first downbeat"])
                return None
            return T.BarBeat(Fraction(base.bar), Fraction(base.beat if base.beat is not None else 1))
        if isinstance(base, A.BeatTime):
            if base.beat < 1:
                self._error("E2008", "beats count from 1", base.span, "below 1")
                return None
            return T.BeatNumber(Fraction(base.beat))
        if isinstance(base, A.MarkRef):
            if base.name not in self.marks:
                self._error("E1001", f"unknown mark `{base.name}`", base.span, "no such mark",
                                suggestion=closest(base.name, list(self.marks) + ["start", "end"]),
                                hints=["define it in the song or music block: `mark NAME at TIME`"
                                       if not self.marks else ""])
                return None
            return T.MarkPoint(base.name)
        return T.Named(base.which)


def _fold(base, offsets: tuple[T.Duration, ...]) -> T.Point:
    if isinstance(base, T.Point):
        return T.Point(base.base, base.offsets + offsets)
    return T.Point(base, offsets)


def _range(low, high, unit) -> str:
    scale = 100 if unit == "%" else 1
    suffix = unit if unit in ("%", "dB", "deg") else ""
    if low is not None and high is not None:
        return f"between {_n(low * scale)}{suffix} and {_n(high * scale)}{suffix}"
    if low is not None:
        return f"at least {_n(low * scale)}{suffix}"
    return f"at most {_n(high * scale)}{suffix}"


def _n(value) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else format(float(value), "g")
