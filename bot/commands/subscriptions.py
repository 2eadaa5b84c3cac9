"""The per-chat commands: /subscribe, /unsubscribe, /settings and the word alerts."""

from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.alerts import alert_words
from bot.commands.base import MAX_ALERTS, SENTENCES_RANGE, STORIES_RANGE, Request, _id_arg
from bot.records import Reply, Span, Subscription
from bot.texts import LANGUAGES, t
from summarizer import fold

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


_NOW_WORDS = frozenset({"jetzt", "sofort", "now"})


def _subscribe(req: Request) -> Reply:
    words = req.args.split()
    at_once = any(w.casefold() in _NOW_WORDS for w in words)
    parts = [w for w in words if w.casefold() not in _NOW_WORDS]
    if not parts or len(parts) > 2 or not _TIME.match(parts[0]):
        return Reply.text(t(req.language, "subscribe_usage"), ok=False)
    hour, minute = _TIME.match(parts[0]).groups()  # type: ignore[union-attr]
    zone = parts[1] if len(parts) == 2 else req.ctx.timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return Reply.text(t(req.language, "subscribe_bad_zone", zone=zone), ok=False)
    at = f"{int(hour):02d}:{minute}"
    req.library.subscribe(Subscription(req.ctx.chat, at, zone, req.ctx.now), req.ctx.now)
    if at_once:
        req.library.request_digest(req.ctx.chat, req.ctx.now)
    _keep_language(req)
    first = t(req.language, "subscribed_now" if at_once else "subscribed_next", time=at)
    return Reply.text(t(req.language, "subscribed", time=at, zone=zone) + " " + first)


def _keep_language(req: Request) -> None:
    """Persist the language the reader got, so later replies (and digests) keep it."""
    if req.library.chat_language(req.ctx.chat) != req.language:
        req.library.update_settings(req.ctx.chat, req.ctx.now, language=req.language)


def _unsubscribe(req: Request) -> Reply:
    if req.library.unsubscribe(req.ctx.chat):
        return Reply.text(t(req.language, "unsubscribed"))
    return Reply.text(t(req.language, "not_subscribed"))


_SETTING_KEYS = {
    "sprache": "language",
    "language": "language",
    "lang": "language",
    "zeit": "time",
    "uhrzeit": "time",
    "time": "time",
    "zone": "zone",
    "zeitzone": "zone",
    "timezone": "zone",
    "tz": "zone",
    "meldungen": "stories",
    "anzahl": "stories",
    "stories": "stories",
    "satze": "sentences",
    "saetze": "sentences",
    "lange": "sentences",
    "laenge": "sentences",
    "sentences": "sentences",
    "summary": "sentences",
}


def _show_settings(req: Request) -> Reply:
    settings = req.library.settings(req.ctx.chat)
    sub = req.library.subscription(req.ctx.chat)
    off = t(req.language, "settings_off")
    text = t(
        req.language,
        "settings_show",
        name=f"{t(req.language, 'language_name')} ({req.language})",
        time=sub.time if sub else off,
        zone=sub.timezone if sub else req.ctx.timezone,
        stories=settings.stories,
        sentences=settings.sentences,
    )
    return Reply.text(text)


def _number(req: Request, value: str, bounds: tuple[int, int]) -> int | Reply:
    low, high = bounds
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        return Reply.text(t(req.language, "settings_bad_number", low=low, high=high), ok=False)
    return int(value)


def _settings(req: Request) -> Reply:
    parts = req.args.split()
    if not parts:
        return _show_settings(req)
    key = _SETTING_KEYS.get(fold(parts[0]))
    if key is None or len(parts) != 2:
        return Reply.text(t(req.language, "settings_usage"), ok=False)
    value, chat, now = parts[1], req.ctx.chat, req.ctx.now
    if key == "language":
        chosen = value.lower()
        if chosen not in LANGUAGES:
            return Reply.text(t(req.language, "settings_bad_language"), ok=False)
        req.library.update_settings(chat, now, language=chosen)
        return Reply.text(t(chosen, "settings_saved"))
    if key in ("stories", "sentences"):
        number = _number(req, value, STORIES_RANGE if key == "stories" else SENTENCES_RANGE)
        if isinstance(number, Reply):
            return number
        if key == "stories":
            req.library.update_settings(chat, now, stories=number)
        else:
            req.library.update_settings(chat, now, sentences=number)
        _keep_language(req)
        return _show_settings(req)
    sub = req.library.subscription(chat)
    if sub is None:
        return Reply.text(t(req.language, "settings_need_subscription"), ok=False)
    at, zone = (value, sub.timezone) if key == "time" else (sub.time, value)
    reply = _subscribe(replace(req, args=f"{at} {zone}"))
    return _show_settings(req) if reply.ok else reply


def _alert(req: Request) -> Reply:
    found = alert_words(req.args)
    if not found:
        return Reply.text(t(req.language, "alert_usage"), ok=False)
    if len(req.library.alerts(req.ctx.chat)) >= MAX_ALERTS:
        return Reply.text(t(req.language, "alert_limit", limit=MAX_ALERTS), ok=False)
    alert_id = req.library.add_alert(req.ctx.chat, found, req.ctx.now)
    _keep_language(req)
    return Reply.text(t(req.language, "alert_added", id=alert_id, words=" ".join(found)))


def _alerts(req: Request) -> Reply:
    alerts = req.library.alerts(req.ctx.chat)
    if not alerts:
        return Reply.text(t(req.language, "alerts_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "alerts_head"), bold=True),)]
    lines += [(Span(f"[{a.id}] "), Span(" ".join(a.words))) for a in alerts]
    return Reply(tuple(lines))


def _unalert(req: Request) -> Reply:
    alert_id = _id_arg(req.args)
    if alert_id is None:
        return Reply.text(t(req.language, "unalert_usage"), ok=False)
    if req.library.remove_alert(req.ctx.chat, alert_id):
        return Reply.text(t(req.language, "unalert_done", id=alert_id))
    return Reply.text(t(req.language, "unalert_missing", id=alert_id), ok=False)
