"""The content-addressed store of task outputs (`store.py`)."""

from mvlang.cache.store import Entry, Store

__all__ = ["Entry", "Store"]
