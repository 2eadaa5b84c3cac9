"""The per-chat commands: /subscribe, /unsubscribe, /settings, the word alerts and /archive."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.alerts import alert_words, same_alert
from bot.commands.request import (
    MAX_ALERTS,
    SENTENCES_RANGE,
    STORIES_RANGE,
    Request,
    _id_arg,
    is_stored_id,
)
from bot.commands.sources import chosen_sources, shown_sources
from bot.commands.zones import find_zone
from bot.digest import for_chat
from bot.query import MAX_WORDS
from bot.quiet import parse_quiet
from bot.records import Reply, Span, Subscription
from bot.render import times_text, when_text
from bot.texts import LANGUAGES, t
from bot.typed_times import (
    is_spoken_time,
    looks_like_time,
    parse_clock,
    parse_days,
    parse_spoken,
)
from bot.vocabulary import (
    ALL_WORDS,
    LANGUAGE_WORDS,
    NO_FILTER_WORDS,
    NO_WORDS,
    NOW_WORDS,
    TIME_FILLERS,
    YES_WORDS,
)
from summarizer import fold, is_stop_word

# Shorter alert words match inside too many other words' texts to mean anything ("a", "x").
MIN_ALERT_WORD = 2
MAX_TOPICS = 8


def _time_arg(req: Request, value: str, example: str) -> str | Reply:
    """`7:30` (or `halb acht`) → `07:30`; anything else a reply naming the wrong part and the
    right example."""
    at = parse_clock(value)
    if at is None and is_spoken_time(value.split()):
        at = parse_spoken(value)
    if at is None:
        return Reply.text(t(req.language, "bad_time", value=value, example=example), ok=False)
    return at


def _leading_zone(words: list[str]) -> tuple[str | None, int]:
    """The zone named by the most leading words (two or more: "New York"), and how many."""
    for size in range(len(words), 1, -1):
        zone = find_zone(" ".join(words[:size])).zone
        if zone is not None:
            return zone, size
    return None, 0


def _zone_arg(req: Request, value: str, example: str, *, or_time: str = "") -> str | Reply:
    """A zone as typed (any case, a city alone) → its name; else the candidates or an example.

    `or_time`: the words as typed where a time was wanted too ("/abo morgen früh"): a word
    that names no zone is then said to be neither, not taken for a misspelt zone.
    """
    found = find_zone(value)
    if found.zone is not None:
        return found.zone
    if found.candidates:
        shown = ", ".join(found.candidates)
        return Reply.text(
            t(req.language, "zone_candidates", zone=value, candidates=shown, example=example),
            ok=False,
        )
    if or_time and "/" not in value:
        text = t(req.language, "bad_time_or_zone", value=or_time, example=example)
        return Reply.text(text, ok=False)
    return Reply.text(t(req.language, "bad_zone", zone=value, example=example), ok=False)


# More digests a day than this are a mistake rather than a wish.
MAX_TIMES = 4


def _spoken_prefix(words: list[str]) -> list[str]:
    """The leading words that may say a time ("halb acht", "abends"); a zone may follow."""
    out: list[str] = []
    for word in words:
        # After "halb", "viertel vor" … comes the hour, whatever the reader typed there.
        needs_hour = bool(out) and out[-1].casefold() in _NEEDS_HOUR
        if not (needs_hour or is_spoken_time([word]) or looks_like_time(word)):
            break
        out.append(word)
    return out


_NEEDS_HOUR = frozenset({"halb", "viertel", "dreiviertel", "vor", "nach", "um"})


def _subscribe(req: Request) -> Reply:
    # `07:00, 18:00` and `07:00 und 18:00` are two times, as `07:00 18:00` is.
    typed = req.args.replace(",", " ").split()
    tokens = [w for w in typed if w.casefold() not in TIME_FILLERS]
    at_once = any(w.casefold() in NOW_WORDS for w in tokens)
    days, rest, unclear = parse_days([w for w in tokens if w.casefold() not in NOW_WORDS])
    if unclear:
        text = t(req.language, "days_unclear", value=unclear)
        return Reply.text(text, ok=False)
    sub = req.library.chats.subscription(req.ctx.chat)
    example = t(req.language, "subscribe_example")
    times: list[str] = []
    while rest:
        if len(rest) > 1 and looks_like_time(f"{rest[0]} {rest[1]}"):  # "7:30 Uhr", "7 am"
            rest[:2] = [f"{rest[0]} {rest[1]}"]
        if not looks_like_time(rest[0]):
            break
        checked = _time_arg(req, rest.pop(0), example)
        if isinstance(checked, Reply):
            return checked
        times.append(checked)
    spoken_words = _spoken_prefix(rest)
    if spoken_words and is_spoken_time(spoken_words):
        # Said in words ("halb acht", "7 uhr morgens"): understood, or a time problem.
        rest = rest[len(spoken_words) :]
        said = " ".join([*times[-1:], *spoken_words])
        spoken = parse_spoken(said)
        if spoken is None:
            return Reply.text(t(req.language, "bad_time", value=said, example=example), ok=False)
        times = [*times[:-1], spoken]
    zone: str | None = None
    if rest:
        # A zone may be typed with spaces ("New York"): the most words that name one; failing
        # that, its first word is the zone.
        zone, size = _leading_zone(rest)
        if zone is not None:
            rest = rest[size:]
        else:
            typed_rest = "" if times else " ".join(rest)
            checked = _zone_arg(
                req, rest.pop(0), t(req.language, "subscribe_zone_example"), or_time=typed_rest
            )
            if isinstance(checked, Reply):
                return checked
            zone = checked
    if not times and rest and looks_like_time(" ".join(rest)):  # the zone first: "Wien 8 Uhr"
        checked = _time_arg(req, " ".join(rest), example)
        if isinstance(checked, Reply):
            return checked
        times, rest = [checked], []
    if rest:
        return Reply.text(
            t(req.language, "extra_args", extra=" ".join(rest), example=example), ok=False
        )
    if not times and sub is None:
        return Reply.text(t(req.language, "subscribe_usage"), ok=False)
    chosen = tuple(sorted(set(times))) if times else (sub.times if sub else ())
    if len(chosen) > MAX_TIMES:
        text = t(req.language, "subscribe_too_many", limit=MAX_TIMES, example=example)
        return Reply.text(text, ok=False)
    # A command changes only what it names: the times, days and zone left out stay.
    days = days if days is not None else (sub.days if sub else "")
    zone = zone or req.zone
    new = Subscription(req.ctx.chat, chosen[0], zone, req.ctx.now, chosen[1:], days)
    changed = sub is None or (sub.times, sub.timezone, sub.days) != (chosen, zone, days)
    if changed:
        req.library.chats.subscribe(new, req.ctx.now)
    _keep_language(req)
    key = "subscribed" if changed else "subscribed_already"
    head = t(req.language, key, when=when_text(req.language, chosen, days), zone=zone)
    if not at_once:
        return Reply.text(head + " " + t(req.language, "subscribed_next", time=" ".join(chosen)))
    # The first digest rides on this reply: "at once" means now, not at the next scheduler tick.
    chat, now = req.ctx.chat, req.ctx.now
    # Recorded and archived once sent (`Reply.digest_of`), like a scheduled digest.
    zone = req.ctx.timezone
    shown = for_chat(req.library, chat, now, default_zone=zone, fresh=True, language=req.language)
    paragraphs = ((Span(head),), *shown.reply.paragraphs)
    return Reply(paragraphs, shown.reply.buttons, digest_of=shown.plan.day)


def _keep_language(req: Request) -> None:
    """Persist the language the reader got, so later replies (and digests) keep it."""
    if req.library.chats.chat_language(req.ctx.chat) != req.language:
        req.library.chats.update_settings(req.ctx.chat, req.ctx.now, language=req.language)


def _unsubscribe(req: Request) -> Reply:
    if req.library.chats.unsubscribe(req.ctx.chat):
        return Reply.text(t(req.language, "unsubscribed"))
    return Reply.text(t(req.language, "not_subscribed"))


@dataclass(frozen=True, slots=True)
class Setting:
    """One chat setting: its name in each language, the words accepted for it, an example value."""

    key: str
    names: tuple[str, str]
    aliases: frozenset[str]
    examples: tuple[str, str]

    def name(self, language: str) -> str:
        """The setting's name as the reader types it."""
        return self.names[1] if language == "en" else self.names[0]

    def example(self, language: str) -> str:
        """`/settings NAME VALUE` with a value that works, in the reader's words."""
        value = self.examples[1] if language == "en" else self.examples[0]
        return f"/settings {self.name(language)} {value}"


