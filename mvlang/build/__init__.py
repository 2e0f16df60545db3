"""`mvlang build`: script -> timeline -> plan -> execute -> the video.

    prepare()  check, analyse the audio, resolve, plan; nothing is generated
    build()    run what is not cached, publish `FILE.mp4`, write the lock file

A build with nothing changed resolves, plans, finds the final video cached and
the published file up to date, and stops: no heavy library is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mvlang.cache.store import Store
from mvlang.config import Config, load_config
from mvlang.diagnostics import Diagnostic, Sink
from mvlang.execute.base import Event, Outcome
from mvlang.plan.graph import Graph, Task
from mvlang.plan.planner import Options, Plan, plan


@dataclass(frozen=True)
class BuildOptions:
    draft: bool = False
    captions: bool = False
    backend: str | None = None       # None: [build] backend in mvlang.toml, else preview
    jobs: int | None = None
    output: Path | None = None
    cache_dir: Path | None = None
    config: Path | None = None
    allow_outside: bool = False
    generate_music: bool = True      # False (`mvlang plan`): never run MusicGen to plan
    ray: str | None = None           # build on Ray: "local", "auto" or an address
    ray_store: str | None = None     # "shared" or "driver" (see execute/ray_executor.py)
    models: object = None            # plan.generative.Models (set by prepare)

    def plan_options(self) -> Options:
        return Options(draft=self.draft, captions=self.captions,
                       backend=self.backend or "preview", models=self.models)


@dataclass
class Prepared:
    script: Path
    resolved: object                 # timeline.pipeline.Resolved
    plan: Plan | None
    store: Store | None
    output: Path | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    options: BuildOptions = field(default_factory=BuildOptions)
    notes: list[str] = field(default_factory=list)      # what the user should know

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(d.is_error for d in self.diagnostics)

    @property
    def graph(self) -> Graph:
        return self.plan.graph

    def cached(self) -> set[str]:
        return {key for key in self.graph.tasks if self.store.has(key)}


@dataclass
class BuildResult:
    prepared: Prepared
    outcome: Outcome | None = None
    ran: list[Task] = field(default_factory=list)
    output: Path | None = None
    published: bool = False          # False: the output was already up to date
    lock: Path | None = None

    @property
    def ok(self) -> bool:
        return self.prepared.ok and (self.outcome is None or self.outcome.ok) \
            and self.output is not None


def output_path(script: Path, options: BuildOptions) -> Path:
    if options.output is not None:
        return Path(options.output)
    return script.with_suffix(".draft.mp4" if options.draft else ".mp4")


def prepare(script: Path, options: BuildOptions = BuildOptions()) -> Prepared:
    """Everything before generation: diagnostics, the plan, the store."""
    from mvlang.timeline.pipeline import resolve_file

    script = Path(script)
    config: Config = load_config(script.parent, options.config)
    from dataclasses import replace

    if options.cache_dir is not None:
        config = replace(config, cache_dir=Path(options.cache_dir))
    backend = options.backend or config.backend
    options = replace(options, backend=backend, ray=options.ray or config.ray,
                      ray_store=options.ray_store or config.store)
    if options.ray:
        executor_for(options)                # Ray installed? (E3014 before any work)
    notes: list[str] = []
    generated = None
    if backend == "diffusers":
        options = replace(options, models=generative_models(config))
        notes += _roles_note(options.models)
        if options.models.get("music") is not None:
            generated = _music_maker(options, config, notes)
    resolved = resolve_file(script, config, allow_outside=options.allow_outside,
                            generated_music=generated)
    if generated is not None and resolved.analysis is not None and \
            hasattr(resolved.check.program.audio, "prompt") and \
            "composer" not in str(resolved.analysis.tracker):
        notes.append(tempo_note(resolved))
    diagnostics = list(resolved.diagnostics)
    if not resolved.ok or resolved.timeline is None:
        return Prepared(script, resolved, None, None, None, diagnostics)
    program = resolved.check.program
    sink = Sink(program.file)
    the_plan = plan(program, resolved.timeline, script, options.plan_options(), sink,
                    resolved.analysis)
    diagnostics += _dedupe(sink.items)
    output = output_path(script, options)
    _check_output(output, script, the_plan)
    return Prepared(script, resolved, the_plan, Store(config.cache_dir), output, diagnostics,
                    options, notes)


def generative_models(config: Config):
    """The configured models of a diffusers build, each folder checked from its
    configs (E3012); the `image` role is required, the others optional (their
    work falls back to the preview's composer, designer and stand-ins)."""
    import importlib.util

    from mvlang.backends.models import inspect
    from mvlang.plan.generative import Models

    where = config.file or "mvlang.toml"
    def absent(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is None
        except ValueError:            # imported as None: blocked
            return True

    missing = [name for name in ("torch", "diffusers", "transformers") if absent(name)]
    if missing:
        raise BuildError("E3013", "the diffusers backend needs the generation stack, and "
                         f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
                         "installed", 'pip install "mvlang[gen]" (on a CPU-only machine, '
                         'install torch first: pip install torch --index-url '
                         'https://download.pytorch.org/whl/cpu), or build with '
                         '`--backend preview`')
    by_role = {model.role: model for model in config.models}
    if "image" not in by_role:
        raise BuildError("E3012", f"the diffusers backend needs [models.image] in {where}: "
                         "the local folder of a text-to-image pipeline",
                         "add [models.image] with `path = \"...\"` (see docs/models.md), or "
                         "build with `--backend preview`")
    for model in by_role.values():
        found = inspect(model)
        if not found.ok:
            raise BuildError("E3012", f"[models.{model.role}] in {where}: "
                             + "; ".join(found.problems),
                             f"fix `path` under [models.{model.role}]; mvlang never downloads "
                             "a model (`mvlang models` checks them all)")
    return Models(by_role)


def requested_tempo(program) -> float:
    from mvlang.audio.compose import default_bpm

    music = program.audio
    return float(music.bpm if music.bpm is not None else default_bpm(music.prompt, music.meter))


def tempo_note(resolved) -> str:
    """Generated music's tempo as asked and as tracked (MusicGen drifts)."""
    asked = requested_tempo(resolved.check.program)
    measured = resolved.analysis.tempo
    return (f"music: asked for {asked:g} bpm; the beat tracker ({resolved.analysis.tracker}) "
            f"measured {measured:.1f} bpm ({(measured - asked) / asked * 100:+.1f}%); bars and marks "
            "follow the tracked beats")


def _roles_note(models) -> list[str]:
    missing = {"inpaint": "zoom chains redraw their borders with the image model",
               "music": "`music` is composed by the preview composer",
               "sfx": "sound effects are designed by the preview designer",
               "dream": "`effect dream` is the preview's stand-in",
               "video": "`motion` is not generated (the camera moves the keyframe)"}
    return [f"no [models.{role}]: {what}" for role, what in missing.items()
            if models.get(role) is None]


def _apart(function, *args):
    """`function(*args)` in a fresh process (spawned, not forked): the build's own
    process never starts torch, so the workers it forks later stay safe."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _music_maker(options: BuildOptions, config: Config, notes: list[str]):
    """Makes the generated music before the timeline (its grid is tracked from
    the audio, because MusicGen does not hold the tempo it is asked for): runs
    the `music` task in this process unless it is cached; returns its file."""
    def make(program) -> Path | None:
        from mvlang.build.tasks import run_task
        from mvlang.execute.base import run_one
        from mvlang.plan.planner import music_task

        task = music_task(program, options.plan_options())
        store = Store(config.cache_dir)
        if not store.has(task.key):
            if not options.generate_music:
                notes.append("the music is not generated yet: the plan shows the composer's "
                             "grid; the build tracks the generated music's own")
                return None
            status, seconds, message, _ = _apart(run_one, task, str(store.root), run_task)
            if status != "done":
                raise BuildError("E3011", f"generating the music failed: {message}",
                                 "check [models.music] with `mvlang models`")
            notes.append(f"music: generated by MusicGen in {seconds:.1f} s")
        entry = store.get(task.key)
        return entry.path / "music.wav"
    return make


def _dedupe(items: list[Diagnostic]) -> list[Diagnostic]:
    seen, out = set(), []
    for d in items:
        if (d.code, d.file, d.span, d.message) not in seen:
            seen.add((d.code, d.file, d.span, d.message))
            out.append(d)
    return out


class BuildError(Exception):
    """A problem with how the build was asked for (not with the script's text):
    shown as `error[CODE]: message` with a hint."""

    def __init__(self, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def _check_output(output: Path, script: Path, the_plan: Plan) -> None:
    """A build never writes over the script or a file it reads."""
    target = _real(output)
    for path in [script, *the_plan.inputs]:
        if _real(path) == target:
            what = "the script itself" if path == script else f"its input `{path.name}`"
            raise BuildError("E3010", f"the output `{output}` would overwrite {what}",
                             "choose another file with `-o`")
    if target.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise BuildError("E3010", f"the output `{output}` is not an .mp4 file",
                         "choose a file name ending in .mp4 with `-o`")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


# -- running -------------------------------------------------------------------
def executor_for(options: BuildOptions):
    """The local pool, or Ray when the build asks for it (`--ray`, `[execute] ray`)."""
    from mvlang.execute.local import LocalExecutor

    if not options.ray:
        return LocalExecutor(options.jobs)
    from mvlang.execute.ray_executor import RayMissing
    from mvlang.execute.ray_executor import executor_for as ray_executor

    try:
        return ray_executor(options.ray, options.jobs, options.ray_store)
    except RayMissing as error:
        raise BuildError("E3014", str(error), 'pip install "mvlang[ray]", or build without '
                         "--ray (and without [execute] ray in mvlang.toml)") from error

def to_run(prepared: Prepared) -> list[Task]:
    """The tasks this build must run. Cached inputs of those tasks are verified
    first; a corrupt entry is removed and joins the tasks to run."""
    graph, store = prepared.graph, prepared.store
    while True:
        cached = prepared.cached()
        needed = graph.needed(cached)
        corrupt = [key for task in needed for _, key in task.inputs
                   if key in cached and store.get(key) is None]
        if not corrupt:
            return needed


def build(script: Path, options: BuildOptions = BuildOptions(), executor=None,
          on_event: Callable[[Event], None] = lambda event: None,
          prepared: Prepared | None = None, needed: list[Task] | None = None) -> BuildResult:
    """Run what is not cached and publish the video. `needed`: `to_run(prepared)`
    when the caller has it already (its cached inputs are verified, once)."""
    prepared = prepared or prepare(script, options)
    result = BuildResult(prepared)
    if not prepared.ok:
        return result
    store = prepared.store
    store.clean_stale()
    executor = executor or executor_for(prepared.options)
    for attempt in range(3):
        if attempt or needed is None:
            needed = to_run(prepared)
        if needed:
            from mvlang.build.tasks import run_task

            outcome = executor.run(needed, store, run_task, on_event)
            result.outcome = outcome
            result.ran += [prepared.graph[k] for k in outcome.done]
            if not outcome.ok:
                return result
        root = prepared.graph.root
        if _up_to_date(prepared):
            result.output = prepared.output
            break
        entry = store.get(root)           # verified: a corrupt final video is built again
        if entry is None:
            continue
        _publish(prepared, entry)
        result.output, result.published = prepared.output, True
        break
    store.record_root(str(_real(prepared.script)), list(prepared.graph.tasks))
    if not options.draft:        # a draft's lock would say a smaller size: it keeps none
        result.lock = write_lock(prepared)
    return result


# -- publishing ----------------------------------------------------------------
def script_digest(script: Path) -> str:
    return hashlib.sha256(Path(script).read_bytes()).hexdigest()


def _record_file(prepared: Prepared) -> Path:
    name = hashlib.sha256(str(_real(prepared.output)).encode()).hexdigest()[:16]
    return prepared.store.root / "outputs" / f"{name}.json"


def _state(prepared: Prepared) -> dict | None:
    try:
        stat = prepared.output.stat()
    except OSError:
        return None
    return {"root": prepared.graph.root, "script": script_digest(prepared.script),
            "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _up_to_date(prepared: Prepared) -> bool:
    """Whether the published video is this build's, untouched since: no work at all."""
    try:
        recorded = json.loads(_record_file(prepared).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == _state(prepared)


def _publish(prepared: Prepared, entry) -> None:
    """Copy the final video to the output with the script's hash in its metadata,
    through a temporary file and a rename: the output is whole or untouched."""
    from mvlang.build.tasks import OUTPUT
    from mvlang.media.encode import mux

    output = prepared.output
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(f".{output.name}.{os.getpid()}.part")
    final = entry.file(OUTPUT["mux"])
    metadata = dict(prepared.graph[prepared.graph.root].params["metadata"])
    metadata.update({"mvlang_script": f"sha256:{script_digest(prepared.script)}",
                     "mvlang_graph": prepared.graph.root,
                     "title": prepared.resolved.check.program.video.title
                     or prepared.script.stem})
    try:
        mux(final, final, part, metadata)     # a copy of both streams, with the metadata
        os.replace(part, output)
    finally:
        if part.exists():
            part.unlink()
    record = _record_file(prepared)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(_state(prepared)), encoding="utf-8")


# -- the lock file ---------------------------------------------------------------
def lock_path(script: Path) -> Path:
    return Path(script).with_suffix(".lock")


def lock_data(prepared: Prepared) -> dict:
    from fractions import Fraction

    from mvlang import __version__
    from mvlang.plan.planner import backend_versions

    resolved = prepared.resolved
    program = resolved.check.program
    analysis = resolved.analysis
    grid = resolved.timeline.grid

    def seconds(value: Fraction) -> str:
        return f"{float(value):.6f}"

    audio = program.audio
    scenes = {}
    for scene in program.scenes:
        keys = prepared.plan.keyframes[scene.name]
        scenes[scene.name] = {"seed": prepared.plan.seeds[scene.name], "takes": scene.takes,
                              "pick": scene.pick,
                              "keyframe": keys[min(scene.pick, len(keys)) - 1] if keys else None}
    return {
        "mvlang": __version__,
        "backends": backend_versions(prepared.options.plan_options()),
        "audio": {"kind": "music" if hasattr(audio, "prompt") else "song",
                  "source": audio.prompt if hasattr(audio, "prompt") else audio.path,
                  "tracker": getattr(analysis, "tracker", None),
                  "tempo": f"{analysis.tempo:.3f}",
                  **({"requested_tempo": f"{requested_tempo(program):.3f}"}
                     if prepared.options.plan_options().model("music") is not None
                     and hasattr(audio, "prompt") else {}),
                  "meter": f"{grid.beats_per_bar}/{grid.beat_unit}",
                  "first_downbeat": seconds(grid.beats[grid.first_downbeat]),
                  "beats": [seconds(b) for b in grid.beats]},
        "video": {"frames": resolved.timeline.frame_count,
                  "duration": seconds(resolved.timeline.duration),
                  "size": f"{prepared.plan.codec.width}x{prepared.plan.codec.height}",
                  "fps": str(prepared.plan.codec.fps)},
        "scenes": scenes,
        "final": prepared.graph.root,
    }


def write_lock(prepared: Prepared) -> Path:
    """The lock file next to the script; rewritten only when what it records changed."""
    path = lock_path(prepared.script)
    text = json.dumps(lock_data(prepared), indent=2, sort_keys=True) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    part = path.with_name(f".{path.name}.part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)
    return path


# -- takes -----------------------------------------------------------------------
def contact_sheet(prepared: Prepared, scene: str, target: Path, executor=None) -> Outcome | None:
    """Paint (or take from the cache) every take of `scene` and lay them out in a
    grid, numbered, the picked one framed. Returns the outcome of any painting."""
    from mvlang.build.tasks import OUTPUT, run_task
    from mvlang.execute.local import LocalExecutor

    keys = prepared.plan.keyframes[scene]
    missing = [prepared.graph[k] for k in keys if not prepared.store.has(k)]
    outcome = None
    if missing:
        outcome = (executor or LocalExecutor(prepared.options.jobs)).run(
            missing, prepared.store, run_task, lambda event: None)
        if not outcome.ok:
            return outcome
    program = prepared.resolved.check.program
    pick = next(s.pick for s in program.scenes if s.name == scene)
    stills = [prepared.store.get(k).file(OUTPUT["keyframe"]) for k in keys]
    _write_sheet(stills, pick, scene, target)
    return outcome


def _write_sheet(stills: list[Path], pick: int, scene: str, target: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    count = len(stills)
    columns = min(count, 4)
    rows = (count + columns - 1) // columns
    width = 480
    with Image.open(stills[0]) as first:
        height = round(width * first.height / first.width)
    pad, label = 12, 28
    sheet = Image.new("RGB", (pad + columns * (width + pad), pad + rows * (height + label + pad)),
                      (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=18)
    for index, path in enumerate(stills):
        x = pad + (index % columns) * (width + pad)
        y = pad + (index // columns) * (height + label + pad)
        with Image.open(path) as image:
            sheet.paste(image.convert("RGB").resize((width, height), Image.LANCZOS), (x, y))
        picked = index + 1 == pick
        if picked:
            draw.rectangle([x - 4, y - 4, x + width + 3, y + height + 3], outline=(255, 200, 40),
                           width=4)
        draw.text((x, y + height + 6), f"{scene} take {index + 1}"
                  + ("  (picked)" if picked else ""), fill=(255, 200, 40) if picked else
                  (220, 220, 220), font=font)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part.png")
    sheet.save(part)
    os.replace(part, target)
