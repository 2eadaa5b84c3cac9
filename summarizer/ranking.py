"""Our news scorer: sentence features, a trained linear score, MMR redundancy, a length budget."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import numpy as np

from summarizer.boilerplate import is_junk
from summarizer.german import prose_words as to_words
from summarizer.german import stemmer, stems, stop_words
from summarizer.linear import LinearModel, load_packaged
from summarizer.sentences import iter_sentences, split_sentences

# Articles longer than this are cut before scoring; news puts the story first, so nothing a
# 3-sentence summary needs is lost.
MAX_SENTENCES = 150
SENTENCE_MODEL_FILE = "sentences.json"

# What str.split() takes for a word: a run of anything but white space.
_WORD_RUN = re.compile(r"\S+")
# An HTML title often ends in the site's name: "Apple kippt Pläne - heise online".
_SITE_SUFFIX = re.compile(r"\s+[-|»–—:·]\s+[^-|»–—:·]{1,40}$")
# A place in a dateline: up to four capitalised words ("Wien", "Buenos Aires", "Köln/Wien"),
# which may be joined by the small words of place names ("Frankfurt am Main", "Halle an der
# Saale", "Rothenburg ob der Tauber", "Santiago de Chile", "Rio de Janeiro").
_PLACE_JOINERS = "am|an|der|im|in|ob|bei|vor|de|del|della|di|do|da|dos|la|le|les|los|las|sur|on"
_PLACE = r"[A-ZÄÖÜ][\w.’'-]*(?:[ /](?:(?:" + _PLACE_JOINERS + r") )*[A-ZÄÖÜ][\w.’'-]*){0,3}"
# A dateline: a place, an optional agency in brackets, then a dash before the sentence proper.
_DATELINE = re.compile(
    r"^(?:" + _PLACE + r"\s*)?"
    r"(?:\([A-Za-z][\w /.,-]{0,24}\)\s*)?[–—-]\s+(?=[A-ZÄÖÜ0-9„\"»])"
)
# An agency dateline inside the text ("Berlin (dpa) - ", "WASHINGTON (AFP) – "): a report
# that strings wire pieces together repeats it before later sentences too.
_AGENCY_DATELINE = re.compile(
    r"^(?:" + _PLACE + r"\s*)?"
    r"\((?:dpa|AFP|Reuters|AP|epd|KNA|dts|SID|APA|KAP|sda|ots)(?:[/,][^)]{0,20})?\)\s*[–—:-]\s+"
    r"(?=[A-ZÄÖÜ0-9„\"»])"
)
# What a page sets before a paragraph's first sentence on the same line: its date ("01.02.2022
# „Der Arbeitsmarkt …", "6. Dezember 2026 Der …", "(21. November 2022) Die …") or a genre or
# section label and a bar ("Gastbeitrag | Warum …"). Neither is part of the sentence.
_OPENING_LABEL = re.compile(
    r"^(?:\(?\d{1,2}\.\s?(?:\d{1,2}\.|[A-ZÄÖ][a-zäöü]+\.?)\s?(?:\d{4}|\d{2})(?:,?\s+\d{1,2}[.:]\d{2}"
    r"(?:\s+Uhr)?)?\)?[\s,|–—-]+"
    r"|[A-ZÄÖÜ][\w-]*(?:\s[\w-]+){0,2}\s+\|\s+)"
    r"(?=[A-ZÄÖÜ„\"»])"
)
# "Jede dieser Optionen …", "Keine davon …": a quantifier over what the sentence before named.
_BACK_QUANTIFIERS = frozenset(
    {"jede", "jeder", "jedes", "eine", "einer", "eines", "keine", "keiner", "keines"}
    | {"alle", "beide", "viele", "manche", "einige", "mehrere"}
)
_BACK_DETERMINERS = frozenset({"dieser", "diese", "dieses", "diesen", "davon"})
_END_CHARS = frozenset(".!…\"'“”»«)]")
# Openers that point back to the sentence before: in a digest, "Doch …", "Außerdem …" or "Er …"
# without that sentence reads as a non sequitur, so such a sentence only follows its predecessor.
# The pronominal adverbs (da-, dar-, hier- with a preposition: "Darauf …", "Hierfür …") and
# "Dann", "Dort", "Damals" point back the same way.
_CONTEXT_OPENERS_TEXT = """
    aber allerdings also außerdem dabei dadurch dafür dagegen daher damit danach dazu dennoch
    deshalb deswegen dies diese diesem diesen dieser dieses doch ebenfalls er jedoch somit trotzdem
    zudem
    damals dann daneben daran darauf daraufhin daraus darin darum darunter darüber davon davor
    demnach dort ebenso folglich hierbei hierdurch hierfür hiermit hierzu hingegen seither
    stattdessen