SETTINGS = (
    Setting("language", ("sprache", "language"), frozenset({"lang"}), ("en", "de")),
    Setting("time", ("zeit", "time"), frozenset({"uhrzeit"}), ("07:30", "07:30")),
    Setting(
        "zone",
        ("zone", "zone"),
        frozenset({"zeitzone", "timezone", "tz"}),
        ("Europe/Vienna", "Europe/Vienna"),
    ),
    Setting("stories", ("meldungen", "stories"), frozenset({"anzahl"}), ("5", "5")),
    Setting(
        "sentences", ("saetze", "sentences"), frozenset({"satze", "laenge", "lange"}), ("2", "2")
    ),
    Setting("empty", ("leer", "empty"), frozenset({"leertage"}), ("nein", "no")),
    Setting(
        "topics",
        ("themen", "topics"),
        frozenset({"thema", "topic", "keywords", "stichworte"}),
        ("wahl -sport", "election -sport"),
    ),
    Setting(
        "breaking",
        ("eilmeldungen", "breaking"),
        frozenset({"eilmeldung", "breaking_news"}),
        ("an", "on"),
    ),
    Setting(
        "quiet",
        ("ruhezeit", "quiet"),
        frozenset({"ruhe", "nachtruhe", "quiet_hours"}),
        ("22:00-07:00", "22:00-07:00"),
    ),
    Setting(
        "sources",
        ("quellen", "sources"),
        frozenset({"quelle", "source", "medien", "outlets"}),
        ("tagesschau, dpa", "tagesschau, dpa"),
    ),
    Setting("silent", ("leise", "silent"), frozenset({"lautlos", "stumm", "mute"}), ("an", "on")),
    Setting(
        "previews",
        ("vorschau", "previews"),
        frozenset({"linkvorschau", "preview", "link_previews"}),
        ("an", "on"),
    ),
)
# Settings that are on or off: their hint shows the value that changes something.
_SWITCHES = ("empty", "breaking", "silent", "previews")
_BY_NAME = {n: s for s in SETTINGS for n in (*s.names, *s.aliases)}


