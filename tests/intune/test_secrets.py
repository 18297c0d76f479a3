"""Recovery secrets over the fake Graph: listing without values, reveal on demand, the Secret type,
LAPS decoding, and 403s that name the scope and the Entra role."""

from __future__ import annotations

import base64

import httpx
import pytest
from recording_tokens import RecordingTokens

from intune_tui import __version__
from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphNotFound
from intune_tui.intune.secrets import (
    BITLOCKER_READ,
    FILEVAULT_SCOPE,
    LAPS_READ,
    RecoverySecrets,
    Secret,
    SecretForbidden,
    decode_password,
)


@pytest.fixture(scope="module")
def fake() -> FakeGraph:
    return FakeGraph(build_tenant(devices=300, seed=7))


def reader(fake: FakeGraph, scopes: tuple[str, ...] = rules.ALL_DEMO_SCOPES
           ) -> tuple[RecoverySecrets, RecordingTokens]:
    tokens = RecordingTokens(fake.issue_token(scopes=scopes))
    return RecoverySecrets(GraphClient(tokens, transport=fake.transport())), tokens


def windows_device(fake: FakeGraph) -> tuple[int, str]:
    for index in fake.tenant.devices.live_indices():
        if fake.recovery.bitlocker_keys(index) and fake.recovery.laps_backups(index):
            return index, str(fake.tenant.devices.value(index, "azureADDeviceId"))
    raise AssertionError("no Windows device with keys")


def test_a_secret_never_shows_its_value() -> None:
    secret = Secret("123456-654321")
    shown = [str(secret), repr(secret), f"{secret}", f"{secret!r}", f"{[secret]}"]
    assert all("123456" not in text for text in shown)
    assert secret.reveal() == "123456-654321"
    with pytest.raises(TypeError):
        import pickle
        pickle.dumps(secret)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-8"])
def test_laps_password_decodes_in_either_encoding(encoding: str) -> None:
    for password in ("QQ@d8f8gY", "x7#Kp2!mZq", "Pässwörd€1"):
        encoded = base64.b64encode(password.encode(encoding)).decode()
        assert decode_password(encoded) == password


def test_the_docs_example_password_is_utf16() -> None:
    # devicelocalcredentialinfo-get (v1.0), example 2's newest credential.
    assert decode_password("UQBRAEAAZAA4AGYAOABnAFkA") == "QQ@d8f8gY"


def test_a_broken_password_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Base64"):
        decode_password("not base64 at all!")


async def test_listing_has_no_values_and_reveal_reads_only_the_chosen_key(fake) -> None:
    index, entra_id = windows_device(fake)
    secrets, tokens = reader(fake)
    fake.requests.clear()
    listing = await secrets.listing("Windows", entra_id)
    kinds = [item.kind for item in listing.items]
    assert kinds.count("bitlocker") == len(fake.recovery.bitlocker_keys(index)) and "laps" in kinds
    assert not any("$select" in request.params for request in fake.requests)
    key_item = next(item for item in listing.items if item.kind == "bitlocker")
    revealed = await secrets.reveal(key_item, managed_device_id=fake.tenant.devices.id_of(index),
                                    entra_device_id=entra_id)
    expected = {key.id: key.key for key in fake.recovery.bitlocker_keys(index)}[key_item.key_id]
    assert revealed.secret.reveal() == expected
    assert fake.requests[-1].params == {"$select": "key"}
    assert (BITLOCKER_READ,) in tokens.asked  # asked for at the reveal, not at sign-in


async def test_laps_reveal_is_the_newest_backup_with_its_account(fake) -> None:
    index, entra_id = windows_device(fake)
    secrets, _ = reader(fake)
    account, secret = await secrets.laps_password(entra_id)
    newest = fake.recovery.laps_backups(index)[-1]
    assert (account, secret.reveal()) == (newest.account, newest.password)


async def test_laps_403_names_the_scope_and_the_role(fake) -> None:
    _index, entra_id = windows_device(fake)
    secrets, _ = reader(fake, tuple(s for s in rules.ALL_DEMO_SCOPES if s != LAPS_READ))
    with pytest.raises(SecretForbidden) as raised:
        await secrets.laps_password(entra_id)
    message = str(raised.value)
    assert LAPS_READ in message
    assert "Cloud Device Administrator" in message and "Intune Service Administrator" in message
    assert raised.value.missing_scope == LAPS_READ


