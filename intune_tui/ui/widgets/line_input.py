"""A one-line `Input` that applies editing keys in the order they arrived.

Textual 8.2.8's `Input` inserts printable keys in its own `_on_key`, but its editing keys
(Backspace, Ctrl+U, Delete, arrows, Home/End …) are bindings, and non-priority bindings run once
the unhandled Key event has bubbled up to the App (`App._on_key` -> `_check_bindings`): one hop per
message queue. When several keys arrive in one read (typing over SSH with latency, or fast typing),
the characters after a Backspace are queued on the Input before the Backspace comes back down as an
action, so `alic⌫ce` became `alicc`. Here the Input runs its own bindings as soon as the key reaches
it, in arrival order; keys it does not bind still bubble as before. Priority bindings are unaffected
(the App checks them before forwarding the key). Drop this class when Textual fixes the ordering.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class LineInput(Input):
    """`Input` whose own bindings run in key arrival order (see the module docstring)."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and await self._run_own_binding(event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    async def _run_own_binding(self, key: str) -> bool:
        for binding in self._bindings.key_to_bindings.get(key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                return True
        return False