def setting_named(name: str) -> Setting | None:
    """The setting a word names in either language (`sprache`, `timezone`), else None: a reader
    who types `/sprache en` means `/settings sprache en`."""
    return _BY_NAME.get(name.casefold())


def _yes_no(language: str, value: bool) -> str:
    return t(language, "yes" if value else "no")


def _on_off(language: str, value: bool) -> str:
    return t(language, "on" if value else "off")


def _values(req: Request) -> tuple[dict[str, str], dict[str, bool]]:
    """Each setting's value as shown, and the switches' state (for hints)."""
    settings = req.library.chats.settings(req.ctx.chat)
    sub = req.library.chats.subscription(req.ctx.chat)
    topics = req.library.chats.digest_keywords(req.ctx.chat)
    lang = req.language
    values = {
        "language": f"{t(lang, 'language_name')} ({lang})",
        "time": times_text(lang, sub.times, sub.days) if sub else t(lang, "settings_off"),
        # Read afresh, not req.zone: this may answer the very command that changed it.
        "zone": settings.zone or req.ctx.timezone,
        "stories": str(settings.stories),
        "sentences": str(settings.sentences),
        "empty": _yes_no(lang, settings.send_empty),
        "topics": " ".join(topics) if topics else t(lang, "topics_all"),
        "breaking": _yes_no(lang, settings.breaking),
        "quiet": settings.quiet or t(lang, "quiet_none"),
        "sources": shown_sources(lang, settings.sources),
        "silent": _on_off(lang, settings.silent),
        "previews": _on_off(lang, settings.previews),
    }
    switches = {
        "empty": settings.send_empty,
        "breaking": settings.breaking,
        "silent": settings.silent,
        "previews": settings.previews,
    }
    return values, switches


