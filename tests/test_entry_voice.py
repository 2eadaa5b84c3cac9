"""A digest entry is one article's voice: headline, summary and `/article N` agree."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.breaking import breaking_reply
from bot.digest import build_digests, plan_day
from bot.records import ChatSettings, NewArticle
from bot.render import render_digest, telegram_html, to_plain
from bot.store import Store

DAY = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)

STOP = NewArticle(
    "Bahn stoppt Fernverkehr in Norddeutschland wegen Sturm",
    "dpa",
    "Hamburg (dpa) - Wegen des Sturmtiefs hat die Deutsche Bahn den Fernverkehr in ganz "
    "Norddeutschland eingestellt. Umgestürzte Bäume blockieren die Strecken zwischen Hamburg, "
    "Bremen und Hannover. Reisende sollen ihre Fahrt verschieben.",
    (
        "Wegen des Sturmtiefs hat die Deutsche Bahn den Fernverkehr in ganz Norddeutschland "
        "eingestellt.",
        "Umgestürzte Bäume blockieren die Strecken zwischen Hamburg, Bremen und Hannover.",
    ),
    DAY,
    "https://www.zeit.de/news/2026-12/05/bahn-stoppt-fernverkehr",
)
RESUME = NewArticle(
    "Bahn nimmt Fernverkehr in Norddeutschland nach Sturm wieder auf",
    "NDR",
    "Nach dem Sturmtief fahren die Fernzüge der Deutschen Bahn in Norddeutschland wieder. Die "
    "Strecken zwischen Hamburg, Bremen und Hannover sind geräumt, es kommt aber noch zu "
    "Verspätungen. Die Bahn hebt die Zugbindung bis Sonntag auf.",
    (
        "Nach dem Sturmtief fahren die Fernzüge der Deutschen Bahn in Norddeutschland wieder.",
        "Die Strecken zwischen Hamburg, Bremen und Hannover sind geräumt.",
    ),
    DAY + timedelta(hours=6),
    "https://www.ndr.de/nachrichten/hamburg/bahn-fernverkehr-100.html",
)


def test_a_developing_story_speaks_with_its_newest_report(store: Store) -> None:
    _, first = store.articles.add_article(STOP, DAY)
    _, newest = store.articles.add_article(RESUME, DAY + timedelta(hours=6))
    plan = plan_day(DAY.date(), "Europe/Berlin", ChatSettings(language="de"))
    digest = build_digests(store, {"": plan}, DAY + timedelta(hours=12))[""]
    [story] = digest.stories
    shown = to_plain(render_digest(digest, "de", calendar_day=True))
    assert story.headline == RESUME.title
    assert "fahren die Fernzüge der Deutschen Bahn in Norddeutschland wieder" in shown
    assert "eingestellt" not in shown
    assert re.search(rf"/article {newest}\b", shown)
    assert "dpa" in shown  # the first report stays in the sources line
    assert first != newest


# The same outlet's first report, the one nearest both others: the sources line names it for NDR.
NDR_STOP = NewArticle(
    "Sturm legt Bahnverkehr in Norddeutschland lahm",
    "NDR",
    "Wegen des Sturmtiefs fahren in Norddeutschland keine Fernzüge der Deutschen Bahn. Die "
    "Strecken zwischen Hamburg, Bremen und Hannover sind gesperrt, umgestürzte Bäume blockieren "
    "die Gleise. Die Bahn hebt die Zugbindung bis Sonntag auf.",
    (
        "Wegen des Sturmtiefs fahren in Norddeutschland keine Fernzüge der Deutschen Bahn.",
        "Die Strecken zwischen Hamburg, Bremen und Hannover sind gesperrt.",
    ),
    DAY + timedelta(hours=2),
    "https://www.ndr.de/nachrichten/hamburg/bahn-sturm-100.html",
)


def test_the_headline_links_the_article_it_is_from(store: Store) -> None:
    """Headline, its link, the summary and `/article N` are one article, even when the sources
    line names another report of the same outlet."""
    for article in (STOP, NDR_STOP, RESUME):
        store.articles.add_article(article, article.published or DAY)
    plan = plan_day(DAY.date(), "Europe/Berlin", ChatSettings(language="de"))
    digest = build_digests(store, {"": plan}, DAY + timedelta(hours=12))[""]
    [story] = digest.stories
    assert story.headline == RESUME.title
    html = telegram_html(render_digest(digest, "de", calendar_day=True))
    assert f'<a href="{RESUME.url}"><b>{RESUME.title}</b></a>' in html
    shown = store.articles.article(story.article_ids[0])
    assert shown is not None
    assert shown.url == RESUME.url
    for language in ("de", "en"):
        pushed = telegram_html(breaking_reply(story, language))
        assert f'<a href="{RESUME.url}"><b>{RESUME.title}</b></a>' in pushed


# The first news again, from a page that gives no date, stored after the newest report.
UNDATED_STOP = NewArticle(
    "Sturm: Bahn stellt Fernverkehr im Norden ein",
    "Weser-Kurier",
    "Im Norden fahren wegen des Sturms keine Fernzüge mehr: Die Deutsche Bahn hat den Verkehr "
    "eingestellt, nachdem Bäume auf die Gleise bei Bremen gestürzt waren. Auch zwischen Hamburg "
    "und Hannover ist kein Durchkommen, Fahrgäste in Bremen warten am Hauptbahnhof.",
    (
        "Im Norden fahren wegen des Sturms keine Fernzüge mehr.",
        "Bäume sind auf die Gleise bei Bremen gestürzt, auch Hamburg und Hannover sind "
        "abgeschnitten.",
    ),
    None,
    "https://www.weser-kurier.de/bremen/bahn-sturm-fernverkehr.html",
)


def test_a_report_without_a_date_is_not_taken_for_the_newest(store: Store) -> None:
    """A page that gives no date may be from any time before it was stored: the entry speaks
    with the newest dated report, not with an undated one stored last."""
    store.articles.add_article(STOP, DAY)
    _, newest = store.articles.add_article(RESUME, DAY + timedelta(hours=6))
    store.articles.add_article(UNDATED_STOP, DAY + timedelta(hours=8))
    plan = plan_day(DAY.date(), "Europe/Berlin", ChatSettings(language="de"))
    digest = build_digests(store, {"": plan}, DAY + timedelta(hours=12))[""]
    [story] = digest.stories
    shown = to_plain(render_digest(digest, "de", calendar_day=True))
    assert story.headline == RESUME.title, shown
    assert re.search(rf"/article {newest}\b", shown)
    assert "Weser-Kurier" in shown  # still one of the story's sources
