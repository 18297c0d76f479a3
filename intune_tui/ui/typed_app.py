"""`intune_app`: the running app typed as IntuneApp, for the screens and widgets that use its
session (service, settings, audit). Textual types `app` as App[object]."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from intune_tui.ui.app import IntuneApp


class _InApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


class IntuneAppMixin:
    """Put before the Textual base: `class OffboardScreen(IntuneAppMixin, Screen[None])`."""

    @property
    def intune_app(self: _InApp) -> IntuneApp:
        return cast("IntuneApp", self.app)
