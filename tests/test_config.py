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
