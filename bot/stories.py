"""Same-story grouping across sources (pure): articles about one event become one group.

Each article is a TF-IDF vector of its word stems (title weighted over teaser and lead). A stem's
IDF is how rare its words are in German at large (wordfreq's frequency list, so one day's window
need not tell), lowered for stems that many of the window's articles carry. Pairs of articles
above `link` are joined strongest first, each join only while the two stories' centroids stay
within `join` of each other: a story grows as sources report it, but a chain of loosely related
articles (one club's transfers, one country's news) cannot pull two events into one.

The day's running stories (carried by several outlets) are then read as the reader would: two
of them whose centroids are within `join` are one story in fragments, and a lone follow-up or
comment joins the running story whose own names it carries (see `_join_running`).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
import numpy.typing as npt
from wordfreq import get_frequency_dict

from bot.outlets import publisher
from bot.records import Article
from summarizer import fold, folded_stop_words, is_letter_word, letter_words, stem, stems, words

# Words that say what kind of piece it is, not what happened: shared by unrelated articles.
FORMAT_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "liveblog newsblog liveticker ticker livestream live kommentar meinung analyse "
        "interview podcast video exklusiv eilmeldung update newsletter gastbeitrag "
        # Folded, as compared: a year's or week's review and a quiz gather a season's events.
        "jahresruckblick ruckblick wochenruckblick quiz nachrichtenquiz"
    ).split()
)
# Glued kickers and camel case: "MeinungIran" is "Meinung Iran".
_GLUED = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])")
TITLE_WEIGHT = 2.0
LEAD_WEIGHT = 0.5
LEAD_CHARS = 1200


@dataclass(frozen=True, slots=True)
class Tuning:
    """The knobs of grouping, together so an evaluation can vary them.

    Fitted on one half of a hand-labelled day of German front pages (stories split by label) and
    checked on the other half: see bench/stories_fit.py.
    """

    link: float = 0.28  # cosine from which two articles (feed teasers) may be one story
    # The same for two full pages: their many more words spread the weight, so one event's
    # pages score lower (the seeds, one event a week apart: 0.25; near misses stay under 0.2).
    link_full: float = 0.22
    join: float = 0.2  # least cosine of two stories' centroids for them to merge
    window_penalty: float = 0.5  # IDF lost per e-fold of the window's articles carrying a stem
    unknown_rarity: float = 15.0  # IDF of a stem not in the frequency list (names, compounds)
    min_idf: float = 1.0
    # Only stems at least this rare propose candidate pairs (a pair sharing none cannot link).
    posting_idf: float = 8.0
    # A stem in more than this share of the window's articles proposes no pairs (at least
    # MIN_DF_CAP may), so a 10,000-article window stays fast.
    max_df_share: float = 0.05
    # A story carried by this many outlets is the day's running story, which lone follow-ups
    # and commentaries join when they carry `context_names` of its names: rare stems (general
    # rarity at least `context_rarity`) used by two of its outlets, and by the window mostly
    # (`context_share`) inside the story.
    running_outlets: int = 3
    context_names: int = 3
    context_share: float = 0.5
    context_rarity: float = 9.0
    # Running stories in fragments are one when their centroids are within `join`.
    merge_running: bool = True
    # A comment or explainer needs this many of a running story's names fewer.
    secondary_relief: int = 1
    # A compound that starts or ends with one of a running story's names carries that name
    # ("Brandursache", "Brandverletzungen" carry "Brand"; "Feuerinferno" carries "Feuer").
    compound_names: bool = True
    # A word `running_outlets` of a running story's outlets use, and the window mostly inside
    # it, is one of its names however common it is elsewhere ("Schweiz" on the day of the
    # Swiss bar fire, "Venezuela" on the day of the strike).
    common_names: bool = True


DEFAULT_TUNING = Tuning()
MIN_DF_CAP = 30


@lru_cache(maxsize=200_000)
def _root(word: str) -> str | None:
    """The folded German stem of a surface word, None for stop words (cached: words recur)."""
    folded = fold(word)
    if len(folded) < 2 or folded in folded_stop_words() or folded in FORMAT_WORDS:
        return None
    if word[0].isupper() and folded.endswith("s") and len(folded) > 5:
        folded = folded[:-1]  # the genitive of names: Venezuelas, Maduros, Russlands
    return stem(folded)


@lru_cache(maxsize=1)
def rarity() -> dict[str, float]:
    """-ln(frequency) of each German stem in general text: its word forms' frequencies summed.

    wordfreq's "small" German list (39,000 words, read from the installed package in ~10 ms):
    past those, every word is rare enough to count fully.
    """
    freqs = get_frequency_dict("de", "small")
    words = [w for w in freqs if is_letter_word(w)]
    table: dict[str, float] = defaultdict(float)
    for root, word in zip(stems([fold(w) for w in words]), words, strict=True):
        table[root] += freqs[word]
    return {root: -math.log(f) for root, f in table.items()}


@lru_cache(maxsize=200_000)
def _roots(word: str) -> tuple[str, ...]:
    """The stems a surface word counts as: one, or one per part of a glued word ("MeinungIran")."""
    if word[1:].islower() and word.isalpha():
        root = _root(word)
        return () if root is None else (root,)
    parts = (p for piece in letter_words(word) for p in _GLUED.split(piece))
    return tuple(root for part in parts if (root := _root(part)) is not None)


@dataclass(frozen=True, slots=True)
class Features:
    """What grouping compares: the weighted stems of one article."""

    terms: dict[str, float]
    full: bool = False  # a full page: its body holds more than the summary


@lru_cache(maxsize=50_000)
def features(article: Article) -> Features:
    """Stems of title (weighted), summary and lead (when the body is more than the summary).

    Cached per article: a running bot sees each article in several digests.
    """
    terms: dict[str, float] = defaultdict(float)
    summary = " ".join(article.summary)
    # A feed item's body is often its teaser, the summary already counted.
    lead = article.body[:LEAD_CHARS] if len(article.body) > len(summary) + 20 else ""
    for text, weight in ((article.title, TITLE_WEIGHT), (summary, 1.0), (lead, LEAD_WEIGHT)):
        for word, count in Counter(words(text)).items():
            for root in _roots(word):
                terms[root] += weight * count
    return Features(dict(terms), bool(lead))


Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Matrix:
    """A window's TF-IDF unit vectors as one sparse matrix, rows sorted by key."""

    # Row r holds entries ptr[r]:ptr[r + 1]; an entry's key is r * width + term id (sorted).
    ptr: Ints
    keys: Ints
    weights: Floats
    idf: Floats  # per term id
    df: Ints  # per term id: the window's articles carrying it
    full: Flags  # per row: a full page
    width: int

    @property
    def rows(self) -> Ints:
        """The row of each entry."""
        return self.keys // self.width

    @property
    def terms(self) -> Ints:
        """The term id of each entry."""
        return self.keys % self.width


