"""`newsbot` command line: demo, ingest, summarize, search, digest, run.

Start-up is cheap: this module imports only the standard library, the config and the logging;
each subcommand's module (and with it the store, the summarizer, the transports) is imported
when that subcommand runs, so `--help`, `--version` and the health check start at once.
"""

from __future__ import annotations

import argparse
import codecs
import errno
import io
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from importlib import import_module
from pathlib import Path

from bot.cli.opening import EXIT_EMPTY, EXIT_PIPE, EXIT_USAGE
from bot.cli.texts import say
from bot.config import Config, check_db_path, load_config, url_passwords
from bot.errors import ConfigError, NewsbotError
from bot.logs import redact, setup_logging
from bot.typed_times import is_known_day

DESCRIPTION = """\
newsbot: German news digests for Telegram, Matrix and the console.

Start here:
  newsbot demo                       ingest the sample articles, print today's digest,
                                     then chat with the bot in this terminal
  newsbot ingest FOLDER              store page dumps (.txt) and saved pages (.html)
  newsbot search venezuela russland  search stored articles
  newsbot run                        serve Telegram/Matrix as configured

The database is ./newsbot.db unless --db or NEWSBOT_DB says otherwise. What the
subcommands print is German, or English with NEWSBOT_LANGUAGE=en (setting language).
"""


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        default=default,
        help="an SQLite file or a postgresql://user@host/name URL "
        "(default ./newsbot.db, or NEWSBOT_DB)",
    )
    parser.add_argument(
        "--config", type=Path, default=default, help="TOML config file (or NEWSBOT_CONFIG)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log what happens"
    )


# One example per subcommand, shown under its --help.
EXAMPLES = {
    "demo": "newsbot demo --no-console",
    "ingest": "newsbot ingest pages/ https://www.tagesschau.de/xml/rss2 feeds.opml",
    "feeds": "newsbot feeds add https://www.tagesschau.de/xml/rss2",
    "summarize": "newsbot summarize seeds/dpa-kreml-venezuela-2025-11-02.txt -n 2",
    "search": "newsbot search venezuela -kreml seit:2025-11-01 quelle:dpa --limit 10",
    "digest": "newsbot digest --chat telegram:123456789   (or matrix:!room:server, console:local)",
    "run": "NEWSBOT_CONSOLE=true newsbot run",
    "status": "newsbot status --json",
    "backup": "newsbot backup /var/backups/newsbot/",
    "export": "newsbot export --since 2025-11-01 -o articles.jsonl",
    "migrate-store": "newsbot migrate-store --to postgresql://newsbot:PASSWORD@db.example/newsbot",
    "stories": "newsbot stories --jsonl < items.jsonl",
    "terms": "newsbot terms Venezuelas gefiel Häuser",
}


