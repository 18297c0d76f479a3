"""A token provider for tests of the Intune layer: one token, and every scope list it was asked
for (what incremental consent would have requested)."""

from __future__ import annotations

from collections.abc import Sequence


class RecordingTokens:
    def __init__(self, token: str) -> None:
        self.token = token
        self.asked: list[tuple[str, ...]] = []

    async def get_token(self, *, scopes: Sequence[str] | None = None, force_refresh: bool = False,
                        claims_challenge: str | None = None) -> str:
        self.asked.append(tuple(scopes or ()))
        return self.token
