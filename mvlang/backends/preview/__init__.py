"""The embedded preview backend: deterministic procedural pictures, no GPU, no weights.

`painter.paint(prompt, seed, width, height, figures)` turns a prompt into a
naive painting, so that a build without models is a watchable animatic.
"""

from mvlang.versions import PREVIEW as VERSION  # bump it there

__all__ = ["VERSION"]
