"""Blocks of a page dump: their shape, the hand rules' reading, and a learned keep-or-drop score.

A block's features (length, function-word share, punctuation, capitals, digits, link-like text,
repetition, position, what the hand rules and the best prose run say, its neighbours) go through
a logistic model fitted by summarizer.train_blocks on pages_dev; the model file ships in
summarizer/models/.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from summarizer.boilerplate import FUNCTION_WORDS, is_junk, is_read_more, is_section_break
from summarizer.dates import is_dateline
from summarizer.linear import LinearModel, load_packaged

BLOCK_MODEL_FILE = "blocks.json"

_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'“”»«’)\]]*$")
_SENTENCE_STOP = re.compile(
    r"[.!?…][\"'“”»«’)\]]*(?=\s+[\"'„“»«(]?[A-ZÄÖÜ0-9])|[.!?…][\"'“”»«’)\]]*$"
)
_SHARE = re.compile(
    r"\b(?:teilen|teile|share|verschicken|versenden|drucken|speichern|merken|empfehlen|twittern)\b",
    re.IGNORECASE,
)
_LINK_LIKE = re.compile(r"https?://|www\.|\w\.(?:de|com|at|ch|org|net)\b|@\w|\s[|›»>/]\s")
# A line of tags or topics: capitalised names separated by commas, dots or bars ("USA, Venezuela").
_TAG_LIST = re.compile(
    r"^[A-ZÄÖÜ][\w.&'’-]*(?:\s[A-ZÄÖÜ][\w.&'’-]*)?(?:\s?[,·|/]\s?[A-ZÄÖÜ][\w.&'’-]*(?:\s[A-ZÄÖÜ][\w.&'’-]*)?)+$"
)
# Neighbourhood of a block for the surrounding-prose features, in blocks either side.
WINDOW = 3


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a dump with the features the hand rules use."""

    text: str
    words: int
    function_share: float
    ends_sentence: bool
    junk: bool
    section_break: bool
    sentences: int

    @property
    def is_prose(self) -> bool:
        """Running text: long enough, ends like a sentence, uses function words."""
        return (
            not self.junk
            and self.words >= 10
            and self.ends_sentence
            and self.function_share >= 0.12
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """What the hand rules make of a dump: its blocks and where they put the article."""

    blocks: tuple[Block, ...]
    run: tuple[int, int]  # the best-scoring run of prose before it is grown or trimmed
    cut: int  # first block of the comment section, or the number of blocks
    kept: frozenset[int]  # the blocks the hand rules keep as body
    title_index: int  # the headline's block, or -1


def _is_share_bar(text: str, words: list[str]) -> bool:
    return len(words) <= 8 and bool(_SHARE.search(text))


def to_block(text: str) -> Block:
    """Features of one block."""
    words = _WORD.findall(text)
    function = sum(1 for w in words if w.lower() in FUNCTION_WORDS)
    return Block(
        text=text,
        words=len(words),
        function_share=function / len(words) if words else 0.0,
        ends_sentence=bool(_SENTENCE_END.search(text)),
        junk=is_junk(text) or is_dateline(text) or _is_share_bar(text, words),
        section_break=is_section_break(text),
        sentences=len(_SENTENCE_STOP.findall(text)) + (0 if _SENTENCE_END.search(text) else 1),
    )


def _clean(block: str) -> str:
    lines = (" ".join(line.split()) for line in block.split("\n"))
    return "\n".join(line for line in lines if line)


def to_blocks(text: str) -> list[str]:
    """Non-empty blocks of a dump, spaces collapsed, line breaks inside a block kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [b for b in (_clean(raw) for raw in _BLOCK_BREAK.split(text)) if b]


def is_tag_list(text: str) -> bool:
    """True for a line of tags or topics: "USA, Venezuela", "Politik · Ausland"."""
    return bool(_TAG_LIST.match(text))


def is_headline(block: Block) -> bool:
    """A short single line without a full stop that is neither junk nor a section break."""
    return (
        3 <= block.words <= 30
        and not block.junk
        and not block.section_break
        and not block.text.endswith(".")
        and "\n" not in block.text
    )


# One column per name, in this order, in the model file too.
BLOCK_FEATURES: tuple[str, ...] = (
    "log_words",
    "words_10",
    "words_30",
    "function_share",
    "ends_sentence",
    "log_sentences",
    "words_per_sentence",
    "capital_share",
    "digit_share",
    "punct_share",
    "comma_rate",
    "log_lines",
    "ends_colon",
    "link_like",
    "headline",
    "above_title",
    "prose",
    "junk",
    "section_break",
    "before_read_more",
    "repeated",
    "position",
    "in_run",
    "run_distance",
    "after_comments",
    "breaks_between",
    "hand_kept",
    "near_prose",
    "prev_prose",
    "next_prose",
    "prev_kept",
    "next_kept",
    "in_kept_span",
    "kept_distance",
    "topic_overlap",
    "title_overlap",
    "relative_length",
)


def _shape(block: Block) -> list[float]:
    """Features of the block's own text, in BLOCK_FEATURES order up to `prose`."""
    text = block.text
    words = _WORD.findall(text)
    chars = max(len(text), 1)
    letters = sum(map(str.isalpha, text))
    punct = len(text) - sum(map(str.isalnum, text)) - sum(map(str.isspace, text))
    capital = sum(w[0].isupper() for w in words)
    return [
        math.log1p(block.words),
        float(block.words >= 10),
        float(block.words >= 30),
        block.function_share,
        float(block.ends_sentence),
        math.log1p(block.sentences),
        min(block.words / max(block.sentences, 1), 40.0) / 40.0,
        capital / len(words) if words else 0.0,
        sum(map(str.isdigit, text)) / chars,
        punct / max(letters + punct, 1),
        text.count(",") / max(block.words, 1),
        math.log(1 + text.count("\n")),
        float(text.endswith(":")),
        float(bool(_LINK_LIKE.search(text))),
        float(is_headline(block)),
    ]


def _content_words(text: str) -> list[str]:
    return [
        w
        for w in (m.casefold() for m in _WORD.findall(text))
        if len(w) >= 4 and w not in FUNCTION_WORDS and not w.isdigit()
    ]


def _share_in(words: list[str], vocabulary: dict[str, int], own: dict[str, int]) -> float:
    """Share of the words found in the vocabulary once the block's own counts are taken out."""
    if not words:
        return 0.0
    return sum(vocabulary.get(w, 0) > own.get(w, 0) for w in words) / len(words)


def _distances(n: int, marked: frozenset[int]) -> list[int]:
    """Distance of each of n positions to the nearest marked one (n when none is marked)."""
    out = [n] * n
    for order in (range(n), range(n - 1, -1, -1)):
        last = -1
        for i in order:
            if i in marked:
                last = i
            if last >= 0:
                out[i] = min(out[i], abs(i - last))
    return out


def block_features(reading: Reading) -> np.ndarray:
    """Feature matrix of a dump's blocks, one row per block, columns as BLOCK_FEATURES."""
    blocks = reading.blocks
    n = len(blocks)
    if n == 0:
        return np.zeros((0, len(BLOCK_FEATURES)))
    counts: dict[str, int] = {}
    for b in blocks:
        counts[b.text.casefold()] = counts.get(b.text.casefold(), 0) + 1
    prose = [b.words if b.is_prose else 0 for b in blocks]
    start, end = reading.run
    breaks = np.cumsum([b.section_break for b in blocks])
    kept = sorted(reading.kept)
    first, last = (kept[0], kept[-1]) if kept else (n, -1)
    words = [_content_words(b.text) for b in blocks]
    # The article's vocabulary: a teaser or a promo box talks about something else.
    topic: dict[str, int] = {}
    for i in kept:
        for w in words[i]:
            topic[w] = topic.get(w, 0) + 1
    title = set(words[reading.title_index]) if reading.title_index >= 0 else set()
    typical = math.log1p(float(np.median([blocks[i].words for i in kept]))) if kept else 0.0
    nearest_kept = _distances(n, reading.kept)
    rows = []
    for i, b in enumerate(blocks):
        own: dict[str, int] = {}
        if i in reading.kept:
            for w in words[i]:
                own[w] = own.get(w, 0) + 1
        nearest = nearest_kept[i]
        distance = start - i if i < start else (i - end + 1 if i >= end else 0)
        # Section breaks between the block and the run: a teaser list under "Weitere Meldungen".
        if i >= end:
            between = int(breaks[i - 1] - (breaks[end - 1] if end > 0 else 0)) if i > 0 else 0
        elif i < start:
            between = int(breaks[start - 1] - breaks[i])
        else:
            between = 0
        near = sum(prose[max(0, i - WINDOW) : i]) + sum(prose[i + 1 : i + 1 + WINDOW])
        rows.append(
            [
                *_shape(b),
                float(i < reading.title_index),
                float(b.is_prose),
                float(b.junk),
                float(b.section_break),
                float(i + 1 < n and is_read_more(blocks[i + 1].text)),
                float(counts[b.text.casefold()] > 1),
                i / n,
                float(start <= i < end),
                math.log1p(distance),
                float(i >= reading.cut),
                float(min(between, 3)),
                float(i in reading.kept),
                math.log1p(near),
                float(i > 0 and blocks[i - 1].is_prose),
                float(i + 1 < n and blocks[i + 1].is_prose),
                float(i - 1 in reading.kept),
                float(i + 1 in reading.kept),
                float(first <= i <= last),
                math.log1p(nearest),
                _share_in(words[i], topic, own),
                sum(w in title for w in words[i]) / len(words[i]) if words[i] else 0.0,
                math.log1p(b.words) - typical,
            ]
        )
    return np.asarray(rows, dtype=float)


def kept_blocks(reading: Reading, model: LinearModel) -> list[int]:
    """Indices of the blocks the model keeps as body; never none when the dump has a block.

    The headline (and any block repeating it) is the title, not body. When the model keeps
    nothing, the hand rules' body stands in, else the model's best block.
    """
    blocks = reading.blocks
    if not blocks:
        return []
    title = blocks[reading.title_index].text if reading.title_index >= 0 else None
    allowed = [b.text != title for b in blocks]
    logits = model.logits(block_features(reading))
    threshold = model.setting("threshold", 0.0)
    # A line of tags is furniture on every site (8 of the 9 on pages_dev are labelled junk).
    kept = [
        int(i)
        for i in np.flatnonzero(logits > threshold)
        if allowed[i] and not is_tag_list(blocks[i].text)
    ]
    if kept:
        return kept
    if reading.kept:
        return sorted(reading.kept)
    candidates = [i for i in range(len(blocks)) if allowed[i]] or list(range(len(blocks)))
    return [max(candidates, key=lambda i: (float(logits[i]), -i))]


@lru_cache(maxsize=1)
def block_model() -> LinearModel:
    """The shipped block classifier (summarizer/models/blocks.json, made by train_blocks)."""
    return load_packaged(BLOCK_MODEL_FILE)
