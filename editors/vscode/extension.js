// The mvlang extension: runs `mvlang lsp` (LSP over stdio) for .mvs files.
// The command is the setting `mvlang.server.path` (default: `mvlang` on the PATH).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration("mvlang").get("server.path") || "mvlang";
  return { command, args: ["lsp"], transport: TransportKind.stdio };
}

async function start(context) {
  client = new LanguageClient("mvlang", "mvlang", serverOptions(), {
    documentSelector: [{ language: "mvs" }],
  });
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `mvlang: could not start the language server (${error.message || error}). ` +
        'Install it with `pip install "mvlang[lsp]"` or set `mvlang.server.path`.'
    );
  }
}

async function activate(context) {
  await start(context);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("mvlang.server.path")) {
        await deactivate();
        await start(context);
      }
    })
  );
}

async function deactivate() {
  if (client) {
    const old = client;
    client = undefined;
    try {
      await old.stop();
    } catch (_) {
      // it never started
    }
  }
}

module.exports = { activate, deactivate };
