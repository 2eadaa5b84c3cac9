"""What a chat reads and who it is: /sources (the outlets to choose from), /settings quellen,
and /id (the platform-qualified ids that `admins` and `allowed_users` take)."""

from __future__ import annotations

import re

from bot.commands.request import Request
from bot.query import outlet_sources
from bot.records import Reply, Span
from bot.texts import t
from bot.vocabulary import NO_FILTER_WORDS

_SEPARATORS = re.compile(r"\s*[,;]\s*")


def chosen_sources(req: Request, value: str) -> tuple[str, ...] | Reply:
    """`tagesschau, dpa` (any case, Unicode form, ae/oe/ue for an umlaut: every outlet
    `quelle:` finds by that name) → the outlets' names as the operator's list has them; `alle`
    → () (every outlet); an unknown name → a reply listing the choice."""
    if value.strip().casefold() in NO_FILTER_WORDS:
        return ()
    known = req.library.articles.sources()
    parts = [p for p in _SEPARATORS.split(value.strip()) if p]
    # Without commas, each word is an outlet unless the whole text names one.
    if len(parts) == 1 and not outlet_sources(parts[0], known):
        parts = parts[0].split()
    chosen: list[str] = []
    for part in parts:
        names = outlet_sources(part, known)
        if not names:
            listed = ", ".join(known) or t(req.language, "sources_none_yet")
            example = source_example(known)
            text = t(req.language, "sources_unknown", name=part, names=listed, example=example)
            return Reply.text(text, ok=False)
        chosen.extend(names)
    return tuple(dict.fromkeys(chosen))


def source_example(known: list[str]) -> str:
    """Two outlets of the operator's list for an example (a reader copies what is offered)."""
    return ", ".join(known[:2]) or "tagesschau, dpa"


def shown_sources(language: str, sources: tuple[str, ...]) -> str:
    """The chat's choice as /settings shows it."""
    return ", ".join(sources) if sources else t(language, "topics_all")


def _sources(req: Request) -> Reply:
    """/sources: the outlets to choose from, and which this chat reads."""
    known = req.library.articles.sources()
    chosen = req.library.chats.settings(req.ctx.chat).sources
    listed = ", ".join(known) or t(req.language, "sources_none_yet")
    return Reply(
        (
            (Span(t(req.language, "sources_head"), bold=True), Span(" " + listed)),
            (
                Span(
                    t(
                        req.language,
                        "sources_chosen",
                        chosen=shown_sources(req.language, chosen),
                        example=source_example(known),
                    )
                ),
            ),
        )
    )


def _id(req: Request) -> Reply:
    """/id: this chat's and the sender's ids, as the config's lists take them."""
    lines = [t(req.language, "id_chat", chat=req.ctx.chat)]
    if req.ctx.user:
        lines.append(t(req.language, "id_user", user=req.ctx.user))
    lines.append(t(req.language, "id_hint"))
    return Reply.text("\n".join(lines))
