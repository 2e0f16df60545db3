// Tokenize .mvs files with the extension's TextMate grammar, as VS Code does
// (vscode-textmate with the Oniguruma regex engine).
//
//     node test/tokenize.js FILE.mvs
//
// prints one JSON line per token: [line, start, end, scopes] (0-based line,
// columns in UTF-16 units, scopes outermost first). test/check.js uses the
// exported `tokenize(text)`.
"use strict";

const fs = require("fs");
const path = require("path");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const ROOT = path.resolve(__dirname, "..");
const GRAMMAR = path.join(ROOT, "syntaxes", "mvs.tmLanguage.json");

let grammarPromise;

function loadGrammar() {
  if (!grammarPromise) {
    const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
    const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }));
    const registry = new textmate.Registry({
      onigLib,
      loadGrammar: async (scopeName) => {
        if (scopeName !== "source.mvs") return null;
        return textmate.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR);
      },
    });
    grammarPromise = registry.loadGrammar("source.mvs");
  }
  return grammarPromise;
}

// [[line, start, end, scopes], ...] for a whole text.
async function tokenize(text) {
  const grammar = await loadGrammar();
  if (!grammar) throw new Error("the grammar source.mvs did not load");
  const out = [];
  let stack = textmate.INITIAL;
  text.split(/\r?\n/).forEach((line, number) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      out.push([number, token.startIndex, Math.min(token.endIndex, line.length), token.scopes]);
    }
    stack = result.ruleStack;
  });
  return out;
}

module.exports = { tokenize, loadGrammar, GRAMMAR };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node test/tokenize.js FILE.mvs\n");
    process.exit(2);
  }
  tokenize(fs.readFileSync(file, "utf8")).then(
    (tokens) => {
      process.stdout.write(tokens.map((t) => JSON.stringify(t)).join("\n") + (tokens.length ? "\n" : ""));
    },
    (error) => {
      process.stderr.write(`${error.stack || error}\n`);
      process.exit(1);
    }
  );
}