def _matrix(feats: Sequence[Features], tuning: Tuning) -> _Matrix:
    """TF-IDF unit vectors over the window: general rarity, less for stems the window is full of."""
    vocab: dict[str, int] = {}
    sizes = np.fromiter((len(f.terms) for f in feats), np.int64, len(feats))
    total = int(sizes.sum())
    ids = np.fromiter(
        (vocab.setdefault(t, len(vocab)) for f in feats for t in f.terms), np.int64, total
    )
    tf = np.fromiter(chain.from_iterable(f.terms.values() for f in feats), np.float64, total)
    width = max(len(vocab), 1)
    rows = np.repeat(np.arange(len(feats), dtype=np.int64), sizes)
    df = np.bincount(ids, minlength=width)
    table = rarity()
    general = np.fromiter((table.get(t, tuning.unknown_rarity) for t in vocab), np.float64)
    general = np.minimum(np.resize(general, width), tuning.unknown_rarity)
    idf = general - tuning.window_penalty * np.log(np.maximum(df, 1))
    idf = np.maximum(idf, tuning.min_idf)
    weights = (1 + np.log(tf)) * idf[ids]
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=len(feats)))
    weights /= np.where(norms > 0, norms, 1.0)[rows]
    keys = rows * width + ids
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(len(feats) + 1, np.int64)
    np.cumsum(sizes, out=ptr[1:])
    full = np.fromiter((f.full for f in feats), np.bool_, len(feats))
    return _Matrix(ptr, keys[order], weights[order], idf, df, full, width)


def _expand(starts: Ints, counts: Ints) -> Ints:
    """The concatenated ranges starts[k]:starts[k] + counts[k]."""
    offsets = np.repeat(np.cumsum(counts) - counts - starts, counts)
    return np.arange(int(counts.sum()), dtype=np.int64) - offsets


