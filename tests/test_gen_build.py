"""`--backend diffusers` end to end on tiny random-weight models: a script that
uses every generative feature builds into a valid video through the real
pipelines (MusicGen, Stable Diffusion with an IP-Adapter and inpainting, a
text-to-audio pipeline, a ResNet for DeepDream, an image-to-video pipeline), and
an example from `examples/` builds the same way."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import cli_without
from PIL import Image

from mvlang import cli
from mvlang.build import BuildOptions, build, prepare
from mvlang.dev.tiny import config_text
from mvlang.media.encode import decode_audio, probe

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """\
video { size 128x72; fps 12; seed 3 }
music "warm deep house, soft pads" { bpm 120; key "A minor"; length 10 bars }
character ana "Ana, with blue eyes" {
  age 8 "a girl in a yellow raincoat"
  ref "ana.png"
}
defaults { length 2 bars }

scene meadow {
  prompt "{ana@8} in a sunlit meadow"
  takes 2
  sfx "birds singing" at +1 beat
}
-> zoom out over 2 beats
scene hills {
  prompt "clouds over green hills"
}
-> crossfade over 1 beat
scene forest {
  prompt "a dark forest"
  effect dream strength 0.5 octaves 2
  sfx auto
}
-> morph over 2 beats
scene sea {
  prompt "{ana@8} by the sea at dusk"
}
scene dusk {
  prompt "a red sky at dusk"
  motion "birds fly across"
}
"""


def project(folder: Path, tiny_models: dict, script: str = SCRIPT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(folder / "ana.png")
    shutil.copytree(Path(tiny_models["image"]).parent, folder / "models")
    made = {role: folder / "models" / Path(path).name for role, path in tiny_models.items()}
    (folder / "mvlang.toml").write_text(config_text(made, relative_to=folder), encoding="utf-8")
    (folder / "song.mvs").write_text(script, encoding="utf-8")
    return folder / "song.mvs"


@pytest.fixture(scope="module")
def built(tiny_build):
    return tiny_build


def test_every_generative_feature_builds_a_valid_video(built):
    _, result = built
    info = probe(result.output)
    timeline = result.prepared.resolved.timeline
    assert (info["width"], info["height"], info["fps"]) == (128, 72, 12)
    assert info["frames"] == timeline.frame_count
    assert info["audio"]["channels"] == 2 and abs(info["audio"]["duration"]
                                                  - info["duration"]) < 0.05
    samples, _ = decode_audio(result.output)
    assert np.isfinite(samples).all() and np.abs(samples).max() > 0.01
    backends = info["metadata"]["mvlang_backends"]
    for name in ("diffusers", "musicgen", "text-to-audio", "deepdream", "image-to-video"):
        assert name in backends


def test_each_feature_ran_on_its_model(built):
    _, result = built
    graph = result.prepared.graph
    by_kind: dict[str, set] = {}
    for task in graph:
        by_kind.setdefault(task.kind, set()).add(task.backend[0] if task.backend else None)
    assert by_kind["keyframe"] == {"diffusers"}
    assert by_kind["zoom"] == {"diffusers"} and by_kind["morph"] == {"diffusers"}
    assert by_kind["music"] == {"musicgen"} and by_kind["clip"] == {"image-to-video"}
    assert by_kind["sfx"] == {"text-to-audio"} and by_kind["sfxauto"] == {"text-to-audio"}
    dreamed = [t for t in graph if t.kind == "segment" and t.params["shot"].get("dream")]
    assert [t.label for t in dreamed] == ["shot forest"]
    # the zoom's chain was painted by the inpainting model, keyed by its folder
    zoom = next(t for t in graph if t.kind == "zoom")
    assert zoom.params["inpaint"]["model"] and zoom.params["inpaint"]["steps"] == 2
    # ana's scenes carry her identity seed and her reference picture's digest
    meadow = [t for t in graph if t.kind == "keyframe" and t.origin.scene == "meadow"]
    assert len(meadow) == 2 and all(t.params["identity"] and t.params["ref"] for t in meadow)
    hills = next(t for t in graph if t.kind == "keyframe" and t.origin.scene == "hills")
    assert hills.params["identity"] is None and hills.params["ref"] is None


def test_same_size_keyframes_were_drawn_in_batches(built):
    _, result = built
    store = result.prepared.store
    batches = [json.loads((store.path(t.key) / "manifest.json").read_text()).get("batch", 1)
               for t in result.prepared.graph if t.kind == "keyframe"]
    assert max(batches) >= 2, batches


def test_generated_music_is_tracked_and_reported_with_the_tempo_asked_for(built):
    """MusicGen does not hold a tempo: the grid comes from mvlang's own tracker on
    the generated audio. (On random weights this proves the path, not the tempo.)"""
    script, result = built
    note = next(n for n in result.prepared.notes if n.startswith("music: asked for 120 bpm"))
    assert "measured" in note and "bpm" in note
    lock = json.loads(script.with_suffix(".lock").read_text())
    assert lock["audio"]["requested_tempo"] == "120.000"
    assert lock["audio"]["tracker"].startswith("mvlang")
    assert float(lock["audio"]["tempo"]) > 0
    print(note)


def test_a_rebuild_with_nothing_changed_loads_no_model_and_imports_nothing_heavy(built):
    script, _ = built
    code = ("import sys; from mvlang.cli import main\n"
            "try:\n    main(['build', sys.argv[1]])\nexcept SystemExit as e:\n"
            "    heavy = [m for m in ('torch', 'diffusers', 'transformers', 'librosa') "
            "if m in sys.modules]\n    print('HEAVY', heavy); raise\n")
    run = subprocess.run([sys.executable, "-c", code, str(script)], capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "up to date" in run.stderr and "HEAVY []" in run.stdout


def test_plan_shows_the_gpu_time_and_models_names_the_licences(built):
    script, _ = built
    out = CliRunner().invoke(cli.cli, ["plan", str(script), "--json"])
    assert out.exit_code == 0, out.output
    plan = json.loads(out.output[out.output.index("{"):])
    assert plan["summary"]["run"] == 0 and plan["summary"]["gpu_s"] == 0
    copy = script.parent.parent / "edited"
    shutil.copytree(script.parent, copy, ignore=shutil.ignore_patterns(".mvlang", "*.mp4"))
    out = CliRunner().invoke(cli.cli, ["plan", str(copy / "song.mvs")])
    assert out.exit_code == 0, out.output
    assert "GPU: about" in out.output and "keyframe" in out.output.split("GPU:")[1]
    models = CliRunner().invoke(cli.cli, ["models", str(script)])
    assert models.exit_code == 0, models.output
    assert "CC-BY-NC" in models.output


def test_an_example_builds_with_the_diffusers_backend(tiny_models, tmp_path):
    folder = tmp_path / "quickstart"
    shutil.copytree(ROOT / "examples" / "media", folder / "media")
    shutil.copy(ROOT / "examples" / "quickstart.mvs", folder)
    project(folder, tiny_models, (ROOT / "examples" / "quickstart.mvs").read_text())
    script = folder / "song.mvs"
    result = build(script, BuildOptions(draft=True, jobs=2))
    assert result.ok, result.outcome
    info = probe(result.output)
    assert info["frames"] == result.prepared.resolved.timeline.frame_count
    assert info["height"] == 360 and info["audio"] is not None
    keyframes = [t for t in result.prepared.graph if t.kind == "keyframe"]
    assert len(keyframes) == 3 and {t.backend[0] for t in keyframes} == {"diffusers"}


def test_the_preview_backend_still_builds_the_same_script(built, tmp_path):
    script, _ = built
    prepared = prepare(script, BuildOptions(backend="preview"))
    assert prepared.ok
    assert {t.backend[0] for t in prepared.graph if t.kind == "keyframe"} == {"preview"}
    assert not any(t.local.get("lane") for t in prepared.graph)


def test_tiny_models_command_writes_folders_and_a_config(tmp_path):
    out = CliRunner().invoke(cli.cli, ["dev", "tiny-models", str(tmp_path / "m"), "--role",
                                       "dream", "--toml", str(tmp_path / "mvlang.toml")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "m" / "dream" / "config.json").exists()
    text = (tmp_path / "mvlang.toml").read_text()
    assert '[models.dream]\npath = "m/dream"' in text and 'backend = "diffusers"' in text


def test_without_the_generation_stack_the_backend_says_how_to_install_it(built):
    script, _ = built
    run = cli_without("diffusers", "build", str(script))
    assert run.returncode == 1
    assert "E3013" in run.stderr and 'pip install "mvlang[gen]"' in run.stderr
    assert "diffusers" in run.stderr and "Traceback" not in run.stderr
