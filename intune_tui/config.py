"""Typed settings: a TOML file, `INTUNE_TUI_*` environment variables and command-line flags.

Precedence, highest first: flags, environment, the chosen `[profiles.NAME]` table, the file's
top-level keys, the defaults below. The file lives at `<config dir>/config.toml`:

    default_profile = "contoso"
    read_only = false                  # app-wide; a profile may override it
    theme = "textual-dark"
    api_version = "v1.0"               # or "beta"

    [keymap]                           # binding id -> key (ids: press ? in the app)
    "list.refresh" = "ctrl+r"

    [views.stale-windows]              # a saved view: `:stale-windows` or its key recalls it
    list = "devices"
    search = "os:windows compliance:noncompliant synced>7d"
    sort = "lastSyncDateTime"
    key = "f5"

    [columns.devices]                  # written by `c` on a list (see list_columns.py)
    shown = ["deviceName", "complianceState", "lastSyncDateTime"]
    widths = { deviceName = 24 }

    [profiles.contoso]
    tenant = "contoso.onmicrosoft.com" # domain or tenant GUID
    client_id = "00000000-0000-0000-0000-000000000000"   # or "graph-powershell"
    read_only = true
    color = "red"                      # the header's colour for this tenant (e.g. production)

Every setting is declared once, on its `Settings` field (`setting(...)`): its type and default,
where it may appear (top level, profile, environment variable, flags), how its value is checked
and one line of help. The file reader, the environment, the command line (cli.py), the checks
and the README's configuration reference (tests/make_screenshots.py --readme) all read
`SETTINGS`, made from those declarations; the keys of a saved view are declared in `VIEW_KEYS`,
those of a list's columns in `list_columns.TABLE_KEYS`.

Every mistake (broken TOML, unknown key, wrong type, bad value) raises `ConfigError` whose message
names the file or variable or flag, the key and what is allowed. Nothing here imports Textual.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from intune_tui.app_dirs import ENV_PREFIX, app_dir
from intune_tui.list_columns import ColumnsError, ListColumns, check_list_columns

CONFIG_FILE_NAME = "config.toml"

# Microsoft Graph PowerShell's public client. Only ever used when the user asks for it by name:
# tenants can block it, and it is not ours to rely on silently.
GRAPH_POWERSHELL_ALIAS = "graph-powershell"
GRAPH_POWERSHELL_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

API_VERSIONS = ("v1.0", "beta")
AUTH_MODES = ("auto", "device-code", "browser")
DEFAULT_THEME = "textual-dark"
# Header colours a profile may choose (named, so every terminal and theme shows them).
PROFILE_COLORS = ("red", "orange", "yellow", "green", "cyan", "blue", "magenta", "purple", "gray")


class ConfigError(Exception):
    """A setting is wrong. `str(error)` is one sentence naming where, which key, what is allowed."""


@dataclass(frozen=True)
class Cloud:
    """A Microsoft national cloud: where to sign in and where Graph lives."""

    name: str
    authority_host: str  # host name only, e.g. "login.microsoftonline.com"
    graph_url: str  # origin, e.g. "https://graph.microsoft.com"


CLOUDS: dict[str, Cloud] = {
    "global": Cloud("global", "login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": Cloud("usgov", "login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgov-dod": Cloud("usgov-dod", "login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": Cloud("china", "login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}
# Microsoft Graph's service roots, from "Microsoft Graph national cloud deployments"
# (learn.microsoft.com/graph/deployments, read 2026-12): the only hosts a graph_url may name
# without allow_custom_graph_host, besides loopback (the demo server, tests). The sign-in token
# goes to this host.
GRAPH_HOSTS = frozenset(urlsplit(cloud.graph_url).hostname or "" for cloud in CLOUDS.values())


# --- paths ------------------------------------------------------------------------------------


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    return app_dir("config", env) / CONFIG_FILE_NAME


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    return app_dir("data", env)


def default_log_dir(env: Mapping[str, str] | None = None) -> Path:
    return app_dir("log", env)


# --- value checks -------------------------------------------------------------------------------
# Each check takes the raw value and `where` (how to name its origin in a message) and returns the
# typed value or raises ConfigError. Values from the environment arrive as text and are converted
# first (see _from_text).

Check = Callable[[Any, str], Any]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# A view is recalled as `:NAME`: one word the command line reads as it is.
_VIEW_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _fail(where: str, allowed: str, value: object) -> ConfigError:
    return ConfigError(f"{where} must be {allowed}, got {_shown(value)}")


def _inside(where: str, key: str) -> str:
    """`/x/config.toml: 'views'` and `stale` -> `/x/config.toml: 'views.stale'`."""
    if where.endswith("'"):
        return f"{where[:-1]}.{key}'"
    return f"{where}.{key}"


def _check_bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


def _check_text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "a non-empty string", value)
    return value.strip()


def _check_any_text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, "a string", value)
    return value.strip()


def _choice(options: tuple[str, ...]) -> Check:
    def check(value: object, where: str) -> str:
        if value not in options:
            raise _fail(where, "one of " + ", ".join(options), value)
        return str(value)

    return check


def _int_at_least(minimum: int) -> Check:
    def check(value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _fail(where, f"a whole number of at least {minimum}", value)
        return value

    return check


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse `type` for a whole number in a range: its message follows the flag's name."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {value}")
        return value

    parse.__name__ = "whole number"
    return parse


def _check_timeout(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 120:
        raise _fail(where, "a number of seconds above 0 and at most 120", value)
    return float(value)


def _check_hours(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 24 * 365:
        raise _fail(where, "a number of hours above 0 and at most 8760 (a year)", value)
    return float(value)


def _check_tenant(value: object, where: str) -> str:
    if not isinstance(value, str) or not _TENANT.match(value.strip()):
        raise _fail(where, "a tenant domain (contoso.onmicrosoft.com) or tenant GUID", value)
    return value.strip()


def _check_client_id(value: object, where: str) -> str:
    if value == GRAPH_POWERSHELL_ALIAS:
        return GRAPH_POWERSHELL_CLIENT_ID
    if not isinstance(value, str) or not _GUID.match(value.strip()):
        raise _fail(
            where, f"an application (client) ID GUID or {GRAPH_POWERSHELL_ALIAS!r}", value
        )
    return value.strip().lower()


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the only places plain http may go."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_graph_url(value: object, where: str = "graph_url") -> str:
    """An https origin (plain http only on loopback), without path, query or credentials."""
    allowed = "an https:// origin such as https://graph.microsoft.com (http:// only for loopback)"
    if not isinstance(value, str):
        raise _fail(where, allowed, value)
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise _fail(where, allowed, value) from error
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise _fail(where, allowed, value)
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigError(
            f"{where} must use https:// unless the host is loopback "
            f"(localhost, 127.x.x.x, ::1), got {value!r}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(
            f"{where} must be just scheme://host[:port] (the API version is set by "
            f"api_version), got {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _check_graph_host(graph_url: str, allowed_anywhere: bool) -> None:
    host = (urlsplit(graph_url).hostname or "").lower()
    if allowed_anywhere or host in GRAPH_HOSTS or is_loopback_host(host):
        return
    hosts = ", ".join(sorted(GRAPH_HOSTS))
    raise ConfigError(
        f"graph_url {graph_url!r} is not a Microsoft Graph host ({hosts}) or loopback, and your "
        "sign-in token would be sent to it; if you trust that host, set "
        "allow_custom_graph_host = true in the config file (or "
        "INTUNE_TUI_ALLOW_CUSTOM_GRAPH_HOST=1, or --allow-custom-graph-host)"
    )


def _check_authority_host(value: object, where: str) -> str:
    if not isinstance(value, str) or not _HOST_PORT.match(value.strip()):
        raise _fail(where, "a host name such as login.microsoftonline.com (no https://)", value)
    return value.strip()


def _check_profile_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not _PROFILE_NAME.match(value):
        raise _fail(where, "a profile name (letters, digits, '-', '_', '.')", value)
    return value


def _check_access_token(value: object, where: str) -> str:
    text = _check_text(value, where)
    if text.lower().startswith("bearer "):
        text = text[len("bearer ") :].strip()
    return text


def _check_keymap(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(where, 'a table of binding id = "key"', value)
    keymap: dict[str, str] = {}
    for binding_id, key in value.items():
        if not isinstance(key, str) or not key.strip():
            raise _fail(f"{where} entry '{binding_id}'", 'a key name such as "ctrl+r"', key)
        keymap[binding_id] = key.strip()
    return keymap


def _check_list_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not _LIST_NAME.match(value.strip()):
        raise _fail(where, "a list's name such as devices", value)
    return value.strip()


def _check_column_keys(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(
            isinstance(key, str) and key.strip() for key in value):
        raise _fail(where, 'a list of column keys such as ["deviceName", "userPrincipalName"]',
                    value)
    return tuple(key.strip() for key in value)


def _check_columns(value: object, where: str) -> dict[str, ListColumns]:
    if not isinstance(value, dict):
        raise _fail(where, "a set of [columns.LIST] tables", value)
    columns: dict[str, ListColumns] = {}
    for list_name, table in value.items():
        _check_list_name(list_name, f"{where} list name")
        try:
            columns[list_name] = check_list_columns(table, _inside(where, list_name))
        except ColumnsError as error:
            raise ConfigError(str(error)) from error
    return columns


# --- saved views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """A saved view (`[views.NAME]`): a list with its search, sort and columns, recalled by
    `:NAME` or its key."""

    name: str
    list_name: str  # the list's key (a catalog resource), e.g. "devices"
    search: str = ""  # as typed after `/`
    sort: str | None = None  # the key of the column sorted by; None: the order Graph sent
    descending: bool = False
    columns: tuple[str, ...] | None = None  # column keys in order; None: the list's own
    key: str | None = None  # a key that recalls it, e.g. "f5"


@dataclass(frozen=True)
class ViewKey:
    """One key of a `[views.NAME]` table: its TOML name, the View field it fills, the check."""

    name: str
    attribute: str
    check: Check
    help: str
    required: bool = False
    shown_default: str = "none"


VIEW_KEYS: tuple[ViewKey, ...] = (
    ViewKey("list", "list_name", _check_list_name, required=True, shown_default="(required)",
            help="the list it shows: a list's key, e.g. `devices`, `compliance_policies`"),
    ViewKey("search", "search", _check_any_text, shown_default='`""`',
            help="the search, as typed after `/`"),
    ViewKey("sort", "sort", _check_text, help="the key of the column it is sorted by"),
    ViewKey("descending", "descending", _check_bool, shown_default="`false`",
            help="`true`: that column from the highest down"),
    ViewKey("columns", "columns", _check_column_keys, shown_default="the list's",
            help="the columns shown, in order, as column ids (as `shown` in `[columns.LIST]`)"),
    ViewKey("key", "key", _check_text,
            help="a key that recalls it, e.g. `f5` (one the screen does not use itself)"),
)


def check_view_name(value: object, where: str = "view name") -> str:
    """A view's name: one word `:NAME` recalls (letters, digits, '-', '_')."""
    if not isinstance(value, str) or not _VIEW_NAME.match(value):
        raise _fail(where, "a view name (letters, digits, '-', '_'; at most 40)", value)
    return value


