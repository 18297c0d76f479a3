"""The cache key in the OS keyring: created once, never a hang, and a clear reason when absent."""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Callable
from typing import Any

import keyring.backends.chainer
import keyring.backends.null
import pytest

from intune_tui.auth.keystore import (
    KEYRING_SERVICE,
    delete_key,
    key_name,
    load_or_create_key,
)

from .conftest import HangingKeyring, LockedKeyring, MemoryKeyring


def test_a_key_is_created_once_and_read_back_on_the_next_start(
    memory_keyring: MemoryKeyring,
) -> None:
    first = load_or_create_key("contoso", timeout=2)
    second = load_or_create_key("contoso", timeout=2)

    assert first.usable and first.created and first.problem is None
    assert second.key == first.key and not second.created
    stored = memory_keyring.passwords[(KEYRING_SERVICE, key_name("contoso"))]
    assert base64.b64decode(stored) == first.key and len(first.key or b"") == 32
    assert "key=" not in repr(first) and stored not in repr(first)


def test_each_profile_gets_its_own_key(memory_keyring: MemoryKeyring) -> None:
    contoso = load_or_create_key("contoso", timeout=2)
    northwind = load_or_create_key("northwind", timeout=2)

    assert contoso.key != northwind.key
    assert len(memory_keyring.passwords) == 2


def test_without_create_a_missing_key_is_not_made(memory_keyring: MemoryKeyring) -> None:
    probe = load_or_create_key("contoso", timeout=2, create=False)

    assert not probe.usable and memory_keyring.passwords == {}


