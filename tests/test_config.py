"""mvlang.toml: defaults, the tracker choice, and clear errors."""

from __future__ import annotations

import pytest

from mvlang.config import ConfigError, load_config


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path)
    assert config.tracker == "mvlang" and config.cache_dir == tmp_path / ".mvlang"
    assert config.file is None


def test_tracker_and_paths_relative_to_the_file(tmp_path):
    (tmp_path / "mvlang.toml").write_text(
        '[cache]\ndir = "build/cache"\n[beats]\ntracker = "beat-this"\n'
        'checkpoint = "models/final0.ckpt"\n')
    config = load_config(tmp_path)
    assert config.tracker == "beat-this"
    assert config.checkpoint == tmp_path / "models" / "final0.ckpt"
    assert config.cache_dir == tmp_path / "build" / "cache"


@pytest.mark.parametrize("text, words", [
    ('[beats]\ntracker = "madmom"\n', "choose"),
    ('[beats]\ntracker = "beat-this"\n', "needs `checkpoint`"),
    ("[beats\n", "cannot read"),
])
def test_bad_files(tmp_path, text, words):
    (tmp_path / "mvlang.toml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    assert words in str(error.value)


def test_a_named_file_must_exist(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path, tmp_path / "other.toml")


def test_model_folders_are_read_and_checked(tmp_path):
    import json

    from click.testing import CliRunner

    from mvlang import cli
    from mvlang.backends.models import inspect

    pipe = tmp_path / "models" / "sd"
    (pipe / "unet").mkdir(parents=True)
    (pipe / "unet" / "config.json").write_text("{}")
    (pipe / "model_index.json").write_text(json.dumps(
        {"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"],
         "vae": ["diffusers", "AutoencoderKL"], "safety_checker": [None, None]}))
    music = tmp_path / "models" / "musicgen"
    music.mkdir()
    (music / "config.json").write_text(json.dumps(
        {"model_type": "musicgen", "architectures": ["MusicgenForConditionalGeneration"]}))
    (tmp_path / "mvlang.toml").write_text(
        '[build]\nbackend = "diffusers"\n[models.image]\npath = "models/sd"\nsteps = 20\n'
        '[models.music]\npath = "models/musicgen"\n[models.sfx]\npath = "models/nothing"\n')
    config = load_config(tmp_path)
    assert config.backend == "diffusers"
    image, music_model, sfx = config.models
    assert image.option("steps") == 20 and image.path == pipe
    found = inspect(image)
    assert found.kind == "diffusers" and found.name == "StableDiffusionPipeline"
    assert found.problems == [("its component `vae` (AutoencoderKL) has no folder with a "
                               f"config in {pipe / 'vae'}")]
    assert "not for commercial use" in inspect(music_model).notes[0]
    assert inspect(sfx).problems[0].endswith("does not exist")
    out = CliRunner().invoke(cli.cli, ["models", str(tmp_path)])
    assert out.exit_code == 1
    assert "error[E3012]: [models.sfx] path" in out.output and "musicgen" in out.output.lower()


@pytest.mark.parametrize("text, words", [
    ('[build]\nbackend = "comfy"\n', "choose"),
    ('[models.painting]\npath = "x"\n', "no such role"),
    ('[models.image]\ndevice = "cuda"\n', "needs `path`"),
    ('[models.image]\npath = "x"\nsteps = "many"\n', "wrong type"),
    ('[models.image]\npath = "x"\ncolour = 1\n', "unknown setting"),
])
def test_bad_model_settings_are_clear_errors(tmp_path, text, words):
    (tmp_path / "mvlang.toml").write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_config(tmp_path)


def test_the_execute_table_names_ray_and_the_store(tmp_path):
    (tmp_path / "mvlang.toml").write_text(
        '[execute]\nray = "head-host:6379"\nstore = "shared"\n'
        '[models.image]\npath = "m"\nip_adapter = "adapters/ip"\nsize = 768\n')
    config = load_config(tmp_path)
    assert config.ray == "head-host:6379" and config.store == "shared"
    image = config.models[0]
    assert image.option("ip_adapter") == str(tmp_path / "adapters/ip")   # relative to the file
    assert image.option("size") == 768
    assert load_config(tmp_path.parent).ray is None
    (tmp_path / "mvlang.toml").write_text('[execute]\nstore = "nfs"\n')
    with pytest.raises(ConfigError, match="shared"):
        load_config(tmp_path)
    (tmp_path / "mvlang.toml").write_text('[execute]\nray = 3\n')
    with pytest.raises(ConfigError, match="local"):
        load_config(tmp_path)