def _check_view(name: str, table: object, where: str) -> View:
    if not isinstance(table, dict):
        raise _fail(where, f"a table [views.{name}]", table)
    allowed = tuple(key.name for key in VIEW_KEYS)
    values: dict[str, Any] = {}
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where} has unknown key {key!r}; allowed: {', '.join(allowed)}")
    for spec in VIEW_KEYS:
        if spec.name in table:
            values[spec.attribute] = spec.check(table[spec.name], _inside(where, spec.name))
        elif spec.required:
            raise ConfigError(f"{where} needs {spec.name} = ... ({spec.help})")
    return View(name, **values)


def _check_views(value: object, where: str) -> dict[str, View]:
    if not isinstance(value, dict):
        raise _fail(where, "a set of [views.NAME] tables", value)
    views: dict[str, View] = {}
    keys: dict[str, str] = {}
    for name, table in value.items():
        check_view_name(name, f"{where} name")
        view = _check_view(name, table, _inside(where, name))
        if view.key is not None and view.key in keys:
            raise ConfigError(f"{_inside(where, name)} key {view.key!r} already recalls view "
                              f"{keys[view.key]!r}; give each view its own key")
        if view.key is not None:
            keys[view.key] = name
        views[name] = view
    return views


# --- the declarations -----------------------------------------------------------------------------

