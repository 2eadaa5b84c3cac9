"""OPML import and export of the feed list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import BadInput
from bot.ingest.opml import MAX_OPML_BYTES, Outline, is_opml, parse_opml, to_opml
from bot.records import Feed

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)
NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Meine Feeds</title></head>
  <body>
    <outline text="Nachrichten">
      <outline type="rss" text="tagesschau" xmlUrl="https://www.tagesschau.de/xml/rss2"/>
      <outline title="Spiegel" text="SPIEGEL" xmlUrl=" https://www.spiegel.de/index.rss "/>
    </outline>
    <outline text="Doppelt" xmlUrl="https://www.tagesschau.de/xml/rss2"/>
    <outline text="Kein Feed" htmlUrl="https://example.org/"/>
    <outline text="Lokal" xmlUrl="file:///etc/passwd"/>
    <outline xmlurl="https://example.org/feed.xml"/>
  </body>
</opml>
"""


def feed(feed_id: int, url: str, title: str | None) -> Feed:
    return Feed(feed_id, url, title, 0, None, None, None)


def test_import_reads_nested_feeds_once_and_skips_the_rest() -> None:
    assert parse_opml(NESTED) == [
        Outline("https://www.tagesschau.de/xml/rss2", "tagesschau"),
        Outline("https://www.spiegel.de/index.rss", "Spiegel"),
        Outline("https://example.org/feed.xml", None),
    ]


def test_export_then_import_gives_the_same_feeds() -> None:
    feeds = [
        feed(1, "https://www.tagesschau.de/xml/rss2", "tagesschau – Nachrichten & mehr"),
        feed(2, "https://example.org/feed.xml?a=1&b=2", None),
    ]
    text = to_opml(feeds, NOW)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "Mon, 10 Nov 2025 12:00:00" in text
    data = text.encode()
    assert is_opml(data)
    assert parse_opml(data) == [
        Outline("https://www.tagesschau.de/xml/rss2", "tagesschau – Nachrichten & mehr"),
        Outline("https://example.org/feed.xml?a=1&b=2", "https://example.org/feed.xml?a=1&b=2"),
    ]


def test_empty_feed_list_exports_a_valid_document() -> None:
    assert parse_opml(to_opml([], NOW).encode()) == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<opml><body><outline xmlUrl='https://a.example/'></body>", "not valid OPML"),
        (b"", "not valid OPML"),
        (b"\xff\xfe\x00garbage", "not valid OPML"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML document"),
        (b"<opml>" + b" " * MAX_OPML_BYTES + b"</opml>", "too large"),
    ],
)
def test_malformed_opml_is_refused_with_a_clear_reason(data: bytes, reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        parse_opml(data)


def test_entity_expansion_bomb_is_refused() -> None:
    entities = '<!ENTITY a0 "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{entities}]>'
        '<opml><body><outline text="&a9;" xmlUrl="https://a.example/"/></body></opml>'
    )
    with pytest.raises(BadInput, match="not valid OPML"):
        parse_opml(bomb.encode())


def test_is_opml_looks_at_the_start_only() -> None:
    assert is_opml(b'<?xml version="1.0"?>\n<OPML version="2.0">')
    assert not is_opml(b"<rss><channel><title>opml</title></channel></rss>")
