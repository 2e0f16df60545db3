"""Music from a text prompt: MusicGen, through transformers'
`MusicgenForConditionalGeneration` (audiocraft is not needed).

`[models.music] path` names a local MusicGen folder as transformers saves it
(`facebook/musicgen-small`, `-medium`, `-large`, `-stereo-*`; `mvlang.dev.tiny_music`
builds a tiny random one). The text fed to the model is the prompt with the
song's tempo, key and meter written into it (`describe`).

MusicGen makes at most about 30 seconds at once (`window`). A longer song is made
window by window: the last `context` seconds of what exists are encoded by the
model's EnCodec into the decoder's prompt, the model continues them under the same
text, and the continuation is appended, with a short equal-power crossfade at each
join from the old audio into the model's own decoding of its tail (the two agree
on a real model; the fade hides what differs). The result is trimmed to exactly
`round(seconds * rate)` samples. (`context = 0` makes each window afresh and
joins them hard.)

Nothing heavy is imported here at module level: torch and transformers load on
the first `generate`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from mvlang.backends import runtime
from mvlang.backends.runtime import ModelError
from mvlang.config import Model

CROSSFADE = 0.05       # seconds of crossfade at each join between windows
GUIDANCE = 3.0         # classifier-free guidance, as the MusicGen models ship


def describe(prompt: str, bpm: float | None, key: str | None, meter: tuple[int, int]) -> str:
    """The text MusicGen reads: the prompt, then tempo, key and meter, e.g.
    "hypnotic deep house, warm bass, 124 bpm, in A minor, 4/4"."""
    parts = [" ".join(str(prompt).split()).strip(" ,")]
    if bpm is not None:
        bpm = float(bpm)
        parts.append(f"{round(bpm)} bpm" if abs(bpm - round(bpm)) < 0.05 else f"{bpm:.1f} bpm")
    if key:
        key = " ".join(str(key).split())
        parts.append(key if key.lower().startswith("in ") else f"in {key}")
    if meter:
        parts.append(f"{int(meter[0])}/{int(meter[1])}")
    return ", ".join(part for part in parts if part)


def generate(model: Model, prompt: str, *, bpm: float | None, key: str | None,
             meter: tuple[int, int] = (4, 4), seconds: float, seed: int, window: float = 30.0,
             context: float = 10.0, progress: Callable[[float], None] | None = None):
    """`seconds` of music for `prompt` from the MusicGen at `model.path`: a float32
    array of shape (n, 2) with n == round(seconds * rate) (a mono model's channel
    is doubled), and the model's sample rate. The same seed gives the same audio."""
    import numpy as np

    if not seconds > 0:
        raise ModelError(f"music: cannot make {seconds} seconds of music; ask for more than 0")
    if not window > 0 or not 0 <= context < window:
        raise ModelError(f"music: window = {window} s and context = {context} s: the context "
                         "must be shorter than the window, and the window longer than 0")
    torch = runtime.torch_module()
    net, processor = runtime.load(model, _load)
    device = runtime.device_of(model)
    dtype = runtime.dtype_of(model, device)
    codec = net.config.audio_encoder
    rate = int(codec.sampling_rate)
    hop = int(np.prod(codec.upsampling_ratios))
    frame_rate = rate / hop
    channels = int(net.config.decoder.audio_channels)
    delay = int(net.config.decoder.num_codebooks) // channels - 1
    longest = int(net.config.decoder.max_position_embeddings) - 1 - delay
    window_frames = min(max(1, round(window * frame_rate)), longest)
    context_frames = min(round(context * frame_rate), window_frames - 1)
    n = round(seconds * rate)
    text = describe(prompt, bpm, key, meter)
    guidance = float(model.option("guidance", GUIDANCE))
    fade = max(1, round(CROSSFADE * rate))

    def window_of(frames: int, audio=None):
        """One call of MusicGen: `frames` new frames after `audio` (channels, samples)."""
        if audio is None:
            inputs = processor(text=[text], padding=True, return_tensors="pt")
        else:
            clip = audio[0] if channels == 1 else audio
            inputs = processor(text=[text], audio=[clip], sampling_rate=rate, padding=True,
                               return_tensors="pt")
        inputs = {name: value.to(device) for name, value in inputs.items()}
        if "input_values" in inputs:
            inputs["input_values"] = inputs["input_values"].to(dtype)
        try:
            with torch.inference_mode():
                values = net.generate(**inputs, do_sample=True, guidance_scale=guidance,
                                      max_new_tokens=frames + delay)
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"the `{model.role}` model at {model.path} failed to make music: "
                             f"{type(error).__name__}: {error}") from error
        return values[0].float().cpu().numpy()

    with torch.random.fork_rng(devices=[] if device == "cpu" else None):
        torch.manual_seed(int(seed) % (1 << 63))
        audio = window_of(min(window_frames, math.ceil(n / hop)))
        if progress is not None:
            progress(min(1.0, audio.shape[1] / n))
        while audio.shape[1] < n:
            length = audio.shape[1]
            keep = min(context_frames * hop, (length // hop) * hop)
            frames = min(window_frames - keep // hop, math.ceil((n - length) / hop))
            made = window_of(frames, audio[:, length - keep:] if keep else None)
            if made.shape[1] <= keep:
                raise ModelError(f"the `{model.role}` model at {model.path} made no new audio "
                                 f"after {length / rate:.2f} s")
            audio = _join(audio, made, keep, min(fade, keep), np)
            if progress is not None:
                progress(min(1.0, audio.shape[1] / n))
    audio = audio[:, :n]
    if audio.shape[0] == 1:
        audio = np.repeat(audio, 2, axis=0)
    return np.ascontiguousarray(audio[:2].T, dtype=np.float32), rate


def _join(audio, made, keep: int, fade: int, np):
    """`audio` (channels, samples) continued by `made`, whose first `keep` samples
    are the model's decoding of the last `keep` of `audio`: over the last `fade`
    samples of `audio` an equal-power crossfade goes into that decoding, then the
    continuation follows on from it."""
    out = audio.copy()
    if fade > 0:
        t = (np.arange(fade, dtype=np.float64) + 0.5) / fade
        old, new = np.cos(t * np.pi / 2), np.sin(t * np.pi / 2)
        out[:, -fade:] = out[:, -fade:] * old + made[:, keep - fade:keep] * new
    return np.concatenate([out, made[:, keep:]], axis=1).astype(np.float32)


def _load(model: Model, device: str, dtype):
    """(MusicgenForConditionalGeneration, its processor) from the folder, offline."""
    runtime.torch_module()
    config = model.path / "config.json"
    try:
        kind = json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError) as error:
        raise ModelError(f"[models.{model.role}] path: {model.path} holds no readable "
                         f"config.json ({type(error).__name__}: {error}); it should be a "
                         "MusicGen folder as transformers saves it") from error
    if kind != "musicgen":
        raise ModelError(f"[models.{model.role}] path: {model.path} holds a {kind!r} model, not "
                         "MusicGen (model_type \"musicgen\"); musicgen-melody is not supported")
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    net = MusicgenForConditionalGeneration.from_pretrained(model.path, local_files_only=True,
                                                           dtype=dtype)
    net = net.to(device).eval()
    processor = AutoProcessor.from_pretrained(model.path, local_files_only=True)
    features = getattr(processor, "feature_extractor", None)
    if features is None or not hasattr(processor, "tokenizer"):
        raise ModelError(f"[models.{model.role}] path: {model.path} has no MusicGen processor "
                         "(preprocessor_config.json / processor_config.json and the tokenizer)")
    rate = net.config.audio_encoder.sampling_rate
    if features.sampling_rate != rate:
        raise ModelError(f"[models.{model.role}] path: {model.path}: the processor works at "
                         f"{features.sampling_rate} Hz but the audio encoder at {rate} Hz")
    return net, processor
