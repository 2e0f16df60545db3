"""Backends: the generative tasks behind small protocols."""