"""
CONTEXT_OPENERS = frozenset(_CONTEXT_OPENERS_TEXT.split())
# A sentence that opens with one of these and has no comma is a bare subordinate clause ("Wenn wir
# Gehaltserhöhungen bekommen."): a fragment with no main clause.
_SUBORDINATORS_TEXT = """
    bevor dass daß falls indem nachdem obwohl seitdem sobald sodass solange während weil wenn
"""
SUBORDINATORS = frozenset(_SUBORDINATORS_TEXT.split())
# A sentence that tells the reader to work the page ("Zum Starten des Videos bitte das Bild
# anklicken.", "Klicken Sie auf …") is page furniture, not news, however it is phrased.
_PAGE_INSTRUCTION = re.compile(
    r"\bbitte\b[^.!?]{0,40}\b(?:an|drauf)?(?:klicken|tippen)\b|\b(?:an)?(?:klicken|tippen)\s+sie\b"
    r"|\bklicke?\s+(?:auf|hier)\b|\bzum\s+(?:starten|abspielen|ansehen)\s+des\s+videos\b",
    re.IGNORECASE,
)
# A note that the piece was first published elsewhere ("Dieser Beitrag … erschien zuerst im Blog
# …", "Zuerst erschienen bei …") is a credit, not news.
_REPUBLISHED = re.compile(
    r"\b(?:dieser|der)\s+(?:beitrag|artikel|text|post|gastbeitrag|blogbeitrag)\b[^.!?]{0,80}?"
    r"\b(?:erschien|ist)\s+(?:zuerst|ursprünglich|erstmals)\b"
    r"|^zuerst\s+(?:erschienen|veröffentlicht)\s+(?:bei|auf|im|in)\b",
    re.IGNORECASE,
)
# Quotation marks that open a quote in German text.
_OPENING_QUOTES = ("„", "»", "“", '"')
# Words that address the reader. Lower-case "ihr" is usually "her"/"their", so it only counts as
# "you" right after the opening verb ("Habt ihr …?"); capitalised forms count past the first word.
_READER_WORDS_TEXT = """
    du dich dir dein deine deinen deinem deiner deines euch euer eure euren eurem eurer eures
