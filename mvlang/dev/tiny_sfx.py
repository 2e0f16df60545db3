"""A tiny random-weight text-to-audio pipeline folder, for tests and demos of the
`sfx` backend (`mvlang.backends.sound`).

`build(folder, kind)` writes a diffusers pipeline with random weights (torch
seeded, so the same call writes the same weights) through `save_pretrained`;
`DiffusionPipeline.from_pretrained(folder, local_files_only=True)` loads it back
with no network. The sizes follow diffusers' own tests (`get_dummy_components`),
with real audio rates so that resampling is exercised:

- "stable_audio" (the default): `StableAudioPipeline`, stereo at 16 kHz; an
  Oobleck VAE with hop 256 and a 256-frame DiT, so one call makes at most
  4.096 s (longer sounds are made in pieces).
- "audioldm2": `AudioLDM2Pipeline`, mono at 16 kHz; CLAP + T5 + GPT-2 text
  encoders, a tiny UNet over a 16-bin mel latent and a SpeechT5 HiFi-GAN vocoder
  with hop 160 (any length).
- "audioldm": `AudioLDMPipeline` (deprecated in diffusers, still loadable): a
  CLAP text encoder, the same UNet, VAE and vocoder sizes; mono at 16 kHz.

The output is noise shaped by random layers, not a sound: what the tests check
is the plumbing (lengths, rates, seeds, levels), not the content.
"""

from __future__ import annotations

import json
from pathlib import Path

from .tiny_common import _alphabet, t5_tokenizer, t5_vocab_size

KINDS = ("stable_audio", "audioldm2", "audioldm")
RATE = 16000



