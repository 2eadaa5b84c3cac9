"""The ranking steps every store backend shares, as pure functions over rows the backend
fetched: compound matches after the ranked ones, the reader order, the related results and the
`quelle:` outlet name.

Each backend only finds and scores matches its own way; what a reader sees ordered after that
is decided here, once, so SQLite and PostgreSQL cannot drift apart
(`tests/test_store_postgres.py` compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.query import Query, TextTerms

# id, date (ISO text) and boosted bm25 (negative; 0.0 for an unscored compound match).
Row = tuple[int, str, float]
# id, title terms and the start of the body's terms (at least LEAD_CHARS characters of them).
Head = tuple[int, str | None, str | None]

# A search ranks at most this many matches, the newest (by rowid): 100 pages of 5. Ranking
# every match costs ~1.7 µs each in bm25 alone, 170 ms for a word in all 100k articles; a word
# in more articles than this gets "500+" hits and its newest 500 ranked (1000 cost ~5 ms more
# at p95 for 3-word queries at 100k).
CANDIDATES = 500
# The lead: the terms of the body's first sentences (about 40 words). A word in the headline or
# the lead is what the article is about; one passing mention further down is not.
LEAD_CHARS = 400
# Fewer full matches than this, and articles with all words but one are offered after them
# (`Bohlen Hochzeit` finds the reports that say "geheiratet"), the rarer words kept first.
RELATED_BELOW = 20


def then_newest(ranked: list[Row], found: Iterable[Sequence[Any]]) -> list[Row]:
    """The ranked (stem) matches, then the other `found` ones (id, date: compound matches)
    newest first. Dates are ISO strings in UTC, which sort as text."""
    known = {row[0] for row in ranked}
    rest = sorted(
        ((int(r[0]), str(r[1]), 0.0) for r in found if r[0] not in known),
        key=lambda r: (r[1], r[0]),
        reverse=True,
    )
    return ranked + rest


def reader_order(
    wants: Sequence[tuple[str, ...]], ranked: list[Row], heads: Iterable[Head]
) -> list[Row]:
    """Articles naming more of the words in headline or lead first, then as ranked.

    A word in the headline counts two, in the lead one, so "Bundestag beschließt
    Rentenpaket" comes before a market report that mentions "eine Rentnerin" in passing,
    whether the word matched as a stem or as part of a compound. `heads` are the ranked
    articles' terms; a backend may pass more of the body than LEAD_CHARS.
    """
    weight: dict[int, int] = {}
    for article_id, title, body in heads:
        in_title = TextTerms.of((title or "").split())
        in_lead = TextTerms.of((body or "")[:LEAD_CHARS].split()[:-1])  # the last may be cut
        weight[article_id] = sum(
            2 if in_title.has(word) else 1 if in_lead.has(word) else 0 for word in wants
        )
    order = {row[0]: n for n, row in enumerate(ranked)}
    return sorted(ranked, key=lambda row: (-weight.get(row[0], 0), order[row[0]]))


def wants_related(query: Query, ranked: int, offset: int, room: int) -> bool:
    """Whether a page with `room` left after `ranked` full matches offers related articles."""
    return room > 0 and offset <= ranked < RELATED_BELOW and not query.phrases


def related(
    wants: Sequence[tuple[str, ...]],
    ranked: Callable[[list[tuple[str, ...]]], list[Row]],
    known: set[int],
) -> list[int]:
    """Articles with every word but one, for a search of two words or more: those missing
    the most widely used word first, each group ranked as a search of its words.

    `ranked(words)` is the backend's ranking of a search of `words`, in reader order.
    """
    if len(wants) < 2:
        return []
    groups = []
    for i in range(len(wants)):
        rest = [w for n, w in enumerate(wants) if n != i]
        groups.append([row[0] for row in ranked(rest)[:CANDIDATES] if row[0] not in known])
    out: list[int] = []
    for group in sorted(groups, key=len):
        out += [i for i in group if i not in out]
    return out
