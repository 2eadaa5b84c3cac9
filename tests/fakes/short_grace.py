"""`python -m tests.fakes.short_grace SECONDS ARGS…`: `newsbot ARGS…` (the CLI's own `main`) with
the send grace at SIGTERM cut from 20 s to SECONDS (test tool only).

test_restart cuts a burst off with SIGTERM: at the real grace, Telegram's real pacing has to send
for 20 s before the process ends, so the burst must be over 600 chats long to be cut off at all.
With a grace of seconds the same path (queued sends go on, then the rest stay due for the next
start) is proved on a few hundred chats.
"""

from __future__ import annotations

import sys

import bot.app
from bot.cli import main

if __name__ == "__main__":
    bot.app.SHUTDOWN_SEND_GRACE = float(sys.argv[1])
    sys.exit(main(sys.argv[2:]))