def _candidates(m: _Matrix, tuning: Tuning) -> tuple[Ints, Ints]:
    """Every pair (i < j) sharing a rare enough stem, via its postings; sorted, distinct."""
    n = len(m.ptr) - 1
    terms, rows = m.terms, m.rows
    cap = max(MIN_DF_CAP, int(tuning.max_df_share * n))
    keep = (m.df[terms] >= 2) & (m.df[terms] <= cap) & (m.idf[terms] >= tuning.posting_idf)
    terms, rows = terms[keep], rows[keep]
    order = np.lexsort((rows, terms))
    terms, rows = terms[order], rows[order]
    # Each posting pairs with the later ones of its term: ends[k] is where its term's run ends.
    ends = np.searchsorted(terms, terms, side="right")
    later = ends - np.arange(len(terms)) - 1
    firsts = np.repeat(rows, later)
    seconds = rows[_expand(np.arange(1, len(terms) + 1, dtype=np.int64), later)]
    pairs = np.unique(firsts * n + seconds)
    return pairs // n, pairs % n


# Pairs scored at once: bounds the temporary arrays (entries of the shorter row per pair).
CHUNK_ENTRIES = 1 << 21


def _cosines(m: _Matrix, left: Ints, right: Ints) -> Floats:
    """The cosine of each pair of rows (left[k], right[k])."""
    sizes = np.diff(m.ptr)
    cosines = np.zeros(len(left), np.float64)
    start = 0
    while start < len(left):
        # Look up each entry of the shorter row in the other row's sorted keys.
        short = np.where(sizes[left[start:]] <= sizes[right[start:]], left[start:], right[start:])
        other = left[start:] + right[start:] - short
        counts = sizes[short]
        stop = max(1, int(np.searchsorted(np.cumsum(counts), CHUNK_ENTRIES, side="right")))
        short, other, counts = short[:stop], other[:stop], counts[:stop]
        pair = np.repeat(np.arange(stop, dtype=np.int64), counts)
        mine = _expand(m.ptr[short], counts)
        wanted = np.repeat(other * m.width, counts) + m.keys[mine] % m.width
        theirs = np.minimum(np.searchsorted(m.keys, wanted), len(m.keys) - 1)
        found = m.keys[theirs] == wanted
        products = np.where(found, m.weights[mine] * m.weights[theirs], 0.0)
        cosines[start : start + stop] = np.bincount(pair, products, minlength=stop)
        start += stop
    return cosines


def _row(m: _Matrix, r: int) -> dict[int, float]:
    """Row r as a term id → weight map."""
    lo, hi = int(m.ptr[r]), int(m.ptr[r + 1])
    return dict(zip((m.keys[lo:hi] % m.width).tolist(), m.weights[lo:hi].tolist(), strict=True))


def _cluster(m: _Matrix, left: Ints, right: Ints, cosines: Floats, tuning: Tuning) -> list[int]:
    """Each row's story (its root row): linked pairs joined strongest first, centroids permitting.

    A story's centroid is the sum of its unit vectors; two stories merge only while the cosine of
    their centroids stays at least `join`, so a story's vocabulary grows with it, yet a single
    strong pair between two big stories does not fuse them.
    """
    n = len(m.ptr) - 1
    parent = list(range(n))
    sums: dict[int, dict[int, float]] = {}
    norms: dict[int, float] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def centroid(r: int) -> dict[int, float]:
        if r not in sums:
            sums[r] = _row(m, r)
            norms[r] = 1.0
        return sums[r]

    bar = np.where(m.full[left] & m.full[right], tuning.link_full, tuning.link)
    linked = np.flatnonzero(cosines >= bar)
    order = linked[np.argsort(-cosines[linked], kind="stable")]
    for i, j in zip(left[order].tolist(), right[order].tolist(), strict=True):
        a, b = find(i), find(j)
        if a == b:
            continue
        ca, cb = centroid(a), centroid(b)
        if len(ca) < len(cb):
            a, b, ca, cb = b, a, cb, ca
        dot = sum(w * ca.get(t, 0.0) for t, w in cb.items())
        if dot < tuning.join * math.sqrt(norms[a] * norms[b]):
            continue
        for t, w in cb.items():
            ca[t] = ca.get(t, 0.0) + w
        norms[a] += norms[b] + 2 * dot
        del sums[b], norms[b]
        parent[b] = a
    return [find(i) for i in range(n)]


