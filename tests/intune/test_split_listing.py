"""`intune_tui.intune.split_listing` on its own (the split listings themselves are tested
through `IntuneService.list_pages`, tests/intune/test_service.py)."""

from __future__ import annotations

from intune_tui.intune.split_listing import RELEASE_KEYS_AT_ONCE, release_piecewise


def test_release_piecewise_empties_a_set_of_several_pieces_and_one_of_less_than_a_piece(
        ) -> None:
    many = {f"key-{index}" for index in range(RELEASE_KEYS_AT_ONCE * 3 + 7)}
    few = {"a", "b"}
    release_piecewise(many)
    release_piecewise(few)
    release_piecewise(set())
    assert many == set() and few == set()
