// Check the TextMate grammar as VS Code runs it (vscode-textmate + Oniguruma).
//
//     node test/check.js [FILE.mvs ...]     (default: every ../../examples/*.mvs)
//
// On each file, against a small scanner written here independently of the
// grammar: every line is covered by tokens without gaps; comments, strings
// and `{name@age}` references get their scopes; every other non-blank
// character gets a scope of its own; statement keywords at the start of a
// line, a few other keywords, clock times, and the names of scenes,
// characters and styles get theirs. Then a probe script with one of each
// construct is checked token by token. Prints one line per file and a summary;
// exits 1 on any failure.
"use strict";

const fs = require("fs");
const path = require("path");
const { tokenize } = require("./tokenize");

const EXAMPLES = path.resolve(__dirname, "..", "..", "..", "examples");
const NAME = "[A-Za-z_][A-Za-z0-9_]*";
const STATEMENTS = ["scene", "character", "prompt", "style", "camera", "sfx", "music", "song",
                    "video", "defaults", "import", "negative", "mvs", "cast", "react", "length"];
const OTHER_KEYWORDS = ["zoom", "ease", "in_out", "over", "at", "crossfade"];

// Per line, the kind of each character: "comment", "string" (quotes
// included), "code" or "blank"; strings may run over lines ("""...""").
function classify(lines) {
  const kinds = [];
  let inLong = false;
  for (const line of lines) {
    const kind = new Array(line.length).fill("code");
    let i = 0;
    let inShort = false;
    while (i < line.length) {
      if (inLong) {
        kind[i] = "string";
        if (line.startsWith('"""', i)) { kind[i + 1] = kind[i + 2] = "string"; i += 3; inLong = false; continue; }
        if (line[i] === "\\" && i + 1 < line.length) { kind[i + 1] = "string"; i += 2; continue; }
        i += 1;
      } else if (inShort) {
        kind[i] = "string";
        if (line[i] === "\\" && i + 1 < line.length) { kind[i + 1] = "string"; i += 2; continue; }
        if (line[i] === '"') inShort = false;
        i += 1;
      } else if (line.startsWith('"""', i)) {
        kind[i] = kind[i + 1] = kind[i + 2] = "string"; i += 3; inLong = true;
      } else if (line[i] === '"') {
        kind[i] = "string"; i += 1; inShort = true;
      } else if (line[i] === "#") {
        for (let j = i; j < line.length; j++) kind[j] = "comment";
        break;
      } else {
        if (/\s/.test(line[i])) kind[i] = "blank";
        i += 1;
      }
    }
    kinds.push(kind);
  }
  return kinds;
}

// scopes[line][column] from the token list.
function scopesByColumn(lines, tokens, fail) {
  const table = lines.map((line) => new Array(line.length).fill(null));
  const next = lines.map(() => 0);
  for (const [line, start, end, scopes] of tokens) {
    if (start !== next[line]) fail(`line ${line + 1}: a gap or overlap at column ${start}`);
    next[line] = Math.max(next[line], end);
    for (let c = start; c < end; c++) table[line][c] = scopes;
  }
  lines.forEach((line, n) => {
    if (next[n] < line.length) fail(`line ${n + 1}: columns ${next[n]}.. have no token`);
  });
  return table;
}

function has(scopes, prefix) {
  return Boolean(scopes) && scopes.some((s) => s === prefix || s.startsWith(prefix + "."));
}

async function checkFile(file) {
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split(/\r?\n/);
  const failures = [];
  const fail = (message) => { if (failures.length < 20) failures.push(message); };
  const table = scopesByColumn(lines, await tokenize(text), fail);
  const kinds = classify(lines);
  const counts = { comment: 0, string: 0, reference: 0, keyword: 0, time: 0, name: 0 };

  const expect = (n, column, scope, what) => {
    const scopes = table[n][column];
    if (!has(scopes, scope)) {
      fail(`line ${n + 1}:${column + 1} ${what}: expected ${scope}, got ${JSON.stringify(scopes)}`);
    }
  };
  const code = (n, start, end) => kinds[n].slice(start, end).every((k) => k === "code" || k === "blank");

  lines.forEach((line, n) => {
    for (let c = 0; c < line.length; c++) {
      const kind = kinds[n][c];
      if (kind === "comment") { expect(n, c, "comment.line.number-sign.mvs", "comment"); counts.comment++; }
      else if (kind === "string") { expect(n, c, "string.quoted.double", "string"); counts.string++; }
      else if (kind === "code" && !(table[n][c] && table[n][c].length > 1)) {
        fail(`line ${n + 1}:${c + 1} '${line[c]}' has no scope of its own`);
      }
    }
    for (const m of line.matchAll(new RegExp(`\\{(${NAME})(?:@[\\d.]+)?\\}`, "g"))) {
      if (kinds[n][m.index] === "string") { expect(n, m.index + 1, "variable.other.reference.mvs", m[0]); counts.reference++; }
    }
    const first = line.match(/^\s*([a-z_]+)\b/);
    if (first && STATEMENTS.includes(first[1]) && code(n, first.index, first[0].length)) {
      expect(n, first[0].length - first[1].length, "keyword.control.mvs", first[1]);
      counts.keyword++;
    }
    for (const word of OTHER_KEYWORDS) {
      for (const m of line.matchAll(new RegExp(`\\b${word}\\b`, "g"))) {
        if (code(n, m.index, m.index + word.length)) { expect(n, m.index, "keyword", word); counts.keyword++; }
      }
    }
    for (const m of line.matchAll(/(?<![\w:.])\d+:\d\d(?::\d\d)?(?:\.\d+)?/g)) {
      if (code(n, m.index, m.index + m[0].length)) {
        for (let c = m.index; c < m.index + m[0].length; c++) expect(n, c, "constant.numeric.time.mvs", m[0]);
        counts.time++;
      }
    }
    const defined = line.match(new RegExp(`^(\\s*(?:scene|character)\\s+)(${NAME})`));
    if (defined && code(n, 0, defined[0].length)) {
      expect(n, defined[1].length, "entity.name.function.mvs", defined[2]);
      counts.name++;
    }
    const used = line.match(new RegExp(`^(\\s*(?:style|cast)\\s+)(${NAME})\\b`));
    if (used && code(n, 0, used[0].length) && !STATEMENTS.includes(used[2])) {
      expect(n, used[1].length, "variable.other.mvs", used[2]);
      counts.name++;
    }
  });
  return { failures, counts };
}

