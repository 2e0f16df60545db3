"""Pictures that come from files: `image "file"` and `footage "file" [from] [to]`.

Both are fitted to a frame by covering it (scaled until both sides fill it,
then cropped at the centre), so no border is ever shown and nothing is
stretched. Footage is read in order, one frame per requested time; a clip
shorter than its scene holds its last frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


class SourceError(Exception):
    """A file that cannot be read as the picture or clip a script says it is."""


def cover(picture: np.ndarray | Image.Image, width: int, height: int) -> np.ndarray:
    """`picture` scaled to cover width x height and cropped at the centre."""
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.size == (width, height):
        return np.asarray(image)
    scale = max(width / image.width, height / image.height)
    w, h = image.width * scale, image.height * scale
    x0, y0 = (w - width) / 2 / scale, (h - height) / 2 / scale
    box = (x0, y0, x0 + width / scale, y0 + height / scale)
    return np.asarray(image.resize((width, height), Image.Resampling.LANCZOS, box=box))


def load_image(path: Path, width: int, height: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            image.load()
            return cover(image, width, height)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise SourceError(f"cannot read the image `{Path(path).name}`: {error}") from error


class FootageReader:
    """Frames of a clip at increasing times (seconds after `start` in the file)."""

    def __init__(self, path: Path, start: float = 0.0, end: float | None = None):
        import av

        self.path, self.start, self.end = Path(path), float(start), end
        try:
            self._container = av.open(str(path))
            streams = self._container.streams.video
            if not streams:
                raise SourceError(f"`{self.path.name}` holds no video stream")
            self._stream = streams[0]
            self._stream.thread_type = "AUTO"
            if self.start > 0 and self._stream.time_base:
                self._container.seek(int(self.start / self._stream.time_base),
                                     stream=self._stream, backward=True)
            self._frames = self._container.decode(self._stream)
            self._current = None                 # (time, array)
            self._next = self._read()
            if self._next is None:
                raise SourceError(f"`{self.path.name}` has no frames after {self.start:g} s")
        except av.FFmpegError as error:
            raise SourceError(f"cannot read the video `{self.path.name}`: {error}") from error

    def _read(self):
        import av

        try:
            for frame in self._frames:
                if frame.time is None:
                    continue
                if self.end is not None and frame.time >= self.end:
                    return None
                return frame.time, frame
        except av.FFmpegError as error:
            raise SourceError(f"cannot decode `{self.path.name}`: {error}") from error
        return None

    def frame_at(self, t: float) -> np.ndarray:
        """The clip's frame showing at `start + t` (the last one past the end)."""
        target = self.start + max(0.0, t)
        while self._next is not None and (self._current is None or self._next[0] <= target + 1e-6):
            time, frame = self._next
            self._current = (time, frame.to_ndarray(format="rgb24"))
            self._next = self._read()
        return self._current[1]

    def close(self) -> None:
        self._container.close()
