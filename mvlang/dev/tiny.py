"""Every tiny model folder at once, with the `mvlang.toml` that names them: what
`mvlang dev tiny-models DIR` writes, and what the tests build.

The folders hold real pipelines with random weights: they load and run through
the same code as real downloads, offline, in seconds on a CPU, and make noise
rather than pictures. They are for tests, documentation and trying the
generative backends' plumbing without a GPU or a download.
"""

from __future__ import annotations

from pathlib import Path

ROLES = ("image", "inpaint", "music", "sfx", "dream", "video")


def build(folder: Path, roles=ROLES) -> dict[str, Path]:
    """Build the tiny folders of `roles` under `folder`: {role: path}. The image
    role comes with an IP-Adapter (`ip-adapter/`)."""
    import torch

    from mvlang.backends.runtime import _quiet
    from mvlang.dev import tiny_dream, tiny_images, tiny_music, tiny_sfx, tiny_video

    torch.set_num_threads(1)
    _quiet()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    for role in roles:
        target = folder / role
        if role == "image":
            made[role] = tiny_images.build_text2img(target)
            made["ip_adapter"] = tiny_images.build_ip_adapter(folder / "ip-adapter", target)
        elif role == "inpaint":
            made[role] = tiny_images.build_inpaint(target)
        elif role == "music":
            made[role] = tiny_music.build(target)
        elif role == "sfx":
            made[role] = tiny_sfx.build(target)
        elif role == "dream":
            made[role] = tiny_dream.build(target)
        elif role == "video":
            made[role] = tiny_video.build(target)
        else:
            raise ValueError(f"no tiny model for the role `{role}`; the roles are "
                             + ", ".join(ROLES))
    return made


def config_text(made: dict[str, Path], relative_to: Path | None = None, steps: int = 2,
                device: str = "cpu") -> str:
    """An `mvlang.toml` that builds with the tiny folders (few steps, the CPU)."""

    def where(path: Path) -> str:
        if relative_to is not None:
            try:
                return Path(path).resolve().relative_to(Path(relative_to).resolve()).as_posix()
            except ValueError:
                pass
        return Path(path).as_posix()

    lines = ['[build]', 'backend = "diffusers"', '']
    for role in ROLES:
        if role not in made:
            continue
        lines += [f"[models.{role}]", f'path = "{where(made[role])}"', f'device = "{device}"']
        if role in ("image", "inpaint", "sfx", "video", "dream"):
            lines.append(f"steps = {steps}")
        if role == "image":
            lines.append("batch = 4")
            if "ip_adapter" in made:
                lines.append(f'ip_adapter = "{where(made["ip_adapter"])}"')
        lines.append("")
    return "\n".join(lines)
