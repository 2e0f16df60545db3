"""Pieces every tiny model folder needs: tokenizers built here, from nothing.

Real tokenizers come with their models' downloads; these are made from the
byte alphabet so that the tiny folders need no network: a CLIP BPE tokenizer
with no merges (one token per character) and a T5-style unigram tokenizer.
Both save and load through transformers like the real ones.
"""

from __future__ import annotations

import json
from pathlib import Path


def _alphabet() -> list[str]:
    """GPT-2's printable stand-ins for the 256 byte values (what byte-level BPE sees)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    extra = [256 + n for n in range(256 - len(printable))]
    return sorted(chr(c) for c in printable + extra)


def clip_tokenizer(folder: Path, max_length: int = 77):
    """A CLIPTokenizer over single characters, saved into `folder`; returned loaded."""
    from transformers import CLIPTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chars = _alphabet()
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in chars:
        vocab.setdefault(c, len(vocab))
        vocab.setdefault(c + "</w>", len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                              model_max_length=max_length)
    tokenizer.save_pretrained(folder)
    return tokenizer


def clip_vocab_size() -> int:
    return 2 + 2 * len(_alphabet())


def t5_tokenizer(folder: Path | None = None, max_length: int = 64):
    """A T5-style tokenizer (unigram over characters, `</s>` appended), saved into
    `folder` when given."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import T5TokenizerFast

    letters = [chr(c) for c in range(32, 127)] + ["\u2581"]
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [(c, -1.0) for c in letters]
    core = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.decoder = decoders.Metaspace()
    core.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    tokenizer = T5TokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="</s>",
                                unk_token="<unk>", extra_ids=0, model_max_length=max_length)
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tokenizer.save_pretrained(folder)
    return tokenizer


def t5_vocab_size() -> int:
    return 3 + 96
