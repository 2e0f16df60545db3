"""Editor support for .mvs files: the keyword list and a Pygments lexer."""
