"""Encoding: frames -> H.264 segments -> one joined video -> the video with its sound.

Every shot and every transition is its own mp4 segment, written with the same
`Codec`. Segments are joined by copying their packets (`concat`), never by
decoding and encoding again, so a changed scene re-encodes only its own
segment. Frame n of the joined video is exactly the n-th frame written: each
segment starts on a keyframe, its presentation times are shifted by the
frames before it, and its decode times are renumbered across the whole video
(see `concat`), which lets segments keep x264's B-frames.

Colour: RGB is converted to BT.709 limited-range YUV 4:2:0 and the stream is
tagged so; `decode_frames` converts back with the same matrix.

Writes go straight to the given path; the caller writes into a temporary
folder and renames, so an interrupted write leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
           "slower", "veryslow", "placebo")

# Bumped whenever the bytes SegmentWriter produces change for the same frames,
# so caches keyed on Codec.params() do not reuse segments from an older writer.
WRITER_VERSION = 2
ENCODER_THREADS = 2

LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


@dataclass(frozen=True)
class Codec:
    """The settings every segment of one video shares."""

    width: int
    height: int
    fps: Fraction
    crf: int = 20
    preset: str = "medium"      # draft builds use "ultrafast"

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", Fraction(self.fps))
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(f"frame size must be positive and even, not {self.width}x{self.height}")
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, not {self.fps}")
        if not 0 <= self.crf <= 51:
            raise ValueError(f"crf must be 0 to 51, not {self.crf}")
        if self.preset not in PRESETS:
            raise ValueError(f"unknown x264 preset `{self.preset}`")

    def params(self) -> dict:
        """A JSON-able canonical description, for cache keys."""
        return {
            "codec": "libx264",
            "pix_fmt": "yuv420p",
            "colorspace": "bt709",
            "width": self.width,
            "height": self.height,
            "fps": f"{self.fps.numerator}/{self.fps.denominator}",
            "crf": self.crf,
            "preset": self.preset,
            "writer": WRITER_VERSION,
        }


class SegmentWriter:
    """Streams RGB frames into one H.264 mp4 segment; frame i gets pts i (time base 1/fps).

    Writing the same array object again (a held still) reuses the frame already
    converted to YUV, so a still costs only the encoder's time. The array is
    assumed not to change between such writes.
    """

    def __init__(self, path: Path, codec: Codec):
        self.path = Path(path)
        self.codec = codec
        self.frames = 0
        self._last_array: np.ndarray | None = None
        self._last_frame: av.VideoFrame | None = None
        self._closed = False
        self._container = av.open(str(self.path), "w", format="mp4")
        try:
            stream = self._container.add_stream("libx264", rate=codec.fps)
            stream.width = codec.width
            stream.height = codec.height
            stream.pix_fmt = "yuv420p"
            stream.time_base = 1 / codec.fps
            ctx = stream.codec_context
            ctx.colorspace = Colorspace.ITU709
            ctx.color_range = ColorRange.MPEG
            ctx.color_primaries = ColorPrimaries.BT709
            ctx.color_trc = ColorTrc.BT709
            # mbtree off: with it, libx264 gave different pixels for identical input
            # depending on what the process had encoded before (it reads memory it
            # did not write); a build must give the same frames every time.
            ctx.options = {"crf": str(codec.crf), "preset": codec.preset,
                           "x264-params": "mbtree=0"}
            # A fixed thread count, not one per core: x264's bytes depend on it, and
            # the same script must give the same frames on every machine. The build
            # runs segments in parallel for the rest of the cores.
            ctx.thread_count = ENCODER_THREADS
        except BaseException:
            self._container.close()
            raise
        self._stream = stream
        self._time_base = stream.time_base

    def __enter__(self) -> SegmentWriter:  # noqa: PYI034 - typing.Self needs Python 3.11
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self._abort()

    def write(self, frame: np.ndarray) -> None:
        """Append one HxWx3 uint8 RGB frame of exactly the codec's size."""
        if self._closed:
            raise ValueError("write to a closed SegmentWriter")
        if frame is self._last_array and self._last_frame is not None:
            video = self._last_frame
        else:
            video = self._convert(frame)
            self._last_array, self._last_frame = frame, video
        video.pts = self.frames
        video.time_base = self._time_base
        for packet in self._stream.encode(video):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> int:
        """Flush the encoder and finish the file; returns the number of frames written.

        A segment needs at least one frame: closing an empty one is a ValueError.
        """
        if not self._closed:
            if not self.frames:
                self._abort()
                raise ValueError(f"`{self.path.name}`: a segment needs at least one frame")
            self._closed = True
            try:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
            finally:
                self._last_array = self._last_frame = None
                self._container.close()
        return self.frames

    def _abort(self) -> None:
        if not self._closed:
            self._closed = True
            self._last_array = self._last_frame = None
            try:
                self._container.close()
            except Exception:  # noqa: BLE001, S110 - the file is thrown away; the first error matters
                pass

    def _convert(self, frame: np.ndarray) -> av.VideoFrame:
        c = self.codec
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 \
                or frame.shape != (c.height, c.width, 3):
            got = getattr(frame, "shape", None), getattr(frame, "dtype", type(frame).__name__)
            raise ValueError(f"expected a {c.height}x{c.width}x3 uint8 frame, got {got}")
        rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        return rgb.reformat(format="yuv420p", dst_colorspace=Colorspace.ITU709,
                            dst_color_range=ColorRange.MPEG)


