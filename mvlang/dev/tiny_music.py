"""A tiny random-weight MusicGen folder, built from nothing (for tests and demos).

It has the layout of a real `facebook/musicgen-*` download as transformers saves
it: `config.json` (model_type "musicgen", architectures
["MusicgenForConditionalGeneration"]), `generation_config.json` (sampling with
classifier-free guidance, as the real models ship), the weights, and the
processor (a T5 tokenizer and an EnCodec feature extractor), so that

    MusicgenForConditionalGeneration.from_pretrained(folder, local_files_only=True)
    AutoProcessor.from_pretrained(folder, local_files_only=True)

load it offline. The weights are random (seeded): it makes noise, not music,
but every code path of the real model runs, quickly: a T5 encoder of width 32,
an EnCodec at 16 kHz with 4 codebooks of 64 codes at 50 frames a second, and a
2-layer decoder of width 64.
"""

from __future__ import annotations

from pathlib import Path

from mvlang.dev.tiny_common import t5_tokenizer, t5_vocab_size

SAMPLING_RATE = 16_000
UPSAMPLING_RATIOS = (8, 5, 4, 2)     # hop 320 samples: 50 frames a second
CODEBOOK_SIZE = 64                    # 6 bits a code
NUM_CODEBOOKS = 4
LAST_KERNEL = 63                      # the codec's last filter: a band-pass, 4 ms long
SEED = 0


def build(folder: Path) -> Path:
    """Write the tiny MusicGen into `folder` (created) and return it."""
    from mvlang.backends.runtime import torch_module

    torch = torch_module()
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = T5Config(vocab_size=t5_vocab_size(), d_model=32, d_kv=8, d_ff=64, num_layers=2,
                    num_decoder_layers=1, num_heads=4, relative_attention_num_buckets=8,
                    relative_attention_max_distance=32, dropout_rate=0.0, pad_token_id=0,
                    eos_token_id=1, decoder_start_token_id=0)
    hop = 1
    for ratio in UPSAMPLING_RATIOS:
        hop *= ratio
    frame_rate = -(-SAMPLING_RATE // hop)
    bits = (CODEBOOK_SIZE - 1).bit_length()
    bandwidth = NUM_CODEBOOKS * frame_rate * bits / 1000      # 1.2 kbps: exactly 4 codebooks
    audio = EncodecConfig(sampling_rate=SAMPLING_RATE, audio_channels=1,
                          target_bandwidths=[bandwidth], upsampling_ratios=list(UPSAMPLING_RATIOS),
                          num_filters=4, hidden_size=16, last_kernel_size=LAST_KERNEL,
                          codebook_size=CODEBOOK_SIZE,
                          num_lstm_layers=1, num_residual_layers=1, use_causal_conv=False,
                          norm_type="weight_norm", pad_mode="reflect", normalize=False,
                          chunk_length_s=None, overlap=None)
    decoder = MusicgenDecoderConfig(vocab_size=CODEBOOK_SIZE, max_position_embeddings=2048,
                                    num_hidden_layers=2, ffn_dim=128, num_attention_heads=4,
                                    hidden_size=64, num_codebooks=NUM_CODEBOOKS, audio_channels=1,
                                    dropout=0.0, pad_token_id=CODEBOOK_SIZE,
                                    bos_token_id=CODEBOOK_SIZE)
    config = MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=audio.to_dict(),
                            decoder=decoder.to_dict())
    config.architectures = ["MusicgenForConditionalGeneration"]
    config.decoder_start_token_id = CODEBOOK_SIZE
    config.pad_token_id = CODEBOOK_SIZE

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = MusicgenForConditionalGeneration(config).eval()
        with torch.no_grad():
            _tune_codec(torch, model.audio_encoder)
    model.generation_config = GenerationConfig(
        do_sample=True, guidance_scale=3.0, max_length=1500, top_k=250,
        decoder_start_token_id=CODEBOOK_SIZE, pad_token_id=CODEBOOK_SIZE,
        bos_token_id=CODEBOOK_SIZE)
    model.save_pretrained(folder, safe_serialization=True)

    tokenizer = t5_tokenizer()
    features = EncodecFeatureExtractor(feature_size=1, sampling_rate=SAMPLING_RATE,
                                       padding_value=0.0, chunk_length_s=None, overlap=None)
    MusicgenProcessor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def _tune_codec(torch, codec) -> None:
    """Make the random EnCodec carry its codes into the sound.

    As initialised, its codebooks are zeros (every code decodes alike) and each
    random convolution shrinks the signal, so the output is a fixed hum. Here the
    codebooks get random vectors, each convolution of the encoder and decoder is
    rescaled (one pass of a random input) so that the signal keeps its size
    through the stack, and the decoder's last convolution becomes a bias-free band-pass
    (`_band_pass`), so that the output has no DC offset and no hiss: codes that differ
    make sound that differs, at a level near that of real music (RMS ~0.15, peaks ~0.7).
    """
    from transformers.models.encodec.modeling_encodec import (
        EncodecConv1d,
        EncodecConvTranspose1d,
    )

    def gain(layer):
        return layer.conv.parametrizations.weight.original0

    for quantizer in codec.quantizer.layers:
        book = quantizer.codebook
        book.embed.copy_(torch.randn(book.embed.shape))
        book.embed_avg.copy_(book.embed)
    hop = codec.config.hop_length
    stacks = ((codec.encoder.layers, torch.randn(1, 1, 50 * hop) * 0.2, 1.0),
              (codec.decoder.layers, torch.randn(1, codec.config.hidden_size, 50), 0.1))
    for layers, x, last_target in stacks:
        for index, layer in enumerate(layers):
            last = index == len(layers) - 1
            if last and layers is codec.decoder.layers:
                kernel = layer.conv.parametrizations.weight.original1
                kernel.copy_(_band_pass(torch, kernel.shape, codec.config.sampling_rate))
                layer.conv.bias.zero_()
            y = layer(x)
            if isinstance(layer, (EncodecConv1d, EncodecConvTranspose1d)):
                target = last_target if last else 0.5
                gain(layer).mul_(target / y.std().clamp_min(1e-6))
                if layer.conv.bias is not None:
                    layer.conv.bias.mul_(target / y.std().clamp_min(1e-6))
                y = layer(x)
            x = y


def _band_pass(torch, shape, rate: int):
    """Kernels (out, in, taps) of Hann-windowed cosines between 150 and 600 Hz with
    random signs and sizes, each of zero sum: the codec's output sounds like
    tones and rumbles rather than hiss, and is smooth from sample to sample."""
    out, channels, taps = shape
    t = torch.arange(taps, dtype=torch.float32) - (taps - 1) / 2
    window = torch.hann_window(taps + 2, periodic=False)[1:-1]
    frequency = 150 + 450 * torch.rand(out, channels, 1)
    kernel = torch.randn(out, channels, 1) * window * torch.cos(2 * torch.pi * frequency * t / rate)
    # Take out the DC in the window's shape (a flat offset would leak hiss back in).
    return kernel - window * kernel.sum(dim=2, keepdim=True) / window.sum()