def _hint(req: Request, setting: Setting, switches: dict[str, bool], subscribed: bool) -> str:
    """The example under a setting: for a switch the other value (what would change)."""
    lang = req.language
    # Without a digest there is no time to change: the way to one is /subscribe.
    if setting.key == "time" and not subscribed:
        return "/subscribe 07:30"
    if setting.key in _SWITCHES:
        on = switches[setting.key]
        if setting.key in ("empty", "breaking"):
            other = t(lang, "no" if on else "yes")
        else:
            other = t(lang, "off" if on else "on")
        return f"/settings {setting.name(lang)} {other}"
    return setting.example(lang)


def _show_settings(req: Request) -> Reply:
    values, switches = _values(req)
    subscribed = req.library.chats.subscription(req.ctx.chat) is not None
    lang = req.language
    lines: list[tuple[Span, ...]] = [(Span(t(lang, "settings_head"), bold=True),)]
    for setting in SETTINGS:
        label = t(lang, "setting_" + setting.key)
        value = Span(values[setting.key], bold=True)
        example = _hint(req, setting, switches, subscribed)
        lines.append((Span(f"{label}: "), value, Span(f"\n  {example}")))
    return Reply(tuple(lines))


def _changed(req: Request, setting: Setting) -> Reply:
    """One line for a group: the setting that changed and its value now."""
    values, _ = _values(req)
    label = t(req.language, "setting_" + setting.key)
    return Reply.text(f"{t(req.language, 'settings_saved')} {label}: {values[setting.key]}")


def _number(req: Request, setting: Setting, value: str, bounds: tuple[int, int]) -> int | Reply:
    low, high = bounds
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        text = t(
            req.language,
            "settings_bad_number",
            value=value,
            name=setting.name(req.language),
            low=low,
            high=high,
            example=setting.example(req.language),
        )
        return Reply.text(text, ok=False)
    return int(value)


def _settings(req: Request) -> Reply:
    parts = req.args.split()
    if not parts:
        return _show_settings(req)
    setting = _BY_NAME.get(fold(parts[0]))
    if setting is None:
        names = ", ".join(s.name(req.language) for s in SETTINGS)
        text = t(req.language, "settings_unknown", name=parts[0], names=names)
        return Reply.text(text, ok=False)
    values = parts[1:]
    if setting.key == "time":  # `um 7`, `at 7pm`: the time is the rest
        values = [v for v in values if v.casefold() not in TIME_FILLERS] or values
    if not values:
        name, example = setting.name(req.language), setting.example(req.language)
        return Reply.text(
            t(req.language, "settings_no_value", name=name, example=example), ok=False
        )
    if setting.key == "topics":
        return _set_topics(req, setting, values)
    if setting.key == "sources":
        chosen = chosen_sources(req, " ".join(values))
        if isinstance(chosen, Reply):
            return chosen
        req.library.chats.update_settings(req.ctx.chat, req.ctx.now, sources=chosen)
        _keep_language(req)
        return _changed(req, setting)
    # A zone may be typed with spaces ("New York"), a time and quiet hours too ("7 Uhr",
    # "halb acht", "22:00 - 07:00").
    time_words = looks_like_time(" ".join(values)) or is_spoken_time(values)
    spaced = (
        setting.key == "quiet"
        or (setting.key == "time" and time_words)
        or (setting.key == "zone" and find_zone(" ".join(values)).zone is not None)
    )
    if len(values) > 1 and not spaced:
        example = setting.example(req.language)
        return Reply.text(
            t(req.language, "extra_args", extra=" ".join(values[1:]), example=example), ok=False
        )
    return _set_one(req, setting, " ".join(values) if spaced else values[0])


