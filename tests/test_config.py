from __future__ import annotations

import os
import re
import threading
import tomllib
from argparse import Namespace
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from make_screenshots import settings_markdown

from intune_tui.config import (
    CLOUDS,
    GRAPH_POWERSHELL_CLIENT_ID,
    PROFILE_KEYS,
    SETTINGS,
    ConfigError,
    Profile,
    Settings,
    View,
    config_lock_path,
    default_config_path,
    load_settings,
    save_list_columns,
    save_view,
    update_config_file,
    validate_graph_url,
)
from intune_tui.list_columns import ListColumns

CONTOSO_ID = "11111111-2222-3333-4444-555555555555"


def write_config(text: str) -> Path:
    path = default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(args: Namespace | None = None, **env: str) -> Settings:
    return load_settings(args, {**os.environ, **{f"INTUNE_TUI_{k}": v for k, v in env.items()}})


TWO_TENANTS = f"""
default_profile = "contoso"
theme = "nord"
api_version = "beta"
bulk_destructive_cap = 10

[keymap]
refresh = "ctrl+r"

[profiles.contoso]
tenant = "contoso.onmicrosoft.com"
client_id = "{CONTOSO_ID}"

[profiles.fabrikam-gov]
tenant = "fabrikam.onmicrosoft.us"
cloud = "usgov"
read_only = true
"""


def test_without_file_or_environment_every_setting_has_its_default() -> None:
    settings = load()

    assert settings.profile == "default"
    assert settings.tenant is None
    assert settings.client_id is None  # no silent default app registration
    assert settings.cloud == "global"
    assert settings.graph_url == "https://graph.microsoft.com"
    assert settings.authority == "https://login.microsoftonline.com/organizations"
    assert settings.api_version == "v1.0"
    assert (settings.read_only, settings.debug, settings.demo) == (False, False, False)
    assert settings.mouse is True
    assert settings.auth_mode == "auto"
    assert settings.access_token is None
    assert settings.allow_plaintext_token_cache is False
    assert settings.keyring_timeout == 3.0
    assert settings.bulk_destructive_cap == 50
    assert settings.keymap == {}


def test_paths_follow_the_directory_variables() -> None:
    settings = load()

    assert settings.config_path == Path(os.environ["INTUNE_TUI_CONFIG_DIR"]) / "config.toml"
    assert settings.data_dir == Path(os.environ["INTUNE_TUI_DATA_DIR"])
    assert settings.log_dir == Path(os.environ["INTUNE_TUI_LOG_DIR"])
    assert settings.audit_path == settings.data_dir / "audit.jsonl"


def test_default_profile_from_the_file_supplies_tenant_and_app_wide_keys() -> None:
    write_config(TWO_TENANTS)

    settings = load()

    assert settings.profile == "contoso"
    assert settings.tenant == "contoso.onmicrosoft.com"
    assert settings.client_id == CONTOSO_ID
    assert settings.theme == "nord"
    assert settings.api_version == "beta"
    assert settings.bulk_destructive_cap == 10
    assert settings.keymap == {"refresh": "ctrl+r"}
    assert set(settings.profiles) == {"contoso", "fabrikam-gov"}


def test_flags_beat_environment_which_beats_the_file() -> None:
    write_config(TWO_TENANTS)

    from_env = load(TENANT="env.onmicrosoft.com", API_VERSION="v1.0")
    from_flag = load(Namespace(tenant="flag.onmicrosoft.com"), TENANT="env.onmicrosoft.com")

    assert (from_env.tenant, from_env.api_version) == ("env.onmicrosoft.com", "v1.0")
    assert from_flag.tenant == "flag.onmicrosoft.com"


def test_profile_flag_beats_profile_variable_and_default_profile() -> None:
    write_config(TWO_TENANTS)

    assert load(PROFILE="fabrikam-gov").profile == "fabrikam-gov"
    settings = load(Namespace(profile="contoso"), PROFILE="fabrikam-gov")
    assert settings.tenant == "contoso.onmicrosoft.com"