def group_stories(
    articles: Sequence[Article], tuning: Tuning = DEFAULT_TUNING
) -> list[tuple[Article, ...]]:
    """Partition articles into stories; each group is ordered newest first.

    Groups come in the order of their first article as given.
    """
    if not articles:
        return []
    feats = [features(a) for a in articles]
    m = _matrix(feats, tuning)
    left, right = _candidates(m, tuning)
    labels = _cluster(m, left, right, _cosines(m, left, right), tuning)
    outlets = [publisher(a.source) for a in articles]
    if tuning.merge_running:
        labels = _merge_running(m, outlets, labels, tuning)
    # A page's own kicker ("Meinung", "Analyse") names the form as a glued one does.
    secondary = [is_secondary(f"{a.kicker}: {a.title}" if a.kicker else a.title) for a in articles]
    labels = _join_running(outlets, feats, secondary, labels, tuning)
    groups: dict[int, list[Article]] = {}
    for article, label in zip(articles, labels, strict=True):
        groups.setdefault(label, []).append(article)
    return [
        tuple(sorted(group, key=lambda a: (a.when, a.id), reverse=True))
        for group in groups.values()
    ]


def _running(outlets: Sequence[str], labels: Sequence[int], tuning: Tuning) -> dict[int, list[int]]:
    """The running stories (carried by `running_outlets` outlets or more): label → rows."""
    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    return {
        label: rows
        for label, rows in members.items()
        if len({outlets[i] for i in rows}) >= tuning.running_outlets
    }


def _merge_running(
    m: _Matrix, outlets: Sequence[str], labels: list[int], tuning: Tuning
) -> list[int]:
    """Running stories whose centroids are within `join` of each other become one.

    Joining pairs strongest first can leave a day's big story in fragments (the strike, the
    capture, the reactions) when no single pair of teasers across two fragments is close enough
    to propose the merge, though each fragment's centroid is the same event's. Stories carried
    by several outlets have centroids worth comparing directly, with the rule that guards every
    join; smaller groups' centroids are too few words to say.
    """
    running = _running(outlets, labels, tuning)
    if len(running) < 2:
        return labels
    names = list(running)  # story number → its label
    c = _centroids(m, [running[label] for label in names])
    norms = np.sqrt(np.bincount(c.rows, c.weights * c.weights, minlength=len(names))).tolist()
    # As for articles, only stories sharing a rare enough stem are compared.
    left, right = _candidates(c, tuning)
    cosines = _cosines(c, left, right) / (np.take(norms, left) * np.take(norms, right))
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        partners[a].add(b)
        partners[b].add(a)
    vectors: dict[int, dict[int, float]] = {}
    version = [0] * len(names)

    def cosine(a: int, b: int) -> float:
        va = vectors.setdefault(a, _row(c, a))
        vb = vectors.setdefault(b, _row(c, b))
        small, big = (va, vb) if len(va) < len(vb) else (vb, va)
        return float(sum(w * big.get(t, 0.0) for t, w in small.items()) / (norms[a] * norms[b]))

    close = np.flatnonzero(cosines >= tuning.join)
    heap = [(-cosines[k], int(left[k]), int(right[k]), 0, 0) for k in close.tolist()]
    heapq.heapify(heap)
    into = list(range(len(names)))
    while heap:
        _, a, b, seen_a, seen_b = heapq.heappop(heap)
        if into[a] != a or into[b] != b:
            continue  # one of them has merged into another since
        if (seen_a, seen_b) != (version[a], version[b]):
            # A centroid has grown since: the pair takes its new place in the queue.
            if (now := cosine(a, b)) >= tuning.join:
                heapq.heappush(heap, (-now, a, b, version[a], version[b]))
            continue
        va = vectors.setdefault(a, _row(c, a))
        for t, w in vectors.setdefault(b, _row(c, b)).items():
            va[t] = va.get(t, 0.0) + w
        norms[a] = math.sqrt(sum(w * w for w in va.values()))
        version[a] += 1
        into[b] = a
        partners[a] |= partners.pop(b, set())
        for x in partners[a] - {a, b}:
            if into[x] == x and (now := cosine(a, x)) >= tuning.join:
                heapq.heappush(heap, (-now, min(a, x), max(a, x), version[min(a, x)],
                                      version[max(a, x)]))  # fmt: skip

    def root(k: int) -> int:
        while into[k] != k:
            k = into[k]
        return k

    merged = {label: names[root(k)] for k, label in enumerate(names)}
    return [merged.get(label, label) for label in labels]


