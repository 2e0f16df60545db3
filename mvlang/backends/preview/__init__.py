"""The embedded preview backend: deterministic procedural pictures, no GPU, no weights.

`painter.paint(prompt, seed, width, height, figures)` turns a prompt into a
naive painting, so that a build without models is a watchable animatic.
"""

VERSION = "1"   # bump whenever the painter's pixels change for the same inputs