def concat(segments: Sequence[Path], out: Path) -> int:
    """Join segments by copying packets; returns the total number of frames.

    The segments must come from SegmentWriter with one Codec (same stream
    parameters). Presentation times are shifted by the frames before each
    segment. Decode times are renumbered for the whole video: x264 starts a
    segment's decode times `delay` frames early to make room for B-frame
    reordering, but a short segment gets a smaller delay than a long one, so
    shifted decode times could collide at a join. Every packet gets its decode
    position in the joined stream minus the largest delay of any segment, which
    keeps decode times increasing and never after presentation times.
    """
    segments = [Path(s) for s in segments]
    if not segments:
        raise ValueError("concat needs at least one segment")
    # Pass 1: check the segments agree, and find the decode delay (timestamps only).
    first = None
    delay = 0
    tick = 0
    for path in segments:
        with av.open(str(path)) as source:
            shape, tick = _segment_shape(source, path)
            if first is None:
                first = shape
            elif shape != first:
                raise ValueError(f"`{path.name}` was encoded with other settings than "
                                 f"`{segments[0].name}`; segments must share one Codec")
            stream = source.streams.video[0]
            for index, (pts, _) in enumerate(_timestamps(source, stream, path, tick)):
                delay = max(delay, index - pts)
    # Pass 2: copy, shifting presentation times and renumbering decode times.
    total = 0
    with av.open(str(out), "w", format="mp4") as output:
        target = None
        for path in segments:
            with av.open(str(path)) as source:
                stream = source.streams.video[0]
                if target is None:
                    target = output.add_stream_from_template(stream)
                frames = 0
                for pts, packet in _timestamps(source, stream, path, tick):
                    packet.pts = (total + pts) * tick
                    packet.dts = (total + frames - delay) * tick
                    packet.stream = target
                    output.mux(packet)
                    frames += 1
                total += frames
    return total


def _segment_shape(source, path: Path) -> tuple[tuple, int]:
    """What two segments must share to be joined, and the ticks one frame lasts."""
    if not source.streams.video:
        raise ValueError(f"`{path.name}` holds no video")
    stream = source.streams.video[0]
    ctx = stream.codec_context
    rate = Fraction(stream.average_rate or stream.base_rate or 0)
    if rate <= 0:
        raise ValueError(f"`{path.name}` has no frame rate")
    tick = 1 / (rate * stream.time_base)
    if tick.denominator != 1:
        raise ValueError(f"`{path.name}`: a frame does not last a whole number of ticks")
    return (ctx.codec.name, ctx.extradata, ctx.width, ctx.height, ctx.pix_fmt,
            stream.time_base, rate), int(tick)


