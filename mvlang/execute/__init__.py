"""Stage execute: run the tasks of a graph that are not cached (`local.py`).

An executor takes the tasks to run (in an order where inputs come first), the
store, and a runner — the function that does one task's work given its input
entries and an output folder — and reports progress as events. The local
executor runs them on a process pool; a Ray executor implements the same
interface (`Executor`).
"""

from mvlang.execute.base import Event, Executor, Outcome, Runner, run_one
from mvlang.execute.local import LocalExecutor

__all__ = ["Event", "Executor", "LocalExecutor", "Outcome", "Runner", "run_one"]
