"""A tiny random-weight image-to-video pipeline folder (LTX-Video's
`LTXImageToVideoPipeline`), for tests and for trying `[models.video]` offline.

The components mirror the dummy ones diffusers' own LTX image-to-video tests
use: a one-layer `LTXVideoTransformer3DModel`, an `AutoencoderKLLTXVideo` with
eight channels (4x spatial, 4x temporal compression), a two-layer
`T5EncoderModel` over the character tokenizer of `tiny_common`, and a
`FlowMatchEulerDiscreteScheduler`. Weights are seeded, so a folder built twice
holds the same numbers. What it makes is noise; how fast it makes it (a 9-frame
32x32 clip in two steps takes a fraction of a second on one CPU thread) is the
point.

    python -m mvlang.dev.tiny_video models/tiny-video
"""

from __future__ import annotations

import sys
from pathlib import Path

from mvlang.dev.tiny_common import t5_tokenizer, t5_vocab_size

TEXT_WIDTH = 32
MAX_TEXT = 32


def build(folder: Path) -> Path:
    """Write the tiny pipeline into `folder` (created) and return it."""
    from mvlang.backends.runtime import torch_module

    torch = torch_module()
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=1,
        caption_channels=TEXT_WIDTH)

    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8,
        block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False), upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)

    torch.manual_seed(0)
    text_config = T5Config(
        vocab_size=t5_vocab_size(), d_model=TEXT_WIDTH, d_kv=8, d_ff=37, num_layers=2,
        num_heads=4, relative_attention_num_buckets=8, dropout_rate=0.0,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    text_encoder = T5EncoderModel(text_config).eval()

    tokenizer = t5_tokenizer(max_length=MAX_TEXT)
    scheduler = FlowMatchEulerDiscreteScheduler()

    pipe = LTXImageToVideoPipeline(transformer=transformer, vae=vae, scheduler=scheduler,
                                   text_encoder=text_encoder, tokenizer=tokenizer)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


if __name__ == "__main__":  # pragma: no cover
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-video")))