async def test_bitlocker_403_names_the_roles_of_the_recovery_key_page(fake) -> None:
    index, _entra_id = windows_device(fake)
    secrets, _ = reader(fake, tuple(s for s in rules.ALL_DEMO_SCOPES if s != BITLOCKER_READ))
    key_id = fake.recovery.bitlocker_keys(index)[0].id
    with pytest.raises(SecretForbidden) as raised:
        await secrets.bitlocker_key(key_id)
    message = str(raised.value)
    assert BITLOCKER_READ in message and "Helpdesk Administrator" in message
    assert "Global Reader" in message and "registered owner" in message


async def test_a_failing_kind_does_not_hide_the_others(fake) -> None:
    index, entra_id = windows_device(fake)
    no_laps = tuple(s for s in rules.ALL_DEMO_SCOPES if not s.startswith("DeviceLocalCredential"))
    secrets, _ = reader(fake, no_laps)
    listing = await secrets.listing("Windows", entra_id)
    assert [item.kind for item in listing.items] == ["bitlocker"] * len(
        fake.recovery.bitlocker_keys(index))
    assert any("DeviceLocalCredential.ReadBasic.All" in problem for problem in listing.problems)


async def test_bitlocker_and_laps_are_listed_in_one_round_trip(fake) -> None:
    import asyncio

    index, entra_id = windows_device(fake)
    secrets, _ = reader(fake)
    released = fake.faults.hold_next(path_contains="/bitlocker/recoveryKeys")
    fake.requests.clear()
    listing = asyncio.create_task(secrets.listing("Windows", entra_id))
    for _ in range(200):  # the LAPS read is answered while the BitLocker one is held
        if any("/deviceLocalCredentials/" in r.path for r in fake.requests):
            break
        await asyncio.sleep(0.01)
    laps_while_held = [r.path for r in fake.requests]
    released.set()
    found = await listing
    assert any("/deviceLocalCredentials/" in path for path in laps_while_held)
    assert not any("/bitlocker/" in path for path in laps_while_held)
    assert [item.kind for item in found.items] == ["bitlocker"] * len(
        fake.recovery.bitlocker_keys(index)) + ["laps"]


async def test_filevault_key_of_a_mac_and_a_clear_404(fake) -> None:
    store = fake.tenant.devices
    mac = next(i for i in store.live_indices() if store.os[i] == "macOS" and store.encrypted[i])
    plain = next(i for i in store.live_indices()
                 if store.os[i] == "macOS" and not store.encrypted[i])
    secrets, _ = reader(fake)
    listing = await secrets.listing("macOS", None)
    assert [item.kind for item in listing.items] == ["filevault"]
    item = listing.items[0]
    revealed = await secrets.reveal(item, managed_device_id=store.id_of(mac), entra_device_id=None)
    assert revealed.secret.reveal() == fake.recovery.filevault_key(store.id_of(mac))
    with pytest.raises(GraphNotFound, match="FileVault"):
        await secrets.reveal(item, managed_device_id=store.id_of(plain), entra_device_id=None)


async def test_a_device_without_an_entra_id_says_so(fake) -> None:
    secrets, _ = reader(fake)
    fake.requests.clear()
    listing = await secrets.listing("Windows", "00000000-0000-0000-0000-000000000000")
    assert listing.items == () and "no Entra device id" in listing.problems[0]
    assert fake.requests == []


class HeaderRecorder(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.user_agents: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.user_agents.append(request.headers.get("user-agent"))
        return await self.inner.handle_async_request(request)


async def test_the_client_names_itself_in_the_user_agent(fake) -> None:
    _index, entra_id = windows_device(fake)
    recorder = HeaderRecorder(fake.transport())
    secrets = RecoverySecrets(GraphClient(RecordingTokens(fake.issue_token()), transport=recorder))
    assert await secrets.bitlocker_keys(entra_id)
    assert recorder.user_agents == [f"intune-tui/{__version__}"]


async def test_filevault_403_names_the_scope_and_the_intune_roles(fake) -> None:
    store = fake.tenant.devices
    mac = next(i for i in store.live_indices() if store.os[i] == "macOS" and store.encrypted[i])
    secrets, _ = reader(fake, tuple(s for s in rules.ALL_DEMO_SCOPES if s != FILEVAULT_SCOPE))
    listing = await secrets.listing("macOS", None)
    with pytest.raises(SecretForbidden) as raised:
        await secrets.reveal(listing.items[0], managed_device_id=store.id_of(mac),
                             entra_device_id=None)
    message = str(raised.value)
    assert FILEVAULT_SCOPE in message and "Remote tasks / Get FileVault key" in message
    assert "Help Desk Operator" in message and "Endpoint Security Manager" in message
    assert raised.value.missing_scope == FILEVAULT_SCOPE
