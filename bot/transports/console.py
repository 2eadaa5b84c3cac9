"""The console transport: stdin lines in, plain-text replies on stdout; no token needed."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.records import Reply
from bot.render import to_plain
from bot.transports.base import Incoming, Limits, OnMessage
from bot.vocabulary import QUIT_WORDS

CHAT = "console:local"
PROMPT = "> "
# The terminal takes whatever comes, at once.
LIMITS = Limits(per_second=1000.0, chat_gap=0.0)


def is_quit(text: str) -> bool:
    """True for what ends the console chat: `/quit`, `/quit now`, `exit`, `/beenden`."""
    first = text.split(maxsplit=1)[0].lstrip("/!").casefold() if text.strip() else ""
    return first in QUIT_WORDS and (text.startswith(("/", "!")) or len(text.split()) == 1)


class ConsoleTransport:
    """A chat in the terminal, so the whole bot runs locally with no platform at all."""

    name = "console"

    def __init__(
        self, stdin: TextIO | None = None, stdout: TextIO | None = None, language: str | None = None
    ) -> None:
        self.stdin = stdin or sys.stdin
        # The terminal's language, as a Telegram client reports its own: a chat's setting wins.
        self.language = language
        self.stdout = stdout or sys.stdout
        self.closed = asyncio.Event()
        self.limits = LIMITS
        self.size = 1 << 30
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_message: OnMessage) -> None:
        """Read lines in the background until end of input or /quit."""
        self._task = asyncio.create_task(self._loop(on_message))

    async def _loop(self, on_message: OnMessage) -> None:
        loop = asyncio.get_running_loop()
        self._prompt()
        try:
            while True:
                line = await loop.run_in_executor(None, self.stdin.readline)
                if not line:
                    break
                text = line.strip()
                if is_quit(text):
                    break
                if not text:
                    self._prompt()
                    continue
                # Returns once the reply is queued; the prompt follows the reply (`send`).
                await on_message(Incoming(CHAT, "console:user", text, self.language))
        finally:
            self.closed.set()

    def _prompt(self) -> None:
        """Ask for the next line, in a terminal only (a pipe gets the answers alone)."""
        if self.stdin.isatty():
            self.stdout.write(PROMPT)
            self.stdout.flush()

    def _write(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)
        print(file=self.stdout, flush=True)
        self._prompt()

    def split(self, reply: Reply, size: int) -> list[Reply]:
        """A terminal has no message size: the reply stays whole."""
        return [reply]

    def is_group(self, chat: str) -> bool:
        """The terminal is one person."""
        return False

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        """Print the reply as plain text."""
        self._write(to_plain(part))

    async def stop(self) -> None:
        """Stop reading (the pending readline ends with the process)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.closed.set()