def _spectrogram_parts():
    """The scheduler and the one-channel (mel spectrogram) VAE the AudioLDM kinds share."""
    from diffusers import AutoencoderKL, DDIMScheduler

    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    vae = AutoencoderKL(block_out_channels=[8, 16], in_channels=1, out_channels=1,
                        norm_num_groups=8, latent_channels=4,
                        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
                        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"])
    return scheduler, vae

def build(folder: Path, kind: str = "stable_audio") -> Path:
    """Write a tiny random `kind` pipeline (see KINDS) into `folder`; return `folder`."""
    if kind not in KINDS:
        raise ValueError(f"tiny sfx kind {kind!r}: choose one of {', '.join(KINDS)}")
    import warnings

    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = torch.random.get_rng_state()
    torch.manual_seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # weight_norm's deprecation warning
            pipe = {"stable_audio": _stable_audio, "audioldm2": _audioldm2,
                    "audioldm": _audioldm}[kind](folder)
        pipe.save_pretrained(folder, safe_serialization=True)
    finally:
        torch.random.set_rng_state(state)
    return folder


def _t5_encoder(d_model: int = 32):
    from transformers import T5Config, T5EncoderModel

    config = T5Config(vocab_size=t5_vocab_size(), d_model=d_model, d_ff=37, d_kv=8,
                      num_layers=2, num_heads=2, relative_attention_num_buckets=8,
                      dropout_rate=0.0, pad_token_id=0, eos_token_id=1)
    return T5EncoderModel(config).eval()


def _stable_audio(folder: Path):
    from diffusers import (
        AutoencoderOobleck,
        EDMDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
    )
    from diffusers.pipelines.stable_audio import StableAudioProjectionModel

    transformer = StableAudioDiTModel(
        sample_size=256, in_channels=3, num_layers=2, attention_head_dim=4,
        num_attention_heads=2, num_key_value_attention_heads=2, out_channels=3,
        cross_attention_dim=4, time_proj_dim=8, global_states_input_dim=8,
        cross_attention_input_dim=4)
    scheduler = EDMDPMSolverMultistepScheduler(
        solver_order=2, prediction_type="v_prediction", sigma_data=1.0,
        sigma_schedule="exponential", sigma_min=0.3, sigma_max=500)
    vae = AutoencoderOobleck(
        encoder_hidden_size=6, downsampling_ratios=[2, 4, 4, 8], decoder_channels=3,
        decoder_input_channels=3, audio_channels=2, channel_multiples=[1, 2, 2, 4],
        sampling_rate=RATE)
    text_encoder = _t5_encoder(32)
    tokenizer = t5_tokenizer(None, max_length=64)
    projection = StableAudioProjectionModel(text_encoder_dim=32, conditioning_dim=4,
                                            min_value=0, max_value=64)
    return StableAudioPipeline(vae=vae.eval(), text_encoder=text_encoder,
                               projection_model=projection.eval(), tokenizer=tokenizer,
                               transformer=transformer.eval(), scheduler=scheduler)


def _roberta_tokenizer(folder: Path):
    """A RobertaTokenizer over single bytes (no merges), like `clip_tokenizer`."""
    from transformers import RobertaTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in _alphabet():
        vocab.setdefault(c, len(vocab))
    vocab["<mask>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return RobertaTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                            model_max_length=77), len(vocab)


def _audioldm2(folder: Path):
    import tempfile

    from diffusers import (
        AudioLDM2Pipeline,
        AudioLDM2ProjectionModel,
        AudioLDM2UNet2DConditionModel,
    )
    from transformers import (
        ClapAudioConfig,
        ClapConfig,
        ClapFeatureExtractor,
        ClapModel,
        ClapTextConfig,
        GPT2Config,
        GPT2LMHeadModel,
    )

    unet = AudioLDM2UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=8, sample_size=32,
        in_channels=4, out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=(8, 16))
    scheduler, vae = _spectrogram_parts()
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer, vocab = _roberta_tokenizer(Path(scratch))
    text_config = ClapTextConfig(bos_token_id=0, eos_token_id=2, hidden_size=8,
                                 intermediate_size=37, layer_norm_eps=1e-05,
                                 num_attention_heads=1, num_hidden_layers=1, pad_token_id=1,
                                 vocab_size=vocab, projection_dim=16,
                                 max_position_embeddings=80)
    audio_config = ClapAudioConfig(spec_size=8, window_size=4, num_mel_bins=8,
                                   intermediate_size=37, layer_norm_eps=1e-05, depths=[1, 1],
                                   num_attention_heads=[1, 1], num_hidden_layers=1,
                                   hidden_size=192, projection_dim=16)
    text_encoder = ClapModel(ClapConfig(text_config=text_config.to_dict(),
                                        audio_config=audio_config.to_dict(),
                                        projection_dim=16)).eval()
    feature_extractor = ClapFeatureExtractor(feature_size=8, sampling_rate=RATE,
                                             hop_length=160)
    text_encoder_2 = _t5_encoder(32)
    tokenizer_2 = t5_tokenizer(None, max_length=64)
    language_model = GPT2LMHeadModel(GPT2Config(n_embd=16, n_head=1, n_layer=1,
                                                vocab_size=1000, n_ctx=99, n_positions=99,
                                                bos_token_id=0, eos_token_id=0)).eval()
    language_model.config.max_new_tokens = 8
    projection = AudioLDM2ProjectionModel(text_encoder_dim=16, text_encoder_1_dim=32,
                                          langauge_model_dim=16)
    vocoder = _vocoder()
    return AudioLDM2Pipeline(vae=vae.eval(), text_encoder=text_encoder,
                             text_encoder_2=text_encoder_2, projection_model=projection.eval(),
                             language_model=language_model, tokenizer=tokenizer,
                             tokenizer_2=tokenizer_2, feature_extractor=feature_extractor,
                             unet=unet.eval(), scheduler=scheduler, vocoder=vocoder)


def _vocoder():
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

    return SpeechT5HifiGan(SpeechT5HifiGanConfig(
        model_in_dim=8, sampling_rate=RATE, upsample_initial_channel=16,
        upsample_rates=[4, 4, 10], upsample_kernel_sizes=[8, 8, 20],
        resblock_kernel_sizes=[3, 7], resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]],
        normalize_before=False)).eval()


def _audioldm(folder: Path):
    import tempfile

    from diffusers import AudioLDMPipeline, UNet2DConditionModel
    from transformers import ClapTextConfig, ClapTextModelWithProjection

    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=8, sample_size=32,
        in_channels=4, out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=(8, 16),
        class_embed_type="simple_projection", projection_class_embeddings_input_dim=8,
        class_embeddings_concat=True)
    scheduler, vae = _spectrogram_parts()
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer, vocab = _roberta_tokenizer(Path(scratch))
    text_encoder = ClapTextModelWithProjection(ClapTextConfig(
        bos_token_id=0, eos_token_id=2, hidden_size=8, intermediate_size=37,
        layer_norm_eps=1e-05, num_attention_heads=1, num_hidden_layers=1, pad_token_id=1,
        vocab_size=vocab, projection_dim=8, max_position_embeddings=80)).eval()
    return AudioLDMPipeline(vae=vae.eval(), text_encoder=text_encoder, tokenizer=tokenizer,
                            unet=unet.eval(), scheduler=scheduler, vocoder=_vocoder())
