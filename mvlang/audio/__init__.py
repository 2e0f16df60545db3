"""Stage 3, analyse: audio (a file, or generated music) -> beat grid, onsets, envelopes.

Heavy libraries (numpy, librosa, soundfile, PyAV) are imported inside the
functions that need them, so that importing this package stays light and a
cached analysis is read back without them.
"""