class _Subcommands:
    """add_parser with the global options, the help line as description and an example."""

    def __init__(self, action: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        self.action = action
        self.parents: list[argparse.ArgumentParser] = []

    def add_parser(
        self, name: str, *, help: str, epilog_extra: str = ""
    ) -> argparse.ArgumentParser:
        epilog = f"example:\n  {EXAMPLES[name]}" + (f"\n\n{epilog_extra}" if epilog_extra else "")
        return self.action.add_parser(  # type: ignore[no-any-return]
            name,
            help=help,
            description=help[:1].upper() + help[1:] + ".",
            epilog=epilog,
            parents=self.parents,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1: {value!r}")
    return number


def _roles(value: str) -> frozenset[str]:
    from bot.roles import parse_roles

    try:
        return parse_roles(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


Command = Callable[[argparse.Namespace, Config], int]


def _command(module: str, name: str) -> Command:
    """The subcommand `name` of `bot.cli.<module>`, imported when it runs (not at start-up)."""

    def run(args: argparse.Namespace, config: Config) -> int:
        func: Command = getattr(import_module(f"bot.cli.{module}"), name)
        return func(args, config)

    run.__name__ = name
    return run


def _status(args: argparse.Namespace, config: Config) -> int:
    """`status`; `--check` (the container's health check, every 60 s) skips the store's imports."""
    module = "health" if args.check else "operations"
    return _command(module, "cmd_status")(args, config)


class _Version(argparse.Action):
    """`--version`: print `newsbot X.Y.Z` and exit; the metadata is read only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> None:
        from bot.version import package_version

        print(f"newsbot {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand and its help."""
    parser = argparse.ArgumentParser(
        prog="newsbot", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="print the version (from the package) and exit"
    )
    _global_options(parser, None)
    # The same options after the subcommand (`newsbot search x --db y.db`); SUPPRESS keeps a
    # value given before the subcommand when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    sub = _Subcommands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    sub.parents = [common]

    p = sub.add_parser("demo", help="ingest seeds/, print today's digest, open the console chat")
    p.add_argument("--no-console", action="store_true", help="print the digest and exit")
    p.set_defaults(func=_command("serving", "cmd_demo"))

    p = sub.add_parser(
        "ingest",
        help="store page dumps (files, folders), feed URLs and OPML files",
        epilog_extra=(
            "Each input gets a line (new, duplicate of #N and why, skipped and why, a feed's\n"
            "counts or failure), then a summary line; a bar shows progress on a terminal.\n"
            "A new feed URL that fails is not added to the feed list.\n\n"
            "exit status: 0 every input was read (new or already known),\n"
            "             1 something could not be read (a skipped file or item, a failed feed),\n"
            "             2 usage error (a refused URL, a bad option)"
        ),
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a .txt page dump, a web page saved as .html, or a folder of them (also as a"
        " file:///… URL), an http(s) feed"
        " URL or an .opml feed list",
    )
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: read {"id","title","text","source","published","url"} lines on stdin'
        ' (the items of `stories --jsonl`; an optional "kicker" is the label above the title),'
        ' print {"id","status","article"} for each',
    )
    p.add_argument(
        "--source",
        metavar="NAME",
        help="the outlet these articles come from (when the page or item does not say)",
    )
    p.set_defaults(func=_command("ingesting", "cmd_ingest"))

    p = sub.add_parser("feeds", help="the feed list: feeds add URL… | list | remove ID… | export")
    feeds_sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    feeds_sub.add_parser("list", help="every feed with its state")
    feeds_sub.add_parser("export", help="print the feed list as OPML")
    fp = feeds_sub.add_parser(
        "add", help="add feeds by URL, each fetched once to check that it is an RSS/Atom feed"
    )
    fp.add_argument("urls", nargs="+", metavar="URL")
    fp.add_argument(
        "--no-check",
        action="store_true",
        help="add without fetching (a server that is down or not reachable from here yet)",
    )
    fp = feeds_sub.add_parser("remove", help="remove feeds by id")
    fp.add_argument("ids", nargs="+", type=int, metavar="ID")
    p.set_defaults(func=_command("ingesting", "cmd_feeds"))

    p = sub.add_parser(
        "summarize",
        help="clean and summarize one page dump, or a batch of JSON lines (--jsonl)",
        epilog_extra="exit status: 0 a summary, 1 no summary (the reason on stderr), 2 usage",
    )
    p.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="a .txt page dump or a web page saved as .html; with --jsonl a file of JSON lines"
        " (stdin when left out or -)",
    )
    p.add_argument(
        "-n", "--sentences", type=_positive, default=3, help="summary length (default 3)"
    )
    p.add_argument("--json", action="store_true", help="print title, date, source, body, summary")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: read {"id","text"[,"title"]} lines, print one JSON line each '
        '("notice" when there is no summary, "error" for a bad line)',
    )
    p.set_defaults(func=_command("reading", "cmd_summarize"))

    p = sub.add_parser("stories", help="group JSONL items on stdin into stories as the digest does")
    p.add_argument(
        "--jsonl",
        action="store_true",
        required=True,
        help='read {"id","title","text","source","published","url"} lines, print {"id","story"}',
    )
    p.set_defaults(func=_command("stories", "cmd_stories"))
    p = sub.add_parser("terms", help="the search terms of a text (or of JSONL lines on stdin)")
    p.add_argument("words", nargs="*", metavar="WORD")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: read {"id","text"} lines on stdin, print {"id","terms"} lines',
    )
    p.set_defaults(func=_command("reading", "cmd_terms"))

    p = sub.add_parser("search", help="search stored articles (exit 1 when nothing is found)")
    p.add_argument(
        "words",
        nargs="*",
        metavar="WORD",
        help='words (all must occur), "a phrase", -word to exclude, seit:YYYY-MM-DD, quelle:NAME',
    )
    p.add_argument("--limit", type=_positive, default=0, help="results to show (default 5)")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: read {"id","query"} lines on stdin, print'
        ' {"id","results":[{"url","title","source","published"}…]} ranked as /search ranks',
    )
    p.set_defaults(func=_command("reading", "cmd_search"))

    p = sub.add_parser("digest", help="print the digest of the last 24 hours or of --date")
    p.add_argument("--date", type=_date_arg, help="a calendar day, YYYY-MM-DD")
    p.add_argument(
        "--chat",
        metavar="ID",
        help="what this chat would get now: telegram:CHAT_ID, matrix:!ROOM:SERVER or console:local",
    )
    p.add_argument("--json", action="store_true", help="print the digest as JSON data")
    p.add_argument(
        "--sent",
        action="store_true",
        help="with --chat and --date: the digest the chat got that day, exactly as sent",
    )
    p.set_defaults(func=_command("reading", "cmd_digest"))

    p = sub.add_parser("run", help="serve the configured transports (Telegram, Matrix, console)")
    p.add_argument(
        "--roles",
        type=_roles,
        default=None,
        metavar="ROLES",
        help="what this process does, comma-separated: receive (chat updates and replies),"
        " schedule (summaries, archive pruning), poll (feeds), deliver (digests, alerts);"
        " default all. With a postgresql:// database several processes may run: poll is"
        " shared, the others are taken over from a process that dies",
    )
    p.set_defaults(func=_command("serving", "cmd_run"))

    p = sub.add_parser(
        "status", help="last ingest, feed errors, next digests, failed deliveries, database size"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--check",
        action="store_true",
        help="health check: exit 1 unless the database reads and the running bot's heartbeat "
        "(scheduler tick, each transport's last receive) is fresh",
    )
    p.add_argument(
        "--stale",
        type=_positive,
        default=300,
        metavar="SECONDS",
        help="with --check: how long a part may be silent (default 300)",
    )
    p.set_defaults(func=_status)

    p = sub.add_parser("backup", help="copy the database safely while the bot runs")
    p.add_argument("path", metavar="PATH", help="backup file, or a folder for a dated file name")
    p.set_defaults(func=_command("operations", "cmd_backup"))

    p = sub.add_parser(
        "migrate-store", help="copy the SQLite database into an empty PostgreSQL database"
    )
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://user:pw@host/db")
    p.set_defaults(func=_command("operations", "cmd_migrate_store"))

    p = sub.add_parser("export", help="print stored articles as JSON lines")
    p.add_argument("--since", type=_date_arg, help="only articles stored since YYYY-MM-DD")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=_command("operations", "cmd_export"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the Config once, run one subcommand; returns the exit code."""
    _tolerant_stdout()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.db:
            config = Config(**{**config.__dict__, "db": check_db_path(args.db, "--db")})
    except ConfigError as exc:
        print(f"newsbot: configuration error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(config, level=_log_level(args, config))
    for option, day in _days(args):
        if not is_known_day(day):
            hint = say(config.language, "date_range", value=f"{option} {day.isoformat()}")
            print(f"newsbot {args.command}: {hint}", file=sys.stderr)
            return EXIT_USAGE
    try:
        code = int(args.func(args, config))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        # `newsbot search x | head`: the reader has had enough. Point stdout at /dev/null so
        # the flush at exit finds nothing to complain about; 141 is what a shell shows for
        # a process ended by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except KeyboardInterrupt:
        return 130
    except NewsbotError as exc:
        # Start-up problems the bot names itself (a Bot API that is not there, a login refused).
        _report(args, config, str(exc))
        return EXIT_USAGE
    except Exception as exc:  # anything else: one line, the traceback only with -v
        _report(args, config, _failure(config.language, exc))
        return EXIT_EMPTY


# What a file that could not be written was up against: the disk, the mount, the rights.
_UNWRITABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def _failure(language: str, exc: Exception) -> str:
    """One line for a command that failed unforeseen: a disk that is full or read-only is
    named as such (with the file, when the OS says which), anything else as it is."""
    if isinstance(exc, OSError) and exc.errno in _UNWRITABLE:
        from bot.cli.operations import write_problem  # only when it failed

        where = f" ({exc.filename})" if exc.filename else ""
        return say(language, "not_written", why=write_problem(language, exc), where=where)
    return say(language, "unexpected", error=f"{type(exc).__name__}: {exc}")


def _tolerant_stdout() -> None:
    """On a terminal that cannot show every character (a Latin-1 locale has no „ “), print `?`
    for the few it lacks instead of ending the command (stderr does so already)."""
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper) and codecs.lookup(out.encoding).name != "utf-8":
        out.reconfigure(errors="replace")


def _days(args: argparse.Namespace) -> list[tuple[str, date]]:
    """The days given as options (`--date`, `--since`), with the option's name."""
    return [(f"--{k}", v) for k, v in vars(args).items() if isinstance(v, date)]


def _log_level(args: argparse.Namespace, config: Config) -> int:
    """One-shot commands log warnings only; `run` logs at the configured level.

    A console chat shares the terminal with the log, so there `run` logs warnings only too;
    -v brings the INFO events (ours and APScheduler's) back.
    """
    level = int(logging.getLevelName(config.log_level))
    if args.command != "run" or config.console:
        level = max(level, logging.WARNING)
    return min(level, logging.INFO) if args.verbose else level


def one_line(text: str) -> str:
    """A message on one line (an error body may hold newlines)."""
    return " ".join(text.split())


def _report(args: argparse.Namespace, config: Config, message: str) -> None:
    """Print an error for the operator: one line, secrets masked; with -v the traceback too."""
    # `migrate-store --to URL` names a database the config does not: its password is one too.
    secrets = (*config.secrets(), *url_passwords(getattr(args, "to", None) or ""))
    if args.verbose:
        print(redact(traceback.format_exc(), secrets), file=sys.stderr, end="")
    print(f"newsbot {args.command}: {redact(one_line(message), secrets)}", file=sys.stderr)
