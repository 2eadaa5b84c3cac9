"""Blocks of a page dump: their shape, the hand rules' reading, and a learned keep-or-drop score.

A block's features (length, function-word share, punctuation, capitals, digits, link-like text,
repetition, position, what the hand rules and the best prose run say, its neighbours) go through
a logistic model; a second logistic model reads the first one's scores around each block (is it
between kept blocks, how much of the page's body lies above it, how sure the page is overall)
and decides. Both are fitted by tools.train_blocks on pages_dev; their files ship in
summarizer/models/.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from statistics import median

import numpy as np

from summarizer.boilerplate import judge
from summarizer.dates import is_dateline
from summarizer.german import BLOCK_MODEL_FUNCTION_WORDS, block_words
from summarizer.linear import LinearModel, load_packaged

BLOCK_MODEL_FILE = "blocks.json"
CONTEXT_MODEL_FILE = "blocks_context.json"

_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
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
# Items of a list announced by a colon: at most this many, each this short (the length of
# ingredients, steps and feature lists; longer blocks are scored as text anyway).
LIST_MAX_ITEMS = 15
LIST_ITEM_WORDS = 25
# An about box's text follows its heading directly or under one line (a name, a photo credit).
ABOUT_REACH = 2


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
    read_more: bool  # only a link to more ("Weiterlesen")
    about_header: bool  # the heading of an about box ("Über mich")

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
    words = block_words(text)
    function = len([w for w in words if w.lower() in BLOCK_MODEL_FUNCTION_WORDS])
    ends_sentence = bool(_SENTENCE_END.search(text))
    verdict = judge(text)
    return Block(
        text=text,
        words=len(words),
        function_share=function / len(words) if words else 0.0,
        ends_sentence=ends_sentence,
        junk=verdict.junk or is_dateline(text) or _is_share_bar(text, words),
        section_break=verdict.section_break,
        sentences=len(_SENTENCE_STOP.findall(text)) + (0 if ends_sentence else 1),
        read_more=verdict.read_more,
        about_header=verdict.about_header,
    )


def to_block_list(texts: Iterable[str]) -> list[Block]:
    """Features of each block; a text that repeats on the page (a menu entry, a label) is read once.

    A quarter of the blocks of the dev pages repeat one above them.
    """
    read: dict[str, Block] = {}
    out = []
    for text in texts:
        block = read.get(text)
        if block is None:
            block = read[text] = to_block(text)
        out.append(block)
    return out


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


def is_list_item(block: Block) -> bool:
    """A short block that is neither junk nor a section break: an ingredient, a step, a point."""
    return not block.junk and not block.section_break and block.words <= LIST_ITEM_WORDS


def announced_items(blocks: Sequence[Block]) -> tuple[tuple[int, ...], ...]:
    """Per block, the list items right under it when it ends with a colon ("Sie brauchen:")."""
    out: list[tuple[int, ...]] = []
    for i, block in enumerate(blocks):
        items: list[int] = []
        if block.text.endswith(":"):
            j = i + 1
            while j < min(len(blocks), i + 1 + LIST_MAX_ITEMS) and is_list_item(blocks[j]):
                items.append(j)
                j += 1
        out.append(tuple(items))
    return tuple(out)


def with_lists(
    kept: Iterable[int], lists: Sequence[tuple[int, ...]], body: Collection[int]
) -> list[int]:
    """The kept blocks plus the items of every list whose announcing line is kept.

    Only items in `body`, the hand rules' body, are taken: a list that ends the article.
    """
    chosen = set(kept)
    # One generator, not one per kept block: a 4 MB page's 35,000 at once took 8 MB.
    return sorted(chosen.union(j for i in chosen for j in lists[i] if j in body))


# A navigation trail: "Startseite > Politik > Deutschland", "Home › Sport › Fußball".
_BREADCRUMB = re.compile(r"^[^>›»/|]{1,40}(?:\s[>›»/|]\s[^>›»/|]{1,40}){2,}$")


def is_breadcrumb(text: str) -> bool:
    """True for a navigation trail of three or more short parts ("Startseite > Inland > …")."""
    return bool(_BREADCRUMB.match(text.strip()))


def is_headline(block: Block) -> bool:
    """A short single line without a full stop that is neither junk, a section break nor a
    navigation trail."""
    return (
        3 <= block.words <= 30
        and not block.junk
        and not block.section_break
        and not block.text.endswith(".")
        and "\n" not in block.text
        and not is_breadcrumb(block.text)
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
    "after_about",
)
# The columns that depend on a block's text alone, in the order _looks gives them.
_TEXT_SHAPE = BLOCK_FEATURES[
    BLOCK_FEATURES.index("capital_share") : BLOCK_FEATURES.index("link_like") + 1
]


# Characters below this are classed by a table made once (2 ms): Latin, Greek, Cyrillic, the
# general punctuation of „quotes“ and dashes; the rare ones above (CJK, emoji) one by one.
_TABLE_END = 0x3000


@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """Per character below _TABLE_END: str.isalpha, isalnum, isspace and isdigit, as 0 or 1."""
    chars = [chr(c) for c in range(_TABLE_END)]
    tests = (str.isalpha, str.isalnum, str.isspace, str.isdigit)
    return np.column_stack([np.fromiter(map(test, chars), dtype=np.uint8) for test in tests])


def _char_counts(texts: Sequence[str]) -> Iterator[list[int]]:
    """Per text, how many of its characters are letters, letters or digits, spaces and digits.

    Counted as str.isalpha, isalnum, isspace and isdigit count them, texts a chunk at a time.
    """
    # Chunks of about 256k characters, one byte per flag and sums per text (reduceat): a 4 MB
    # page took 400 MB here as four int64 columns of running totals over the whole page, and
    # 3.5 MB as lists of counts for all its texts at once.
    chunk: list[str] = []
    size = 0
    for text in texts:
        chunk.append(text)
        size += len(text)
        if size >= _CHUNK_CHARS:
            yield from _chunk_counts(chunk)
            chunk, size = [], 0
    if chunk:
        yield from _chunk_counts(chunk)


_CHUNK_CHARS = 1 << 16


def _chunk_counts(texts: Sequence[str]) -> list[list[int]]:
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    flags = _char_classes()[np.minimum(codes, _TABLE_END - 1)]
    for k in np.flatnonzero(codes >= _TABLE_END):
        c = joined[k]
        flags[k] = (c.isalpha(), c.isalnum(), c.isspace(), c.isdigit())
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    counts = np.zeros((len(texts), 4), dtype=np.int64)
    filled = np.flatnonzero(lengths)  # reduceat reads one element for an empty slice
    if filled.size:
        counts[filled] = np.add.reduceat(flags, starts[filled], axis=0, dtype=np.int64)
    result: list[list[int]] = counts.tolist()
    return result


@dataclass(frozen=True, slots=True)
class _Looks:
    """What each distinct text of a page alone says (the same for every block with that text)."""

    row: dict[str, int]  # a text's row in `shape` and `content`
    shape: np.ndarray  # capital_share … link_like in BLOCK_FEATURES, one row per text
    content: list[np.ndarray]  # its content words, case folded, as ids into the page's vocabulary


def _looks(texts: Sequence[str]) -> _Looks:
    """The text-only features of each distinct text.

    Content words are kept as int32 ids of one vocabulary per page, not as lists of strings, and
    the shapes as one array: a 4 MB page's lists and tuples held 30 MB while its features were
    built.
    """
    row = {text: i for i, text in enumerate(dict.fromkeys(texts))}
    shape = np.empty((len(row), len(_TEXT_SHAPE)))
    content: list[np.ndarray] = []
    vocabulary: dict[str, int] = {}
    for (text, i), (letters, alnum, spaces, digits) in zip(
        row.items(), _char_counts(list(row)), strict=True
    ):
        words = block_words(text)
        chars = max(len(text), 1)
        punct = len(text) - alnum - spaces
        capital = sum(w[0].isupper() for w in words)
        shape[i] = (
            capital / len(words) if words else 0.0,
            digits / chars,
            punct / max(letters + punct, 1),
            text.count(",") / max(len(words), 1),
            math.log(1 + text.count("\n")),
            float(text.endswith(":")),
            float(bool(_LINK_LIKE.search(text))),
        )
        content.append(
            np.fromiter(
                (vocabulary.setdefault(w, len(vocabulary)) for w in _content_words(words)),
                dtype=np.int32,
            )
        )
    return _Looks(row, shape, content)


def _content_words(words: list[str]) -> Iterator[str]:
    return (
        w
        for w in (m.casefold() for m in words)
        if len(w) >= 4 and w not in BLOCK_MODEL_FUNCTION_WORDS and not w.isdigit()
    )


def _shares(
    words: Sequence[np.ndarray], kept: Sequence[int], title: int
) -> tuple[list[float], list[float]]:
    """Per block, the share of its content words in the article's vocabulary (the kept blocks'
    words; a kept block's own words aside) and the share in the headline's (block `title`)."""
    size = max((int(ws.max()) + 1 for ws in words if ws.size), default=0)
    topic = np.bincount(
        np.concatenate([words[i] for i in kept] or [np.zeros(0, np.int32)]), minlength=size
    )
    in_title = np.zeros(size, dtype=bool)
    if title >= 0:
        in_title[words[title]] = True
    kept_set = set(kept)
    topic_share, title_share = [], []
    for i, ws in enumerate(words):
        if not ws.size:
            topic_share.append(0.0)
            title_share.append(0.0)
            continue
        if i in kept_set:
            _, inverse, own = np.unique(ws, return_inverse=True, return_counts=True)
            hits = int(np.count_nonzero(topic[ws] > own[inverse]))
        else:
            hits = int(np.count_nonzero(topic[ws]))
        topic_share.append(hits / len(ws))
        title_share.append(int(np.count_nonzero(in_title[ws])) / len(ws))
    return topic_share, title_share


def repeats(texts: Sequence[str]) -> list[bool]:
    """Per text, whether another text on the page is the same but for case.

    Grouped by the hash of the case-folded text, compared only within a group, so a page's
    folded copies are never all held at once (a 4 MB page's were 4 MB more).
    """
    groups: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(hash(text.casefold()), []).append(i)
    out = [False] * len(texts)
    for group in groups.values():
        if len(group) > 1:
            folded = Counter(texts[i].casefold() for i in group)
            for i in group:
                out[i] = folded[texts[i].casefold()] > 1
    return out


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


def _before(values: np.ndarray, k: int) -> np.ndarray:
    """Sum of the k values before each position (fewer at the start)."""
    total = np.concatenate([[0], np.cumsum(values)])
    index = np.arange(len(values))
    return np.asarray(total[index] - total[np.maximum(index - k, 0)])


def _after(values: np.ndarray, k: int) -> np.ndarray:
    """Sum of the k values after each position (fewer at the end)."""
    return _before(values[::-1], k)[::-1]


def _neighbours(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flags of the block before and of the block after each one, False beyond the ends."""
    edge = np.zeros(1, dtype=bool)
    return np.concatenate([edge, flags[:-1]]), np.concatenate([flags[1:], edge])


def block_features(reading: Reading, *, room: bool = False) -> np.ndarray:
    """Feature matrix of a dump's blocks, one row per block, columns as BLOCK_FEATURES; with
    `room`, followed by as many columns left for the CONTEXT_FEATURES (`BlockModel.logits`)."""
    blocks = reading.blocks
    n = len(blocks)
    width = len(BLOCK_FEATURES) + (len(CONTEXT_FEATURES) if room else 0)
    if n == 0:
        return np.zeros((0, width))
    texts = [b.text for b in blocks]
    looks = _looks(texts)
    rows = [looks.row[t] for t in texts]
    repeated = repeats(texts)
    start, end = reading.run
    kept = sorted(reading.kept)
    first, last = (kept[0], kept[-1]) if kept else (n, -1)
    words = [looks.content[r] for r in rows]
    topic_overlap, title_overlap = _shares(words, kept, reading.title_index)
    shape = looks.shape[rows]
    # The texts' words and rows are done with before the matrix is made (5 MB for a 4 MB page).
    del looks, words, rows
    typical = math.log1p(float(median([blocks[i].words for i in kept]))) if kept else 0.0

    index = np.arange(n)
    in_kept = np.zeros(n, dtype=bool)
    in_kept[kept] = True
    prose = np.array([b.is_prose for b in blocks])
    prose_words = np.array([b.words if b.is_prose else 0 for b in blocks])
    # Section breaks between the block and the run: a teaser list under "Weitere Meldungen".
    breaks = np.concatenate([[0], np.cumsum([b.section_break for b in blocks])])
    between = np.where(
        index >= end,
        breaks[index] - breaks[end],
        np.where(index < start, breaks[start] - breaks[index + 1], 0),
    )
    distance = np.where(index < start, start - index, np.where(index >= end, index - end + 1, 0))
    near = _before(prose_words, WINDOW) + _after(prose_words, WINDOW)
    prev_prose, next_prose = _neighbours(prose)
    prev_kept, next_kept = _neighbours(in_kept)
    _, next_read_more = _neighbours(np.array([b.read_more for b in blocks]))
    about = np.array([b.about_header for b in blocks], dtype=np.int64)
    log_words = [math.log1p(b.words) for b in blocks]

    # Each column is made when it is written: a 4 MB page's 38 lists of floats held 18 MB.
    columns: dict[str, Callable[[], object]] = {
        "log_words": lambda: log_words,
        "words_10": lambda: [b.words >= 10 for b in blocks],
        "words_30": lambda: [b.words >= 30 for b in blocks],
        "function_share": lambda: [b.function_share for b in blocks],
        "ends_sentence": lambda: [b.ends_sentence for b in blocks],
        "log_sentences": lambda: [math.log1p(b.sentences) for b in blocks],
        "words_per_sentence": lambda: [
            min(b.words / max(b.sentences, 1), 40.0) / 40.0 for b in blocks
        ],
        **{name: partial(_column, shape, k) for k, name in enumerate(_TEXT_SHAPE)},
        "headline": lambda: [is_headline(b) for b in blocks],
        "above_title": lambda: index < reading.title_index,
        "prose": lambda: prose,
        "junk": lambda: [b.junk for b in blocks],
        "section_break": lambda: [b.section_break for b in blocks],
        "before_read_more": lambda: next_read_more,
        "repeated": lambda: repeated,
        "position": lambda: index / n,
        "in_run": lambda: (start <= index) & (index < end),
        "run_distance": lambda: [math.log1p(d) for d in distance.tolist()],
        "after_comments": lambda: index >= reading.cut,
        "breaks_between": lambda: np.minimum(between, 3),
        "hand_kept": lambda: in_kept,
        "near_prose": lambda: [math.log1p(v) for v in near.tolist()],
        "prev_prose": lambda: prev_prose,
        "next_prose": lambda: next_prose,
        "prev_kept": lambda: prev_kept,
        "next_kept": lambda: next_kept,
        "in_kept_span": lambda: (first <= index) & (index <= last),
        "kept_distance": lambda: [math.log1p(d) for d in _distances(n, reading.kept)],
        "topic_overlap": lambda: topic_overlap,
        "title_overlap": lambda: title_overlap,
        "relative_length": lambda: [v - typical for v in log_words],
        "after_about": lambda: _before(about, ABOUT_REACH) > 0,
    }
    features = np.empty((n, width))
    for k, name in enumerate(BLOCK_FEATURES):
        features[:, k] = np.asarray(columns[name](), dtype=float)
    return features


def _column(matrix: np.ndarray, k: int) -> np.ndarray:
    return matrix[:, k]


# The second stage: what the first stage's scores say around each block. One column per name, in
# this order; the second model's columns are BLOCK_FEATURES followed by these.
CONTEXT_FEATURES: tuple[str, ...] = (
    "logit",
    "left_max_1",
    "right_max_1",
    "left_mean_1",
    "right_mean_1",
    "left_max_3",
    "right_max_3",
    "left_mean_3",
    "right_mean_3",
    "kept_gap",
    "in_kept_range",
    "mass_before",
    "mass_middle",
    "page_max",
    "page_p90",
    "page_mass",
    "page_kept_share",
)
STACKED_FEATURES = BLOCK_FEATURES + CONTEXT_FEATURES
# Windows either side for the neighbours' scores, in blocks.
CONTEXT_WINDOWS = (1, 3)
# First-stage logits are clipped to ±LOGIT_CLIP so one sure block does not dominate a window.
LOGIT_CLIP = 8.0


def percentile(values: np.ndarray, q: float) -> float:
    """`np.percentile(values, q)` of a 1-D array without NaN: its default (linear) method, step
    by step, without its `np.unique`, whose first use imports numpy.ma (6 MiB)."""
    n = len(values)
    virtual = (n - 1) * (q / 100)
    low = math.floor(virtual)
    high = low + 1
    if virtual >= n - 1:
        low = high = -1
    # The same partition as numpy's (the same kth), so ties of signed zeros fall alike.
    ordered = np.partition(values, sorted({0, -1, low, high}))
    a, b, t = ordered[low], ordered[high], virtual - low
    diff = b - a
    return float(b - diff * (1 - t)) if t >= 0.5 else float(a + diff * t)


def _shifted(values: np.ndarray, k: int, pad: float) -> np.ndarray:
    """Rows: the values d = 1..k blocks before each block (k > 0) or after it (k < 0)."""
    n, span = len(values), abs(k)
    padded = np.concatenate([np.full(span, pad), values, np.full(span, pad)])
    if k > 0:
        return np.stack([padded[span - d : span - d + n] for d in range(1, span + 1)])
    return np.stack([padded[span + d : span + d + n] for d in range(1, span + 1)])


def context_features(logits: np.ndarray) -> np.ndarray:
    """Columns of CONTEXT_FEATURES from the first stage's logits of a dump's blocks.

    Neighbours' scores say whether a short block (a subheading, a list item, a closing line)
    sits inside the article or among teasers; the share of the page's body probability above a
    block says whether it is at the article's start, middle or end; page-wide figures say how
    sure the first stage is on this page, so the keep threshold can move with it.
    """
    n = len(logits)
    if n == 0:
        return np.zeros((0, len(CONTEXT_FEATURES)))
    score = np.clip(logits, -LOGIT_CLIP, LOGIT_CLIP)
    prob = 1.0 / (1.0 + np.exp(-score))
    columns = [score]
    for k in CONTEXT_WINDOWS:
        columns += [
            _shifted(score, k, -LOGIT_CLIP).max(axis=0),
            _shifted(score, -k, -LOGIT_CLIP).max(axis=0),
            _shifted(prob, k, 0.0).mean(axis=0),
            _shifted(prob, -k, 0.0).mean(axis=0),
        ]
    index = np.arange(n)
    kept = np.flatnonzero(score > 0)
    if len(kept):
        # Distance to the nearest other kept block, either side.
        before = np.searchsorted(kept, index, side="left") - 1
        after = np.searchsorted(kept, index, side="right")
        left = np.where(before >= 0, index - kept[np.maximum(before, 0)], n)
        right = np.where(after < len(kept), kept[np.minimum(after, len(kept) - 1)] - index, n)
        gap = np.minimum(left, right)
        inside = ((index >= kept[0]) & (index <= kept[-1])).astype(float)
    else:
        gap, inside = np.full(n, n), np.zeros(n)
    cumulative = np.concatenate([[0.0], np.cumsum(prob)])
    above = cumulative[:-1] / max(float(cumulative[-1]), 1e-9)
    columns += [
        np.log1p(gap),
        inside,
        above,
        above * (1.0 - above),
        np.full(n, score.max()),
        np.full(n, percentile(score, 90)),
        np.full(n, math.log1p(float(prob.sum()))),
        np.full(n, len(kept) / n),
    ]
    return np.column_stack(columns)


@dataclass(frozen=True, slots=True)
class BlockModel:
    """The two-stage block classifier: block features, then the first stage's scores around."""

    first: LinearModel  # BLOCK_FEATURES → logit
    second: LinearModel  # STACKED_FEATURES → logit; holds the keep threshold

    @property
    def threshold(self) -> float:
        """Keep a block whose second-stage logit is above this."""
        return self.second.setting("threshold", 0.0)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Second-stage logits of a dump's blocks from their BLOCK_FEATURES rows; the context
        columns go into the room a matrix from `block_features(reading, room=True)` has."""
        width = len(BLOCK_FEATURES)
        if features.shape[1] == width:
            return self.second.logits(
                np.hstack([features, context_features(self.first.logits(features))])
            )
        # In place: a 4 MB page's features, context and their stacked copy took 16 MB, this 8.
        features[:, width:] = context_features(self.first.logits(features[:, :width]))
        return self.second.logits(features)


def keep(
    logits: np.ndarray,
    threshold: float,
    *,
    title: Collection[int],
    tags: Collection[int],
    lists: Sequence[tuple[int, ...]],
    fallback: Collection[int],
) -> list[int]:
    """The blocks kept as body at this threshold; never none when there is a block.

    Blocks repeating the headline (`title`) are never body, nor are tag lines (`tags`: 8 of the
    9 on pages_dev are labelled junk). A list announced by a kept line ("Sie brauchen:") is the
    article's, item by item, where the hand rules' body (`fallback`) has it. When the scores
    keep nothing, the hand rules' body stands in, else the best-scored block.
    """
    kept = [int(i) for i in np.flatnonzero(logits > threshold) if i not in title and i not in tags]
    if kept:
        return [i for i in with_lists(kept, lists, fallback) if i not in title]
    if fallback:
        return sorted(fallback)
    candidates = [i for i in range(len(logits)) if i not in title] or list(range(len(logits)))
    return [max(candidates, key=lambda i: (float(logits[i]), -i))]


def kept_blocks(reading: Reading, model: BlockModel) -> list[int]:
    """Indices of the blocks the model keeps as body (see `keep`); none only for an empty dump."""
    blocks = reading.blocks
    if not blocks:
        return []
    headline = blocks[reading.title_index].text if reading.title_index >= 0 else None
    logits = model.logits(block_features(reading, room=True))
    above = np.flatnonzero(logits > model.threshold)  # only these can be tag lines that matter
    return keep(
        logits,
        model.threshold,
        title={i for i, b in enumerate(blocks) if b.text == headline},
        tags={int(i) for i in above if is_tag_list(blocks[i].text)},
        lists=announced_items(blocks),
        fallback=reading.kept,
    )


@lru_cache(maxsize=1)
def block_model() -> BlockModel:
    """The shipped block classifier (summarizer/models/blocks*.json, made by train_blocks)."""
    return BlockModel(load_packaged(BLOCK_MODEL_FILE), load_packaged(CONTEXT_MODEL_FILE))