def test_a_profile_cloud_sets_graph_and_sign_in_hosts() -> None:
    write_config(TWO_TENANTS)

    settings = load(Namespace(profile="fabrikam-gov"))

    assert settings.graph_url == "https://graph.microsoft.us"
    assert settings.authority == "https://login.microsoftonline.us/fabrikam.onmicrosoft.us"
    assert settings.read_only is True


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_cloud_flag_picks_that_clouds_endpoints(cloud: str) -> None:
    settings = load(Namespace(cloud=cloud))

    assert settings.graph_url == CLOUDS[cloud].graph_url
    assert settings.authority_host == CLOUDS[cloud].authority_host


def test_cloud_flag_overrides_a_graph_url_the_profile_set_for_another_cloud() -> None:
    write_config('allow_custom_graph_host = true\n'
                 '[profiles.p]\ngraph_url = "https://graph.example.com"\n')

    assert load(Namespace(profile="p")).graph_url == "https://graph.example.com"
    assert load(Namespace(profile="p", cloud="china")).graph_url == CLOUDS["china"].graph_url


def test_read_only_precedence_and_absent_flag_does_not_undo_the_file() -> None:
    write_config(TWO_TENANTS)

    assert load(Namespace(profile="fabrikam-gov", read_only=False)).read_only is True
    assert load(Namespace(profile="fabrikam-gov"), READ_ONLY="0").read_only is False
    assert load(Namespace(read_only=True), READ_ONLY="no").read_only is True


def test_no_mouse_flag_and_environment_booleans() -> None:
    assert load(Namespace(mouse=False)).mouse is False
    assert load(Namespace(mouse=True), MOUSE="off").mouse is False
    assert load(DEBUG="yes").debug is True


def test_graph_powershell_alias_is_an_explicit_opt_in() -> None:
    write_config('[profiles.p]\nclient_id = "graph-powershell"\n')

    assert load(Namespace(profile="p")).client_id == GRAPH_POWERSHELL_CLIENT_ID
    assert load(CLIENT_ID="graph-powershell").client_id == GRAPH_POWERSHELL_CLIENT_ID


def test_a_client_id_that_is_no_guid_is_refused_naming_the_alias() -> None:
    with pytest.raises(ConfigError) as caught:
        load(Namespace(client_id="contoso-app"))

    assert str(caught.value) == (
        "--client-id must be an application (client) ID GUID or 'graph-powershell', "
        "got 'contoso-app'"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://graph.microsoft.com/", "https://graph.microsoft.com"),
        ("https://graph.example.com:8443", "https://graph.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.9.8.7", "http://127.9.8.7"),
        ("http://localhost:1234", "http://localhost:1234"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_graph_url_accepts_https_anywhere_and_http_only_on_loopback(
    url: str, expected: str
) -> None:
    assert validate_graph_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://graph.microsoft.com", "must use https:// unless the host is loopback"),
        ("http://10.0.0.5:8080", "must use https:// unless the host is loopback"),
        ("http://localhost.evil.example", "must use https:// unless the host is loopback"),
        ("ftp://127.0.0.1", "must be an https:// origin"),
        ("graph.microsoft.com", "must be an https:// origin"),
        ("https://user:pw@graph.microsoft.com", "must be an https:// origin"),
        ("https://graph.microsoft.com/v1.0", "must be just scheme://host[:port]"),
    ],
)
def test_graph_url_refuses_anything_else(url: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(complaint)):
        validate_graph_url(url, "--graph-url")


def test_graph_url_from_the_environment_is_checked_too() -> None:
    with pytest.raises(ConfigError) as caught:
        load(GRAPH_URL="http://graph.example.com")

    assert str(caught.value).startswith("environment variable INTUNE_TUI_GRAPH_URL must use")


def test_unknown_profile_key_names_file_key_table_and_allowed_keys() -> None:
    path = write_config('[profiles.contoso]\ntenant = "contoso.com"\nread_onyl = true\n')

    with pytest.raises(ConfigError) as caught:
        load()

    assert str(caught.value) == (
        f"{path}: unknown key 'read_onyl' in [profiles.contoso]; "
        "allowed: tenant, client_id, cloud, graph_url, read_only, access_token_command, color"
    )


def test_a_profile_colour_is_one_of_the_named_colours() -> None:
    write_config('[profiles.prod]\ntenant = "contoso.com"\ncolor = "red"\n')
    assert load().profiles["prod"].color == "red"
    path = write_config('[profiles.prod]\ntenant = "contoso.com"\ncolor = "#ff0000; x"\n')
    with pytest.raises(ConfigError) as caught:
        load()
    assert str(caught.value).startswith(f"{path}: 'color' in [profiles.prod] must be one of red")


