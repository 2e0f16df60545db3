"""Audio in: every format the language promises, parts of files, and clear errors."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
import soundfile

from mvlang.audio.decode import AudioError, read_audio

RATE = 44100


def tone(seconds: float = 2.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.stack([left, 0.5 * np.sin(2 * np.pi * 660 * t)], axis=1).astype(np.float32)


def write_av(path, samples, codec: str, container: str) -> None:
    """Encode with PyAV (for m4a/aac, which libsndfile cannot write)."""
    import av

    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=RATE, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T), format="fltp",
                                           layout="stereo")
        frame.rate = RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.parametrize("suffix, kwargs", [
    (".wav", {}), (".flac", {}), (".ogg", {"format": "OGG", "subtype": "VORBIS"}),
    (".mp3", {"format": "MP3"}), (".opus", {"format": "OGG", "subtype": "OPUS"}),
])
def test_formats_through_soundfile(tmp_path, suffix, kwargs):
    path = tmp_path / f"a{suffix}"
    rate = 48000 if suffix == ".opus" else RATE
    soundfile.write(path, tone(2.0, rate), rate, **kwargs)
    audio = read_audio(path)
    assert audio.sample_rate == 22050
    assert abs(audio.duration - 2.0) < 0.08          # codecs pad a little
    spectrum = np.abs(np.fft.rfft(audio.samples[:22050]))
    peak = np.argmax(spectrum) * 22050 / 22050
    assert peak in (440, 660)                        # the tones survive, mixed to mono


def test_m4a_aac_through_pyav(tmp_path):
    path = tmp_path / "a.m4a"
    write_av(path, tone(2.0), "aac", "mp4")
    audio = read_audio(path)
    assert abs(audio.duration - 2.0) < 0.1 and np.max(np.abs(audio.samples)) > 0.2


def test_from_and_to_keep_a_part(tmp_path):
    path = tmp_path / "a.wav"
    samples = np.zeros((RATE * 4, 1), dtype=np.float32)
    samples[RATE * 2] = 1.0                          # a click at 2 s
    samples[:, 0] += 0.01
    soundfile.write(path, samples, RATE)
    audio = read_audio(path, F(1), F(3))
    assert audio.duration == pytest.approx(2.0, abs=1e-3)
    assert abs(np.argmax(audio.samples) / 22050 - 1.0) < 0.002   # the click is now at 1 s


@pytest.mark.parametrize("make, code", [
    (lambda p: p.write_bytes(b""), "E3005"),
    (lambda p: p.write_bytes(b"this is not audio at all" * 50), "E3006"),
    (lambda p: soundfile.write(p, np.zeros((RATE, 2), dtype=np.float32), RATE), "E3007"),
])
def test_bad_files_have_clear_codes(tmp_path, make, code):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError) as error:
        read_audio(path)
    assert error.value.code == code and "bad.wav" in error.value.message


def test_from_past_the_end(tmp_path):
    path = tmp_path / "a.wav"
    soundfile.write(path, tone(2.0), RATE)
    with pytest.raises(AudioError) as error:
        read_audio(path, F(5))
    assert error.value.code == "E2017" and "0:02.00" in error.value.message


def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as error:
        read_audio(tmp_path / "nope.wav")
    assert error.value.code == "E3001"
