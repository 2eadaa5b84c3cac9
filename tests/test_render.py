"""Rendering for Telegram (HTML ≤ 4096) and Matrix (HTML + plain): escaping and splitting."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.records import Button, Reply, Span
from bot.render import (
    MATRIX_LIMIT,
    TELEGRAM_LIMIT,
    clean,
    matrix_body,
    plain_reply,
    split_reply,
    telegram_html,
    to_plain,
    utf16_len,
)
from tests.fakes.bot_api import parse_telegram_html


class _MatrixHTML(HTMLParser):
    """Checks Matrix HTML: only the tags we emit, balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in {"p", "b", "a", "br"}, tag
        if tag != "br":
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, tag
        assert self.stack.pop() == tag, tag


def check_matrix_html(html: str) -> None:
    """Raise AssertionError unless `html` is balanced and uses only our tags."""
    parser = _MatrixHTML()
    parser.feed(html)
    parser.close()
    assert parser.stack == []


def visible(chunks: list[str]) -> str:
    """What a Telegram user reads across all messages, whitespace removed."""
    return "".join("".join(parse_telegram_html(c) for c in chunks).split())


def test_user_and_article_strings_are_escaped() -> None:
    reply = Reply(
        ((Span("<script>alert(1)</script> & Co", bold=True, url='https://x.org/?a="1"&b'),),)
    )
    [html] = telegram_chunks(reply)
    assert html == (
        '<a href="https://x.org/?a=&quot;1&quot;&amp;b"><b>&lt;script&gt;alert(1)&lt;/script&gt;'
        " &amp; Co</b></a>"
    )
    assert parse_telegram_html(html) == "<script>alert(1)</script> & Co"


def test_only_web_links_become_links() -> None:
    reply = Reply(((Span("klick", url="javascript:alert(1)"), Span(" hier", url="ftp://x")),))
    assert telegram_chunks(reply) == ["klick hier"]


def test_unsendable_characters_are_removed() -> None:
    assert clean("a\x00b\ud800c\x1bd\ne\tf") == "abcd\ne\tf"


def test_long_reply_splits_between_paragraphs_within_the_limit() -> None:
    paragraphs = tuple((Span(f"{i}: ", bold=True), Span("Wort & <Tag> " * 60)) for i in range(20))
    chunks = telegram_chunks(Reply(paragraphs))
    assert len(chunks) > 1
    assert all(utf16_len(c) <= 4096 for c in chunks)
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)
    # No paragraph was cut: each starts at the beginning of a message or after a blank line.
    assert all(c.startswith("<b>") for c in chunks)
    assert visible(chunks) == "".join(to_plain(Reply(paragraphs)).split())


def test_one_huge_link_is_cut_between_words_never_inside_a_tag() -> None:
    span = Span("Schlagzeile " * 1000, bold=True, url="https://example.org/a?b=1&c=2")
    chunks = telegram_chunks(Reply(((span,),)))
    assert len(chunks) >= 3
    for chunk in chunks:
        assert utf16_len(chunk) <= 4096
        assert chunk.startswith('<a href="https://example.org/a?b=1&amp;c=2"><b>')
        assert chunk.endswith("</b></a>")
        parse_telegram_html(chunk)


def test_emoji_count_twice_as_telegram_does() -> None:
    chunks = telegram_chunks(Reply.text("😀" * 3000))
    assert len(chunks) == 2
    assert all(utf16_len(c) <= 4096 for c in chunks)
    assert "".join(chunks) == "😀" * 3000


def test_buttons_ride_on_the_last_telegram_message_and_are_typed_on_matrix() -> None:
    buttons = (Button("◀ zurück", "/more 1 abc"), Button("weiter ▶", "/more 3 abc"))
    reply = Reply((((Span("Treffer"),),) * 2), buttons=buttons)
    assert telegram_chunks(reply) == ["Treffer\n\nTreffer"]
    [(plain, html)] = matrix_chunks(reply)
    assert plain.endswith("◀ zurück: /more 1  ·  weiter ▶: /more 3")
    assert "<b>/more 3</b>" in html


def test_matrix_has_html_paragraphs_and_a_plain_body() -> None:
    reply = Reply(((Span("Titel", bold=True),), (Span("Zeile 1\nZeile <2>"),)))
    [(plain, html)] = matrix_chunks(reply)
    assert plain == "Titel\n\nZeile 1\nZeile <2>"
    assert html == "<p><b>Titel</b></p><p>Zeile 1<br>Zeile &lt;2&gt;</p>"


def test_whitespace_only_paragraphs_are_not_sent() -> None:
    reply = Reply(((Span(" ", bold=True),), (Span("\x00"),), (Span("Text"),)))
    assert telegram_chunks(reply) == ["Text"]
    assert telegram_chunks(Reply(((Span("  "),),))) == []


spans = st.builds(
    Span,
    text=st.text(max_size=120),
    bold=st.booleans(),
    url=st.one_of(st.none(), st.just("https://example.org/x?a=1&b=<2>"), st.text(max_size=20)),
)
replies = st.builds(
    Reply,
    paragraphs=st.lists(st.lists(spans, min_size=1, max_size=4).map(tuple), max_size=20).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(replies, st.sampled_from([200, 1000, 4096]))
def test_any_reply_renders_valid_chunks_within_the_limit(reply: Reply, limit: int) -> None:
    chunks = telegram_chunks(reply, limit)
    for chunk in chunks:
        assert utf16_len(chunk) <= limit
        assert parse_telegram_html(chunk).strip()
    expected = "".join(clean("".join(s.text for p in reply.paragraphs for s in p)).split())
    assert visible(chunks) == expected
    for plain, html in matrix_chunks(reply, limit):
        assert utf16_len(html) <= limit
        check_matrix_html(html)
        assert plain.strip()


@settings(max_examples=100, deadline=None)
@given(replies)
def test_the_plain_form_of_any_reply_reads_the_same_and_has_no_markup(reply: Reply) -> None:
    # What goes out after a platform refused the markup: escaped text alone, which always parses.
    plain = plain_reply(reply)
    assert to_plain(plain) == to_plain(reply)
    html = telegram_html(plain)
    assert "<" not in html
    assert parse_telegram_html(html) == html.replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&"
    )


def test_the_plain_form_keeps_the_buttons_and_writes_links_out() -> None:
    link = Span("Haushalt", bold=True, url="https://example.org/haushalt")
    reply = Reply(((link, Span(" & mehr")),), (Button("weiter ▶", "/search haushalt 2"),))
    plain = plain_reply(reply)
    assert plain.buttons == reply.buttons
    assert telegram_html(plain) == "Haushalt &lt;https://example.org/haushalt&gt; &amp; mehr"


def telegram_chunks(reply: Reply, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The Telegram messages the transport sends for `reply`: its split, each part's HTML."""
    return [telegram_html(part) for part in split_reply(reply, limit)]


def matrix_chunks(reply: Reply, limit: int = MATRIX_LIMIT) -> list[tuple[str, str]]:
    """The Matrix events the transport sends for `reply`: (plain, HTML) per part."""
    return [matrix_body(part) for part in split_reply(reply, limit, buttons_as_text=True)]