def _set_one(req: Request, setting: Setting, value: str) -> Reply:
    chat, now = req.ctx.chat, req.ctx.now
    if setting.key == "language":
        chosen = LANGUAGE_WORDS.get(value.casefold())
        if chosen is None or chosen not in LANGUAGES:
            return Reply.text(t(req.language, "settings_bad_language", value=value), ok=False)
        req.library.chats.update_settings(chat, now, language=chosen)
        return Reply.text(t(chosen, "settings_saved"))
    if setting.key in ("stories", "sentences"):
        bounds = STORIES_RANGE if setting.key == "stories" else SENTENCES_RANGE
        number = _number(req, setting, value, bounds)
        if isinstance(number, Reply):
            return number
        if setting.key == "stories":
            req.library.chats.update_settings(chat, now, stories=number)
        else:
            req.library.chats.update_settings(chat, now, sentences=number)
    elif setting.key in _SWITCHES:
        folded = value.casefold()
        if folded not in YES_WORDS | NO_WORDS:
            text = t(
                req.language,
                "settings_bad_yes_no",
                value=value,
                example=setting.example(req.language),
            )
            return Reply.text(text, ok=False)
        on = folded in YES_WORDS
        if setting.key == "empty":
            req.library.chats.update_settings(chat, now, send_empty=on)
        elif setting.key == "breaking":
            req.library.chats.update_settings(chat, now, breaking=on)
        elif setting.key == "silent":
            req.library.chats.update_settings(chat, now, silent=on)
        else:
            req.library.chats.update_settings(chat, now, previews=on)
    elif setting.key == "quiet":
        quiet = "" if value.casefold() in NO_WORDS | NO_FILTER_WORDS else parse_quiet(value)
        if quiet is None:
            example = setting.example(req.language)
            text = t(req.language, "settings_bad_quiet", value=value, example=example)
            return Reply.text(text, ok=False)
        req.library.chats.update_settings(chat, now, quiet=quiet)
    elif setting.key == "zone":
        zone = _zone_arg(req, value, setting.example(req.language))
        if isinstance(zone, Reply):
            return zone
        sub = req.library.chats.subscription(chat)
        if sub is None:
            req.library.chats.update_settings(chat, now, zone=zone)
        else:
            req.library.chats.subscribe(replace(sub, timezone=zone), now)
    else:
        at = _time_arg(req, value, setting.example(req.language))
        if isinstance(at, Reply):
            return at
        sub = req.library.chats.subscription(chat)
        if sub is None:  # the reader's own time in the example, to copy
            text = t(req.language, "settings_need_subscription", example=f"/subscribe {at}")
            return Reply.text(text, ok=False)
        req.library.chats.subscribe(replace(sub, time=at, more_times=()), now)
    _keep_language(req)
    return _changed(req, setting)


def _set_topics(req: Request, setting: Setting, values: list[str]) -> Reply:
    if len(values) == 1 and values[0].casefold() in NO_FILTER_WORDS:
        chosen: tuple[str, ...] = ()
    else:
        chosen = alert_words(" ".join(values))
        bad = _bad_word(chosen)
        if bad is not None or not chosen or len(chosen) > MAX_TOPICS:
            example = setting.example(req.language)
            shown = bad or " ".join(values)
            return Reply.text(
                t(req.language, "settings_bad_topics", value=shown, example=example), ok=False
            )
    req.library.chats.set_digest_keywords(req.ctx.chat, chosen, req.ctx.now)
    _keep_language(req)
    return _changed(req, setting)


def _bad_word(found: tuple[str, ...]) -> str | None:
    """The first word too short or too common to mean anything in a filter, if any."""
    for word in found:
        plain = word.lstrip("-")
        if len(plain) < MIN_ALERT_WORD or is_stop_word(plain):
            return plain
    return None