def test_a_damaged_key_is_replaced(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.passwords[(KEYRING_SERVICE, key_name("contoso"))] = "not base64!"

    probe = load_or_create_key("contoso", timeout=2)

    assert probe.usable and probe.created


def test_no_keyring_backend_is_reported_not_raised(no_keyring: Any) -> None:
    probe = load_or_create_key("contoso", timeout=2)

    assert not probe.usable
    assert "no secure OS keyring" in (probe.problem or "")
    assert "fail" in probe.backend


def test_the_null_keyring_is_not_a_secure_store(use_keyring: Callable[[Any], Any]) -> None:
    use_keyring(keyring.backends.null.Keyring())

    probe = load_or_create_key("contoso", timeout=2)

    assert not probe.usable and "null" in (probe.problem or "")


def test_a_hanging_keyring_is_abandoned_after_the_timeout(
    use_keyring: Callable[[Any], Any],
) -> None:
    hanging = use_keyring(HangingKeyring())

    probe = load_or_create_key("contoso", timeout=0.2)

    assert hanging.calls == 1  # it was asked, and never answered
    assert not probe.usable
    assert "did not answer within 0.2 s" in (probe.problem or "")
    assert "HangingKeyring" in probe.backend


def test_a_locked_keyring_is_reported(use_keyring: Callable[[Any], Any]) -> None:
    use_keyring(LockedKeyring())

    probe = load_or_create_key("contoso", timeout=2)

    assert not probe.usable and "locked" in (probe.problem or "")


def test_delete_key_removes_it_and_tolerates_a_missing_one(
    memory_keyring: MemoryKeyring,
) -> None:
    load_or_create_key("contoso", timeout=2)

    assert delete_key("contoso", timeout=2) is None
    assert memory_keyring.passwords == {}
    assert delete_key("contoso", timeout=2) is None


def test_delete_key_without_a_keyring_is_not_a_problem(no_keyring: Any) -> None:
    assert delete_key("contoso", timeout=2) is None


def test_delete_key_on_a_hanging_keyring_gives_up(use_keyring: Callable[[Any], Any]) -> None:
    hanging = use_keyring(HangingKeyring())
    hanging.delete_password = lambda service, username: hanging.release.wait(60)  # type: ignore[method-assign]

    assert "did not answer" in (delete_key("contoso", timeout=0.2) or "")


class InsecureKeyring(MemoryKeyring):
    """A plaintext store with a high priority (as a misconfigured keyrings.alt can have)."""


class ChainOverInsecure(keyring.backends.chainer.ChainerBackend):
    backends = (InsecureKeyring(), InsecureKeyring())


class ChainOverOsStore(keyring.backends.chainer.ChainerBackend):
    backends = (MemoryKeyring(), InsecureKeyring())


def test_a_chainer_over_insecure_backends_is_not_a_secure_keyring(
    use_keyring: Callable[[Any], Any],
) -> None:
    chainer = use_keyring(ChainOverInsecure())
    assert float(chainer.priority) >= 1  # keyring's priority alone would have trusted it

    probe = load_or_create_key("contoso", timeout=2)

    assert not probe.usable and "no secure OS keyring" in (probe.problem or "")
    assert ChainOverInsecure.backends[0].passwords == {}  # the key did not land in plaintext


def test_a_chainer_whose_first_backend_is_an_os_store_uses_only_that_store(
    use_keyring: Callable[[Any], Any],
) -> None:
    use_keyring(ChainOverOsStore())
    first, insecure = ChainOverOsStore.backends
    planted = base64.b64encode(b"k" * 32).decode()
    insecure.passwords[(KEYRING_SERVICE, key_name("contoso"))] = planted

    probe = load_or_create_key("contoso", timeout=2)

    assert probe.usable and probe.created and probe.key != b"k" * 32
    assert (KEYRING_SERVICE, key_name("contoso")) in first.passwords


class SlowKeyring(MemoryKeyring):
    """Its first two reads answer together: two processes asked at the same moment."""

    def __init__(self) -> None:
        super().__init__()
        self.together = threading.Barrier(2, timeout=5)
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        answer = super().get_password(service, username)
        if self.reads <= 2:  # both have read before either answer arrives
            with contextlib.suppress(threading.BrokenBarrierError):
                self.together.wait()
        return answer


def test_two_first_starts_at_once_share_one_key(
    make_settings: Callable[..., Any], use_keyring: Callable[[Any], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from intune_tui.auth import keystore
    from intune_tui.auth.cache import CacheMode, open_token_cache

    trusted = getattr(keystore, "OS_KEYRING_BACKENDS", frozenset())
    monkeypatch.setattr(keystore, "OS_KEYRING_BACKENDS", trusted | {
        f"{SlowKeyring.__module__}.{SlowKeyring.__qualname__}"}, raising=False)
    use_keyring(SlowKeyring())
    settings = make_settings(keyring_timeout=10.0)
    stores: list[Any] = [None, None]

    def start(index: int) -> None:
        stores[index] = open_token_cache(settings)

    threads = [threading.Thread(target=start, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert [store.mode for store in stores] == [CacheMode.ENCRYPTED, CacheMode.ENCRYPTED]
    stores[0].replace_cache('{"AccessToken": {}}')
    assert stores[0].save()
    assert stores[1].load() is None  # what one process wrote, the other can read


def test_the_audit_chain_key_is_its_own_entry_and_logout_keeps_it(
    memory_keyring: MemoryKeyring,
) -> None:
    from intune_tui.audit import AUDIT_KEY_ENTRY, keyring_key_provider

    load_or_create_key("contoso", timeout=2)
    first = keyring_key_provider(timeout=2)()
    again = keyring_key_provider(timeout=2)()
    assert delete_key("contoso", timeout=2) is None  # logout of the profile

    assert first.key is not None and again.key == first.key and first.problem is None
    assert set(memory_keyring.passwords) == {(KEYRING_SERVICE, AUDIT_KEY_ENTRY)}
    assert base64.b64decode(memory_keyring.passwords[(KEYRING_SERVICE, AUDIT_KEY_ENTRY)]) == \
        first.key
    assert keyring_key_provider(timeout=2)().key == first.key


def test_without_a_secure_keyring_the_audit_key_says_why(no_keyring: Any) -> None:
    from intune_tui.audit import keyring_key_provider

    chain_key = keyring_key_provider(timeout=2)()

    assert chain_key.key is None and chain_key.problem and "keyring" in chain_key.problem
