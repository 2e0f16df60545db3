"""One shot's frames, as the `segment` and `transition` tasks draw them.

A view (planned in `plan/planner.py`) says which frames of a shot to draw:
how many, where the first falls in the shot, the camera moves, the picture's
source (a still: a painted keyframe, an image, the end of a zoom; or
footage), the audio-reactive values per frame and the effects. Each frame is
drawn in order: the picture (the footage's frame at that time, or the still)
through the camera (with `react zoom` and `shake`), then brightness and hue,
then the effects (with `react blur`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from mvlang.execute.base import TaskError

REACT_SCALE = 10000        # react values travel in plans as integers of 1/10000


def moves_of(view: dict):
    from mvlang.ir.model import CameraMove

    return [CameraMove(m["move"], Fraction(m["start"]), Fraction(m["end"]), m["direction"],
                       m["ease"]) for m in view["moves"]]


def progress_of(view: dict, fps: Fraction, k: int) -> float:
    """The camera's progress through its shot at frame k of the view, clamped."""
    t = Fraction(view["offset"]) + Fraction(k) / fps
    return min(1.0, max(0.0, float(t / Fraction(view["length"]))))


class ShotRenderer:
    def __init__(self, view: dict, width: int, height: int, fps: Fraction,
                 still: Path | None = None, footage: Path | None = None,
                 dream: dict | None = None):
        from mvlang.media.effects import Effects
        from mvlang.media.render import Shot

        self.view, self.width, self.height, self.fps = view, width, height, Fraction(fps)
        self.moves = moves_of(view)
        react = view.get("react") or {}
        self.react = {k: np.asarray(v, np.float64) / REACT_SCALE for k, v in react.items()}
        reactive = "zoom" in self.react or "shake" in self.react
        self.seconds = float(view["length"])
        source = view.get("source", {"kind": "still"})
        self.footage = None
        if source["kind"] in ("footage", "clip"):
            from mvlang.media.sources import FootageReader, SourceError

            try:
                self.footage = FootageReader(footage, float(Fraction(source.get("from") or 0)),
                                             None if source.get("to") is None
                                             else float(Fraction(source["to"])))
            except SourceError as error:
                raise TaskError(str(error)) from error
            self.keyframe_size = tuple(source["size"])
            self.shot = None
            self._reactive = reactive
        else:
            from mvlang.build.tasks import load_still
            from mvlang.media.sources import cover

            picture = load_still(still, source.get("file", "image.png"))
            if "size" in source:         # a zoom's picture has the video's aspect: fit it
                picture = cover(picture, *source["size"])
            self.shot = Shot(picture, width, height, self.moves, view["seed"],
                             seconds=self.seconds, reactive=reactive)
        effects = [(kind, float(Fraction(amount))) for kind, amount in view.get("effects", [])]
        self.dreamer, self.after = None, None
        if dream is not None and view.get("dream"):
            # DeepDream on the CNN, in its place among the effects; it runs frame
            # after frame, each starting from the last one warped along the flow
            from mvlang.backends.dream import Dreamer
            from mvlang.backends.runtime import model_from

            at = [kind for kind, _ in effects].index("dream")
            d = view["dream"]
            self.dreamer = Dreamer(model_from(dream), strength=float(Fraction(d["strength"])),
                                   octaves=d.get("octaves"), layer=d.get("layer"),
                                   seed=view["seed"])
            self.after = Effects(effects[at + 1:], width, height, view["seed"], float(self.fps))
            effects = effects[:at]
        self.effects = Effects(effects, width, height, view["seed"], float(self.fps))

    def _value(self, name: str, k: int, default: float) -> float:
        values = self.react.get(name)
        return default if values is None else float(values[min(k, len(values) - 1)])

    def frame(self, k: int) -> np.ndarray:
        """Frame k of the view."""
        from mvlang.media.react import apply_brightness_hue

        progress = progress_of(self.view, self.fps, k)
        zoom = self._value("zoom", k, 1.0)
        shake = self._value("shake", k, 0.0)
        if self.footage is not None:
            frame = self._footage_frame(k, progress, zoom, shake)
        else:
            frame = self.shot.frame(progress, zoom=zoom, shake=shake)
        brightness, hue = self._value("brightness", k, 0.0), self._value("hue", k, 0.0)
        if brightness or hue:
            frame = apply_brightness_hue(frame, brightness, hue)
        index = int(self.view.get("index0", 0)) + k
        frame = self.effects.apply(frame, index, blur_extra=self._value("blur", k, 0.0))
        if self.dreamer is not None:
            frame = self.after.apply(self.dreamer.frame(np.ascontiguousarray(frame)), index)
        return frame

    def _footage_frame(self, k: int, progress: float, zoom: float, shake: float) -> np.ndarray:
        from mvlang.media.render import Shot
        from mvlang.media.sources import cover

        t = float(Fraction(self.view["offset"]) + Fraction(k) / self.fps)
        picture = cover(self.footage.frame_at(t), *self.keyframe_size)
        if not self.moves and not self._reactive:
            return cover(picture, self.width, self.height)
        shot = Shot(picture, self.width, self.height, self.moves, self.view["seed"],
                    seconds=self.seconds, reactive=self._reactive)
        return shot.frame(progress, zoom=zoom, shake=shake)

    def close(self) -> None:
        if self.footage is not None:
            self.footage.close()


class Features:
    """What `sfx auto` hears of the picture: per frame, the motion (mean absolute
    difference to the previous frame, on a coarse grid of luma, 0..255) and the
    brightness (mean luma, 0..255)."""

    STEP = 8

    def __init__(self) -> None:
        self.motion: list[float] = []
        self.brightness: list[float] = []
        self._previous = None

    def add(self, frame: np.ndarray) -> None:
        small = frame[::self.STEP, ::self.STEP].astype(np.float32)
        luma = small @ np.array([0.299, 0.587, 0.114], np.float32)
        self.brightness.append(round(float(luma.mean()), 3))
        motion = 0.0 if self._previous is None else float(np.abs(luma - self._previous).mean())
        self.motion.append(round(motion, 3))
        self._previous = luma

    def save(self, path: Path) -> None:
        import json

        path.write_text(json.dumps({"motion": self.motion, "brightness": self.brightness}),
                        encoding="utf-8")