// One of each construct, with the scope expected at a piece of text.
const PROBE = [
  "mvs 1",
  "# a comment",
  'character mia "a girl \\"who\\" dances" {',
  '  age 16 "{mia@16} at the prom"',
  "}",
  'song "track.ogg" { mark drop at 1:23.5; meter 4/4 }',
  "video { size 1280x720 }",
  'style dusk """two',
  'lines {mia}"""',
  "scene sunrise at drop length 8 bars {",
  "  camera zoom 1 -> 2 ease in_out",
  '  sfx "whoosh" at +1b gain -6dB',
  "}",
].join("\n");

const PROBE_EXPECTED = [
  // [needle, offset into it, scope]
  ["mvs 1", 0, "keyword.control.mvs"],
  ["# a comment", 0, "punctuation.definition.comment.mvs"],
  ["# a comment", 4, "comment.line.number-sign.mvs"],
  ["character", 0, "keyword.control.mvs"],
  ["mia ", 0, "entity.name.function.mvs"],
  ['"a girl', 0, "punctuation.definition.string.begin.mvs"],
  ['"a girl', 2, "string.quoted.double.mvs"],
  ['\\"who', 0, "constant.character.escape.mvs"],
  ["{mia@16}", 1, "variable.other.reference.mvs"],
  ["{mia@16}", 5, "constant.numeric.mvs"],
  ["age 16", 0, "keyword"],
  ["1:23.5", 0, "constant.numeric.time.mvs"],
  ["1:23.5", 5, "constant.numeric.time.mvs"],
  ["4/4", 0, "constant.numeric.meter.mvs"],
  ["1280x720", 4, "constant.numeric.size.mvs"],
  ["drop at", 0, "entity.name.function.mvs"],
  ["at drop", 3, "variable.other.mvs"],
  ["dusk", 0, "variable.other.mvs"],
  ["lines {mia}", 0, "string.quoted.double.block.mvs"],
  ["lines {mia}", 7, "variable.other.reference.mvs"],
  ["sunrise", 0, "entity.name.function.mvs"],
  ["8 bars", 0, "constant.numeric.mvs"],
  ["8 bars", 2, "keyword.other.unit.mvs"],
  ["zoom", 0, "keyword.other.mvs"],
  ["->", 0, "keyword.operator.arrow.mvs"],
  ["in_out", 0, "keyword.other.mvs"],
  ["+1b", 2, "keyword.other.unit.mvs"],
  ["-6dB", 2, "keyword.other.unit.mvs"],
  ["; meter", 0, "punctuation.terminator.statement.mvs"],
  ["{ mark", 0, "punctuation.section.block.begin.mvs"],
];

async function checkProbe() {
  const lines = PROBE.split("\n");
  const failures = [];
  const table = scopesByColumn(lines, await tokenize(PROBE), (m) => failures.push(`probe: ${m}`));
  for (const [needle, offset, scope] of PROBE_EXPECTED) {
    const index = PROBE.indexOf(needle) + offset;
    const line = PROBE.slice(0, index).split("\n").length - 1;
    const column = index - (PROBE.lastIndexOf("\n", index - 1) + 1);
    if (PROBE.indexOf(needle) < 0 || !has(table[line][column], scope)) {
      failures.push(`probe: ${JSON.stringify(needle)}+${offset}: expected ${scope}, ` +
                    `got ${JSON.stringify(table[line] && table[line][column])}`);
    }
  }
  return failures;
}

async function main() {
  let files = process.argv.slice(2);
  if (!files.length) {
    files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".mvs")).sort().map((f) => path.join(EXAMPLES, f));
  }
  let failed = 0;
  const total = { comment: 0, string: 0, reference: 0, keyword: 0, time: 0, name: 0 };
  for (const file of files) {
    const { failures, counts } = await checkFile(file);
    for (const key of Object.keys(total)) total[key] += counts[key];
    const summary = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ");
    console.log(`${failures.length ? "FAIL" : "ok  "} ${path.basename(file)} (${summary})`);
    for (const message of failures) console.log(`     ${message}`);
    if (failures.length) failed++;
  }
  const probe = await checkProbe();
  console.log(`${probe.length ? "FAIL" : "ok  "} probe (${PROBE_EXPECTED.length} tokens)`);
  for (const message of probe) console.log(`     ${message}`);
  if (probe.length) failed++;
  if (!files.length) { console.log("FAIL no .mvs files to check"); failed++; }
  console.log(`${failed ? "FAILED" : "passed"}: ${files.length} files and the probe` +
              ` (${Object.entries(total).map(([k, v]) => `${v} ${k}`).join(", ")} characters/checks)`);
  process.exit(failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error.stack || error);
    process.exit(1);
  });
}