def test_unknown_top_level_key_lists_the_allowed_top_level_keys() -> None:
    path = write_config('tenant = "contoso.com"\n')

    with pytest.raises(ConfigError) as caught:
        load()

    message = str(caught.value)
    assert message.startswith(f"{path}: unknown key 'tenant' at the top level; allowed: ")
    assert "read_only" in message and "profiles" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('mouse = "yes"\n', "'mouse' must be true or false, got 'yes'"),
        ("bulk_destructive_cap = 0\n", "'bulk_destructive_cap' must be a whole number of at"),
        ("keyring_timeout = true\n", "'keyring_timeout' must be a number of seconds"),
        ('api_version = "v2"\n', "'api_version' must be one of v1.0, beta, got 'v2'"),
        ('[profiles.x]\ncloud = "mars"\n', "'cloud' in [profiles.x] must be one of global, usgov"),
        ("[profiles.x]\nread_only = 1\n", "'read_only' in [profiles.x] must be true or false"),
        ("[keymap]\nquit = 5\n", "'keymap' entry 'quit' must be a key name"),
        ("profiles = 3\n", "'profiles' must be a set of [profiles.NAME] tables"),
    ],
)
def test_wrong_types_name_the_file_the_key_and_what_is_allowed(text: str, expected: str) -> None:
    path = write_config(text)

    with pytest.raises(ConfigError) as caught:
        load()

    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_broken_toml_names_the_file_and_the_line() -> None:
    path = write_config('theme = "nord"\nmouse = \n')

    with pytest.raises(ConfigError) as caught:
        load()

    assert str(caught.value).startswith(f"{path}: is not valid TOML")
    assert "line 2" in str(caught.value)


def test_a_file_that_is_not_utf8_is_a_config_error() -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b'theme = "\xff"\n')

    with pytest.raises(ConfigError, match="is not UTF-8"):
        load()


def test_default_profile_naming_no_profile_is_refused() -> None:
    path = write_config('default_profile = "ghost"\n[profiles.real]\n')

    with pytest.raises(ConfigError) as caught:
        load()

    assert str(caught.value) == (
        f"{path}: default_profile = 'ghost' names no profile; defined profiles: real"
    )


def test_choosing_a_profile_that_does_not_exist_lists_the_defined_ones() -> None:
    write_config(TWO_TENANTS)

    with pytest.raises(ConfigError, match=r"no profile 'ghost'.*contoso, fabrikam-gov"):
        load(Namespace(profile="ghost"))


def test_bad_environment_boolean_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load(READ_ONLY="maybe")

    assert str(caught.value) == (
        "environment variable INTUNE_TUI_READ_ONLY must be true or false "
        "(1/0, yes/no, on/off), got 'maybe'"
    )


def test_negative_demo_devices_is_refused() -> None:
    with pytest.raises(ConfigError, match="--demo-devices must be a whole number of at least 0"):
        load(Namespace(demo_devices=-1))


def test_access_token_comes_from_the_environment_and_never_shows_in_repr() -> None:
    settings = load(ACCESS_TOKEN="Bearer eyJ0eXAi.eyJzZWNyZXQ.c2ln")

    assert settings.access_token == "eyJ0eXAi.eyJzZWNyZXQ.c2ln"
    assert "eyJ" not in repr(settings)
    assert "access_token='<redacted>'" in repr(settings)


def test_directly_built_settings_derive_endpoints_from_the_cloud() -> None:
    settings = Settings(cloud="usgov-dod", tenant="army.mil")

    assert settings.graph_url == "https://dod-graph.microsoft.us"
    assert settings.authority == "https://login.microsoftonline.us/army.mil"


def test_for_profile_switches_tenant_and_keeps_app_wide_settings() -> None:
    write_config(TWO_TENANTS)
    settings = load(Namespace(debug=True), ACCESS_TOKEN="opaque-token-for-contoso")

    switched = settings.for_profile("fabrikam-gov")

    assert switched.profile == "fabrikam-gov"
    assert switched.tenant == "fabrikam.onmicrosoft.us"
    assert switched.client_id is None
    assert switched.graph_url == "https://graph.microsoft.us"
    assert switched.read_only is True  # that profile is read-only
    assert switched.access_token is None  # the token belonged to the first tenant
    assert (switched.debug, switched.theme, switched.api_version) == (True, "nord", "beta")
    back = switched.for_profile("contoso")
    assert back.read_only is False
    assert back.graph_url == "https://graph.microsoft.com"


