"""The versions of what makes a build's outputs, where the planner can read them
without importing the (heavy) code itself: a cached rebuild plans every task's
key, and must not pay for numpy or scipy to learn a version string.

Bump one whenever the same inputs would give other samples or pixels.
"""

COMPOSER = "1"      # mvlang/audio/compose*.py, synth*.py: the procedural music
SFX = "2"           # mvlang/audio/sfx.py: the procedural sound effects
PREVIEW = "1"       # mvlang/backends/preview/: the painter
DIFFUSERS = "1"     # mvlang/backends/images.py: keyframes, image-to-image, the outpaint chain
MUSICGEN = "1"      # mvlang/backends/music.py: MusicGen's prompt and continuation
SOUND = "1"         # mvlang/backends/sound.py: text-to-audio effects and `sfx auto`
DREAM = "1"         # mvlang/backends/dream.py: DeepDream along optical flow
VIDEO = "1"         # mvlang/backends/video.py: image-to-video clips for `motion`