def _alert(req: Request) -> Reply:
    found = alert_words(req.args)
    if not found:
        return Reply.text(t(req.language, "alert_usage"), ok=False)
    if len(found) > MAX_WORDS:
        text = t(req.language, "alert_too_many", count=len(found), limit=MAX_WORDS)
        return Reply.text(text, ok=False)
    bad = _bad_word(found)
    if bad is not None:
        return Reply.text(t(req.language, "alert_bad_word", word=bad), ok=False)
    if all(w.startswith("-") for w in found):
        return Reply.text(t(req.language, "alert_only_excluded", words=" ".join(found)), ok=False)
    alerts = req.library.chats.alerts(req.ctx.chat)
    # The same words in another case, spelling or word form are the same alert.
    same = next((a for a in alerts if same_alert(a.words, found)), None)
    if same is not None:
        text = t(req.language, "alert_exists", id=same.id, words=" ".join(same.words))
        return Reply.text(text, ok=False)
    # The limit is checked where the alert is stored, in one transaction: two different
    # alerts at once (two processes) cannot both take the last place.
    alert_id = req.library.chats.add_alert(req.ctx.chat, found, req.ctx.now, limit=MAX_ALERTS)
    if alert_id is None:
        return Reply.text(t(req.language, "alert_limit", limit=MAX_ALERTS), ok=False)
    _keep_language(req)
    return Reply.text(t(req.language, "alert_added", id=alert_id, words=_alert_text(req, found)))


def _alert_text(req: Request, found: tuple[str, ...]) -> str:
    wanted = " ".join(w for w in found if not w.startswith("-"))
    unwanted = " ".join(w[1:] for w in found if w.startswith("-"))
    if not unwanted:
        return t(req.language, "alert_words", words=wanted)
    return t(req.language, "alert_words_without", words=wanted, without=unwanted)


def _alerts(req: Request) -> Reply:
    alerts = req.library.chats.alerts(req.ctx.chat)
    if not alerts:
        return Reply.text(t(req.language, "alerts_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "alerts_head"), bold=True),)]
    lines += [(Span(f"[{a.id}] "), Span(" ".join(a.words))) for a in alerts]
    return Reply(tuple(lines))


def _unalert(req: Request) -> Reply:
    """`/unalert 3`, `/unalert 1 2` (or `1,2`), `/unalert alle`, `/unalert Karibik`."""
    parts = req.args.replace(",", " ").split()
    if not parts:
        return Reply.text(t(req.language, "unalert_usage"), ok=False)
    chats, chat = req.library.chats, req.ctx.chat
    if len(parts) == 1 and parts[0].casefold() in ALL_WORDS:
        ids = [a.id for a in chats.alerts(chat)]
        if not ids:
            return Reply.text(t(req.language, "alerts_none"))
    else:
        numbers = {part: _id_arg(part) for part in parts}
        bad = next((part for part, number in numbers.items() if number is None), None)
        if bad is not None and all(number is None for number in numbers.values()):
            return _unalert_by_words(req)
        if bad is not None:
            text = t(req.language, "not_a_number", value=bad, example="/unalert 1")
            return Reply.text(text, ok=False)
        ids = list(dict.fromkeys(n for n in numbers.values() if n is not None))
    removed = [i for i in ids if is_stored_id(i) and chats.remove_alert(chat, i)]
    missing = [i for i in ids if i not in removed]
    lines = []
    if removed:
        key = "unalert_done" if len(removed) == 1 else "unalert_done_many"
        lines.append(t(req.language, key, id=removed[0], ids=_listed(removed)))
    if missing:
        key = "unalert_missing" if len(missing) == 1 else "unalert_missing_many"
        lines.append(t(req.language, key, id=missing[0], ids=_listed(missing)))
    return Reply.text(" ".join(lines), ok=not missing)


def _unalert_by_words(req: Request) -> Reply:
    """`/unalert Karibik`: the alert with these words, in any form or spelling, as `/alert`
    compares them; a reply naming the numbers when no alert has them."""
    found = alert_words(req.args)
    chat = req.ctx.chat
    alerts = req.library.chats.alerts(chat)
    same = next((a for a in alerts if found and same_alert(a.words, found)), None)
    if same is None:
        text = t(
            req.language, "unalert_no_such_words", value=req.args.strip(), example="/unalert 1"
        )
        return Reply.text(text, ok=False)
    req.library.chats.remove_alert(chat, same.id)
    return Reply.text(t(req.language, "unalert_done_words", id=same.id, words=" ".join(same.words)))


def _listed(ids: list[int]) -> str:
    return ", ".join(map(str, ids))
