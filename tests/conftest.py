"""Settings every test shares: the generative tests run torch single-threaded on
the CPU (its default threads spin-wait, 10 to 100 times slower on tiny models),
and nothing ever reaches the hub."""

import os

os.environ.setdefault("MVLANG_TORCH_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ["HF_HUB_OFFLINE"] = "1"


import pytest


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Every tiny random-weight model folder (`mvlang dev tiny-models`), built once."""
    from mvlang.dev.tiny import build

    return build(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="session")
def tiny_build(tiny_models, tmp_path_factory):
    """tests/test_gen_build.py's script, built with `--backend diffusers` on the tiny
    models by the local executor: (script, BuildResult)."""
    from test_gen_build import project

    from mvlang.build import BuildOptions, build

    script = project(tmp_path_factory.mktemp("gen") / "p", tiny_models)
    result = build(script, BuildOptions(jobs=2))
    assert result.ok, result.outcome
    return script, result


def cli_without(module: str, *args: str):
    """`mvlang ARGS` in a fresh Python where importing `module` fails, as on a
    machine without it installed: the finished process."""
    import subprocess
    import sys

    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from mvlang.cli import main\nmain(sys.argv[1:])\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=120, check=False)
