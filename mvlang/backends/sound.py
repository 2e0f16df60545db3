"""Sound effects from a diffusers text-to-audio model (stage: backends, `sfx`).

The generative counterpart of the preview sound designer (`mvlang.audio.sfx`),
with the same output conventions, so the mixer cannot tell them apart:

- `generate(model, prompt, seconds=, seed=, rate=)` for `sfx "prompt"`: float32
  stereo (n, 2) at `rate`, n = round(seconds * rate), peak -1 dBFS, 8 dB less for
  "soft" words and 12 dB less for "far away" words (read the way the preview
  reads them); a 3 ms fade in (the attack stays at the start) and a 50 ms fade out.
- `auto(model, features, fps, words, seed=, rate=)` for `sfx auto`: a texture
  generated from `auto_prompt(scene words, motion, effects)`, as long as the
  scene, whose loudness follows the picture's motion, whose brightness opens
  a low-pass, and whose cuts get a thump or a whoosh, exactly as the preview's
  `auto` does (its helpers are reused): about -16.5 dBFS RMS at full motion, 28 dB
  less for a still picture, peaks rounded off under -1 dBFS.

The model folder is any diffusers pipeline that `model_index.json` names as
`StableAudioPipeline`, `AudioLDM2Pipeline` or `AudioLDMPipeline`; it is loaded
once per process (`runtime.load`) with `DiffusionPipeline.from_pretrained(folder,
local_files_only=True)`. Options from `[models.sfx]`: `steps` (default 100),
`guidance` (default 7 for Stable Audio, 3.5 for AudioLDM 2, 2.5 for AudioLDM),
`negative` (default "low quality, noise"; "" for none), `device`, `dtype`.

Lengths: the pipeline makes audio at its own rate (Stable Audio: `vae.sampling_rate`;
AudioLDM: `vocoder.config.sampling_rate`), a little longer than asked and at
least its minimum (AudioLDM: one VAE block of vocoder hops); that is resampled
to `rate` with `scipy.signal.resample_poly` and trimmed or padded to exactly n.
A sound longer than one call can make (Stable Audio: `transformer.sample_size *
vae.hop_length` samples; AudioLDM: 30 s by choice) is made of pieces, each from
its own seed derived from `seed`, joined by equal-power crossfades of up to 0.5 s.
`seconds=None` takes the length the preview designer would give the same words
(a bell rings out, rain lasts a few seconds), else `DEFAULT_SECONDS`.

The same (model, prompt, seconds, seed, rate) gives the same samples: noise is
drawn on the CPU (`runtime.generator`). Nothing here imports torch or diffusers
at module level, nor scipy and the preview designer (a cached rebuild that only
plans never pays for them).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from dataclasses import replace

import numpy as np

from mvlang.config import Model

from . import runtime
from .runtime import ModelError

__all__ = ["DEFAULT_SECONDS", "KINDS", "auto", "auto_prompt", "generate"]

KINDS = ("StableAudioPipeline", "AudioLDM2Pipeline", "AudioLDMPipeline")
DEFAULT_STEPS = 100
DEFAULT_GUIDANCE = {"StableAudioPipeline": 7.0, "AudioLDM2Pipeline": 3.5,
                    "AudioLDMPipeline": 2.5}
NEGATIVE = "low quality, noise"
DEFAULT_SECONDS = 2.0           # seconds=None and the words give the preview no length
LONGEST_PIECE = 30.0            # seconds: AudioLDM pieces (Stable Audio: its own maximum)
CROSSFADE = 0.5                 # seconds, at most, between pieces
FADE_IN, FADE_OUT = 0.003, 0.05


# ------------------------------------------------------------------ loading
def _preview():
    from mvlang.audio import sfx

    return sfx


def _kind(model: Model) -> str:
    index = model.path / "model_index.json"
    try:
        name = json.loads(index.read_text(encoding="utf-8")).get("_class_name")
    except (OSError, ValueError) as error:
        raise ModelError(f"[models.{model.role}] path: {model.path} is not a diffusers "
                         f"pipeline folder (cannot read model_index.json: {error})") from error
    if name not in KINDS:
        raise ModelError(f"[models.{model.role}] path: {model.path} holds a {name}; the sfx "
                         "backend runs " + ", ".join(KINDS))
    return name


def _loader(model: Model, device: str, dtype, kind: str):
    runtime.torch_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from diffusers import DiffusionPipeline
        from diffusers.utils import logging as dlogging

        dlogging.disable_progress_bar()
        dlogging.set_verbosity_error()       # AudioLDM's "deprecated" notice, load reports
        try:
            pipe = DiffusionPipeline.from_pretrained(str(model.path), local_files_only=True,
                                                     **runtime.dtype_arg(dtype))
        except RuntimeError as error:        # weights that do not fit their configs
            raise ModelError(f"cannot load the `{model.role}` model from {model.path}: "
                             f"{error}") from error
    if type(pipe).__name__ != kind:
        raise ModelError(f"[models.{model.role}] {model.path} loaded as {type(pipe).__name__}, "
                         f"not {kind}")
    pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _pipeline(model: Model):
    if not model.path.is_dir():
        raise ModelError(f"[models.{model.role}] path: the folder {model.path} does not exist")
    kind = _kind(model)
    return kind, runtime.load(model, _loader, kind)


# ------------------------------------------------------------------ one call, pieces
def _limits(pipe, kind: str) -> tuple[int, float, float]:
    """(the pipeline's sample rate, the shortest and the longest seconds one call makes)."""
    if kind == "StableAudioPipeline":
        rate = int(pipe.vae.sampling_rate)
        longest = pipe.transformer.config.sample_size * pipe.vae.hop_length / rate
        longest = min(longest, float(pipe.projection_model.config.max_value))
        return rate, 64 / rate, longest
    config = pipe.vocoder.config
    rate = int(config.sampling_rate)
    shortest = float(np.prod(config.upsample_rates)) / rate * pipe.vae_scale_factor
    return rate, shortest, LONGEST_PIECE


def _call(pipe, kind: str, prompt: str, seconds: float, seed: int, options: dict) -> np.ndarray:
    """One pipeline call: float64 (samples, channels) at the pipeline's rate."""
    torch = runtime.torch_module()
    negative = options["negative"] or None
    common = {"num_inference_steps": int(options["steps"]),
              "guidance_scale": float(options["guidance"]), "negative_prompt": negative,
              "num_waveforms_per_prompt": 1, "generator": runtime.generator(seed),
              "output_type": "np"}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "StableAudioPipeline":
            audio = pipe(prompt, audio_start_in_s=0.0, audio_end_in_s=seconds, **common).audios
            audio = np.asarray(audio, dtype=np.float64)[0].T          # (batch, ch, n) -> (n, ch)
        else:
            audio = pipe(prompt, audio_length_in_s=seconds, **common).audios
            audio = np.asarray(audio, dtype=np.float64)[0][:, None]   # (batch, n) -> (n, 1)
    return audio


def _piece_seed(seed: int, k: int) -> int:
    if k == 0:
        return int(seed)
    digest = hashlib.blake2b(f"sfx-piece\x1f{int(seed)}\x1f{k}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _clean(x: np.ndarray, rate: int) -> np.ndarray:
    """No DC and nothing under 20 Hz (random and real decoders both drift), stereo."""
    from scipy import signal

    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    if x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    x = x[:, :2] - x[:, :2].mean(axis=0)
    if x.shape[0] > 64:
        sos = signal.butter(2, 20.0, "highpass", fs=rate, output="sos")
        x = signal.sosfiltfilt(sos, x, axis=0, padlen=min(x.shape[0] - 1, 3 * rate // 20))
    return x


def _texture(model: Model, prompt: str, n: int, seed: int, rate: int) -> np.ndarray:
    """n samples of float64 stereo at `rate`, unit RMS (zeros if the model gave silence)."""
    if n <= 0:
        return np.zeros((0, 2))
    kind, pipe = _pipeline(model)
    options = {"steps": model.option("steps", DEFAULT_STEPS),
               "guidance": model.option("guidance", DEFAULT_GUIDANCE[kind]),
               "negative": model.option("negative", NEGATIVE)}
    source, shortest, longest = _limits(pipe, kind)
    # what the resampler needs, and a little more for its filter's edges
    needed = math.ceil(n * source / rate) + 64
    needed_s = max(needed / source, shortest)
    try:
        if needed_s <= longest:
            raw = _clean(_call(pipe, kind, prompt, needed_s, seed, options), source)
        else:
            raw = _joined(pipe, kind, prompt, needed_s, seed, options, source, longest)
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        raise ModelError(f"the `{model.role}` model ({kind}) failed on {prompt!r}: "
                         f"{type(error).__name__}: {error}") from error
    from scipy import signal

    g = math.gcd(int(rate), int(source))
    out = raw if source == rate else signal.resample_poly(raw, rate // g, source // g, axis=0)
    out = out[:n]
    if out.shape[0] < n:
        out = np.concatenate([out, np.zeros((n - out.shape[0], 2))])
    level = float(np.sqrt(np.mean(out ** 2)))
    return out / level if level > 1e-20 else np.zeros((n, 2))


def _joined(pipe, kind, prompt, seconds, seed, options, source, longest) -> np.ndarray:
    """A sound longer than one call: pieces of `longest` seconds, equal-power crossfades."""
    piece = int(longest * source)
    overlap = min(int(CROSSFADE * source), piece // 4)
    total = math.ceil(seconds * source)
    hop = piece - overlap
    count = max(1, math.ceil((total - overlap) / hop))
    out = np.zeros((hop * (count - 1) + piece, 2))
    ramp = np.sin(0.5 * np.pi * (np.arange(overlap) + 0.5) / max(overlap, 1))[:, None]
    for k in range(count):
        x = _clean(_call(pipe, kind, prompt, longest, _piece_seed(seed, k), options), source)
        x = x[:piece]
        x = x / max(float(np.sqrt(np.mean(x ** 2))), 1e-20)
        if k > 0 and overlap:
            x[:overlap] *= ramp
        if k < count - 1 and overlap:
            x[x.shape[0] - overlap:] *= ramp[::-1]
        out[k * hop:k * hop + x.shape[0]] += x
    return out[:total]


# ------------------------------------------------------------------ sfx "prompt"
def _natural_seconds(prompt: str, seed: int) -> float:
    """The length the preview designer gives these words (`design(..., seconds=None)`)."""
    preview = _preview()
    try:
        plan = preview._plan(prompt, 48000)
        base = plan.ctx
        longest = 0.0
        for i, name in enumerate(plan.families):
            fam = preview.FAMILIES[name]
            c = replace(base, rng=preview._seed_words(plan.text, int(seed), i, name),
                        seed=int(seed))
            natural = float(fam.natural(c))
            if not fam.texture(c):
                natural += (max(1, c.count or 1) - 1) * fam.interval(c) + (
                    1.0 if base.far else 0.0)
            longest = max(longest, natural)
        return longest if longest > 0 else DEFAULT_SECONDS
    except Exception:  # noqa: BLE001 - the preview's internals moved: a plain default
        return DEFAULT_SECONDS


def generate(model: Model, prompt: str, *, seconds: float | None, seed: int,
             rate: int) -> np.ndarray:
    """`sfx "prompt"` from the model: float32 stereo (round(seconds * rate), 2), peak
    -1 dBFS (-9 for "soft" words, -13 for "far away" ones, as the preview reads them).
    seconds=None: the preview designer's length for the words (else DEFAULT_SECONDS)."""
    preview = _preview()
    if seconds is None:
        seconds = _natural_seconds(prompt, seed)
    n = max(0, round(float(seconds) * rate))
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    x = _texture(model, prompt, n, seed, rate)
    if not x.any():
        return np.zeros((n, 2), dtype=np.float32)
    x = preview._tame(x)
    x = preview._fade(x, int(FADE_IN * rate), int(min(FADE_OUT * rate, n // 4)))
    x *= preview.PEAK / max(preview._peak(x), 1e-12)
    ctx = preview._plan(prompt, rate).ctx
    if ctx.far:
        x *= 10 ** (preview.FAR_DB / 20)
    if ctx.soft:
        x *= 10 ** (preview.SOFT_DB / 20)
    return x.astype(np.float32)


# ------------------------------------------------------------------ sfx auto
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STYLE = _words("""
cinematic cinematography photorealistic realistic hyperrealistic hyper photoreal photo photograph
photography 4k 8k hd uhd hdr highly detailed intricate masterpiece trending artstation octane
render rendered unreal bokeh illustration illustrated painting painted oil watercolor watercolour
acrylic gouache sketch drawing drawn anime manga cartoon pixar disney ghibli studio style styled
pastel vibrant colorful colourful palette lighting lit light dramatic moody volumetric 35mm 50mm
film analog kodak polaroid portrait wide angle lens shot closeup close up macro aesthetic award
winning sharp focus depth field art artwork digital concept matte quality best high resolution
grain grainy vignette tones tone colors colours color colour muted saturated desaturated
composition symmetrical
""")
_CAMERA = _words("""
camera cam pan pans panning tilt tilts tilting zoom zooms zooming dolly dollies orbit orbits
orbiting track tracks tracking push pull crane handheld steady steadicam static locked shot
slowly slow gently gentle smooth smoothly quickly fast in out left right up down around toward
towards away from the a an of to on at across over into and with subject frame view
""")
_FILLER = _words("in the of by a an and with on at to")
_EFFECT_WORDS = {"dream": "dreamy and reverberant", "blur": "muffled", "glow": "shimmering"}


def _ages(match: re.Match) -> str:
    """`{mia@6}` -> "a child": a character reference, as a sound designer would hear it."""
    age = re.search(r"@\s*(\d+)", match.group(0))
    if not age:
        return "someone"
    years = int(age.group(1))
    return ("a baby" if years < 2 else "a child" if years < 13 else "a teenager" if years < 20
            else "an old person" if years >= 65 else "someone")


def _clauses(text: str, drop: frozenset[str]) -> list[str]:
    """The comma-separated parts of `text` that are more than words from `drop`."""
    text = re.sub(r"\{[^}]*\}", _ages, text or "")
    out = []
    for part in re.split(r"[,;\n]|\.(?:\s|$)", text):
        part = " ".join(part.split()).strip(" .")
        words = re.findall(r"[a-z0-9]+", part.lower())
        if not words or all(w in drop or w in _FILLER for w in words):
            continue
        if re.match(r"(in the style of|by)\b", part.lower()):
            continue
        out.append(part)
    return out


def auto_prompt(words: str, motion: str | None = None, effects: tuple[str, ...] = ()) -> str:
    """The text `sfx auto` asks the model for, from the scene: "sound of" what the prompt
    shows, then how things move, then what the effects suggest. Character references
    become people by age; parts of the prompt that only name a picture style, and parts
    of the motion that only move the camera, are left out; effects that have a sound
    (dream, blur, glow) add it.

    >>> auto_prompt("{mia@6} chasing soap bubbles in a sunlit meadow, watercolor")
    'sound of a child chasing soap bubbles in a sunlit meadow'
    >>> auto_prompt("a stormy harbour at night, cinematic lighting", "waves crashing, slow pan left")
    'sound of a stormy harbour at night, waves crashing'
    >>> auto_prompt("a busy street market", None, ("grain", "dream"))
    'sound of a busy street market, dreamy and reverberant'
    >>> auto_prompt("", "camera orbits slowly")
    'ambient room tone'
    """
    scene = _clauses(words, _STYLE)
    moving = _clauses(motion or "", _CAMERA)
    extra = [_EFFECT_WORDS[e] for e in dict.fromkeys(effects) if e in _EFFECT_WORDS]
    if not scene and not moving:
        return ", ".join(["ambient room tone", *extra])
    first = "sound of " + (", ".join(scene) if scene else moving.pop(0))
    return ", ".join([first, *moving, *extra])


def auto(model: Model, features: dict, fps: float, words: str, seed: int, rate: int,
         motion: str | None = None, effects: tuple[str, ...] = ()) -> np.ndarray:
    """`sfx auto` from the model: float32 stereo, len(features["motion"]) / fps seconds.

    The texture is the model's, from `auto_prompt(words, motion, effects)`; the rest is
    the preview's `auto`: loudness follows motion (an envelope smoothed over ~80 ms, from
    -28 dB to full at the scene's brisk motion, its 95th percentile but never below 8
    levels a frame), the low-pass cutoff follows brightness (350 Hz for black to 14 kHz
    for white), each cut (features["cuts"] > 0.5) gets a thump (to a darker picture) or a
    whoosh (to a brighter one) about 14 dB over the bed; about -16.5 dBFS RMS at full
    motion, the peaks rounded off under -1 dBFS. What the preview layers by words (night
    crickets, birds in a forest) is left to the model: the words reach it in the prompt.
    `motion` is the scene's `motion "..."` text and `effects` its effect names; both only
    change the prompt (see `auto_prompt`)."""
    preview = _preview()
    motion_values, brightness, cuts, n = preview.checked_features(features, fps, rate)
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    bed = _texture(model, auto_prompt(words, motion, effects), n, seed, rate)
    return preview.shape_auto(bed, motion_values, brightness, cuts, fps, words, seed, rate)
