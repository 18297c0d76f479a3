"""What each scope unlocks in this app: the lists and remote actions that need it, and the
"my access" report. Apart from `scopes` (which the catalogs import for their scope constants), so
that nothing imports in a circle."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intune_tui.intune.actions import ACTIONS
from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.scopes import SCOPES, Scope, bare_name, scope_granted


@dataclass(frozen=True, slots=True)
class ScopeUse:
    """Something in the app that needs a scope: a list screen or a remote action."""

    kind: str  # "resource", "action" or "tab" (a part of a screen, from the scope table)
    key: str
    title: str


def screens_needing(scope: str) -> list[ScopeUse]:
    """The resources (lists, detail tabs) and remote actions whose required scope is `scope`."""
    wanted = bare_name(scope)
    uses = [
        ScopeUse("resource", key, resource.title)
        for key, resource in RESOURCES.items()
        if bare_name(resource.required_scope) == wanted
    ]
    uses.extend(
        ScopeUse("action", key, action.label)
        for key, action in ACTIONS.items()
        if bare_name(action.required_scope) == wanted
    )
    known = next((s for s in SCOPES.values() if bare_name(s.name) == wanted), None)
    if known is not None:
        uses.extend(ScopeUse("tab", "", title) for title in known.needed_by)
    return uses


@dataclass(frozen=True, slots=True)
class AccessLine:
    """One row of the "my access" screen."""

    scope: Scope
    granted: bool
    uses: tuple[ScopeUse, ...]


def access_report(granted: Iterable[str]) -> list[AccessLine]:
    """Every scope of the table, whether the token holds it, and what needs it."""
    held = list(granted)
    return [
        AccessLine(scope, scope_granted(scope.name, held), tuple(screens_needing(scope.name)))
        for scope in SCOPES.values()
    ]
