"""Command line: run the app, sign in and out, export headlessly, serve the demo tenant.

A bad flag or setting ends with exit status 2 and one line on stderr, never a traceback. An
unexpected failure is written (with its traceback) to the log, and the user gets one line naming
the log file and exit status 1. The modules that do the work are imported only when dispatched to,
so `--help` and `--version` stay fast and a broken module cannot break argument parsing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from intune_tui import __version__, code_cache
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.config import Flag, Settings, SettingSpec
    from intune_tui.demo.process import DemoGraphProcess

PROG = "intune-tui"
EXPORT_FORMATS = ("csv", "json")
# `demo-server`'s fault switches: --rate-F for any request, --rate-write-F for changes (-> what
# a change then gets), and every option it hands to run_demo_server, by its argparse dest.
DEMO_FAULTS = ("429", "503", "504", "drop", "malformed")
DEMO_WRITE_FAULTS = {"503": "answered 503", "drop": "left unanswered (the connection drops)",
                     "truncated": "answered 200 with a cut-off body"}
DEMO_SERVER_OPTIONS = ("port", "devices", "latency_ms", "seed",
                       *(f"rate_{fault}" for fault in DEMO_FAULTS),
                       *(f"rate_write_{fault}" for fault in DEMO_WRITE_FAULTS), "token_file")


class UsageError(Exception):
    """The command line is wrong: exit status 2 with one line."""


class _Parser(argparse.ArgumentParser):
    # A sub-command's session options: its usage line says "[session options]" for them.
    session_actions: frozenset[argparse.Action] = frozenset()
    epilog_when_asked: Callable[[], str] | None = None

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def format_usage(self) -> str:
        with self._short_usage():
            return super().format_usage()

    def format_help(self) -> str:
        if self.epilog_when_asked is not None:
            self.epilog = self.epilog_when_asked()
        with self._short_usage():
            return super().format_help()

    @contextmanager
    def _short_usage(self) -> Iterator[None]:
        if self.usage is not None or not self.session_actions:
            yield
            return
        own = [action for action in self._actions if action not in self.session_actions]
        groups = [group for group in self._mutually_exclusive_groups
                  if not set(group._group_actions) & self.session_actions]
        formatter = self._get_formatter()
        formatter.add_usage(None, own, groups, prefix="")
        self.usage = formatter.format_help().strip() + " [session options]"
        try:
            yield
        finally:
            self.usage = None


def _export_epilog() -> str:
    """The lists `export` takes, read from the catalog only when help is asked for (so parsing
    stays fast)."""
    from intune_tui.export import exportable_resources

    return f"Lists: {', '.join(exportable_resources())}. Formats: {', '.join(EXPORT_FORMATS)}."


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text}")
    return value


def _non_negative_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _add_session_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """Options that shape the session; accepted before or after a sub-command.

    On sub-commands their default is SUPPRESS, so a sub-command does not reset a value that
    was given before it (`intune-tui --demo export devices`).
    """
    from intune_tui.config import SETTINGS

    unset = None if top_level else argparse.SUPPRESS
    before = set(parser._actions)
    group = parser.add_argument_group("session options")
    for spec in SETTINGS:
        # Two flags of one setting (--device-code, --browser) exclude each other.
        target = group.add_mutually_exclusive_group() if len(spec.flags) > 1 else group
        for flag in spec.flags:
            target.add_argument(flag.option, dest=spec.name, default=unset, help=flag.help,
                                **_flag_action(spec, flag))
    if not top_level and isinstance(parser, _Parser):
        parser.session_actions = frozenset(set(parser._actions) - before)


def _flag_action(spec: SettingSpec, flag: Flag) -> dict[str, Any]:
    """argparse's way to read `flag`: a switch, or a value (a choice, a number, text)."""
    if flag.const is not None and spec.kind == "bool":
        return {"action": "store_true" if flag.const else "store_false"}
    if flag.const is not None:
        return {"action": "store_const", "const": flag.const}
    if spec.choices:
        return {"choices": spec.choices}
    return {"metavar": flag.metavar, "type": flag.parse or str}


