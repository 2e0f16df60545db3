"""A tiny random-weight ResNet folder for `effect dream` (tests, offline demos).

    from mvlang.dev.tiny_dream import build
    folder = build(Path("models/tiny-dream"))

The folder holds what a real image model's download holds: `config.json`
(naming `ResNetForImageClassification`), `model.safetensors` and
`preprocessor_config.json` (ImageNet mean and std), all written by
`save_pretrained`, so `AutoModel.from_pretrained(folder, local_files_only=True)`
loads it as it would `microsoft/resnet-50`. Weights are random but deterministic
(torch is seeded). Stages: stem (1/4 size), stage1 (1/4), stage2 (1/8),
stage3 (1/16); a 128x128 dream of two octaves takes a fraction of a second on
one CPU thread.
"""

from __future__ import annotations

from pathlib import Path

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def build(folder: Path, seed: int = 0) -> Path:
    """Write the tiny ResNet into `folder` (created if needed); return the folder."""
    from mvlang.backends.dream import quiet
    from mvlang.backends.runtime import torch_module

    torch = torch_module()
    from transformers import ResNetConfig, ResNetForImageClassification

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = ResNetConfig(num_channels=3, embedding_size=8, hidden_sizes=[12, 16, 24, 32],
                          depths=[1, 1, 1, 1], layer_type="basic", hidden_act="relu",
                          downsample_in_first_stage=False, num_labels=4)
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = ResNetForImageClassification(config).eval()
        # give batch norm non-trivial running statistics and affine terms (random, seeded)
        # so that the layers do not all look alike
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.weight.uniform_(0.7, 1.3)
                    module.bias.normal_(0.0, 0.1)
    finally:
        torch.random.set_rng_state(state)
    model.config.architectures = ["ResNetForImageClassification"]
    with quiet():
        model.save_pretrained(folder)
        _processor(folder)
    return folder


def _processor(folder: Path) -> None:
    try:
        from transformers import ConvNextImageProcessorPil as Processor
    except ImportError:  # older transformers: the PIL processor has the plain name
        from transformers import ConvNextImageProcessor as Processor
    Processor(do_resize=True, size={"shortest_edge": 224}, crop_pct=0.875, do_rescale=True,
              rescale_factor=1 / 255, do_normalize=True, image_mean=IMAGENET_MEAN,
              image_std=IMAGENET_STD).save_pretrained(folder)
