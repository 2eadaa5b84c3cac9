"""`python -m bot` runs the newsbot CLI."""

from bot.cli import main

raise SystemExit(main())