def build_parser() -> argparse.ArgumentParser:
    from intune_tui.config import default_config_path, whole_number

    parser = _Parser(
        prog=PROG,
        usage="%(prog)s [options] [COMMAND [command options]]",
        description="Keyboard-first terminal explorer for Microsoft Intune.",
        # Raw: the config file's path on a line of its own, never broken at a hyphen.
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Without a command, the explorer starts. Settings come from the config file\n"
        f"  {default_config_path()}\n"
        "then INTUNE_TUI_* variables, then these flags (flags win).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_session_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser,
                                     prog=PROG)

    for name, summary in (
        ("login", "sign in and keep the session for next time"),
        ("logout", "sign out and forget the cached session"),
        ("whoami", "show who is signed in, to which tenant, with which permissions"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        _add_session_options(sub, top_level=False)

    export = commands.add_parser(
        "export", help="write a list to CSV or JSON without the UI",
        description="Write a list (devices, apps, ...) to CSV or JSON without the UI.",
    )
    export.epilog_when_asked = _export_epilog
    export.add_argument("resource", metavar="RESOURCE", help="which list, e.g. devices")
    export.add_argument("--filter", default="", metavar="QUERY",
                        help='search as in the app, e.g. "os:ios compliance:noncompliant"')
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv",
                        help="file format (default csv)")
    export.add_argument("--output", metavar="PATH", default=None,
                        help="file to write (default: a timestamped file under the data dir)")
    export.add_argument("--force", action="store_true",
                        help="replace the --output file if it exists (refused otherwise)")
    _add_session_options(export, top_level=False)

    offboard = commands.add_parser(
        "offboard", help="retire and remove devices from Intune, Autopilot and Entra ID",
        description="Look up the devices a file names (serials, names or ids; one a line or a "
        "CSV column) and offboard them in Microsoft's order: retire or wipe, delete the Intune "
        "record, delete the Autopilot identity, disable or delete the Entra ID device.",
        epilog="Exit status: 0 done, 1 Graph or sign-in failure, 2 bad input, 3 not confirmed "
        "(nothing sent), 4 some inputs matched no device or several, 5 some steps failed.",
    )
    offboard.add_argument("--from", dest="source", metavar="FILE", default=None,
                          help="file of serials, device names or ids ('-' reads stdin)")
    offboard.add_argument("--steps", default=None, metavar="LIST",
                          help="comma-separated, from retire|wipe, delete-intune, "
                          "delete-autopilot, disable-entra|delete-entra (default: retire,"
                          "delete-intune,delete-autopilot,disable-entra)")
    offboard.add_argument("--dry-run", action="store_true", help="print the plan, send nothing")
    offboard.add_argument("--yes-i-typed", dest="typed", type=whole_number(1), metavar="N",
                          default=None, help="confirm without a terminal: N must be the number "
                          "of devices in the plan")
    offboard.add_argument("--resume", action="store_true",
                          help="continue the newest stopped run from its journal")
    offboard.add_argument("--stale-days", type=whole_number(1), metavar="DAYS", default=None,
                          help="instead of --from: devices not synced for DAYS days (e.g. 30, "
                          "90, 180), oldest first, at most bulk_destructive_cap of them")
    offboard.add_argument("--os", dest="operating_system", metavar="OS", default=None,
                          help="with --stale-days: only this operatingSystem (e.g. Windows)")
    _add_session_options(offboard, top_level=False)

    autopilot = commands.add_parser(
        "autopilot-update", help="change Autopilot group tag, assigned user or name",
        description="Look up the devices a file names and change their Windows Autopilot "
        "identities (updateDeviceProperties) after a preview and the typed count.",
    )
    autopilot.add_argument("--from", dest="source", metavar="FILE", required=True,
                           help="file of serials, device names or ids ('-' reads stdin)")
    autopilot.add_argument("--group-tag", default=None, metavar="TAG")
    autopilot.add_argument("--user", default=None, metavar="UPN", help="assigned user")
    autopilot.add_argument("--name", default=None, metavar="NAME", help="device name")
    autopilot.add_argument("--dry-run", action="store_true", help="preview, send nothing")
    autopilot.add_argument("--yes-i-typed", dest="typed", type=whole_number(1), metavar="N",
                           default=None, help="confirm without a terminal: N = identities")
    _add_session_options(autopilot, top_level=False)

    server = commands.add_parser(
        "demo-server", help="serve the demo tenant as a fake Graph on loopback",
        description="Serve the demo tenant as a fake Graph on 127.0.0.1 until Ctrl+C.",
    )
    server.add_argument("--port", type=whole_number(0), default=8080,
                        help="TCP port on 127.0.0.1 (0 picks a free one; default 8080)")
    server.add_argument("--devices", type=whole_number(0), default=2000, metavar="N")
    server.add_argument("--latency-ms", type=_non_negative_number, default=0.0, metavar="N")
    server.add_argument("--seed", type=int, default=7, metavar="N")
    for fault in DEMO_FAULTS:
        server.add_argument(f"--rate-{fault}", type=_fraction, default=0.0, metavar="F",
                            help=f"share of requests answered with {fault} (0 to 1)")
    for fault, what in DEMO_WRITE_FAULTS.items():
        server.add_argument(f"--rate-write-{fault}", type=_fraction, default=0.0, metavar="F",
                            help=f"share of changes (POST, PATCH, DELETE, $batch) done, then "
                                 f"{what} (0 to 1)")
    server.add_argument("--token-file", metavar="PATH", default=None,
                        help="write the demo token to this 0600 file instead of printing it")
    _add_session_options(server, top_level=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    # Before the first dataclass is defined (the settings are dataclasses): code_cache.py.
    code_cache.install()
    try:
        return _run(argv)
    finally:
        code_cache.save_installed()
        code_cache.uninstall()


def _run(argv: Sequence[str] | None) -> int:
    from intune_tui.config import ConfigError, load_settings

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "demo-server" and args.port > 65535:
            raise UsageError(f"argument --port: must be at most 65535, got {args.port}")
        settings = load_settings(args)
    except SystemExit as done:  # --help and --version
        return int(done.code or 0)
    except (UsageError, ConfigError) as error:
        return _usage_failure(str(error))

    from intune_tui.logs import log_crash, setup_logging

    try:
        setup_logging(settings)
    except OSError as error:  # the app works without a log file; say so once and go on
        print(f"{PROG}: warning: no log file in {settings.log_dir} "
              f"({error.strerror or error})", file=sys.stderr)
    try:
        return _dispatch(args, settings)
    except (ConfigError, UsageError) as error:
        return _usage_failure(str(error))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        print(log_crash(error), file=sys.stderr)
        return 1


def _usage_failure(message: str) -> int:
    print(f"{PROG}: error: {clean(message)}", file=sys.stderr)
    return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command
    if command is None:
        # The demo's Graph first: its process builds the tenant while this one imports, and
        # the first rows wait for it (ui/startup.py).
        demo_graph = _start_demo_graph(settings) if settings.demo else None
        # The collector is off for start-up only (ui/startup.py): the app turns it on once its
        # first list is painted, and it is on again whatever way the app ends.
        from intune_tui.ui import startup

        startup.pause_gc()
        startup.hold_engine_import()
        try:
            from intune_tui.ui.warm import read_ahead

            read_ahead(settings)  # the first list's snapshot, decoded while the app imports
            from intune_tui.ui.app import run_app

            return _status(run_app(settings, demo_graph=demo_graph))
        finally:
            startup.resume_gc()
            startup.release_engine_import()
    if command in ("login", "logout", "whoami"):
        if settings.demo:
            raise UsageError(f"{command} is for a real tenant: the demo tenant (--demo) has no "
                             "sign-in; drop --demo (or INTUNE_TUI_DEMO / demo in the config)")
        from intune_tui.auth.commands import login, logout, whoami

        auth_command = {"login": login, "logout": logout, "whoami": whoami}[command]
        return _status(auth_command(settings))
    if command == "export":
        from intune_tui.export import export_command

        return _status(
            export_command(settings, args.resource, args.filter, args.format, args.output,
                           force=args.force)
        )
    if command == "offboard":
        from intune_tui.offboard import offboard_command

        return _status(offboard_command(settings, args.source, args.steps, dry_run=args.dry_run,
                                        typed=args.typed, resume=args.resume,
                                        stale_days=args.stale_days,
                                        operating_system=args.operating_system))
    if command == "autopilot-update":
        from intune_tui.offboard import autopilot_command

        return _status(autopilot_command(settings, args.source, group_tag=args.group_tag,
                                         user=args.user, name=args.name,
                                         dry_run=args.dry_run, typed=args.typed))
    if command == "demo-server":
        return _run_demo_server(args)
    raise AssertionError(f"unhandled command {command!r}")


def _start_demo_graph(settings: Settings) -> DemoGraphProcess | None:
    """The demo's fake Graph in its own process, started before the UI's imports so that the
    tenant is built on another core meanwhile (None: the app serves it in-process)."""
    from intune_tui.demo.process import DemoGraphProcess
    from intune_tui.logs import current_log_path

    log_path = current_log_path()
    return DemoGraphProcess.start(settings.demo_devices,
                                  log_dir=log_path.parent if log_path is not None else None)


def _run_demo_server(args: argparse.Namespace) -> int:
    from intune_tui.demo.server import run_demo_server

    return _status(run_demo_server(**{name: getattr(args, name) for name in DEMO_SERVER_OPTIONS}))


def _status(result: object) -> int:
    return result if isinstance(result, int) else 0
