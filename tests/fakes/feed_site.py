"""A news site on 127.0.0.1 (aiohttp.web): RSS/Atom feeds and article pages, good and broken."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

from tests.fakes.ports import serve_on_loopback

FUNCTION = [
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "ein",
    "eine",
    "mit",
    "von",
    "zu",
    "im",
    "auf",
    "für",
    "sich",
    "auch",
    "es",
    "sie",
    "als",
    "bei",
    "nach",
]
CONTENT = [
    "Regierung",
    "Bundestag",
    "Kanzler",
    "Minister",
    "Opposition",
    "Gesetz",
    "Haushalt",
    "Wirtschaft",
    "Energie",
    "Preise",
    "Unternehmen",
    "Gewerkschaft",
    "Streik",
    "Polizei",
    "Gericht",
    "Urteil",
    "Klage",
    "Wahl",
    "Partei",
    "Koalition",
    "Bericht",
    "Straße",
    "Brücke",
    "Bahn",
    "Verkehr",
    "Flughafen",
    "Hafen",
    "Schule",
    "Universität",
    "Forschung",
    "Klinik",
    "Pflege",
    "Rente",
    "Steuer",
    "Inflation",
    "Export",
    "Import",
    "Landwirtschaft",
    "Umwelt",
    "Klima",
    "Wetter",
    "Sturm",
    "Hochwasser",
    "Feuerwehr",
    "beschlossen",
    "kritisiert",
    "gefordert",
    "angekündigt",
    "erklärt",
    "berichtet",
    "bestätigt",
    "abgelehnt",
    "geplant",
    "deutlich",
    "schnell",
    "wichtig",
    "neue",
    "große",
    "erste",
    "weitere",
    "offen",
    "zuständig",
    "öffentlich",
    "regional",
]


def german_text(rng: random.Random, words: int) -> str:
    """German-looking paragraphs: common function words mixed with news vocabulary."""
    out: list[str] = []
    sentence: list[str] = []
    for _ in range(words):
        pool = FUNCTION if rng.random() < 0.35 else CONTENT
        sentence.append(rng.choice(pool))
        if len(sentence) >= rng.randint(8, 16):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return "\n\n".join(" ".join(out[i : i + 4]) for i in range(0, len(out), 4))


def page_html(title: str, body: str, charset: str = "utf-8") -> str:
    """A real-looking article page: navigation, the article, teasers and comments."""
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        f'<!doctype html><html lang="de"><head><meta charset="{charset}"><title>{title} | Site'
        "</title></head><body><nav><a href='/'>Startseite</a> <a href='/politik'>Politik</a>"
        f"</nav><main><article><h1>{title}</h1>{paragraphs}</article></main>"
        "<aside><h2>Mehr zum Thema</h2><ul><li><a href='/x'>Zirkusdirektor tritt zurück</a>"
        "</li></ul></aside><section class='comments'><h2>Kommentare</h2><div class='comment'>"
        "<p>Leserbrief: Das Kaninchenzüchter-Treffen war besser.</p></div></section>"
        "<footer>Impressum Datenschutz</footer></body></html>"
    )


@dataclass
class Story:
    """One article the site publishes."""

    slug: str
    title: str
    body: str
    published: datetime


def rss(stories: list[Story], base: str, title: str = "Testnachrichten") -> str:
    """An RSS 2.0 document listing the stories."""
    items = "".join(
        f"<item><title>{s.title}</title><link>{base}/artikel/{s.slug}.html</link>"
        f"<guid>{base}/artikel/{s.slug}.html</guid>"
        f"<pubDate>{format_datetime(s.published)}</pubDate>"
        f"<description><![CDATA[<p>{s.body.split(chr(10))[0]}</p>]]></description></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/</link><description>Test</description>"
        f"{items}</channel></rss>"
    )


@dataclass
class FeedSite:
    """The site's state: its stories, counters, and switches that break it on purpose."""

    stories: list[Story] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    failing: bool = False
    etag: str = '"v1"'
    last_modified: str = "Mon, 10 Nov 2025 10:00:00 GMT"
    conditional: list[tuple[str | None, str | None]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    base: str = ""
    gone: set[str] = field(default_factory=set)
    _runner: web.AppRunner | None = None

    def publish(self, slug: str, title: str, body: str, published: datetime) -> None:
        """Add a story and change the feed's validators, as a real site does."""
        self.stories.append(Story(slug, title, body, published))
        self.etag = f'"v{len(self.stories) + 1}"'
        self.last_modified = format_datetime(datetime.now(UTC), usegmt=True)

    def _count(self, request: web.Request) -> None:
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        self.user_agents.append(request.headers.get("User-Agent", ""))

    async def feed(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        if self.failing:
            return web.Response(status=500, text="Internal Server Error")
        inm, ims = request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")
        self.conditional.append((inm, ims))
        if inm == self.etag:
            return web.Response(status=304)
        return web.Response(
            text=rss(self.stories, self.base),
            content_type="application/rss+xml",
            headers={"ETag": self.etag, "Last-Modified": self.last_modified},
        )

    async def article(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        slug = request.match_info["slug"]
        if slug in self.gone:
            return web.Response(status=404, text="Nicht gefunden")
        for story in self.stories:
            if story.slug == slug:
                return web.Response(
                    text=page_html(story.title, story.body), content_type="text/html"
                )
        return web.Response(status=404, text="Nicht gefunden")

    async def latin1_feed(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        stories = [s for s in self.stories if s.slug.startswith("latin")]
        body = rss(stories, self.base, title="Süddeutsche Testzeitung").replace(
            'encoding="utf-8"', 'encoding="iso-8859-1"'
        )
        return web.Response(
            body=body.encode("iso-8859-1", errors="replace"),
            headers={"Content-Type": "application/rss+xml"},
        )

    async def latin1_page(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        slug = request.match_info["slug"]
        story = next(s for s in self.stories if s.slug == slug)
        html = page_html(story.title, story.body, charset="windows-1252")
        return web.Response(body=html.encode("cp1252"), headers={"Content-Type": "text/html"})

    async def broken(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        return web.Response(text="<rss><channel><title>Kaputt<item>", content_type="text/xml")

    async def html_not_feed(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        return web.Response(text="<html><body>Wartung</body></html>", content_type="text/html")

    async def slow(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        await asyncio.sleep(3)
        return web.Response(text="zu spät")

    async def huge(self, request: web.Request) -> web.StreamResponse:
        """50 MB without a Content-Length: the client must stop reading on its own."""
        self._count(request)
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b"<!-- " + b"x" * (1024 * 1024 - 9) + b" -->\n"
        try:
            for _ in range(50):
                await response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def huge_declared(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        return web.Response(body=b" " * 100, headers={"Content-Length": str(50 * 1024 * 1024)})

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        raise web.HTTPMovedPermanently("/feed.xml")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feed.xml", self.feed)
        app.router.add_get("/artikel/{slug}.html", self.article)
        app.router.add_get("/latin1.xml", self.latin1_feed)
        app.router.add_get("/alt/{slug}.html", self.latin1_page)
        app.router.add_get("/broken.xml", self.broken)
        app.router.add_get("/wartung.xml", self.html_not_feed)
        app.router.add_get("/slow.xml", self.slow)
        app.router.add_get("/huge.xml", self.huge)
        app.router.add_get("/huge-declared.xml", self.huge_declared)
        app.router.add_get("/old-feed", self.redirect)
        return app

    async def start(self) -> FeedSite:
        self._runner, port = await serve_on_loopback(self.app())
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str) -> str:
        return self.base + path
