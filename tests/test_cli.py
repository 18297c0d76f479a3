from __future__ import annotations

import inspect
import logging
import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from intune_tui import __version__
from intune_tui.cli import main
from intune_tui.config import ConfigError, Settings, default_config_path
from intune_tui.logs import reset_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    reset_logging()
    root.handlers[:] = handlers
    root.setLevel(level)


Calls = list[tuple[str, tuple[Any, ...], dict[str, Any]]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Stand-ins for the modules the CLI dispatches to, recording how they were called."""
    recorded: Calls = []

    def recorder(name: str, result: int = 0) -> Callable[..., int]:
        def record(*args: Any, **kwargs: Any) -> int:
            recorded.append((name, args, kwargs))
            return result

        return record

    modules = {
        "intune_tui.ui.app": {"run_app": recorder("run_app", 0)},
        "intune_tui.auth.commands": {
            "login": recorder("login", 0),
            "logout": recorder("logout", 0),
            "whoami": recorder("whoami", 3),
        },
        "intune_tui.demo.server": {"run_demo_server": recorder("run_demo_server", 0)},
        # The demo's Graph process: "started" as a tuple naming its size, passed to run_app.
        "intune_tui.demo.process": {"DemoGraphProcess": types.SimpleNamespace(
            start=lambda devices, log_dir=None: ("demo graph", devices, log_dir))},
    }
    for module_name, functions in modules.items():
        module = types.ModuleType(module_name)
        for function_name, function in functions.items():
            setattr(module, function_name, function)
        monkeypatch.setitem(sys.modules, module_name, module)
    monkeypatch.setattr("intune_tui.export.export_command", recorder("export_command", 0))
    return recorded


def only_settings(recorded: Calls) -> Settings:
    assert len(recorded) == 1
    settings = recorded[0][1][0]
    assert isinstance(settings, Settings)
    return settings


def test_version_prints_the_version_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0

    assert capsys.readouterr().out.strip() == f"intune-tui {__version__}"


def test_python_dash_m_works_and_version_does_not_load_the_ui() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['intune-tui', '--version'];"
        "\ntry: runpy.run_module('intune_tui', run_name='__main__')"
        "\nexcept SystemExit as done: print(done.code, 'textual' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, check=True
    )

    assert result.stdout.splitlines() == [f"intune-tui {__version__}", "0 False"]


def test_help_exits_zero_and_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0

    out = capsys.readouterr().out
    for command in ("login", "logout", "whoami", "export", "demo-server"):
        assert command in out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["--cloud", "mars"], "argument --cloud: invalid choice: 'mars'"),
        (["--api-version", "v2"], "argument --api-version: invalid choice: 'v2'"),
        (["--graph-url", "http://graph.example.com"], "--graph-url must use https://"),
        (["--graph-url", "https://graph.microsoft.com/beta"], "must be just scheme://host"),
        (["--demo-devices", "-5"], "argument --demo-devices: must be at least 0, got -5"),
        (["--demo-devices", "many"], "argument --demo-devices: must be a whole number"),
        (["--device-code", "--browser"], "not allowed with argument --device-code"),
        (["--tenant", "contoso.com/../evil"], "--tenant must be a tenant domain"),
        (["export"], "the following arguments are required: RESOURCE"),
        (["export", "devices", "--format", "xlsx"], "argument --format: invalid choice"),
        (["demo-server", "--devices", "-1"], "argument --devices: must be at least 0, got -1"),
        (["demo-server", "--rate-429", "1.5"], "argument --rate-429: must be a number from 0"),
        (["demo-server", "--port", "70000"], "argument --port: must be at most 65535"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    ],
)
def test_a_bad_command_line_exits_2_with_one_clear_line(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str], calls: Calls
) -> None:
    assert main(argv) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("intune-tui: error: ")
    assert complaint in captured.err
    assert calls == []


def test_a_broken_config_file_exits_2_naming_the_file(
    capsys: pytest.CaptureFixture[str], calls: Calls
) -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text("[profiles.contoso]\nread_onyl = true\n", encoding="utf-8")

    assert main([]) == 2

    err = capsys.readouterr().err
    assert err == (
        f"intune-tui: error: {path}: unknown key 'read_onyl' in [profiles.contoso]; "
        "allowed: tenant, client_id, cloud, graph_url, read_only, access_token_command, color\n"
    )
    assert calls == []


def test_control_characters_in_a_bad_value_do_not_reach_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--tenant", "evil\x1b[2J.com"]) == 2

    assert "\x1b" not in capsys.readouterr().err


def test_without_a_command_the_app_runs_with_the_flags_applied(calls: Calls) -> None:
    assert main(["--demo", "--demo-devices", "50", "--read-only", "--no-mouse"]) == 0

    settings = only_settings(calls)
    assert calls[0][0] == "run_app"
    assert (settings.demo, settings.demo_devices) == (True, 50)
    assert (settings.read_only, settings.mouse) == (True, False)
    # The demo's Graph was started before the app, sized by the flag, logging beside the app.
    assert calls[0][2] == {"demo_graph": ("demo graph", 50, settings.log_dir)}


def test_without_demo_no_demo_graph_is_started(calls: Calls) -> None:
    assert main(["--tenant", "contoso.com"]) == 0

    assert calls[0][2] == {"demo_graph": None}


def test_the_app_starts_with_the_garbage_collector_paused_and_it_is_on_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    seen: list[bool] = []

    def run_app(settings: Settings, **kwargs: Any) -> int:
        seen.append(gc.isenabled())
        raise RuntimeError("the app broke")

    monkeypatch.setattr("intune_tui.ui.app.run_app", run_app)
    monkeypatch.setattr("intune_tui.demo.process.DemoGraphProcess.start",
                        lambda devices, log_dir=None: None)
    try:
        assert main(["--demo"]) == 1
        assert seen == [False]
        assert gc.isenabled()
    finally:
        gc.enable()


def test_flags_beat_environment_end_to_end(
    calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTUNE_TUI_TENANT", "env.onmicrosoft.com")
    monkeypatch.setenv("INTUNE_TUI_CLOUD", "china")

    assert main(["--tenant", "flag.onmicrosoft.com"]) == 0

    settings = only_settings(calls)
    assert settings.tenant == "flag.onmicrosoft.com"
    assert settings.graph_url == "https://microsoftgraph.chinacloudapi.cn"


@pytest.mark.parametrize("command", ["login", "logout", "whoami"])
def test_account_commands_dispatch_with_the_settings(command: str, calls: Calls) -> None:
    status = main(["--tenant", "contoso.com", command, "--device-code"])

    assert status == (3 if command == "whoami" else 0)  # the command's own status
    settings = only_settings(calls)
    assert calls[0][0] == command
    assert settings.tenant == "contoso.com"  # given before the command, kept after it
    assert settings.auth_mode == "device-code"


def test_export_dispatches_resource_query_format_and_output(calls: Calls) -> None:
    status = main(
        ["export", "devices", "--filter", "os:ios", "--format", "json", "--output", "x.json",
         "--demo"]
    )

    assert status == 0
    name, args, _kwargs = calls[0]
    assert name == "export_command"
    assert args[1:] == ("devices", "os:ios", "json", "x.json")
    assert args[0].demo is True


def test_export_defaults_to_csv_everything_and_a_default_path(calls: Calls) -> None:
    main(["export", "apps"])

    assert calls[0][1][1:] == ("apps", "", "csv", None)


def test_demo_server_dispatches_with_its_options(calls: Calls) -> None:
    argv = ["demo-server", "--port", "0", "--devices", "300", "--latency-ms", "25", "--seed",
            "3", "--rate-429", "0.1", "--rate-drop", "0.05", "--rate-write-503", "0.2",
            "--rate-write-drop", "0.3", "--rate-write-truncated", "0.4", "--token-file", "t.txt"]

    assert main(argv) == 0

    name, _args, kwargs = calls[0]
    assert name == "run_demo_server"
    assert kwargs == {
        "port": 0, "devices": 300, "latency_ms": 25.0, "seed": 3, "rate_429": 0.1,
        "rate_503": 0.0, "rate_504": 0.0, "rate_drop": 0.05, "rate_malformed": 0.0,
        "rate_write_503": 0.2, "rate_write_drop": 0.3, "rate_write_truncated": 0.4,
        "token_file": "t.txt",
    }


def test_the_real_dispatch_targets_accept_what_the_cli_passes(calls: Calls) -> None:
    main(["demo-server"])
    demo_kwargs = calls[0][2]
    for name in ("intune_tui.ui.app", "intune_tui.auth.commands", "intune_tui.demo.server",
                 "intune_tui.demo.process"):
        sys.modules.pop(name)  # the real modules, not the recorders
    from intune_tui.auth.commands import login, logout, whoami
    from intune_tui.demo.process import DemoGraphProcess
    from intune_tui.demo.server import run_demo_server
    from intune_tui.ui.app import run_app

    settings = Settings()
    for target in (login, logout, whoami):
        inspect.signature(target).bind(settings)
    inspect.signature(run_app).bind(settings, demo_graph=None)
    inspect.signature(DemoGraphProcess.start).bind(settings.demo_devices, log_dir=Path("logs"))
    inspect.signature(run_demo_server).bind(**demo_kwargs)


def test_an_unexpected_error_exits_1_with_one_line_naming_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    def crash(settings: Settings, **kwargs: Any) -> int:
        raise RuntimeError("boom while sending Authorization: Bearer abc.secret")

    monkeypatch.setattr(sys.modules["intune_tui.ui.app"], "run_app", crash)

    assert main([]) == 1

    captured = capsys.readouterr()
    log_path = Path(os.environ["INTUNE_TUI_LOG_DIR"]) / "intune-tui.log"
    assert captured.err.count("\n") == 1
    assert str(log_path) in captured.err
    assert "Traceback" not in captured.err and "abc.secret" not in captured.err
    logged = log_path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError" in logged
    assert "abc.secret" not in logged


def test_a_config_error_raised_later_is_still_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    def refuse(settings: Settings) -> int:
        raise ConfigError("no profile 'x'")

    monkeypatch.setattr(sys.modules["intune_tui.auth.commands"], "login", refuse)

    assert main(["login"]) == 2
    assert capsys.readouterr().err == "intune-tui: error: no profile 'x'\n"


def test_ctrl_c_exits_130_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    def interrupted(settings: Settings, **kwargs: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["intune_tui.ui.app"], "run_app", interrupted)

    assert main([]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_an_unusable_log_directory_is_a_warning_not_a_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, calls: Calls,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("INTUNE_TUI_LOG_DIR", str(blocker / "logs"))

    assert main(["--demo"]) == 0

    assert [name for name, _args, _kwargs in calls] == ["run_app"]
    err = capsys.readouterr().err
    assert err.startswith(f"intune-tui: warning: no log file in {blocker / 'logs'}")
    assert err.count("\n") == 1


# -- newcomers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["whoami", "login", "logout"])
def test_account_commands_refuse_demo_instead_of_ignoring_it(
        command: str, calls: Calls, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--demo"]) == 2

    err = capsys.readouterr().err
    assert f"{command} is for a real tenant" in err and "--demo" in err
    assert calls == []


def test_help_names_the_real_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert str(default_config_path()) in out


def test_the_no_client_id_steps_name_the_real_config_file() -> None:
    from intune_tui.auth.errors import ClientIdMissing, resolve_client_id
    from intune_tui.config import load_settings

    settings = load_settings(None)
    with pytest.raises(ClientIdMissing) as raised:
        resolve_client_id(settings)
    assert str(settings.config_path) in (raised.value.help or "")


def test_export_help_lists_the_lists_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    from intune_tui.export import exportable_resources

    assert main(["export", "--help"]) == 0

    out = " ".join(capsys.readouterr().out.split())
    listed = out.split("Lists: ", 1)[1]
    assert all(name in listed for name in exportable_resources())
    assert "Formats: csv, json" in listed


@pytest.mark.parametrize("command", ["whoami", "export", "demo-server"])
def test_sub_command_usage_does_not_repeat_the_session_flags(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0

    out = capsys.readouterr().out
    usage = out.split("\n\n", 1)[0]
    assert usage.startswith(f"usage: intune-tui {command}")
    assert "[session options]" in usage
    assert "--tenant" not in usage and "--access-token-command" not in usage
    assert "--tenant TENANT" in out  # still documented below


def test_a_bad_saved_view_exits_2_naming_the_file_the_view_and_the_key(
    capsys: pytest.CaptureFixture[str], calls: Calls
) -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[views.stale]\nlist = "devices"\ndescending = "yes"\n', encoding="utf-8")

    assert main(["--demo"]) == 2

    assert capsys.readouterr().err == (
        f"intune-tui: error: {path}: 'views.stale.descending' must be true or false, "
        "got 'yes'\n")
    assert calls == []
