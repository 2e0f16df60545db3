"""`mvlang dev`: helpers for the people who build and document mvlang."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group()
def dev() -> None:
    """Helpers for developing and documenting mvlang."""


@dev.command("tiny-models")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--role", "roles", multiple=True,
              type=click.Choice(["image", "inpaint", "music", "sfx", "dream", "video"]),
              help="Only these roles (repeatable; default: all).")
@click.option("--toml", "toml", type=click.Path(dir_okay=False),
              help="Also write an mvlang.toml naming the folders here (paths relative to it).")
def tiny_models(folder: str, roles: tuple[str, ...], toml: str | None) -> None:
    """Write tiny random-weight model folders into FOLDER.

    One folder per role (a Stable Diffusion text-to-image and inpainting
    pipeline with an IP-Adapter, MusicGen, a text-to-audio pipeline, a ResNet
    for DeepDream, an image-to-video pipeline), laid out like real downloads.
    They run the generative backends' real code on a CPU in seconds and make
    noise, not pictures: for tests, docs and trying the plumbing. Needs the
    generation stack: pip install "mvlang[gen]".
    """
    import importlib.util

    missing = [name for name in ("torch", "diffusers", "transformers")
               if importlib.util.find_spec(name) is None]
    if missing:
        click.echo(f"error: tiny models need {', '.join(missing)}: "
                   'pip install "mvlang[gen]"', err=True)
        sys.exit(1)
    from mvlang.dev.tiny import ROLES, build, config_text

    made = build(Path(folder), roles or ROLES)
    for role, path in made.items():
        click.echo(f"{role:<10} {path}")
    if toml:
        target = Path(toml)
        target.write_text(config_text(made, relative_to=target.parent), encoding="utf-8")
        click.echo(f"wrote {target}")
    else:
        click.echo("\n# an mvlang.toml for them:\n" + config_text(made))