def test_for_profile_keeps_a_read_only_flag_and_drops_a_tenant_flag() -> None:
    write_config(TWO_TENANTS)
    settings = load(Namespace(read_only=True, tenant="other.onmicrosoft.com"))

    switched = settings.for_profile("contoso")

    assert switched.read_only is True
    assert switched.tenant == "contoso.onmicrosoft.com"


def test_for_profile_refuses_an_unknown_profile() -> None:
    write_config(TWO_TENANTS)

    with pytest.raises(ConfigError, match="no profile 'nope'"):
        load().for_profile("nope")


def test_a_profile_brings_its_own_token_command_and_switching_uses_the_other_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Path(os.environ["INTUNE_TUI_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        'default_profile = "contoso"\n'
        '[profiles.contoso]\ntenant = "contoso.onmicrosoft.com"\n'
        'access_token_command = "get-token contoso"\n'
        '[profiles.fabrikam]\ntenant = "fabrikam.onmicrosoft.com"\n'
        'access_token_command = "get-token fabrikam"\n',
        encoding="utf-8",
    )
    settings = load_settings(None)
    assert settings.access_token_command == "get-token contoso"
    assert settings.for_profile("fabrikam").access_token_command == "get-token fabrikam"
    monkeypatch.setenv("INTUNE_TUI_ACCESS_TOKEN_COMMAND", "from-env")
    assert load_settings(None).access_token_command == "from-env"


@pytest.mark.parametrize("host", ["graph.microsoft.com", "graph.microsoft.us",
                                  "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"])
def test_the_national_cloud_graph_hosts_are_accepted(host: str) -> None:
    write_config(f'[profiles.p]\ngraph_url = "https://{host}"\n')

    assert load(Namespace(profile="p")).graph_url == f"https://{host}"


def test_loopback_is_accepted_for_the_demo_server_and_tests() -> None:
    assert load(Namespace(graph_url="http://127.0.0.1:8080")).graph_url == "http://127.0.0.1:8080"


def test_any_other_graph_host_needs_the_explicit_opt_in() -> None:
    write_config('[profiles.p]\ngraph_url = "https://graph.example.com"\n')

    with pytest.raises(ConfigError) as refused:
        load(Namespace(profile="p"))
    assert "graph.example.com" in str(refused.value)
    assert "allow_custom_graph_host = true" in str(refused.value)
    assert "sign-in token would be sent" in str(refused.value)
    with pytest.raises(ConfigError):
        load(Namespace(graph_url="https://graph.microsoft.com.evil.example"))

    opted_in = load(Namespace(profile="p", allow_custom_graph_host=True))
    assert opted_in.graph_url == "https://graph.example.com"
    assert load(Namespace(profile="p"), ALLOW_CUSTOM_GRAPH_HOST="1").allow_custom_graph_host


def test_the_columns_chosen_per_list_are_read_and_a_bad_table_is_named() -> None:
    write_config('[columns.devices]\nshown = ["deviceName", "model"]\nwidths = { model = 30 }\n')
    assert load().columns == {"devices": ListColumns(("deviceName", "model"), {"model": 30})}
    path = write_config('[columns.devices]\nshown = "deviceName"\n')
    with pytest.raises(ConfigError, match=r"'columns\.devices': shown must be a list") as error:
        load()
    assert str(path) in str(error.value)


def test_saved_list_columns_keep_the_users_comments_and_load_again() -> None:
    path = write_config('# my tenants\ntheme = "nord"  # dark\n\n[profiles.x]\ntenant = "a.com"\n')

    chosen = ListColumns(("deviceName", "serialNumber"), {"deviceName": 24})
    saved = save_list_columns("devices", chosen)

    assert saved == {"devices": chosen}
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# my tenants\ntheme = "nord"  # dark\n\n[profiles.x]\n')
    assert '[columns.devices]\nshown = ["deviceName", "serialNumber"]\n' \
        'widths = {deviceName = 24}\n' in text
    assert load().columns == {"devices": chosen}
    save_list_columns("devices", None)
    assert load().columns == {}
    assert "[columns" not in path.read_text(encoding="utf-8")
    assert "# my tenants" in path.read_text(encoding="utf-8")


USER_FILE = """\
# my tenants
default_profile = "contoso"   # the one I use most

[profiles.contoso]
tenant = "contoso.onmicrosoft.com"
"""


def test_saving_columns_writes_one_table_per_list_and_reads_back() -> None:
    path = write_config(USER_FILE)
    save_list_columns("devices", ListColumns(("deviceName", "serialNumber"),
                                             {"deviceName": 24}))
    save_list_columns("apps", ListColumns(("displayName",)))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_FILE)  # the user's lines, comments included, untouched
    assert load().columns == {
        "devices": ListColumns(("deviceName", "serialNumber"), {"deviceName": 24}),
        "apps": ListColumns(("displayName",)),
    }
    save_list_columns("devices", ListColumns(("model",)))
    save_list_columns("apps", None)
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert document["columns"] == {"devices": {"shown": ["model"]}}
    assert document["profiles"]["contoso"]["tenant"] == "contoso.onmicrosoft.com"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert {item.name for item in path.parent.iterdir()} == {  # no temporary left
        path.name, config_lock_path(path).name}