SPEC = "intune_tui.setting"


@dataclass(frozen=True)
class Flag:
    """A command-line flag of a setting. `const` makes it a switch that sets that value (a
    bool switch only ever sets it: an absent flag must not undo the file's value)."""

    option: str
    help: str
    metavar: str | None = None
    const: object = None
    parse: Callable[[str], Any] | None = None  # argparse `type` for a flag that takes a value


@dataclass(frozen=True)
class SettingSpec:
    """Where a setting may be given, how it is checked, and its line of help.

    `name`, `kind` and `default` come from the `Settings` field it is declared on.
    """

    help: str
    check: Check | None = None  # None: a bool (true/false), a choice, or `profiles` (structural)
    top_level: bool = False  # a top-level key of config.toml
    profile: bool = False  # a key of [profiles.NAME]
    env: bool = False  # INTUNE_TUI_<NAME>
    flags: tuple[Flag, ...] = ()
    choices: tuple[str, ...] = ()
    file_key: str = ""  # its key in the file, when not its name
    entry: str = ""  # a table of tables: how the README names one of them, e.g. "NAME"
    shown_default: str = ""  # how the README says the default, when not the value itself
    name: str = ""
    kind: str = "text"  # bool, int, float, text or table: how an environment value is read
    default: Any = None

    @property
    def key(self) -> str:
        """Its key in config.toml."""
        return self.file_key or self.name

    @property
    def env_var(self) -> str | None:
        return env_var(self.name) if self.env else None