def _timestamps(source, stream, path: Path, tick: int):
    """(frame index the packet shows, packet), in decode order, from frame 0."""
    origin = None
    for packet in source.demux(stream):
        if packet.dts is None or packet.size == 0:
            continue  # the demuxer's end-of-stream marker
        if packet.pts is None:
            raise ValueError(f"`{path.name}`: a packet without a presentation time")
        if origin is None:
            origin = packet.pts    # a segment's first packet is its first frame (a keyframe)
        shift = packet.pts - origin
        if shift % tick:
            raise ValueError(f"`{path.name}`: a frame off the frame grid")
        yield shift // tick, packet


class AudioWriter:
    """Streams float32 blocks shaped (n, channels) in [-1, 1] into AAC in an .m4a
    file, in 1024-sample frames; memory stays one block, however long the sound."""

    FRAME = 1024

    def __init__(self, out: Path, sample_rate: int, channels: int, bitrate: int = 192000):
        if not 1 <= channels <= 8:
            raise ValueError(f"expected 1 to 8 channels, got {channels}")
        self.rate, self.channels, self.layout = sample_rate, channels, LAYOUTS[channels]
        self.samples = 0
        self._pending = np.zeros((channels, 0), np.float32)
        self._output = av.open(str(out), "w", format="mp4")
        self._stream = self._output.add_stream("aac", rate=sample_rate, layout=self.layout)
        self._stream.bit_rate = bitrate
        self._stream.options = {"aac_coder": "fast"}   # 3x faster than the default at 192k
        self._stream.time_base = Fraction(1, sample_rate)

    def __enter__(self) -> AudioWriter:  # noqa: PYI034 - typing.Self needs Python 3.11
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close()

    def write(self, block: np.ndarray) -> None:
        block = np.asarray(block, dtype=np.float32)
        if block.ndim == 1:
            block = block[:, None]
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"expected samples shaped (n, {self.channels}), got {block.shape}")
        planar = np.clip(block, -1.0, 1.0).T
        self._pending = np.concatenate([self._pending, planar], axis=1)
        size = self.FRAME
        full = self._pending.shape[1] // size * size
        for start in range(0, full, size):
            self._encode(self._pending[:, start:start + size])
        self._pending = self._pending[:, full:]

    def _encode(self, planar: np.ndarray | None) -> None:
        if planar is None:
            packets = self._stream.encode(None)
        else:
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar), format="fltp",
                                               layout=self.layout)
            frame.sample_rate = self.rate
            frame.pts = self.samples
            frame.time_base = self._stream.time_base
            self.samples += planar.shape[1]
            packets = self._stream.encode(frame)
        for packet in packets:
            self._output.mux(packet)

    def close(self) -> int:
        """Flush and finish the file; returns the number of samples written."""
        if self._output is not None:
            try:
                if self._pending.shape[1]:
                    self._encode(self._pending)
                self._encode(None)
            finally:
                self._output.close()
                self._output = None
        return self.samples


