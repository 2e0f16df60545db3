"""What the configured model folders hold (`mvlang models`): read from their
config files only, never their weights, so it answers at once and offline.

A diffusers pipeline folder has `model_index.json` naming its pipeline class
and components (each a sub-folder with its own config); a transformers model
folder has `config.json` naming its architecture. Each role expects one kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from mvlang.config import Model

KIND = {"image": "diffusers", "inpaint": "diffusers", "video": "diffusers", "sfx": "diffusers",
        "music": "transformers", "dream": "transformers"}

# Licences that forbid commercial use, by what the config names.
NON_COMMERCIAL = {
    "musicgen": "MusicGen's weights are CC-BY-NC 4.0: not for commercial use",
    "audiogen": "AudioGen's weights are CC-BY-NC 4.0: not for commercial use",
    "audioldm": "AudioLDM's checkpoints are CC-BY-NC-SA 4.0: not for commercial use",
}


@dataclass
class Inspection:
    model: Model
    kind: str = ""                 # "diffusers" or "transformers"
    name: str = ""                 # pipeline class or architecture
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def inspect(model: Model) -> Inspection:
    found = Inspection(model)
    folder = model.path
    if not folder.is_dir():
        found.problems.append(f"the folder {folder} does not exist" if not folder.exists()
                              else f"{folder} is not a folder")
        return found
    index, config = folder / "model_index.json", folder / "config.json"
    try:
        if index.is_file():
            data = json.loads(index.read_text(encoding="utf-8"))
            found.kind, found.name = "diffusers", str(data.get("_class_name", "?"))
            for key, note in NON_COMMERCIAL.items():
                if key in found.name.lower():
                    found.notes.append(note)
            for component, value in data.items():
                if component.startswith("_") or not isinstance(value, list) or value[0] is None:
                    continue
                part = folder / component
                if not part.is_dir() or not any(part.glob("*.json")) and \
                        not any(part.glob("*.txt")):
                    found.problems.append(f"its component `{component}` ({value[-1]}) has no "
                                          f"folder with a config in {part}")
        elif config.is_file():
            data = json.loads(config.read_text(encoding="utf-8"))
            found.kind = "transformers"
            found.name = ", ".join(data.get("architectures") or [data.get("model_type", "?")])
            model_type = str(data.get("model_type", "")).lower()
            for key, note in NON_COMMERCIAL.items():
                if key in model_type or key in found.name.lower():
                    found.notes.append(note)
        else:
            found.problems.append(f"{folder} holds neither model_index.json (a diffusers "
                                  "pipeline) nor config.json (a transformers model)")
            return found
    except (OSError, ValueError) as error:
        found.problems.append(f"cannot read its config: {error}")
        return found
    want = KIND[model.role]
    if found.kind != want:
        found.problems.append(f"the `{model.role}` role needs a {want} folder, this is a "
                              f"{found.kind} one ({found.name})")
    return found
