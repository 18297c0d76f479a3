"""`o`: the admin center link of what is on screen, copied through OSC 52 and shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intune_tui.intune.admin_center import admin_center_link
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.ui.app import IntuneApp


def copy_admin_center_link(app: IntuneApp, resource_key: str, item: Mapping[str, Any], *,
                           name: str, noun: str) -> None:
    """Copy the link (works over SSH) and print it in a notice, so a terminal without OSC 52
    still shows it to select by hand. `name`: the item's; `noun`: its kind ("device")."""
    settings = app.settings
    link = admin_center_link(resource_key, item, cloud=settings.cloud, tenant=settings.tenant)
    if link is None:
        app.notify(f"The admin center has no known link for this {noun}.", severity="warning",
                   markup=False)
        return
    app.copy_to_clipboard(link.url)
    where = (f"Copied the admin center link of {clean(name) or 'this ' + noun}" if link.exact
             else f"The admin center has no link to one {noun}; copied the link to the list")
    app.notify(f"{where}:\n{link.url}", title="Admin center", markup=False, timeout=12)
