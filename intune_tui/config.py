"""Typed settings: a TOML file, `INTUNE_TUI_*` environment variables and command-line flags.

Precedence, highest first: flags, environment, the chosen `[profiles.NAME]` table, the file's
top-level keys, the defaults below. The file lives at `<config dir>/config.toml`:

    default_profile = "contoso"
    read_only = false                  # app-wide; a profile may override it
    theme = "textual-dark"
    mouse = true
    api_version = "v1.0"               # or "beta"
    auth_mode = "auto"                 # or "device-code", "browser"
    bulk_destructive_cap = 50
    allow_plaintext_token_cache = false
    allow_custom_graph_host = false    # true lets graph_url name a host that is not Graph's
    keyring_timeout = 3.0

    [keymap]                           # binding id -> key (ids: press ? in the app)
    "list.refresh" = "ctrl+r"

    [columns.devices]                  # written by `c` on a list (see list_columns.py)
    shown = ["deviceName", "complianceState", "lastSyncDateTime"]
    widths = { deviceName = 24 }

    [profiles.contoso]
    tenant = "contoso.onmicrosoft.com" # domain or tenant GUID
    client_id = "00000000-0000-0000-0000-000000000000"   # or "graph-powershell"
    cloud = "global"                   # global, usgov, usgov-dod, china
    graph_url = "https://graph.microsoft.com"            # only to override the cloud's
    read_only = true
    color = "red"                      # the header's colour for this tenant (e.g. production)
    # access_token_command = "az account get-access-token --tenant contoso.onmicrosoft.com
    #   --resource-type ms-graph"  (a token from elsewhere, for this tenant only; no MSAL)

Every mistake (broken TOML, unknown key, wrong type, bad value) raises `ConfigError` whose message
names the file or variable or flag, the key and what is allowed. Nothing here imports Textual.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from intune_tui.list_columns import ColumnsError, ListColumns, check_list_columns

APP_NAME = "intune-tui"
CONFIG_FILE_NAME = "config.toml"
ENV_PREFIX = "INTUNE_TUI_"

# Microsoft Graph PowerShell's public client. Only ever used when the user asks for it by name:
# tenants can block it, and it is not ours to rely on silently.
GRAPH_POWERSHELL_ALIAS = "graph-powershell"
GRAPH_POWERSHELL_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

API_VERSIONS = ("v1.0", "beta")
AUTH_MODES = ("auto", "device-code", "browser")
DEFAULT_THEME = "textual-dark"


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


@dataclass(frozen=True)
class Profile:
    """One `[profiles.NAME]` table: a tenant to work in. None means "not set in the file"."""

    name: str
    tenant: str | None = None
    client_id: str | None = None
    cloud: str | None = None
    graph_url: str | None = None
    read_only: bool | None = None
    access_token_command: str | None = None
    color: str | None = None


PROFILE_KEYS = ("tenant", "client_id", "cloud", "graph_url", "read_only", "access_token_command",
                "color")
# Header colours a profile may choose (named, so every terminal and theme shows them).
PROFILE_COLORS = ("red", "orange", "yellow", "green", "cyan", "blue", "magenta", "purple", "gray")
TOP_LEVEL_KEYS = (
    "default_profile",
    "read_only",
    "theme",
    "mouse",
    "api_version",
    "auth_mode",
    "bulk_destructive_cap",
    "allow_plaintext_token_cache",
    "allow_custom_graph_host",
    "keyring_timeout",
    "keymap",
    "columns",
    "profiles",
)


# --- paths ------------------------------------------------------------------------------------


def _dir_from_env(env: Mapping[str, str], name: str, fallback: Callable[[], str]) -> Path:
    value = env.get(ENV_PREFIX + name, "")
    return Path(value).expanduser() if value else Path(fallback())


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    config_dir = _dir_from_env(
        env, "CONFIG_DIR", lambda: platformdirs.user_config_dir(APP_NAME, appauthor=False)
    )
    return config_dir / CONFIG_FILE_NAME


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return _dir_from_env(
        env, "DATA_DIR", lambda: platformdirs.user_data_dir(APP_NAME, appauthor=False)
    )


def default_log_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return _dir_from_env(
        env, "LOG_DIR", lambda: platformdirs.user_log_dir(APP_NAME, appauthor=False)
    )


# --- settings ---------------------------------------------------------------------------------


@dataclass
class Settings:
    """Everything the app needs to know before it starts. Every field has a default."""

    profile: str = "default"  # name of the [profiles.NAME] table in use
    tenant: str | None = None  # domain or GUID; None signs in to "organizations"
    client_id: str | None = None  # app registration; None means "not configured"
    cloud: str = "global"  # a key of CLOUDS
    graph_url: str = ""  # "" means the cloud's Graph origin (filled in on creation)
    authority_host: str = ""  # "" means the cloud's sign-in host (filled in on creation)
    api_version: str = "v1.0"  # "v1.0" or "beta"
    read_only: bool = False  # True hides every remote action
    debug: bool = False  # DEBUG-level log file
    demo: bool = False  # run against the synthetic tenant, no sign-in
    demo_devices: int = 2000  # size of the synthetic tenant
    mouse: bool = True
    theme: str = DEFAULT_THEME
    auth_mode: str = "auto"  # "auto", "device-code" or "browser"
    access_token: str | None = None  # bring-your-own token (INTUNE_TUI_ACCESS_TOKEN only)
    access_token_command: str | None = None  # a command printing a token
    allow_plaintext_token_cache: bool = False  # 0600 plaintext file when no keyring
    allow_custom_graph_host: bool = False  # graph_url may name a host other than Graph's
    keyring_timeout: float = 3.0  # seconds to wait for a (possibly locked) keyring
    bulk_destructive_cap: int = 50  # more devices than this needs a second step
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> key
    columns: dict[str, ListColumns] = field(default_factory=dict)  # list name -> its columns
    profiles: dict[str, Profile] = field(default_factory=dict)
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

        App-wide settings stay. The tenant, client id, cloud, Graph URL and sign-in host come from
        the profile alone: a flag or variable that overrode them was meant for the first tenant.
        A bring-your-own token (or token command) from a flag or variable belongs to the first
        tenant and is dropped; the profile's own `access_token_command` is used. A read-only
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
        return replace(
            self,
            profile=name,
            tenant=chosen.tenant,
            client_id=chosen.client_id,
            cloud=chosen.cloud or "global",
            graph_url=chosen.graph_url or "",
            authority_host="",
            read_only=read_only,
            access_token=None,
            access_token_command=chosen.access_token_command,
        )


# --- value checks -------------------------------------------------------------------------------
# Each check takes the raw value and `where` (how to name its origin in a message) and returns the
# typed value or raises ConfigError. Values from the environment arrive as text and are converted
# first (see _from_text).

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
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


def _check_bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


def _check_text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "a non-empty string", value)
    return value.strip()


def _choice(options: tuple[str, ...]) -> Callable[[object, str], str]:
    def check(value: object, where: str) -> str:
        if value not in options:
            raise _fail(where, "one of " + ", ".join(options), value)
        return str(value)

    return check


def _int_at_least(minimum: int) -> Callable[[object, str], int]:
    def check(value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _fail(where, f"a whole number of at least {minimum}", value)
        return value

    return check


def _check_timeout(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 120:
        raise _fail(where, "a number of seconds above 0 and at most 120", value)
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


def _check_columns(value: object, where: str) -> dict[str, ListColumns]:
    try:
        return check_list_columns(value, where)
    except ColumnsError as error:
        raise ConfigError(str(error)) from error


def _check_keymap(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(where, 'a table of binding id = "key"', value)
    keymap: dict[str, str] = {}
    for binding_id, key in value.items():
        if not isinstance(key, str) or not key.strip():
            raise _fail(f"{where} entry '{binding_id}'", 'a key name such as "ctrl+r"', key)
        keymap[binding_id] = key.strip()
    return keymap


_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "profile": _check_profile_name,
    "default_profile": _check_profile_name,
    "tenant": _check_tenant,
    "client_id": _check_client_id,
    "cloud": _choice(tuple(CLOUDS)),
    "color": _choice(PROFILE_COLORS),
    "graph_url": validate_graph_url,
    "authority_host": _check_authority_host,
    "api_version": _choice(API_VERSIONS),
    "auth_mode": _choice(AUTH_MODES),
    "read_only": _check_bool,
    "debug": _check_bool,
    "demo": _check_bool,
    "mouse": _check_bool,
    "allow_plaintext_token_cache": _check_bool,
    "allow_custom_graph_host": _check_bool,
    "demo_devices": _int_at_least(0),
    "bulk_destructive_cap": _int_at_least(1),
    "keyring_timeout": _check_timeout,
    "theme": _check_text,
    "access_token": _check_access_token,
    "access_token_command": _check_text,
    "keymap": _check_keymap,
    "columns": _check_columns,
}

_BOOL_KEYS = {key for key, check in _CHECKS.items() if check is _check_bool}
_INT_KEYS = {"demo_devices", "bulk_destructive_cap"}
_FLOAT_KEYS = {"keyring_timeout"}


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
        if key not in TOP_LEVEL_KEYS:
            raise _unknown_key(path, key, "", TOP_LEVEL_KEYS)
    app = {
        key: _CHECKS[key](value, f"{path}: {key!r}")
        for key, value in document.items()
        if key not in ("default_profile", "profiles")
    }
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
            values[key] = _CHECKS[key](value, f"{path}: {key!r} in [profiles.{name}]")
        profiles[name] = Profile(name, **values)
    return profiles


def _defined_profiles(profiles: Mapping[str, Profile]) -> str:
    if not profiles:
        return "no [profiles.NAME] tables are defined"
    return "defined profiles: " + ", ".join(sorted(profiles))


def _unknown_profile_message(path: Path, name: str, profiles: Mapping[str, Profile]) -> str:
    return f"{path}: no profile {name!r} ([profiles.{name}]); {_defined_profiles(profiles)}"


# --- environment and flags -----------------------------------------------------------------------

ENV_KEYS = (
    "profile",
    "tenant",
    "client_id",
    "cloud",
    "graph_url",
    "authority_host",
    "api_version",
    "auth_mode",
    "read_only",
    "debug",
    "demo",
    "demo_devices",
    "mouse",
    "theme",
    "access_token",
    "access_token_command",
    "allow_plaintext_token_cache",
    "allow_custom_graph_host",
    "keyring_timeout",
    "bulk_destructive_cap",
)
# Flags that can only switch one way: an absent store_true flag must not undo the file's value.
_ONE_WAY_FLAGS = {"read_only": True, "debug": True, "demo": True, "mouse": False,
                  "allow_custom_graph_host": True}
FLAG_KEYS = (
    "profile",
    "tenant",
    "client_id",
    "cloud",
    "graph_url",
    "api_version",
    "auth_mode",
    "read_only",
    "debug",
    "demo",
    "demo_devices",
    "mouse",
    "access_token_command",
    "allow_custom_graph_host",
)


def env_var(key: str) -> str:
    return ENV_PREFIX + key.upper()


def _from_text(key: str, text: str, where: str) -> Any:
    word = text.strip().lower()
    if key in _BOOL_KEYS:
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise _fail(where, "true or false (1/0, yes/no, on/off)", text)
    try:
        if key in _INT_KEYS:
            return int(word)
        if key in _FLOAT_KEYS:
            return float(word)
    except ValueError as error:
        raise _fail(where, "a number", text) from error
    return text


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ENV_KEYS:
        text = env.get(env_var(key), "")
        if not text.strip():
            continue
        where = f"environment variable {env_var(key)}"
        values[key] = _CHECKS[key](_from_text(key, text, where), where)
    return values


def _flag_name(key: str) -> str:
    return "--" + key.replace("_", "-")


def _from_args(args: object | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args is None:
        return values
    for key in FLAG_KEYS:
        value = getattr(args, key, None)
        if value is None:
            continue
        if key in _ONE_WAY_FLAGS and value != _ONE_WAY_FLAGS[key]:
            continue
        values[key] = _CHECKS[key](value, _flag_name(key))
    return values


# --- putting it together --------------------------------------------------------------------------

_PROFILE_SCOPED = (
    "tenant", "client_id", "cloud", "graph_url", "read_only", "access_token_command")
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
        key: getattr(chosen, key) for key in _PROFILE_SCOPED if getattr(chosen, key) is not None
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