def test_saving_columns_refuses_a_broken_file_and_leaves_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("read_only = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        save_list_columns("devices", ListColumns(("deviceName",)), path=broken)
    assert broken.read_text(encoding="utf-8") == "read_only = \n"


def test_a_write_that_would_break_the_file_leaves_it_as_it_was() -> None:
    original = 'theme = "nord"\ncolumns = 3\n'
    path = write_config(original)

    with pytest.raises(ConfigError, match=r"'columns' must be a set of \[columns.LIST\] tables"):
        save_list_columns("devices", ListColumns(("deviceName",)))

    assert path.read_text(encoding="utf-8") == original
    assert {item.name for item in path.parent.iterdir()} == {  # no temporary left
        path.name, config_lock_path(path).name}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[columns]\ndevices = []\n", "'columns.devices' must be a table with shown = [...]"),
        ('[columns.devices]\nshown = "name"\n', "'columns.devices': shown must be a list of"),
        ("[columns.devices]\nwidths = { x = 0 }\n", "widths must map column ids to 1..200"),
        ('[columns."a b"]\nshown = []\n', "'columns' list name must be a list's name"),
        ("[columns.devices]\nshow = []\n", "unknown key 'show'; allowed: shown, widths"),
        ("columns = [1]\n", "'columns' must be a set of [columns.LIST] tables"),
    ],
)
def test_bad_saved_columns_are_refused_clearly(text: str, expected: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load()
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_the_readme_configuration_reference_is_generated_from_the_declarations() -> None:
    """`tests/make_screenshots.py --readme` rewrites it; this fails when someone forgot."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert settings_markdown() in readme, (
        "README's configuration reference is stale: run tests/make_screenshots.py --readme")
    assert "| `[views.NAME]` | empty | — | — |" in settings_markdown()
    assert "| `tenant` (profile) | none: any organization | `INTUNE_TUI_TENANT` | " \
        "`--tenant TENANT` |" in settings_markdown()


def test_every_setting_is_read_where_its_declaration_says() -> None:
    """Profile's fields are the profile keys; every key from outside the file has a check."""
    profile_fields = tuple(item.name for item in fields(Profile))[1:]
    assert profile_fields == PROFILE_KEYS
    for spec in SETTINGS:
        if spec.env or spec.flags or spec.profile:
            assert spec.check is not None, spec.name
    # Each declared variable is read: a bad value of any of them is refused by name.
    for spec in SETTINGS:
        if spec.env_var and spec.kind in ("bool", "int", "float"):
            with pytest.raises(ConfigError, match=re.escape(spec.env_var)):
                load(**{spec.name.upper(): "not-a-value"})


def test_a_profile_colour_comes_with_the_profile_and_goes_with_a_switch() -> None:
    write_config('default_profile = "prod"\n[profiles.prod]\ncolor = "red"\n[profiles.lab]\n')
    settings = load()
    assert settings.color == "red"
    assert settings.for_profile("lab").color is None
    assert settings.for_profile("lab").for_profile("prod").color == "red"


VIEWS = """
# my views
[views.stale-windows]   # the Monday clean-up
list = "devices"
search = "os:windows compliance:noncompliant synced>7d"
sort = "lastSyncDateTime"
key = "f5"
"""


def test_saved_views_load_as_typed_records() -> None:
    write_config(VIEWS)
    assert load().views == {"stale-windows": View(
        "stale-windows", "devices", "os:windows compliance:noncompliant synced>7d",
        sort="lastSyncDateTime", key="f5")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("views = 3\n", "'views' must be a set of [views.NAME] tables, got 3"),
        ('[views."a b"]\nlist = "devices"\n', "'views' name must be a view name"),
        ('[views.x]\nsearch = "os:ios"\n', "'views.x' needs list = ... (the list it shows"),
        ('[views.x]\nlist = "devices"\nsortt = "a"\n',
         "'views.x' has unknown key 'sortt'; allowed: list, search, sort, descending, columns"),
        ('[views.x]\nlist = "devices"\ndescending = "yes"\n',
         "'views.x.descending' must be true or false, got 'yes'"),
        ('[views.x]\nlist = "devices"\ncolumns = "deviceName"\n',
         "'views.x.columns' must be a list of column keys"),
        ('[views.x]\nlist = "devices"\nkey = "f5"\n[views.y]\nlist = "apps"\nkey = "f5"\n',
         "'views.y' key 'f5' already recalls view 'x'"),
    ],
)
def test_a_bad_views_table_is_refused_naming_the_file_view_and_key(
        text: str, expected: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load()
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_saving_a_view_keeps_comments_inside_it_and_follows_the_files_layout() -> None:
    path = write_config('[views.a]  # mine\nlist = "apps"  # all apps\nsort = "x"\n')
    save_view(View("a", "devices", "os:ios"))
    assert path.read_text(encoding="utf-8") == (
        '[views.a]  # mine\nlist = "devices"  # all apps\nsearch = "os:ios"\n')

    path = write_config('views = {a = {list = "devices"}}\n')
    saved = save_view(View("b", "apps", columns=("displayName",)))
    assert set(saved) == {"a", "b"} and load().views["b"].columns == ("displayName",)
    assert path.read_text(encoding="utf-8").startswith("views = {a = {")


def test_two_apps_saving_views_at_once_both_keep_their_view() -> None:
    """Two instances each read, change and write config.toml: without one lock around the whole
    read-change-write, the slower writer puts back the file it read and the other view is lost."""
    write_config("# mine\n")
    first_has_read = threading.Event()
    release_first = threading.Event()

    def slow_change(document: Any) -> None:
        first_has_read.set()
        release_first.wait(timeout=10)
        document["views"] = {"first": {"list": "devices"}}

    first = threading.Thread(target=update_config_file, args=(default_config_path(), slow_change))
    first.start()
    assert first_has_read.wait(timeout=10)
    second = threading.Thread(target=save_view, args=(View("second", "apps"),))
    second.start()
    second.join(timeout=0.5)  # with the lock it waits for the first; without it, it is done
    release_first.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert set(load().views) == {"first", "second"}
    assert default_config_path().read_text(encoding="utf-8").startswith("# mine\n")


def test_saving_where_there_is_no_file_yet_makes_one() -> None:
    path = default_config_path()
    assert not path.exists()
    save_view(View("ios", "devices", "os:ios", sort="lastSyncDateTime", key="f6"))
    assert path.read_text(encoding="utf-8") == (
        '[views.ios]\nlist = "devices"\nsearch = "os:ios"\nsort = "lastSyncDateTime"\n'
        'key = "f6"\n\n')
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_symlinked_config_stays_a_symlink_and_its_target_is_written(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "intune.toml"
    target.parent.mkdir()
    target.write_text("# from my dotfiles\n", encoding="utf-8")
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.symlink_to(target)

    save_list_columns("devices", ListColumns(("deviceName",)))

    assert path.is_symlink()
    assert target.read_text(encoding="utf-8") == (
        '# from my dotfiles\n\n[columns.devices]\nshown = ["deviceName"]\n')
