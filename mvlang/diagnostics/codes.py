"""The catalogue of diagnostic codes: a title and a page for `mvlang explain`.

Codes are stable: once published, a code keeps its meaning. E0xxx syntax,
E1xxx names and definitions, E2xxx time and music, E3xxx files and
backends, Wxxxx warnings. A test checks that every code the compiler can
emit has a page here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    title: str
    body: str


def _page(title: str, body: str) -> Explanation:
    return Explanation(title, body.strip("\n"))


CODES: dict[str, Explanation] = {
    "E0001": _page("unexpected token", """
The parser met a word or symbol that cannot stand where it is. The message
says what it found and the label what it expected there; when a block is
still open, a second label shows where it was opened.

    scene meadow {
      promt "a sunlit meadow"      # error: unexpected name `promt`
    }

Check the spelling of the statement (here `prompt`), that text is in double
quotes, and that the statement belongs in this block: `fps` goes in `video`,
`bpm` in `song` or `music`, `prompt` in a `scene`.
"""),
    "E0002": _page("unexpected character", """
A character that no part of the language uses, such as `@` outside a string,
a single quote, or typographic quotes pasted from a word processor.

    title 'Blue Eyes'               # error: strings use double quotes

Write strings in plain double quotes and comments after `#`.
"""),
    "E0003": _page("block never closed", """
