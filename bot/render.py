"""Reply → text for each platform: plain (console), HTML (Telegram, Matrix), split to limits."""

from __future__ import annotations

from html import escape

from bot.records import Reply, Span

# Telegram rejects a message over 4096 characters after entity parsing.
TELEGRAM_LIMIT = 4096


def _plain_span(span: Span) -> str:
    return f"{span.text} <{span.url}>" if span.url and span.bold else span.text


def to_plain(reply: Reply) -> str:
    """Plain text: paragraphs separated by blank lines, buttons as the command to type."""
    parts = ["".join(_plain_span(s) for s in p) for p in reply.paragraphs]
    if reply.buttons:
        parts.append("  ".join(f"[{b.label}: {b.command}]" for b in reply.buttons))
    return "\n\n".join(parts)


def _html_span(span: Span) -> str:
    text = escape(span.text, quote=False)
    if span.bold:
        text = f"<b>{text}</b>"
    if span.url:
        text = f'<a href="{escape(span.url, quote=True)}">{text}</a>'
    return text


def html_paragraphs(reply: Reply) -> list[str]:
    """Each paragraph as an HTML fragment with every user and article string escaped."""
    return ["".join(_html_span(s) for s in p) for p in reply.paragraphs]


def split_chunks(
    paragraphs: list[str], limit: int = TELEGRAM_LIMIT, sep: str = "\n\n"
) -> list[str]:
    """Join paragraphs into chunks of at most `limit` characters, splitting only between them.

    A single paragraph longer than the limit is cut at the last space before it (plain text);
    callers pass HTML paragraphs whose markup is short, so a cut never falls inside a tag
    unless a paragraph is one huge tag, which the renderer never produces.
    """
    chunks: list[str] = []
    current = ""
    for para in paragraphs:
        while len(para) > limit:
            cut = para.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(para[:cut])
            para = para[cut:].lstrip()
        candidate = current + sep + para if current else para
        if len(candidate) > limit:
            chunks.append(current)
            current = para
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