def _centroids(m: _Matrix, groups: Sequence[Sequence[int]]) -> _Matrix:
    """One row per group of rows: the sum of its unit vectors (not normalised)."""
    sizes = np.diff(m.ptr)
    rows = np.fromiter(chain.from_iterable(groups), np.int64)
    owner = np.repeat(np.arange(len(groups), dtype=np.int64), [len(g) for g in groups])
    entries = _expand(m.ptr[rows], sizes[rows])
    keys = np.repeat(owner, sizes[rows]) * m.width + m.keys[entries] % m.width
    order = np.argsort(keys, kind="stable")
    keys, starts = np.unique(keys[order], return_index=True)
    weights = np.add.reduceat(m.weights[entries][order], starts) if len(keys) else m.weights[:0]
    ptr = np.searchsorted(keys, np.arange(len(groups) + 1, dtype=np.int64) * m.width)
    df = np.bincount(keys % m.width, minlength=m.width)
    full = np.zeros(len(groups), np.bool_)
    return _Matrix(ptr, keys, weights, m.idf, df, full, m.width)


def _join_running(
    outlets: Sequence[str],
    feats: Sequence[Features],
    secondary: Sequence[bool],
    labels: list[int],
    tuning: Tuning,
) -> list[int]:
    """Lone articles join the day's running story whose own names they carry.

    A running story is carried by several outlets. Its names are the rare stems (places,
    people, the thing that happened) that at least two of its outlets use and that the window
    uses mostly inside the story ("Crans-Montana", "Bar" on the day of the bar fire), and the
    common ones most of its outlets use so ("Schweiz"). A lone article (a follow-up, a
    commentary, a teaser that does not repeat the key words) carrying at least `context_names`
    of one running story's names, whole or as a compound's part ("Brandursache"), and more than
    of any other's, joins it; a comment or explainer (`is_secondary`) that names no other running
    story needs one name less, as such pieces hang on the day's news rather than report an event
    of their own.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    outlet = outlets
    running = _running(outlets, labels, tuning)
    if not running:
        return labels
    window_df: Counter[str] = Counter(t for f in feats for t in f.terms)
    table = rarity()
    names: dict[str, list[int]] = defaultdict(list)  # stem → running stories it names
    for label, rows in running.items():
        outlets_of: dict[str, set[str]] = defaultdict(set)
        inside: Counter[str] = Counter()
        for i in rows:
            for t in feats[i].terms:
                outlets_of[t].add(outlet[i])
                inside[t] += 1
        for t, carriers in outlets_of.items():
            widely = tuning.common_names and len(carriers) >= tuning.running_outlets
            if (
                len(carriers) >= 2
                and inside[t] >= tuning.context_share * window_df[t]
                and (widely or table.get(t, tuning.unknown_rarity) >= tuning.context_rarity)
            ):
                names[t].append(label)
    out = list(labels)
    for rows in members.values():
        if len(rows) != 1:
            continue
        [i] = rows
        carried = _carried(feats[i].terms, names) if tuning.compound_names else feats[i].terms
        shared: Counter[int] = Counter(label for t in carried for label in names.get(t, ()))
        ranked = shared.most_common(2)
        # The relief is for a piece that hangs on one story: one naming another running story
        # too is a roundup ("Die Lage am Morgen: … Die Feuertragödie in der Schweiz. Und: …").
        relief = tuning.secondary_relief if secondary[i] and len(ranked) == 1 else 0
        needed = tuning.context_names - relief
        if not ranked or ranked[0][1] < needed:
            continue
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            continue  # two running stories in it: neither
        out[i] = ranked[0][0]
    return out


# The shortest name a compound is read as carrying, and the shortest rest of the compound: "Bar"
# is too short to tell "Sansibar" from a bar, and "Brandt" is no "Brand" compound.
COMPOUND_PART = 4
COMPOUND_REST = 3


def _carried(terms: Iterable[str], names: dict[str, list[int]]) -> set[str]:
    """The names an article's stems carry: each stem that is a name, and each name a compound
    stem starts or ends with (German glues the event word to what is said of it)."""
    out: set[str] = set()
    for t in terms:
        if t in names:
            out.add(t)
            continue
        for k in range(COMPOUND_PART, len(t) - COMPOUND_REST + 1):
            if t[:k] in names:
                out.add(t[:k])
            if t[-k:] in names:
                out.add(t[-k:])
    return out


def similarity(a: Article, b: Article, context: Iterable[Article] = ()) -> float:
    """The cosine grouping uses for two articles (window: `a`, `b` and `context`); for tuning."""
    m = _matrix([features(x) for x in (a, b, *context)], DEFAULT_TUNING)
    return float(_cosines(m, np.array([0]), np.array([1]))[0])


# Headlines that announce a format rather than the news: live streams, tickers, blogs, opinion
# and podcasts ("Livestream: USA und Venezuela: Jetzt live: …", "MeinungIran: …").
_FORMAT_ANYWHERE = re.compile(
    r"(?i:live-?blog|news-?blog|live-?stream|live-?ticker|news-?ticker|jetzt live|podcast)|\+\+\+"
)
_FORMAT_OPENING = re.compile(
    r"^\W*(?:(?i:kommentar|meinung|analyse|interview|video|live|ticker|eilmeldung)\b"
    r"|(?:Meinung|Kommentar)(?=[A-ZÄÖÜ]))"
)
_GLUED_KICKER = re.compile(r"^(?:Meinung|Kommentar)(?=[A-ZÄÖÜ])")
# A leading "kicker:" segment, at most this long (longer text before a colon is the headline).
_SEGMENT = re.compile(r"^([^:]{1,40}):\s*")


# Comment and explainer pieces: a kicker or byline naming the form ("Kommentar:", "Eine
# Kolumne von …", "MeinungIran:", "Gunnar Schupelius – Offen gesagt:"), or a headline asking
# ("Wie Trump die Welt neu ordnet", "Ist damit der Sozialismus am Ende?").
_OPINION = re.compile(
    r"(?i:^\W*(?:kommentar|meinung|leitartikel|kolumne|essay|gastbeitrag|analyse|standpunkt"
    r"|pro und contra|zwischenruf|einwurf|glosse)\b|\b(?:kommentar|kolumne|offen gesagt)\b)"
    r"|^(?:Meinung|Kommentar)(?=[A-ZÄÖÜ])"
)
_ASKING = re.compile(
    r"^(?:Wie|Warum|Wieso|Weshalb|Was|Wer|Wem|Wen|Wo|Wohin|Woher|Welche[rsmn]?|Ist|Sind|Kann"
    r"|Können|Darf|Muss|Müssen|Soll|Sollte|Wird|Werden|Hat|Haben|Braucht|Droht)\b"
)


_WHO = re.compile(r"^(?:Wer|Wem|Wen)\b")


def is_secondary(title: str) -> bool:
    """True for a comment or explainer: its kicker names the form, or its headline asks.

    A question after a person ("Ermittlungen: Wer öffnete das Schließfach?") is the open
    question of a reported event, a crime's above all, not a comment's form; a maxim without
    a question mark ("Wer so spart, ist dumm") is one.
    """
    if _OPINION.search(title):
        return True
    rest = title.strip()
    while (m := _SEGMENT.match(rest)) and rest[m.end() :].strip():
        rest = rest[m.end() :]
    if _WHO.match(rest.rsplit(": ", 1)[-1]) and rest.endswith("?"):
        return False
    return bool(_ASKING.match(rest)) or rest.endswith("?")


def is_kicker(title: str) -> bool:
    """True when a headline announces a format (ticker, live stream, comment) not the event."""
    return bool(_FORMAT_ANYWHERE.search(title) or _FORMAT_OPENING.search(title))


def plain_headline(title: str) -> str:
    """The headline without its format segments: "Livestream: USA: Jetzt live: X" → "USA: X"."""
    kept: list[str] = []
    rest = title.strip()
    while (m := _SEGMENT.match(rest)) and rest[m.end() :].strip():
        segment = _GLUED_KICKER.sub("", m.group(1))
        if not is_kicker(segment):
            kept.append(segment)
        rest = rest[m.end() :]
    rest = _GLUED_KICKER.sub("", rest)
    plain = ": ".join([*kept, rest.strip(" +")]).strip()
    return plain or title.strip()


def centrality(group: Sequence[Article]) -> list[float]:
    """How well each article stands for its group: cosine of its vector with the others' sum."""
    if len(group) < 2:
        return [1.0] * len(group)
    m = _matrix([features(a) for a in group], DEFAULT_TUNING)
    n = len(group)
    total = np.bincount(m.terms, m.weights, minlength=m.width)
    mine = m.weights * (total[m.terms] - m.weights)
    return [float(x) for x in np.bincount(m.rows, mine, minlength=n)]
