"""Outbound HTTP for feeds and pages (httpx, httpcore): one deadline, a size cap, no internal hosts.

Every connection, including each redirect hop's, resolves the host itself and refuses it unless
every address is public or allowed by the operator (`bot.allowed_urls`), then connects to a checked
address, so a name that resolves differently a moment later cannot slip through.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType

import httpcore
import httpx

from bot.allowed_urls import Allowed, address_refusal, url_refusal
from bot.errors import NewsbotError
from bot.version import user_agent

log = logging.getLogger(__name__)
# A news page is well under 2 MB of HTML and a feed under 5 MB; a larger answer is a mistake or
# an attack, and is refused while streaming, before it is held in memory.
MAX_BYTES = 5_000_000
DEADLINE = 30.0
MAX_REDIRECTS = 5
# The content codings undone here (zlib window bits); others are kept as sent, as httpx does.
_CODINGS = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
# Servers apply one; each layer holds a decompressor (about 40 KB), so a header listing thousands
# is refused rather than taken.
MAX_CODINGS = 2


class FetchError(NewsbotError):
    """A URL could not be fetched: refused, HTTP error status, deadline passed, or too large."""


class Blocked(httpcore.ConnectError):
    """A connection refused because its address is internal (raised inside httpcore)."""


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How fetching behaves: total deadline per fetch, size cap, the operator's allow list."""

    deadline: float = DEADLINE
    max_bytes: int = MAX_BYTES
    allowed: Allowed = field(default_factory=Allowed)
    # Feeds (4) and their pages (16) at once: the pool never makes one feed's fetch wait for a
    # connection another feed's slow pages hold (bot.ingest.feeds budgets those per feed).
    max_connections: int = 20


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP answer: final URL, status, the headers we use, and the body bytes."""

    url: str
    status: int
    content: bytes
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: bool = False


class Inflater:
    """A body's content codings undone with no layer's output past `limit` bytes.

    httpx inflates each read of up to 64 KB whole, before its size can be counted: one read of
    a gzip bomb held 64 MB whatever the cap, and a `gzip, gzip` body of 1 KB held gigabytes.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        known = [c for c in codings if c in _CODINGS]
        if len(known) > MAX_CODINGS:
            raise FetchError(f"{len(known)} content codings (at most {MAX_CODINGS} are undone)")
        # Applied in the order listed, so undone from the last.
        self.layers = [_Layer(c) for c in reversed(known)]
        self.limit = limit

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next raw chunk; raises `FetchError` past the limit."""
        for layer in self.layers:
            data = layer.inflate(data, self.limit)
        return data


class _Layer:
    """One content coding's decompressor, counting what it has put out."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.unpacker = zlib.decompressobj(_CODINGS[coding])
        self.started = False
        self.size = 0

    def inflate(self, data: bytes, limit: int) -> bytes:
        room = limit - self.size
        try:
            out = self.unpacker.decompress(data, room + 1)
        except zlib.error as exc:
            if self.coding != "deflate" or self.started:
                raise FetchError(f"bad {self.coding} body: {exc}") from exc
            # Many servers send raw deflate (no zlib header) as `deflate`; httpx takes both.
            self.unpacker = zlib.decompressobj(-zlib.MAX_WBITS)
            self.started = True
            return self.inflate(data, limit)
        self.started = self.started or bool(data)
        self.size += len(out)
        if len(out) > room or self.unpacker.unconsumed_tail:
            raise FetchError(f"response too large (over {limit} bytes)")
        return out


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking every address before it connects."""

    def __init__(self, allowed: Allowed, backend: httpcore.AsyncNetworkBackend | None = None):
        self.allowed = allowed
        self.backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first checked address of `host`; refuse if any address is internal."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            # One internal address among public ones is refused too: which one a client
            # picks is not ours to predict.
            refusal = address_refusal(host, address, self.allowed)
            if refusal is not None:
                raise Blocked(str(refusal))
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: feeds are fetched over TCP only."""
        raise Blocked("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        """httpcore's retry pause, from the wrapped backend."""
        await self.backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose every connection goes through the guard."""

    def __init__(self, options: FetchOptions) -> None:
        limits = httpx.Limits(
            max_connections=options.max_connections,
            max_keepalive_connections=max(1, options.max_connections // 2),
        )
        super().__init__(limits=limits, trust_env=False)
        # httpx builds its pool without a way to pass a network backend; this is its own
        # construction (httpx 0.28, no proxy) with the guard added.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(options.allowed),
        )


class Fetcher:
    """GETs feeds and pages under one total deadline and a size cap, from public hosts only."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        timeout = httpx.Timeout(self.options.deadline)
        self.client = httpx.AsyncClient(
            transport=GuardedTransport(self.options),
            timeout=timeout,
            # Only what `Inflater` undoes under the size cap (httpx would add br and zstd when
            # their packages are installed).
            headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"},
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            # Proxies from the environment would make the guard check the proxy, not the site.
            trust_env=False,
            event_hooks={"request": [self._check_request]},
        )

    async def _check_request(self, request: httpx.Request) -> None:
        """Every request, redirect hops included: http(s) and no internal name or literal."""
        refusal = url_refusal(str(request.url), self.options.allowed)
        if refusal is not None:
            raise FetchError(f"refused: {refusal}")

    async def get(
        self, url: str, headers: dict[str, str] | None = None, max_bytes: int | None = None
    ) -> Fetched:
        """GET a URL, refusing error statuses and big bodies; raises `FetchError`."""
        deadline = self.options.deadline
        try:
            async with asyncio.timeout(deadline):
                return await self._get(url, headers or {}, max_bytes or self.options.max_bytes)
        except TimeoutError:
            raise FetchError(f"timeout: no complete answer within {deadline:g} s") from None

    async def _get(self, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
        refusal = url_refusal(url, self.options.allowed)
        if refusal is not None:
            raise FetchError(f"refused: {refusal}")
        try:
            async with self.client.stream("GET", url, headers=headers) as resp:
                if resp.status_code >= 400:
                    raise FetchError(f"HTTP {resp.status_code}")
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"response too large ({declared} bytes)")
                chunks: list[bytes] = []
                size = 0
                # Decoded bytes are counted as they are inflated, so a small gzip bomb is
                # refused before it is held.
                inflater = Inflater(resp.headers.get("content-encoding", ""), max_bytes)
                async for raw in resp.aiter_raw():
                    chunk = inflater.feed(raw)
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"response too large (over {max_bytes} bytes)")
                    chunks.append(chunk)
                return Fetched(
                    url=str(resp.url),
                    status=resp.status_code,
                    content=b"".join(chunks),
                    content_type=resp.headers.get("content-type", ""),
                    charset=resp.charset_encoding,
                    etag=resp.headers.get("etag"),
                    last_modified=resp.headers.get("last-modified"),
                    permanent_redirect=any(r.status_code in (301, 308) for r in resp.history),
                )
        except httpx.TimeoutException as exc:
            raise FetchError(f"timeout ({type(exc).__name__})") from exc
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects") from exc
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, Blocked):
                raise FetchError(f"refused: {exc.__cause__}") from exc
            raise FetchError(f"{type(exc).__name__}: {exc}") from exc
        except (httpx.InvalidURL, UnicodeError) as exc:
            # A host name no IDNA encoder takes (an empty label, a soft hyphen), in a link or a
            # redirect: httpx and the resolver raise these outside httpx.HTTPError.
            raise FetchError(f"bad host name: {exc}") from exc

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