def encode_audio(samples: np.ndarray, sample_rate: int, out: Path, bitrate: int = 192000) -> None:
    """Write float32 samples shaped (n, channels) in [-1, 1] as AAC in an .m4a (mp4) file."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[0] == 0 or not 1 <= samples.shape[1] <= 8:
        raise ValueError(f"expected samples shaped (n > 0, 1..8 channels), got {samples.shape}")
    with AudioWriter(out, sample_rate, samples.shape[1], bitrate) as writer:
        for start in range(0, len(samples), 1 << 16):
            writer.write(samples[start:start + (1 << 16)])


def mux(video: Path, audio: Path | None, out: Path, metadata: dict[str, str]) -> None:
    """Copy the video and the AAC audio into one mp4 with `metadata`.

    Audio packets that start at or after the video's end are dropped, so the
    sound never outlasts the picture (by more than one AAC packet's tail).
    """
    with av.open(str(video)) as vsrc:
        vstream = vsrc.streams.video[0]
        end = Fraction(0)
        for packet in vsrc.demux(vstream):
            if packet.pts is not None and packet.size:
                end = max(end, (packet.pts + packet.duration) * packet.time_base)
    options = {"movflags": "+use_metadata_tags+faststart"}
    with av.open(str(out), "w", format="mp4", options=options) as output:
        for key, value in metadata.items():
            output.metadata[str(key)] = str(value)
        with av.open(str(video)) as vsrc:
            vstream = vsrc.streams.video[0]
            vout = output.add_stream_from_template(vstream)
            sources = [_stamped(vsrc.demux(vstream), vout, None)]
            asrc = av.open(str(audio)) if audio is not None else None
            try:
                if asrc is not None:
                    if not asrc.streams.audio:
                        raise ValueError(f"`{Path(audio).name}` holds no audio")
                    astream = asrc.streams.audio[0]
                    aout = output.add_stream_from_template(astream)
                    sources.append(_stamped(asrc.demux(astream), aout, end))
                for packet in _merge(sources):
                    output.mux(packet)
            finally:
                if asrc is not None:
                    asrc.close()


def _stamped(packets, target, end: Fraction | None):
    """(decode time in seconds, packet) for the real packets, up to `end` if given."""
    for packet in packets:
        if packet.dts is None or packet.size == 0:
            continue
        if end is not None and packet.pts is not None and packet.pts * packet.time_base >= end:
            continue
        packet.stream = target
        yield packet.dts * packet.time_base, packet


def _merge(sources) -> Iterator:
    """Interleave packet streams by decode time, so the muxer buffers little."""
    heads = []
    for source in sources:
        item = next(source, None)
        if item is not None:
            heads.append([item, source])
    while heads:
        best = min(heads, key=lambda h: h[0][0])
        yield best[0][1]
        item = next(best[1], None)
        if item is None:
            heads.remove(best)
        else:
            best[0] = item


def probe(path: Path) -> dict:
    """Size, rate, exact decoded frame count, durations, audio and metadata of a file."""
    info: dict = {"width": 0, "height": 0, "fps": None, "frames": 0, "duration": 0.0,
                  "audio": None, "metadata": {}}
    with av.open(str(path)) as container:
        info["metadata"] = dict(container.metadata)
        if container.streams.video:
            stream = container.streams.video[0]
            info["width"] = stream.codec_context.width
            info["height"] = stream.codec_context.height
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            info["fps"] = Fraction(rate) if rate else None
            frames = 0
            last = None   # end of the last frame shown, in seconds
            for frame in container.decode(stream):
                frames += 1
                if frame.pts is not None:
                    stop = frame.pts + (frame.duration or 0)
                    last = stop if last is None else max(last, stop)
            info["frames"] = frames
            if info["fps"]:
                info["duration"] = float(frames / info["fps"])
            elif last is not None:
                info["duration"] = float(last * stream.time_base)
    if info["audio"] is None:
        samples, rate = _audio(path)
        if samples is not None:
            info["audio"] = {"sample_rate": rate, "channels": samples.shape[1],
                             "duration": samples.shape[0] / rate if rate else 0.0}
    return info


def decode_frames(path: Path) -> Iterator[np.ndarray]:
    """The video's frames in order, as HxWx3 uint8 RGB."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            yield frame.to_ndarray(format="rgb24")


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream as float32 (n, channels), and its sample rate."""
    samples, rate = _audio(path)
    if samples is None:
        raise ValueError(f"`{Path(path).name}` holds no audio")
    return samples, rate


def _audio(path: Path) -> tuple[np.ndarray | None, int]:
    """Decode the first audio stream, without the encoder's priming and end padding.

    The demuxer drops the priming (the edit list's skip); the last AAC frame
    decodes whole, so the result is cut where the last packet ends.
    """
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None, 0
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        channels = stream.codec_context.channels
        resampler = av.AudioResampler(format="fltp")
        chunks = []
        begin = None      # where the first decoded sample plays, in seconds
        end = None        # where the last packet stops, in seconds
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size:
                stop = (packet.pts + (packet.duration or 0)) * packet.time_base
                end = stop if end is None else max(end, stop)
            for frame in packet.decode():
                if begin is None and frame.pts is not None:
                    begin = frame.pts * frame.time_base
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    if not chunks:
        return np.zeros((0, channels), np.float32), rate
    samples = np.concatenate(chunks, axis=1).T
    if begin is not None and end is not None and end > begin:
        samples = samples[:round((end - begin) * rate)]
    return np.ascontiguousarray(samples, dtype=np.float32), rate