"""
_READER_WORDS = frozenset(_READER_WORDS_TEXT.split())
_POLITE_WORDS = frozenset({"Sie", "Ihnen", "Ihr", "Ihre", "Ihren", "Ihrem", "Ihrer", "Ihres"})


@dataclass(frozen=True, slots=True)
class Weights:
    """Hand settings of candidate filtering and the length budget, kept together.

    How sentences score (lead prior, centrality, title overlap) and how much redundancy costs are
    learned: see `sentence_model` and tools.train. Measured on German web pages and news
    against their publishers' descriptions and leads (~19–26 words): about
    55 words (2–3 sentences, what a digest shows) beat longer summaries. Past
    `budget_base_words` of text the budget grows with the square root of the length, so a long
    report gets a summary in proportion (on Wikipedia-length texts: ~60 words, Lead-3's length).
    An article may open with the question it answers ("Warum …?"); such an opening question
    (within the first `opening_questions` sentences) may be picked unless it addresses the reader.
    """

    min_words: int = 6
    max_words: int = 60
    budget_words: int = 55
    budget_base_words: int = 1000
    budget_growth: float = 0.5
    opening_questions: int = 1
    bad_endings: tuple[str, ...] = ("?", ":", ",", ";", "-", "–")
    standfirst_min_words: int = 8
    standfirst_max_words: int = 60
    standfirst_max_sentences: int = 3


DEFAULT_WEIGHTS = Weights()


def to_term_ids(rows: Sequence[Sequence[str]]) -> tuple[list[list[int]], int]:
    """Stem ids of each row's content words (stop words dropped) and the number of stems."""
    # Each distinct word is stemmed once, in one batch: there is no cache across articles.
    stop = stop_words()
    lowered = [" ".join(row).lower().split() for row in rows]
    distinct = [w for w in dict.fromkeys(w for row in lowered for w in row) if w not in stop]
    ids: dict[str, int] = {}
    term = {
        w: ids.setdefault(s, len(ids)) for w, s in zip(distinct, stemmer()(distinct), strict=True)
    }
    return [[term[w] for w in row if w in term] for row in lowered], len(ids)


def is_candidate(
    sentence: str, weights: Weights = DEFAULT_WEIGHTS, words: tuple[str, ...] | None = None
) -> bool:
    """True when a sentence can stand in a summary: complete, a statement, of sensible length,
    not an instruction to work the page, not a note of where it first appeared."""
    words = to_words(sentence) if words is None else words
    if not weights.min_words <= len(words) <= weights.max_words:
        return False
    if _PAGE_INSTRUCTION.search(sentence) or _REPUBLISHED.search(sentence):
        return False
    end = sentence.rstrip()
    if end.endswith(weights.bad_endings) or end[-1:] not in _END_CHARS:
        return False
    first = sentence.lstrip("„\"'»«“(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    return not (words and words[0].lower() in SUBORDINATORS and "," not in sentence)


def addresses_reader(words: tuple[str, ...]) -> bool:
    """True when a sentence speaks to the reader: du, ihr/euch, or the polite Sie/Ihnen."""
    if any(w.lower() in _READER_WORDS for w in words):
        return True
    if any(w in _POLITE_WORDS for w in words[1:]) or (words and words[0] in {"Sie", "Ihr", "Du"}):
        return True
    return len(words) > 1 and words[1] == "ihr"


def is_opening_question(
    sentence: str, weights: Weights = DEFAULT_WEIGHTS, words: tuple[str, ...] | None = None
) -> bool:
    """True for a question that states the article's topic rather than asking the reader."""
    words = to_words(sentence) if words is None else words
    stripped = sentence.rstrip()
    if not stripped.endswith("?") or addresses_reader(words):
        return False
    return is_candidate(stripped.rstrip("?") + ".", weights, words)


def word_budget(text: str, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """Words a summary of `text` may use: the base budget, growing as √length past a base length."""
    # Counted, not split: a 4 MB text's list of words took 40 MB.
    words = sum(1 for _ in _WORD_RUN.finditer(text))
    growth: float = max(1.0, words / weights.budget_base_words) ** weights.budget_growth
    return weights.budget_words * growth


def join_quote_intros(sentences: Iterable[str], limit: int | None = None) -> list[str]:
    """Sentences with each colon-ended quote introduction joined to the quote that follows it;
    the first `limit` of them (all when None), reading no further than they need."""
    # German press texts introduce a statement with "X, Vorsitzender von Y, zum Entwurf:" and
    # put the quote in the next paragraph; apart they are a dangling lead-in and an unattributed
    # quote, together one complete sentence.
    joined: list[str] = []
    for sentence in sentences:
        if joined and joined[-1].endswith(":") and sentence.startswith(_OPENING_QUOTES):
            joined[-1] = f"{joined[-1]} {sentence}"
        elif limit is not None and len(joined) == limit:
            break  # the last one is complete: this sentence does not join it
        else:
            joined.append(sentence)
    return joined


def needs_context(words: tuple[str, ...]) -> bool:
    """True when a sentence opens by pointing back ("Doch", "Außerdem", "Er", "Jede dieser
    Optionen") to the one before."""
    if not words:
        return False
    first = words[0].lower()
    if first in CONTEXT_OPENERS:
        return True
    return len(words) > 1 and first in _BACK_QUANTIFIERS and words[1].lower() in _BACK_DETERMINERS


def strip_dateline(sentence: str) -> str:
    """A paragraph's first sentence without its dateline ("Wien – ", "Berlin (dpa) - ") and
    without a date or label set before it on its line ("01.02.2022 ", "Gastbeitrag | ").

    The place and agency say where a report was filed, not what happened; the digest names the
    source and the date already.
    """
    stripped = _DATELINE.sub("", _OPENING_LABEL.sub("", sentence, count=1), count=1)
    return stripped if len(stripped.split()) >= 3 else sentence


def strip_agency_dateline(sentence: str) -> str:
    """Any sentence without an agency dateline at its start ("Berlin (dpa) - Der …")."""
    stripped = _AGENCY_DATELINE.sub("", sentence, count=1)
    return stripped if len(stripped.split()) >= 3 else sentence


def strip_site_name(title: str) -> str:
    """A page title without a trailing site name, when enough of the title remains."""
    while (m := _SITE_SUFFIX.search(title)) and len(title[: m.start()].split()) >= 3:
        title = title[: m.start()]
    return title


def to_matrix(rows: Sequence[Sequence[str]]) -> np.ndarray:
    """Row-normalised TF-IDF matrix (log tf) of the rows' stemmed content words."""
    ids, size = to_term_ids(rows)
    size = max(size, 1)
    flat = np.fromiter((i * size + t for i, row in enumerate(ids) for t in row), dtype=np.intp)
    tf = np.bincount(flat, minlength=len(rows) * size).reshape(len(rows), size).astype(float)
    df = np.count_nonzero(tf, axis=0)
    idf = np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0
    m = np.log1p(tf) * idf
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(m / norms)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article split and measured once: what scoring and selection both read."""

    sentences: list[str]
    words: list[tuple[str, ...]]
    vectors: np.ndarray
    features: np.ndarray
    candidates: np.ndarray
    needs: np.ndarray
    budget: float
    # The standfirst's sentences (a key-points box's items need not start at the first).
    standfirst: range = range(0)
    # Each candidate's stems of its longer words (`repeats` compares them).
    contents: dict[int, frozenset[str]] = field(default_factory=dict)
    # The junk rules' verdicts, filled as selection meets sentences: one article is selected
    # from many times when the weights are fitted (`tools.train`), and the rules are costly.
    junk: dict[int, bool] = field(default_factory=dict)


# Columns of the sentence feature matrix, in order; the model file names them the same way.
SENTENCE_FEATURES: tuple[str, ...] = (
    "position_prior",
    "first",
    "centrality",
    "title_similarity",
    "title_missing_position",
    "log_words",
    "words_squared",
    "lead_similarity",
    "line_start",
    "opens_quote",
)


def _line_starts(text: str, sentences: Sequence[str]) -> np.ndarray:
    """1 where a sentence opens a line (a paragraph) of the text, else 0."""
    out = np.zeros(len(sentences))
    cursor = 0
    for i, sentence in enumerate(sentences):
        at = text.find(sentence[:40], cursor)
        if at < 0:
            continue
        out[i] = 1.0 if at == 0 or text[at - 1] == "\n" else 0.0
        cursor = at + 1
    return out


def sentence_features(
    text: str,
    words: Sequence[tuple[str, ...]],
    vectors: np.ndarray,
    title_vector: np.ndarray | None,
    sentences: Sequence[str],
) -> np.ndarray:
    """One row of SENTENCE_FEATURES per sentence."""
    n = len(words)
    index = np.arange(n, dtype=float)
    position = 1.0 / (1.0 + 0.25 * index) ** 2
    # Row sums of the cosine matrix S = V·Vᵀ are V·(Vᵀ·1): no n×n product is needed, and small
    # matrix products are slow when a busy BLAS spreads them over threads.
    centrality = (vectors @ vectors.sum(axis=0) - 1.0) / max(n - 1, 1)
    if centrality.max() > 0:
        centrality = centrality / centrality.max()
    lead = vectors @ vectors[0]
    lead[0] = 0.0
    sizes = np.array([max(len(w), 1) for w in words], dtype=float)
    return np.column_stack(
        [
            position,
            index == 0,
            centrality,
            vectors @ title_vector if title_vector is not None else np.zeros(n),
            position * (title_vector is None),
            np.log(sizes),
            (sizes / 25.0) ** 2,
            lead,
            _line_starts(text, sentences),
            [s.startswith(_OPENING_QUOTES) for s in sentences],
        ]
    ).astype(float)


# Paragraphs of a body: a page dump's blocks, or the lines of a text given one paragraph a line.
_PARAGRAPH_BREAK = re.compile(r"\s*\n\s*")


def standfirst_length(text: str, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """Sentences of the text's standfirst, or 0 when it has none.

    A standfirst is the teaser a publisher sets between headline and text, its own summary of
    the article: the first paragraph, one to three sentences of a teaser's length, with more
    text below it, told apart from an ordinary first paragraph by the page's layout: the
    paragraph below opens with the dateline (the agency layout: teaser, then "Berlin (dpa) -
    …"), or it is set without a full stop, as teasers and subtitles are and body paragraphs
    never are; or a subheading or question follows it (the feature and interview layout).
    """
    paragraphs = iter_paragraphs(text)
    first, second = next(paragraphs, None), next(paragraphs, None)
    if first is None or second is None:
        return 0
    size = len(to_words(first))
    if not weights.standfirst_min_words <= size <= weights.standfirst_max_words:
        return 0
    # As much text below it, read no further than that: a huge body is not split whole.
    below = len(to_words(second))
    for paragraph in paragraphs:
        if below >= size:
            break
        below += len(to_words(paragraph))
    if below < size:
        return 0
    count = len(join_quote_intros(split_sentences(first)))
    if count > weights.standfirst_max_sentences:
        return 0
    dated = _AGENCY_DATELINE.match(second) or _DATELINE.match(second)
    return count if dated or is_unstopped(first) or is_subheading(second) else 0


# A box of the article's key points under a line that names it ("Das Wichtigste in Kürze"): the
# publisher's own summary, as a standfirst is. The line is looked for among the body's first
# KEY_POINTS_REACH lines; the box holds KEY_POINTS_ITEMS item lines of one sentence each, of at
# most KEY_POINT_WORDS words.
_KEY_POINTS_HEADING = re.compile(
    r"(?:das wichtigste (?:in kürze|im überblick|auf einen blick)|auf einen blick"
    r"|die wichtigsten (?:fakten|punkte)|kurz zusammengefasst)\s*:?",
    re.IGNORECASE,
)
KEY_POINTS_REACH = 3
KEY_POINTS_ITEMS = (2, 6)
KEY_POINT_WORDS = 30
_BULLET = re.compile(r"^[-–—•*·]\s+")


def iter_paragraphs(text: str) -> Iterator[str]:
    """The text's paragraphs (its lines), stripped, one at a time: a reader of the top of a
    huge page's body does not split it whole."""
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        if piece := text[start : match.start()].strip():
            yield piece
        start = match.end()
    if piece := text[start:].strip():
        yield piece


def first_paragraphs(text: str, count: int) -> list[str]:
    """The text's first `count` paragraphs, stripped."""
    return list(islice(iter_paragraphs(text), count))


def key_points_lines(text: str) -> tuple[int, list[str]]:
    """The items of a key-points box near the top of the text, without their bullets, and the
    number of sentences above them; (0, []) when the text has none."""
    lines = first_paragraphs(text, KEY_POINTS_REACH + KEY_POINTS_ITEMS[1])
    above = 0
    for at, line in enumerate(lines[:KEY_POINTS_REACH]):
        above += len(split_sentences(line))
        if not _KEY_POINTS_HEADING.fullmatch(line):
            continue
        items: list[str] = []
        for item in lines[at + 1 : at + 1 + KEY_POINTS_ITEMS[1]]:
            if len(split_sentences(item)) != 1 or len(to_words(item)) > KEY_POINT_WORDS:
                break
            items.append(_BULLET.sub("", item))
        return (above, items) if len(items) >= KEY_POINTS_ITEMS[0] else (0, [])
    return 0, []


# A subheading is a line of at most this many words.
SUBHEADING_WORDS = 10


def is_subheading(paragraph: str) -> bool:
    """True for a subheading or an interview's first question: one short line set without a
    full stop, or one short question. A page that puts one right under its first paragraph
    has set that paragraph apart as its intro (the feature and interview layout)."""
    text = paragraph.strip()
    if not text or "\n" in text or len(to_words(text)) > SUBHEADING_WORDS:
        return False
    return text.endswith("?") or is_unstopped(text)


def is_standfirst_sentence(
    sentence: str, words: tuple[str, ...], weights: Weights = DEFAULT_WEIGHTS
) -> bool:
    """A standfirst sentence a summary may take: a statement or a topic question, of a
    sentence's length; its full stop may be missing (many sites set teasers without one)."""
    if addresses_reader(words) or not weights.min_words <= len(words) <= weights.max_words:
        return False
    first = sentence.lstrip("„\"'»«“(")[:1]
    return (first.isupper() or first.isdigit()) and not sentence.rstrip().endswith(
        (":", ",", ";", "-", "–")
    )


def prepare(text: str, *, title: str | None = None, weights: Weights = DEFAULT_WEIGHTS) -> Prepared:
    """Split an article into sentences and measure each for scoring and selection."""
    sentences = join_quote_intros(iter_sentences(text), MAX_SENTENCES)
    # A dateline opens a report's first paragraph, or the paragraph under a standfirst ("Köln –
    # Der Stadtrat …"); an agency's ("Berlin (dpa) - ") may stand before any sentence.
    opens = _line_starts(text, sentences)
    sentences = [
        strip_agency_dateline(strip_dateline(s) if i == 0 or opens[i] else s)
        for i, s in enumerate(sentences)
    ]
    words = [to_words(s) for s in sentences]
    title_words = to_words(strip_site_name(title)) if title else ()
    matrix = to_matrix([*words, title_words])
    vectors = matrix[:-1]
    title_vector = matrix[-1] if title_words else None
    features = (
        sentence_features(text, words, vectors, title_vector, sentences)
        if sentences
        else np.empty((0, len(SENTENCE_FEATURES)))
    )
    candidates = np.array(
        [
            i
            for i, s in enumerate(sentences)
            if is_candidate(s, weights, words[i])
            or (i < weights.opening_questions and is_opening_question(s, weights, words[i]))
        ],
        dtype=np.intp,
    )
    # The first sentence has nothing before it to point back to but the headline, shown above it.
    needs = np.array([i > 0 and needs_context(w) for i, w in enumerate(words)], dtype=bool)
    start, lead = 0, standfirst_length(text, weights)
    if not lead:
        start, items = key_points_lines(text)
        lead = len(items) if sentences[start : start + len(items)] == items else 0
    span = range(start, start + lead)
    headline: frozenset[str] = frozenset()
    if title_words:
        headline, teaser = _contents([title_words, [w for i in span for w in words[i]]])
        if repeats(headline, teaser):
            span = range(0)  # the headline again, which the digest shows above the summary
    if span and all(is_standfirst_sentence(sentences[i], words[i], weights) for i in span):
        # Not np.union1d: its first use imports numpy.ma (6 MiB) for a few numbers.
        candidates = np.array(sorted({*candidates.tolist(), *span}), dtype=np.intp)
    else:
        span = range(0)
    contents = dict(
        zip(candidates.tolist(), _contents([words[i] for i in candidates]), strict=True)
    )
    # A sentence that says no more than the headline is the headline again ("»Einfach kein Geld
    # mehr …«" under that headline): the digest shows the headline above the summary.
    if title_words:
        kept = [i for i in candidates.tolist() if not adds_nothing(contents[i], headline)]
        candidates = np.array(kept, dtype=np.intp)
    return Prepared(
        sentences,
        words,
        vectors,
        features,
        candidates,
        needs,
        word_budget(text, weights),
        span,
        contents,
    )


def select(
    prepared: Prepared,
    scores: np.ndarray,
    count: int,
    redundancy: float,
    budget: float,
    continuation: float = 0.0,
) -> list[int]:
    """Greedy picks by score less redundancy with what is already picked, within a word budget.

    A sentence right after a picked one gains `continuation`: a summary that reads on from the
    sentence before it is easier to follow than one that jumps about the article.
    """
    scores = np.array(scores, dtype=float)
    sentences, vectors = prepared.sentences, prepared.vectors
    n = len(sentences)
    sizes = np.array([len(w) for w in prepared.words])
    candidates = prepared.candidates
    needs = prepared.needs
    closest = np.zeros(n)  # each sentence's highest similarity to one already chosen
    after_chosen = np.zeros(n, dtype=bool)  # the sentence before is in the summary
    chosen: list[int] = []
    # The standfirst, the publisher's own summary, is taken first, in order, as far as it fits.
    first = list(prepared.standfirst)
    content = prepared.contents
    while candidates.size and len(chosen) < count:
        ready = candidates[~needs[candidates] | after_chosen[candidates]]
        if not ready.size:
            break
        best = int(ready[np.argmax(scores[ready] - redundancy * closest[ready])])
        if first:
            best = first.pop(0)
            if best not in candidates:
                continue
        candidates = candidates[candidates != best]
        # The junk rules are costly, so only a sentence about to be picked is checked.
        junk = prepared.junk.get(best)
        if junk is None:
            junk = prepared.junk[best] = is_junk(sentences[best])
        if junk:
            continue
        chosen.append(best)
        if best + 1 < n:
            after_chosen[best + 1] = True
            scores[best + 1] += continuation
        similarity = vectors @ vectors[best]
        closest = np.maximum(closest, similarity)
        used = sizes[chosen].sum()
        keep = (similarity[candidates] < 0.8) & (used + sizes[candidates] <= budget)
        candidates = candidates[keep]
        candidates = np.array(
            [i for i in candidates if not repeats(content[best], content[int(i)])],
            dtype=np.intp,
        )
    return sorted(chosen)


# Share of the shorter sentence's content words the longer one holds for it to say the same
# again: "Der Bundestag hat das Rentenpaket beschlossen." and the dateline paragraph's "Der
# Bundestag hat das Rentenpaket am Freitag mit knapper Mehrheit beschlossen."
REPEAT_SHARE = 0.8


def _contents(rows: Sequence[Sequence[str]]) -> list[frozenset[str]]:
    """Each sentence's stems of its longer words ("Kölner" and "Köln" say the same), stemmed
    in one call."""
    long = [[w for w in words if len(w) > 3] for words in rows]
    distinct = list(dict.fromkeys(w for words in long for w in words))
    stem_of = dict(zip(distinct, stems(distinct), strict=True))
    return [frozenset(stem_of[w] for w in words) for words in long]


def adds_nothing(sentence: frozenset[str], headline: frozenset[str]) -> bool:
    """Whether a sentence says no more than the headline: most of its longer words' stems are
    the headline's."""
    return len(sentence) >= 2 and len(sentence & headline) >= REPEAT_SHARE * len(sentence)


def repeats(one: frozenset[str], other: frozenset[str]) -> bool:
    """Whether one sentence says again what the other says (most of the shorter one's words)."""
    shorter = min(len(one), len(other))
    return shorter >= 3 and len(one & other) >= REPEAT_SHARE * shorter


@lru_cache(maxsize=1)
def sentence_model() -> LinearModel:
    """The shipped sentence scorer (summarizer/models/sentences.json, made by tools.train)."""
    return load_packaged(SENTENCE_MODEL_FILE)


def rank(
    text: str,
    count: int,
    *,
    title: str | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    model: LinearModel | None = None,
) -> list[str]:
    """Best `count` sentences of a news body, in article order."""
    if count <= 0:
        return []
    prepared = prepare(text, title=title, weights=weights)
    return picks(prepared, sentence_model() if model is None else model, count)


def picks(prepared: Prepared, model: LinearModel, count: int) -> list[str]:
    """The sentences `model` picks from a prepared article, in article order."""
    if not prepared.sentences:
        return []
    picked = select(
        prepared,
        model.logits(prepared.features),
        count,
        model.setting("redundancy", 0.0),
        prepared.budget,
        model.setting("continuation", 0.0),
    )
    # A teaser set without a full stop gets one: in a summary it runs on into the next sentence.
    return [
        f"{prepared.sentences[i]}." if i in prepared.standfirst and is_unstopped(s) else s
        for i, s in ((i, prepared.sentences[i]) for i in picked)
    ]


def is_unstopped(sentence: str) -> bool:
    """True when a sentence ends without closing punctuation (a teaser or subtitle's way); a
    question mark closes one too."""
    return sentence.rstrip()[-1:] not in _END_CHARS | {"?"}
