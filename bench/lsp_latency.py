"""How fast `mvlang lsp` answers an edit with diagnostics, on a long script.

    python bench/lsp_latency.py [--changes N] [--lines N] [--profile]

Starts `python -m mvlang lsp` and speaks JSON-RPC to it over stdio by hand
(Content-Length framing): `initialize`, `initialized`, `didOpen` of a
generated, valid script of about 2,000 lines (a character with ages, styles,
scenes with prompts, camera moves, sounds, transitions), then N
`textDocument/didChange` notifications carrying the full text, alternately
with and without a small edit (one prompt's wording). Each is timed from
the send to the `textDocument/publishDiagnostics` for that document version.
`python -c pass` is timed in the same run as a reference.

Goal: the median under 100 ms. With `--profile`, also profiles
`mvlang.ir.check_file` on the same script in process (what the server runs
on every change) and prints where the time goes.

Results go in bench/README.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_speed import large_script  # the same generator as the check benchmark

GOAL_MS = 100.0


def script_of_about(lines: int) -> str:
    """A generated valid script of at least `lines` lines."""
    scenes = max(1, lines // 7)
    text = large_script(scenes)
    while text.count("\n") < lines:
        scenes += 5
        text = large_script(scenes)
    return text


class Client:
    """A bare LSP client over a subprocess's stdin and stdout."""

    def __init__(self, command: list[str]) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, method: str, params: dict, *, request: bool = False) -> int | None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            self.next_id += 1
            ident = message["id"] = self.next_id
        body = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return ident

    def receive(self) -> dict:
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise SystemExit("a message without Content-Length")
        return json.loads(self.proc.stdout.read(length))

    def wait_for(self, predicate) -> dict:
        while True:
            message = self.receive()
            if predicate(message):
                return message

    def close(self) -> None:
        try:
            ident = self.send("shutdown", None, request=True)
            self.wait_for(lambda m: m.get("id") == ident)
            self.send("exit", None)
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, SystemExit):
            self.proc.kill()
            self.proc.wait()


def diagnostics_for(uri: str, version: int):
    return lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                      and m["params"]["uri"] == uri and m["params"].get("version") == version)


def bare_python(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def profile_check(path: Path, text: str, top: int = 14) -> str:
    from mvlang.ir import check_file
    from mvlang.syntax.parser import parse
    from mvlang.world import FileWorld

    def best_of(fn, runs: int = 5) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    check_file(path, FileWorld({path: text}), name=str(path), text=text)  # warm the caches
    whole = best_of(lambda: check_file(path, FileWorld({path: text}), name=str(path), text=text))
    parsing = best_of(lambda: parse(text, str(path)))
    head = (f"in process, best of 5: check_file {whole * 1000:.1f} ms, of which parsing the "
            f"script (lark lexer and LALR parser, lowering to the AST) {parsing * 1000:.1f} ms\n")
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    check_file(path, FileWorld({path: text}), name=str(path), text=text)
    profiler.disable()
    took = time.perf_counter() - start
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return head + f"check_file under cProfile: {took * 1000:.1f} ms\n{out.getvalue()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--profile", action="store_true",
                        help="also profile mvlang.ir.check_file on the script")
    args = parser.parse_args()

    text = script_of_about(args.lines)
    edited = text.replace("moment 0\"", "moment zero\"", 1)
    assert edited != text
    lines = text.count("\n")
    with tempfile.TemporaryDirectory() as folder:
        path = (Path(folder) / "long.mvs").resolve()
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()

        bare = bare_python(7)
        client = Client([sys.executable, "-m", "mvlang", "lsp"])
        started = time.perf_counter()
        ident = client.send("initialize", {"processId": None, "rootUri": Path(folder).as_uri(),
                                           "capabilities": {}}, request=True)
        client.wait_for(lambda m: m.get("id") == ident)
        initialized = time.perf_counter() - started
        client.send("initialized", {})
        start = time.perf_counter()
        client.send("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "mvs", "version": 1, "text": text}})
        opened = client.wait_for(diagnostics_for(uri, 1))
        first = time.perf_counter() - start
        errors = [d["message"] for d in opened["params"]["diagnostics"] if d.get("severity") == 1]
        if errors:
            raise SystemExit(f"the generated script is not valid: {errors[:3]}")

        latencies = []
        for i in range(args.changes):
            version = i + 2
            body = edited if i % 2 == 0 else text
            start = time.perf_counter()
            client.send("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": body}]})
            client.wait_for(diagnostics_for(uri, version))
            latencies.append(time.perf_counter() - start)
        client.close()

        median, worst = statistics.median(latencies) * 1000, max(latencies) * 1000
        print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
              f"Python {platform.python_version()}")
        print(f"python -c pass (median of 7)              {bare * 1000:8.1f} ms")
        print(f"server start to initialize reply          {initialized * 1000:8.1f} ms")
        print(f"didOpen -> diagnostics ({lines} lines)      {first * 1000:8.1f} ms")
        print(f"didChange -> diagnostics, {args.changes} edits: median {median:.1f} ms, "
              f"max {worst:.1f} ms, min {min(latencies) * 1000:.1f} ms "
              f"(goal: median under {GOAL_MS:.0f} ms: {'met' if median < GOAL_MS else 'MISSED'})")
        if args.profile:
            print()
            print(profile_check(path, text))


if __name__ == "__main__":
    main()
