"""Stage: render and encode: frames -> mp4 segments -> one video with its sound.

`encode` writes each shot and each transition as its own H.264 segment with
the same codec settings, joins segments by copying packets (no re-encoding)
and muxes the AAC soundtrack and the metadata in. `render` makes the frames:
camera moves over a keyframe still, simple transitions, and captions.

numpy, Pillow and PyAV are imported by these modules; importing the package
itself stays light.
"""
