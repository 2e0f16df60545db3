"""The language server (`mvlang lsp`): pygls over stdio, adapting the front end."""
