"""Reading audio files (stage: analyse).

wav, flac, ogg, mp3 and opus through soundfile (libsndfile); anything else,
and anything soundfile refuses (m4a/aac among them), through PyAV. The
result is mono float32 at the analysis rate, cut to `from`..`to`. Problems
are `AudioError`s with a stable code, turned into diagnostics by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path

from mvlang.audio.errors import AudioError

ANALYSIS_RATE = 22050
SILENCE = 1e-4  # peak amplitude under which a file counts as silent (-80 dBFS)


@dataclass(frozen=True)
class Audio:
    samples: object          # numpy float32, mono
    sample_rate: int
    source_duration: float   # seconds of the whole file
    start: float = 0.0       # where the part in use begins in the file

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def read_audio(path: Path, start: float | None = None, end: float | None = None,
               sample_rate: int = ANALYSIS_RATE) -> Audio:
    """Decode `path` to mono at `sample_rate`, keeping `start`..`end` seconds."""
    path = Path(path)
    if not path.exists():
        raise AudioError("E3001", f"audio file `{path.name}` not found")
    if path.stat().st_size == 0:
        raise AudioError("E3005", f"`{path.name}` is empty (0 bytes)",
                         "the file may not have finished copying or exporting")
    samples, rate = _decode(path)
    full = len(samples) / rate if rate else 0.0
    if len(samples) == 0:
        raise AudioError("E3005", f"`{path.name}` holds no audio samples")
    first = 0.0 if start is None else float(start)
    if first >= full:
        raise AudioError("E2017", f"`from` {_clock(first)} is past the end of `{path.name}` "
                         f"({_clock(full)})")
    last = full if end is None else min(float(end), full)
    samples = samples[int(round(first * rate)):int(round(last * rate))]
    samples = _resample(samples, rate, sample_rate)
    import numpy as np

    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if not np.isfinite(peak) or peak < SILENCE:
        raise AudioError("E3007", f"`{path.name}` is silent"
                         + ("" if start is None and end is None else " in the part in use"),
                         "beats and bars are found in the sound: the audio must not be silent")
    return Audio(samples, sample_rate, full, first)


def _decode(path: Path):
    """(mono float32 samples, rate), through soundfile, else PyAV."""
    import numpy as np

    try:
        import soundfile

        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        return np.ascontiguousarray(data.mean(axis=1), dtype=np.float32), int(rate)
    except Exception:  # noqa: BLE001 - soundfile refuses many formats; PyAV gets a go
        pass
    return _decode_av(path)


def _decode_av(path: Path):
    import numpy as np

    try:
        import av
    except ImportError as error:  # pragma: no cover - av is a dependency of mvlang
        raise AudioError("E3006", f"`{path.name}` needs PyAV to decode",
                         'reinstall mvlang: `pip install --upgrade mvlang`') from error
    chunks, rate = [], 0
    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise AudioError("E3006", f"`{path.name}` has no audio stream",
                                 "is it a video without sound, or not a media file at all?")
            stream = streams[0]
            rate = stream.codec_context.sample_rate or stream.rate
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except AudioError:
        raise
    except Exception as error:  # noqa: BLE001 - any decoder failure means "not audio"
        raise AudioError("E3006", f"`{path.name}` cannot be decoded as audio",
                         "mvlang reads wav, flac, ogg, mp3, opus and m4a/aac") from error
    if not chunks or not rate:
        raise AudioError("E3005", f"`{path.name}` holds no audio samples")
    return np.concatenate(chunks).astype(np.float32), int(rate)


def _resample(samples, rate: int, target: int):
    import numpy as np

    if rate == target:
        return np.ascontiguousarray(samples, dtype=np.float32)
    from scipy.signal import resample_poly

    common = gcd(rate, target)
    out = resample_poly(samples.astype(np.float64), target // common, rate // common)
    return out.astype(np.float32)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"