def setting(
    default: Any = MISSING,
    *,
    factory: Callable[[], Any] | None = None,
    help: str,
    check: Check | None = None,
    top_level: bool = False,
    profile: bool = False,
    env: bool = False,
    flags: tuple[Flag, ...] = (),
    choices: tuple[str, ...] = (),
    file_key: str = "",
    entry: str = "",
    shown_default: str = "",
) -> Any:
    """A `Settings` field declared as a setting (the arguments are SettingSpec's)."""
    spec = SettingSpec(help=help, check=check, top_level=top_level, profile=profile, env=env,
                       flags=flags, choices=choices, file_key=file_key,
                       entry=entry, shown_default=shown_default)
    if factory is not None:
        return field(default_factory=factory, metadata={SPEC: spec})
    return field(default=default, metadata={SPEC: spec})


def env_var(key: str) -> str:
    return ENV_PREFIX + key.upper()


@dataclass(frozen=True)
class Profile:
    """One `[profiles.NAME]` table: a tenant to work in. None means "not set in the file".

    Its fields are the settings declared with profile=True (a test keeps them the same)."""

    name: str
    tenant: str | None = None
    client_id: str | None = None
    cloud: str | None = None
    graph_url: str | None = None
    read_only: bool | None = None
    access_token_command: str | None = None
    color: str | None = None


# --- settings ---------------------------------------------------------------------------------


