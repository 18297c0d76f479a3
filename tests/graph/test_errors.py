"""Graph's error text is untrusted: what a hostile body says reaches no terminal raw."""

from __future__ import annotations

import json

import httpx
import pytest

from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError
from intune_tui.graph.tokens import StaticTokenProvider

OSC52 = "\x1b]52;c;Y3VybCBldmlsfHNo\x07"
CSI = "\x1b[2J\x9b31m"


def hostile_answer(request: httpx.Request) -> httpx.Response:
    body = {"error": {"code": f"Forbidden{OSC52}", "message": f"no {CSI}access",
                      "innerError": {"request-id": f"rid-1{OSC52}\u202e"}}}
    return httpx.Response(400, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json"})


async def test_code_request_id_message_and_detail_of_a_hostile_error_are_clean() -> None:
    client = GraphClient(StaticTokenProvider("t"), transport=httpx.MockTransport(hostile_answer))

    with pytest.raises(GraphError) as raised:
        await client.get("/deviceManagement/managedDevices/1")
    await client.aclose()

    error = raised.value
    shown = [str(error), error.code or "", error.request_id or "", error.detail or "",
             error.support_line()]
    for text in shown:
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, text
        assert "\u202e" not in text
    assert error.code == "Forbidden"  # the escape sequence went whole, not just its ESC
    assert error.request_id == "rid-1"


def test_an_error_made_anywhere_is_clean() -> None:
    error = GraphError(f"said {CSI}", code=OSC52, request_id=f"x{OSC52}", detail=CSI)

    assert "\x1b" not in str(error) + error.support_line() + (error.detail or "")
