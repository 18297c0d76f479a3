"""How long a sent remote action is followed: the poll schedule's defaults.

On their own (not in `action_run`, which uses them) so that the UI's `Timings` takes them
without importing the remote actions, which the first frame does not need (ui/startup.py).
"""

from __future__ import annotations

# Following an action: first check after 2 s, doubling up to a minute, for ten minutes at most.
POLL_FIRST_DELAY = 2.0
POLL_MAX_DELAY = 60.0
POLL_LIMIT = 600.0