A block opened with `{` has no matching `}`: the file ended, or the next
statement such as another `scene` began, while it was still open. The label
points at the `{` that is still open (the innermost one).

    scene meadow {
      prompt "a sunlit meadow"
    scene prom {                    # error: the `scene` block is never closed

Add the missing `}`.
"""),
    "E0004": _page("string never closed", """
A string starts with `"` but the line ends before its closing quote. Strings
in double quotes stay on one line; a long prompt over several lines goes in
triple quotes:

    prompt \"\"\"a girl with blue eyes,
    running through a meadow\"\"\"
"""),
    "E0005": _page("`}` closes no block", """
A closing brace with no open block to close, usually one `}` too many after
an edit. Remove it, or add the `{` it was meant to close.
"""),
    "E0006": _page("unknown escape in a string", """
Inside a string, a backslash starts an escape: `\\"` (a quote), `\\\\` (a
backslash), `\\n` (a new line) and `\\t` (a tab). Any other letter after a
backslash is an error. Write `\\\\` for a literal backslash.
"""),
    "E0007": _page("language version", """
`mvs 1` names the language version a script is written against, so that
later versions of mvlang can migrate old scripts. It is optional, must be
the first statement of the file, and this mvlang reads version 1.
"""),
    "E0008": _page("malformed reference in a prompt", """
In a prompt, `{` starts a reference: `{mia}` (a character at the scene's
cast age), `{mia@16}` (at age 16) or `{film}` (a style's text). A `{` that
does not form one of these is an error. Write `{{` and `}}` for literal
braces.

    prompt "a sign that says {open"     # error
    prompt "a sign that says {{open}}"  # a sign that says {open}
"""),
    "E1001": _page("unknown name", """
A name that nothing defines: a character or style in a prompt template, a
style in `style`, a character in `cast`, a transition preset after `->`, or a
mark in a time. The hint suggests the closest defined name.

    character mia "a girl with blue eyes"
    scene s { prompt "{mai@6} in a meadow" }   # error: did you mean `mia`?

Styles and transition presets come from your file or from an import such as
`import "std/looks"`.
"""),
    "E1002": _page("defined twice", """
Two definitions with one name: scenes, characters, styles, transition
presets and marks each need a unique name, and `video` and `defaults` are
given once. Scene names matter beyond the script: a scene's seed and cache
entries derive from its name.
"""),
    "E1003": _page("name clash with an import", """
A name is defined both in this file and in an imported file, or by two
imports. Imported names may not be redefined, so that a script never changes
meaning when a library grows. Rename your definition, or import only one of
the files.
"""),
    "E1004": _page("character needs an age", """
`{mia}` in a prompt stands for the character at the age the scene casts
them, and this scene casts no age for `mia`, whose looks are described at
several ages. Write the age in the reference, or cast them:

    scene prom {
      cast mia age 16
      prompt "{mia} at the school prom"     # or "{mia@16} at the school prom"
    }

A character with no `age` lines needs no age.
"""),
    "E1005": _page("wrong kind of name", """
A name used as something it is not: a style given an age (`{film@5}`), a
character in a `style` list, a style after `->`. The label shows where the
name is defined.
"""),
    "E1007": _page("scene shows nothing", """
A scene needs a picture: a `prompt` to generate one, an `image`, or
`footage`.
"""),
    "E1008": _page("two pictures in one scene", """
A scene uses either an existing still (`image`) or a video clip (`footage`),
not both. Split it into two scenes.
"""),
    "E1009": _page("set twice", """
An option given twice in one block (`fps` twice in `video`, two `prompt`s in
a scene, the same age described twice, a character cast twice). Keep one.
Camera moves and reactions may repeat: they compose.
"""),
    "E1010": _page("value out of range", """
A number outside what mvlang accepts. The ranges: `size` 16x16 to 7680x4320
with even sides; `fps` 1 to 120; `takes` and `pick` 1 to 64; `bpm` 20 to 400;
`seed` 0 to 2^63-1; ages 0 to 150; `gain` -60dB to +24dB; effect amounts and
the dream's `strength` 0 to 1; `octaves` 1 to 8; a zoom's `depth` 1 to 16.
"""),
    "E1011": _page("`pick` larger than `takes`", """
`takes N` generates N candidates and `pick K` uses the K-th (counting from
1), so K can be at most N.

    music "deep house" { takes 2; pick 3 }   # error
"""),
    "E1012": _page("wrong unit", """
A value written in a unit this option does not take. Durations take `s`,
`ms`, `f` (frames), `beats`, `bars` or a clock time (`1:30`); `gain` takes
`dB`; `camera pan` a percentage; `camera rotate` degrees; `fps`, `bpm`,
`takes` and zoom factors plain numbers.

    length 5          # error: 5 what? write 5s, 5 beats or 5 bars
    gain -6           # error: write -6dB
"""),
    "E1013": _page("transition not between two scenes", """
A transition `-> KIND` stands between the scene before it and the scene
after it. It cannot open the file, close it, or follow another transition.
"""),
    "E1014": _page("sound with no time", """
A `sfx` outside any scene needs `at TIME`: nothing else tells when it plays.
Inside a scene it defaults to the scene's start.

    sfx "thunder" at bar 9 length 2s
"""),
    "E1015": _page("relative time outside a scene", """
`+DUR` counts from the start of the scene it is in, so it can only be used
inside a scene (`sfx "bell" at +2 beats`). Elsewhere write an absolute time:
`bar 9`, `0:30`, `drop + 1 beat`.
"""),
    "E1016": _page("not allowed here", """
A statement or option that exists but cannot be used in this place: a
`scene` in an imported file (imported files hold only `style`, `character`
and `transition NAME = ...` definitions), `over` on a `cut`, `at` or
`length` on `sfx auto`, `sfx auto` outside a scene, a preset that names
another preset.
"""),
    "E1017": _page("reserved name", """
A name that already means something where it would be used: `start`, `end`,
`bar` and `beat` in a time (so no mark can be called that), and the built-in
transitions `cut`, `crossfade`, `dip`, `whip`, `flash`, `morph` and `zoom`
after `->` (so no preset can be called that).
"""),
    "E2001": _page("anchors go backwards", """
Scenes play in the order they are written. A scene anchored with `at` earlier
than an earlier scene's anchor would have to play before it. Reorder the
scenes or fix the anchor. mvlang checks this at `check` time when both
anchors are musical (`bar 17`) or both clock times (`1:05`); other pairs are
checked once the audio's beat grid is known.
"""),
    "E2002": _page("no time left for a scene", """
An anchored scene starts where (or before) the previous scene starts, which
leaves the previous scene no time at all.
"""),
    "E2003": _page("no audio", """
Every video has exactly one audio source: `song "file.wav"` for a recording,
or `music "prompt" { bpm 124 }` to generate one. Times such as `bar 17` are
counted on its beat grid.
"""),
    "E2004": _page("more than one audio source", """
A video has exactly one `song` or `music`. To use part of a file, give
`from` and `to` in its `song` block.
"""),
    "E2005": _page("scene ends before it starts", """
A scene's `until` time is not later than its start.
"""),
    "E2006": _page("scene past the end of the audio", """
A scene starts at or after the end of the audio. For generated music with a
`length` this is known at `check` time; for a song file, once it is analysed.
Lengthen the music, shorten the video, or remove scenes.
"""),
    "E2007": _page("invalid meter", """
A meter is beats to the bar over the note value: `4/4`, `3/4`, `6/8`, `7/8`.
mvlang counts 1 to 32 beats to the bar, of 1, 2, 4, 8, 16 or 32. A bar has
as many beats as the meter's first number.
"""),
    "E2008": _page("bars and beats count from 1", """
`bar 1 beat 1` is the first downbeat, so `bar 0` or `beat 0` does not exist.
For a moment before the first downbeat write `bar 1 - 1 beat`.
"""),
    "E2009": _page("marks in a cycle", """
A mark defined in terms of itself, directly or through other marks
(`mark a at b`, `mark b at a`).
"""),
    "E2010": _page("before the start", """
A time that falls before 0:00 of the audio in use.
"""),
    "E2011": _page("clock time needed", """
`from`, `to` and `downbeat` name places in the file itself, so they take a
clock time (`0:12.5`, `12.5s`): bars and marks are counted from the part of
the file in use and cannot say which part that is.
"""),
    "E2012": _page("empty range", """
`to` must come after `from` (in a `song` block, or on `footage`).
"""),
    "E2013": _page("duration not positive", """
A length, a transition's `over` or a `smooth` must be longer than zero.
"""),
    "E2014": _page("not a key", """
A musical key is a note (A to G, with `#` or `b`) and a mode: `"A minor"`,
`"F# major"`, `"Bb minor"`, `"C#m"`. Without a mode it is major.
"""),
    "E3001": _page("file not found", """
A file the script names (a song, image, footage, reference image or import)
is not there. Paths are relative to the folder of the script that names
them. The hint suggests a file with a close name in that folder.
"""),
    "E3002": _page("file cannot be read", """
The path names a folder, or a file that cannot be read as expected (no
permission, not UTF-8 text for a script).
"""),
    "E3003": _page("import cycle", """
Files that import each other in a circle. Move the shared definitions into a
third file that both import.
"""),
    "E3004": _page("unknown standard-library module", """
`import "std/NAME"` loads a module of the standard library that comes with
mvlang; this one does not exist. `mvlang explain E3004` lists them below.
"""),
    "E2015": _page("transition longer than a scene allows", """
A transition is centred on the cut between two scenes: `over 1 bar` starts
half a bar before the cut and ends half a bar after it. Each scene must last
at least its half. Shorten the transition's `over`, or lengthen the scenes.
"""),
    "E2016": _page("scene shorter than one frame", """
Once placed on the beat grid, the scene lasts less than one frame of the
video (1/24 s at 24 fps), so it would never be seen. Usually two anchors
are almost on the same beat.
"""),
    "E2017": _page("`from` past the end of the file", """
The song's `from` time is at or after the end of the audio file, so nothing
of the file is left to use.
"""),
    "E3005": _page("empty audio file", """
The file has no bytes, or decodes to no samples at all. It may not have
finished copying or exporting.
"""),
    "E3006": _page("not audio", """
The file cannot be decoded as audio: it is another kind of file, it is
damaged, or it is a video without a sound track. mvlang reads wav, flac,
ogg, mp3, opus and m4a/aac.
"""),
    "E3007": _page("silent audio", """
The audio (or the part of it between `from` and `to`) is silent: its peak
is below -80 dBFS. Beats and bars are found in the sound, so a silent song
has none.
"""),
    "E3008": _page("beat tracker cannot run", """
The beat tracker chosen in `mvlang.toml` (`[beats] tracker`) cannot run
here: `beat-this` needs the `beat-this` package and a local checkpoint file
named by `checkpoint`. Nothing is downloaded. Remove the setting to use
mvlang's own tracker.
"""),
    "E3009": _page("file outside the script's folder", """
A script may only read files in its own folder or below it, so that a
project is self-contained (it builds the same from a checkout) and a script
from someone else cannot read your files. Copy the file into the project, or
build with `mvlang build --allow-outside` when you mean it.
"""),
    "E3010": _page("output would overwrite an input", """
`mvlang build` never writes over the script or a file the script reads (its
song, images, footage). The video goes to `FILE.mp4` next to the script, or
where `-o` says; choose another name, ending in .mp4.
"""),
    "E3011": _page("a build task failed", """
One task of the build (painting a keyframe, rendering a shot, mixing the
audio) failed. The message says which scene and why. The tasks that do not
depend on it still ran and are cached, so fixing the cause and building
again only redoes what is missing. `mvlang build -v` prints the traceback
for a bug report.
"""),
    "E3012": _page("a model folder is missing or wrong", """
`mvlang.toml` names a local folder for a model role (`[models.image] path =
"models/sd15"`), and that folder does not exist, holds no config mvlang can
read, or holds the wrong kind of model; or a build with `--backend diffusers`
has no `[models.image]` at all (the one role it needs) (a diffusers pipeline folder has
`model_index.json`, a transformers model `config.json`). mvlang never
downloads a model: put the weights there (for instance with
`huggingface-cli download ... --local-dir models/sd15` on a machine with a
network), or fix the path. `mvlang models` checks every folder at once.
"""),
    "E3013": _page("backend not available", """
The build was asked (by `--backend` or `[build] backend` in `mvlang.toml`)
for a backend whose libraries are not installed here: the `diffusers`
backend needs torch, diffusers and transformers (`pip install
"mvlang[gen]"`). The embedded `preview` backend renders every script
without a GPU or weights.
"""),
    "E3014": _page("Ray is not installed", """
The build was asked to run on Ray (`--ray local|auto|ADDRESS`, or `[execute]
ray` in `mvlang.toml`), and Ray is not installed here. Install the extra
with `pip install "mvlang[ray]"` (on every machine of the cluster), or build
without `--ray` to use the local process pool. docs/cluster.md says how to
start a cluster and where its cache lives.
"""),
    "W0001": _page("scene stretched by the next anchor", """
The scene after this one is anchored later than this scene's written
`length` ends, so this scene is stretched to meet it. Remove the `length` to
say "until the next scene", or move the anchor. Only lengths written on the
scene itself are warned about; default lengths give way silently.
"""),
    "W0002": _page("scene shortened by the next anchor", """
The scene after this one is anchored before this scene's written `length`
ends, so this scene is cut short.
"""),
    "W0003": _page("unused definition", """
A character, style or transition preset defined in this file and never
used. Remove it, or use it.
"""),
    "W0004": _page("unused import", """
Nothing that the import brings in is used.
"""),
    "W0006": _page("sound after the end", """
The sound starts after the video ends, so it is left out. A sound that
starts before the end and runs past it is cut at the end.
"""),
    "W0007": _page("not rendered by this backend yet", """
The backend the build uses does not render this feature yet (the preview
backend learns the infinite zoom, morph, whip, `react`, effects, footage,
images and sound effects in a later release). The video is built without it:
a transition it cannot draw becomes a crossfade. The script is valid; its
timing is unchanged.
"""),
    "W0008": _page("a scene between two zooms", """
An infinite zoom finds the next picture inside (`zoom in`) or around (`zoom
out`) the current one: the inner pictures sit at the centre of the outer
scene's picture. A scene that a `zoom out` arrives in and a `zoom in` leaves
from would need two different chains at its centre, so the second zoom is
built as a crossfade. Make one of the two another transition, or turn both
the same way (a run of zooms out is one continuous movement).
"""),
    "W0005": _page("unexpected file type", """
The file's extension is not one mvlang reads for this use. Audio: wav, flac,
ogg, mp3, opus, m4a, aac. Images: png, jpg, webp, bmp, gif, tif. Video: mp4,
mov, mkv, webm, avi, m4v.
"""),
}


def explain(code: str) -> str | None:
    """The page for a code, or None when there is no such code."""
    entry = CODES.get(code.upper())
    if entry is None:
        return None
    text = f"{code.upper()}: {entry.title}\n\n{entry.body}\n"
    if code.upper() == "E3004":
        from mvlang.resources import stdlib_modules
        text += "\nThe standard library: " + ", ".join(f"std/{m}" for m in stdlib_modules()) + "\n"
    return text