@dataclass
class Settings:
    """Everything the app needs to know before it starts. Every field has a default; every
    field declared with `setting(...)` is a setting the user can give."""

    profile: str = setting(
        "default", file_key="default_profile", check=_check_profile_name, top_level=True,
        env=True, flags=(Flag("--profile", "[profiles.NAME] from the config file", "NAME"),),
        shown_default='`"default"`', help="the `[profiles.NAME]` to start with")
    tenant: str | None = setting(
        None, check=_check_tenant, profile=True, env=True,
        flags=(Flag("--tenant", "tenant domain or GUID", "TENANT"),),
        shown_default="none: any organization", help="tenant domain or GUID")
    client_id: str | None = setting(
        None, check=_check_client_id, profile=True, env=True,
        flags=(Flag("--client-id", "application (client) ID, or 'graph-powershell'", "ID"),),
        help='app registration, or `"graph-powershell"`')
    cloud: str = setting(
        "global", choices=tuple(CLOUDS), profile=True, env=True,
        flags=(Flag("--cloud", "national cloud (default global)"),),
        help="the national cloud: " + ", ".join(f"`{name}`" for name in CLOUDS))
    graph_url: str = setting(
        "", check=validate_graph_url, profile=True, env=True,
        flags=(Flag("--graph-url", "Graph origin; https, or http on loopback only", "URL"),),
        shown_default="the cloud's",
        help="Graph origin; `https://`, `http://` on loopback only; a Microsoft Graph host ("
        + ", ".join(f"`{host}`" for host in sorted(GRAPH_HOSTS))
        + ") or loopback unless `allow_custom_graph_host` says otherwise")
    authority_host: str = setting(
        "", check=_check_authority_host, env=True, shown_default="the cloud's",
        help="sign-in host, e.g. `login.microsoftonline.com`")
    allow_custom_graph_host: bool = setting(
        False, top_level=True, env=True,
        flags=(Flag("--allow-custom-graph-host", "let --graph-url name a host other than "
                    "Microsoft Graph's (your sign-in token is sent there)", const=True),),
        help="`true`: `graph_url` may name any other host (a proxy, a test server); your "
        "sign-in token is sent there")
    read_only: bool = setting(
        False, top_level=True, profile=True, env=True,
        flags=(Flag("--read-only", "hide every remote action", const=True),),
        help="hide every remote action")
    access_token_command: str | None = setting(
        None, check=_check_text, profile=True, env=True,
        flags=(Flag("--access-token-command", "a command that prints a Graph access token",
                    "CMD"),),
        help="a command that prints a Graph access token (run again when it expires)")
    access_token: str | None = setting(
        None, check=_check_access_token, env=True,
        help="a Graph access token to use as is (never written anywhere)")
    color: str | None = setting(
        None, choices=PROFILE_COLORS, profile=True,
        help="the header's colour for this tenant, one of "
        + ", ".join(f"`{name}`" for name in PROFILE_COLORS) + " (e.g. red for production)")
    api_version: str = setting(
        "v1.0", choices=API_VERSIONS, top_level=True, env=True,
        flags=(Flag("--api-version", "Graph API version (default v1.0)"),),
        help="`v1.0` or `beta`")
    auth_mode: str = setting(
        "auto", choices=AUTH_MODES, top_level=True, env=True,
        flags=(Flag("--device-code", "sign in with a device code (good over SSH)",
                    const="device-code"),
               Flag("--browser", "sign in with a browser on this machine", const="browser")),
        help="`auto` (device code over SSH or without a browser), `device-code`, `browser`")
    theme: str = setting(
        DEFAULT_THEME, check=_check_text, top_level=True, env=True,
        help="any Textual theme: `textual-dark`, `textual-light`, `ansi-dark`, `ansi-light`, "
        "`nord`, …")
    mouse: bool = setting(
        True, top_level=True, env=True,
        flags=(Flag("--no-mouse", "ignore the mouse", const=False),),
        help="`false`: the terminal keeps the mouse (select and copy as usual)")
    bulk_destructive_cap: int = setting(
        50, check=_int_at_least(1), top_level=True, env=True,
        help="most devices one destructive bulk action may touch")
    allow_plaintext_token_cache: bool = setting(
        False, top_level=True, env=True,
        help="no keyring: keep a 0600 plaintext cache instead of memory only")
    keyring_timeout: float = setting(
        3.0, check=_check_timeout, top_level=True, env=True,
        help="seconds to wait for a (possibly locked) keyring")
    snapshot: bool = setting(
        True, top_level=True, env=True,
        help="keep each fully loaded devices list in an encrypted snapshot (the OS keyring's "
        "key; none without a keyring) and show it at the next start while the live list loads")
    snapshot_max_age: float = setting(
        24.0, check=_check_hours, top_level=True, env=True,
        help="hours after which a snapshot is no longer shown")
    keymap: dict[str, str] = setting(
        factory=dict, check=_check_keymap, top_level=True,
        help="binding id = keys; see [Key map](#key-map)")
    views: dict[str, View] = setting(
        factory=dict, check=_check_views, top_level=True, entry="NAME",
        help="saved views, one `[views.NAME]` table each (keys below); `:save NAME` writes one")
    columns: dict[str, ListColumns] = setting(
        factory=dict, check=_check_columns, top_level=True, entry="LIST",
        shown_default="the lists' own",
        help="the columns a list shows and their widths, one `[columns.LIST]` table per list "
        "(`LIST`: a list's key, e.g. `devices`; keys below); `c` on a list writes it")
    profiles: dict[str, Profile] = setting(
        factory=dict, top_level=True, entry="NAME",
        help="one table per tenant; see [Profiles](#profiles-tenants-and-clouds)")
    demo: bool = setting(
        False, env=True,
        flags=(Flag("--demo", "use the built-in synthetic tenant (no sign-in)", const=True),),
        help="the synthetic tenant")
    demo_devices: int = setting(
        2000, check=_int_at_least(0), env=True,
        flags=(Flag("--demo-devices", "number of devices in the demo tenant (default 2000)",
                    "N", parse=whole_number(0)),),
        help="its size")
    debug: bool = setting(
        False, env=True,
        flags=(Flag("--debug", "write DEBUG lines to the log file", const=True),),
        help="DEBUG lines in the log file")
    config_path: Path = field(default_factory=default_config_path)
    log_dir: Path = field(default_factory=default_log_dir)
    data_dir: Path = field(default_factory=default_data_dir)
    # How read_only was decided, so for_profile() can decide it again for another profile:
    # the file's top-level value, and a flag/environment value that beats every profile.
    _read_only_base: bool = field(default=False, repr=False, compare=False, kw_only=True)
    _read_only_pinned: bool | None = field(default=None, repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.cloud not in CLOUDS:
            raise ConfigError(f"cloud must be one of {', '.join(CLOUDS)}, got {self.cloud!r}")
        if not self.graph_url:
            self.graph_url = CLOUDS[self.cloud].graph_url
        if not self.authority_host:
            self.authority_host = CLOUDS[self.cloud].authority_host
        _check_graph_host(self.graph_url, self.allow_custom_graph_host)
        if self._read_only_pinned is None:
            defined = self.profiles.get(self.profile)
            explained = self._read_only_base
            if defined is not None and defined.read_only is not None:
                explained = defined.read_only
            if self.read_only != explained:
                self._read_only_pinned = self.read_only

    def __repr__(self) -> str:
        parts = []
        for item in fields(self):
            if not item.repr:
                continue
            value = getattr(self, item.name)
            if item.name == "access_token" and value is not None:
                parts.append("access_token='<redacted>'")
            else:
                parts.append(f"{item.name}={value!r}")
        return f"Settings({', '.join(parts)})"

    @property
    def authority(self) -> str:
        """The MSAL authority URL: the sign-in host and the tenant (or "organizations")."""
        return f"https://{self.authority_host}/{self.tenant or 'organizations'}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / "intune-tui.log"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.jsonl"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    def for_profile(self, name: str) -> Settings:
        """These settings switched to another profile (another tenant), without a restart.

        App-wide settings stay. The profile's keys (tenant, client id, cloud, Graph URL, token
        command, colour) come from the profile alone, and the sign-in host from its cloud: a
        flag or variable that overrode them was meant for the first tenant. A bring-your-own
        token from a flag or variable belongs to the first tenant and is dropped. A read-only
        flag or variable still applies.
        """
        if name != "default" and name not in self.profiles:
            raise ConfigError(_unknown_profile_message(self.config_path, name, self.profiles))
        chosen = self.profiles.get(name, Profile(name))
        if self._read_only_pinned is not None:
            read_only = self._read_only_pinned
        elif chosen.read_only is not None:
            read_only = chosen.read_only
        else:
            read_only = self._read_only_base
        scoped = {spec.name: _or_default(getattr(chosen, spec.name), spec)
                  for spec in SETTINGS if spec.profile and spec.name != "read_only"}
        return replace(self, profile=name, authority_host="", read_only=read_only,
                       access_token=None, **scoped)


def _or_default(value: Any, spec: SettingSpec) -> Any:
    return spec.default if value is None else value


def _declared(item: Field[Any]) -> SettingSpec | None:
    spec: SettingSpec | None = item.metadata.get(SPEC)
    if spec is None:
        return None
    annotation = str(item.type)
    kind = ("table" if annotation.startswith("dict") else
            annotation if annotation in ("bool", "int", "float") else "text")
    check = spec.check
    if check is None and spec.choices:
        check = _choice(spec.choices)
    elif check is None and kind == "bool":
        check = _check_bool
    default = item.default if item.default_factory is MISSING else item.default_factory()
    return replace(spec, name=item.name, kind=kind, check=check, default=default)


# Every setting, in the order the README lists them.
SETTINGS: tuple[SettingSpec, ...] = tuple(
    spec for spec in map(_declared, fields(Settings)) if spec is not None)
SETTINGS_BY_NAME = {spec.name: spec for spec in SETTINGS}
TOP_LEVEL_KEYS = tuple(spec.key for spec in SETTINGS if spec.top_level)
PROFILE_KEYS = tuple(spec.key for spec in SETTINGS if spec.profile)
_TOP_LEVEL = {spec.key: spec for spec in SETTINGS if spec.top_level}


# --- the file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigFile:
    """What config.toml says, checked. An absent file is an empty ConfigFile."""

    path: Path
    app: dict[str, Any]  # checked top-level settings except default_profile and profiles
    profiles: dict[str, Profile]
    default_profile: str | None = None


def read_config_file(path: Path) -> ConfigFile:
    """Read and check config.toml; a missing file means "all defaults"."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ConfigFile(path, {}, {})
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from error
    import tomllib  # only when there is a file to read (start-up without one skips its import)

    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: is not UTF-8 text") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: is not valid TOML: {error}") from error
    return _check_document(path, document)


def _unknown_key(path: Path, key: str, table: str, allowed: tuple[str, ...]) -> ConfigError:
    place = f" in [{table}]" if table else " at the top level"
    return ConfigError(f"{path}: unknown key {key!r}{place}; allowed: {', '.join(allowed)}")


def _check_document(path: Path, document: dict[str, Any]) -> ConfigFile:
    for key in document:
        if key not in _TOP_LEVEL:
            raise _unknown_key(path, key, "", TOP_LEVEL_KEYS)
    app = {}
    for key, value in document.items():
        spec = _TOP_LEVEL[key]
        if spec.check is not None and spec.name != "profile":
            app[spec.name] = spec.check(value, f"{path}: {key!r}")
    profiles = _check_profiles(path, document.get("profiles", {}))
    default_profile = None
    if "default_profile" in document:
        default_profile = _check_profile_name(
            document["default_profile"], f"{path}: 'default_profile'"
        )
        if default_profile != "default" and default_profile not in profiles:
            raise ConfigError(
                f"{path}: default_profile = {default_profile!r} names no profile; "
                f"{_defined_profiles(profiles)}"
            )
    return ConfigFile(path, app, profiles, default_profile)


def _check_profiles(path: Path, tables: object) -> dict[str, Profile]:
    if not isinstance(tables, dict):
        raise _fail(f"{path}: 'profiles'", "a set of [profiles.NAME] tables", tables)
    profiles: dict[str, Profile] = {}
    for name, table in tables.items():
        _check_profile_name(name, f"{path}: profile name")
        if not isinstance(table, dict):
            raise _fail(f"{path}: 'profiles.{name}'", f"a table [profiles.{name}]", table)
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in PROFILE_KEYS:
                raise _unknown_key(path, key, f"profiles.{name}", PROFILE_KEYS)
            check = SETTINGS_BY_NAME[key].check
            assert check is not None  # every profile key has one (tests/test_config.py)
            values[key] = check(value, f"{path}: {key!r} in [profiles.{name}]")
        profiles[name] = Profile(name, **values)
    return profiles


def _defined_profiles(profiles: Mapping[str, Profile]) -> str:
    if not profiles:
        return "no [profiles.NAME] tables are defined"
    return "defined profiles: " + ", ".join(sorted(profiles))


def _unknown_profile_message(path: Path, name: str, profiles: Mapping[str, Profile]) -> str:
    return f"{path}: no profile {name!r} ([profiles.{name}]); {_defined_profiles(profiles)}"


# --- environment and flags -----------------------------------------------------------------------


def _from_text(spec: SettingSpec, text: str, where: str) -> Any:
    word = text.strip().lower()
    if spec.kind == "bool":
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise _fail(where, "true or false (1/0, yes/no, on/off)", text)
    try:
        if spec.kind == "int":
            return int(word)
        if spec.kind == "float":
            return float(word)
    except ValueError as error:
        raise _fail(where, "a number", text) from error
    return text


def _checked(spec: SettingSpec, value: Any, where: str) -> Any:
    assert spec.check is not None  # every environment or flag setting has one
    return spec.check(value, where)


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in SETTINGS:
        if spec.env_var is None:
            continue
        text = env.get(spec.env_var, "")
        if not text.strip():
            continue
        where = f"environment variable {spec.env_var}"
        values[spec.name] = _checked(spec, _from_text(spec, text, where), where)
    return values


def _from_args(args: object | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args is None:
        return values
    for spec in SETTINGS:
        if not spec.flags:
            continue
        value = getattr(args, spec.name, None)
        if value is None:
            continue
        if spec.kind == "bool" and value != spec.flags[0].const:
            continue  # a switch only ever sets its value: its absence keeps the file's
        values[spec.name] = _checked(spec, value, spec.flags[0].option)
    return values


# --- putting it together --------------------------------------------------------------------------

_FILE_TOP, _FILE_PROFILE, _ENVIRONMENT, _FLAGS = range(4)


def load_settings(args: object | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the file, then the environment, then `args` (an argparse Namespace or None).

    Raises ConfigError for anything wrong, naming where it came from.
    """
    env = os.environ if env is None else env
    config = read_config_file(default_config_path(env))
    layers = [config.app, {}, _from_env(env), _from_args(args)]

    profile_name = _highest("profile", layers) or config.default_profile or "default"
    if profile_name != "default" and profile_name not in config.profiles:
        raise ConfigError(_unknown_profile_message(config.path, profile_name, config.profiles))
    chosen = config.profiles.get(profile_name, Profile(profile_name))
    layers[_FILE_PROFILE] = {
        key: getattr(chosen, key) for key in PROFILE_KEYS if getattr(chosen, key) is not None
    }

    values: dict[str, Any] = {}
    rank: dict[str, int] = {}
    for level, layer in enumerate(layers):
        for key, value in layer.items():
            values[key] = value
            rank[key] = level
    values.pop("profile", None)
    # A Graph URL or sign-in host set below the cloud's own level belongs to another cloud.
    for derived in ("graph_url", "authority_host"):
        if derived in values and rank[derived] < rank.get("cloud", -1):
            del values[derived]

    pinned = _highest("read_only", layers[_ENVIRONMENT:])
    return Settings(
        profile=profile_name,
        profiles=config.profiles,
        config_path=config.path,
        data_dir=default_data_dir(env),
        log_dir=default_log_dir(env),
        _read_only_base=config.app.get("read_only", False),
        _read_only_pinned=pinned,
        **values,
    )


def _highest(key: str, layers: list[dict[str, Any]]) -> Any:
    for layer in reversed(layers):
        if key in layer:
            return layer[key]
    return None


# --- writing the file ------------------------------------------------------------------------


def update_config_file(path: Path, change: Callable[[Any], None]) -> ConfigFile:
    """Apply `change` to config.toml's TOML document and write it back; return it, checked.

    The user's comments, order and layout are kept (tomlkit edits the document in place). The
    result is checked like any config before it is written, so a change never leaves a file the
    app would refuse; the write goes through a temporary file and a rename, so an error at any
    point leaves the old file as it was. A symlinked config.toml (dotfiles) stays a symlink: its
    target is replaced. Other instances wait for the change (a lock file beside config.toml).
    Raises ConfigError naming the file for anything that goes wrong.
    """
    import filelock

    try:
        # Two instances saving at once would each put back the file they read, losing the other's
        # change: the whole read-change-write holds one cross-process lock beside the file.
        with filelock.FileLock(config_lock_path(path), timeout=10):
            return _update_config_document(path, change)
    except filelock.Timeout as error:
        raise ConfigError(f"{path}: another intune-tui is still writing it; try again") from error
    except OSError as error:  # the lock file cannot be made: the folder is not writable
        raise ConfigError(f"{path}: cannot be written ({_reason(error)})") from error


def config_lock_path(path: Path) -> Path:
    """The lock file writers of `path` take (hidden, beside it; it stays, as lock files do)."""
    return path.with_name(f".{path.name}.lock")


def _update_config_document(path: Path, change: Callable[[Any], None]) -> ConfigFile:
    import tomlkit  # only when writing: start-up reads with tomllib
    from tomlkit.exceptions import TOMLKitError

    from intune_tui.private_files import write_private

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({_reason(error)})") from error
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as error:
        raise ConfigError(f"{path}: is not valid TOML: {error}") from error
    _check_document(path, document.unwrap())  # a file already wrong is the user's to fix first
    try:
        change(document)
    except (TOMLKitError, ValueError, TypeError) as error:  # a layout tomlkit cannot extend
        raise ConfigError(f"{path}: cannot be changed by the app ({error}); "
                          "edit it by hand") from error
    checked = _check_document(path, document.unwrap())
    try:
        write_private(path.resolve(), lambda stream: stream.write(tomlkit.dumps(document)),
                      newline="")
    except OSError as error:
        raise ConfigError(f"{path}: cannot be written ({_reason(error)})") from error
    return checked


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


def _table(document: Any, key: str, *, super_table: bool = False) -> Any:
    """The document's top-level table `key`, made if missing."""
    import tomlkit

    if key not in document:
        document[key] = tomlkit.table(is_super_table=super_table)
    return document[key]


def save_list_columns(list_name: str, choice: ListColumns | None, *,
                      path: Path | None = None) -> dict[str, ListColumns]:
    """Keep `choice` as the list's `[columns.LIST]` table in config.toml; None forgets it (the
    list shows its own columns again). Returns every list's saved columns after the change (for
    the caller's Settings.columns). Raises ConfigError."""
    path = default_config_path() if path is None else path
    _check_list_name(list_name, "list name")

    def change(document: Any) -> None:
        import tomlkit

        if choice is None:
            if list_name in document.get("columns", {}):
                del document["columns"][list_name]
                if not document["columns"]:
                    del document["columns"]
            return
        columns = _table(document, "columns", super_table=True)
        fresh = list_name not in columns
        # An existing table is edited in place, so the comments inside it stay.
        table = tomlkit.table() if fresh else columns[list_name]
        table["shown"] = list(choice.shown)
        if choice.widths:
            widths = tomlkit.inline_table()
            widths.update(dict(choice.widths))
            table["widths"] = widths
        elif "widths" in table:
            del table["widths"]
        if fresh:
            columns[list_name] = table

    config = update_config_file(path, change)
    return dict(config.app.get("columns", {}))


def save_view(view: View, *, path: Path | None = None) -> dict[str, View]:
    """Write `view` as `[views.NAME]` in config.toml (replacing one of that name), keeping the
    file's comments and layout. Returns every saved view after the change. Raises ConfigError."""
    path = default_config_path() if path is None else path
    check_view_name(view.name)

    def change(document: Any) -> None:
        import tomlkit

        views = _table(document, "views", super_table=True)
        fresh = view.name not in views
        # An existing view is edited in place, so the comments inside its table stay; a new one
        # takes the form of its neighbours (views = {a = {...}} holds inline tables only).
        inline = isinstance(views, tomlkit.items.InlineTable)
        if fresh:
            table = tomlkit.inline_table() if inline else tomlkit.table()
        else:
            table = views[view.name]
        for spec in VIEW_KEYS:
            value = getattr(view, spec.attribute)
            if value is None or (not spec.required and value == _VIEW_DEFAULTS[spec.attribute]):
                if spec.name in table:
                    del table[spec.name]
            else:
                table[spec.name] = list(value) if isinstance(value, tuple) else value
        if fresh:
            if not inline:
                table.add(tomlkit.nl())
            views[view.name] = table

    config = update_config_file(path, change)
    return dict(config.app.get("views", {}))


_VIEW_DEFAULTS = {item.name: item.default for item in fields(View)}
