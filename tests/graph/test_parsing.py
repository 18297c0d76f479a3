import json

import pytest

from intune_tui.graph.errors import (
    GraphBadRequest,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphServerError,
    GraphThrottled,
    GraphUnauthorized,
)
from intune_tui.graph.parsing import (
    claims_challenge,
    error_for_status,
    parse_error_body,
    scopes_named,
)

# The real shape from IntuneBackupAndRestore#55: Intune JSON, with \r\n, inside error.message.
INTUNE_NESTED_403 = {
    "error": {
        "code": "Forbidden",
        "message": (
            '{\r\n  "_version": 3,\r\n  "Message": "Application is not authorized to perform '
            "this operation. Application must have one of the following scopes: "
            "DeviceManagementConfiguration.ReadWrite.All - Operation ID (for customer support): "
            "00000000-0000-0000-0000-000000000000 - Activity ID: 7b3d2c1a-0000-0000-0000-"
            "000000000000 - Url: https://fef.msub05.manage.microsoft.com/DeviceConfiguration/"
            'x?api-version=5019-09-20",\r\n  "CustomApiErrorPhrase": "",\r\n  "RetryAfter": null,'
            '\r\n  "ErrorSourceService": "",\r\n  "HttpHeaders": "{}"\r\n}'
        ),
        "innerError": {"request-id": "5bbd7f49-0000-4d4e-a3d8-1a2b3c4d5e6f", "date": "2026"},
    }
}

# Two JSON levels deep (msal-js#7007, msgraph-sdk-powershell#1257).
DOUBLY_NESTED_403 = {
    "error": {
        "code": "UnknownError",
        "message": json.dumps(
            {
                "ErrorCode": "Forbidden",
                "Message": json.dumps(
                    {
                        "_version": 3,
                        "Message": "An error has occurred - Operation ID (for customer "
                        "support): 00000000-0000-0000-0000-000000000000 - Activity ID: abc",
                        "CustomApiErrorPhrase": "",
                    }
                ),
            }
        ),
        "innerError": {"request-id": "req-2"},
    }
}

# The seed article's sample: plain text with Intune's support trailer.
SEED_403 = {
    "error": {
        "code": "Forbidden",
        "message": "Application is not authorized to perform this operation - Operation ID "
        "(for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: "
        "cc7fa3b3-bb25-420b-bfb2-1498e598ba43 - Url: https://example.manage.microsoft.com/"
        "Service/Resource/RESTendpoint?api-version=2017-03-06 - CustomApiErrorPhrase: ",
        "innerError": {
            "request-id": "00000000-0000-0000-0000-000000000000",
            "date": "1980-01-0112:00:00",
        },
    }
}

USER_NOT_AUTHORIZED_403 = {
    "error": {
        "code": "Forbidden",
        "message": json.dumps(
            {"_version": 3, "Message": "User is not authorized to perform this operation - "
             "Operation ID (for customer support): 1 - Activity ID: 2"}
        ),
    }
}


def test_nested_intune_message_names_the_scope_and_request_id() -> None:
    error = error_for_status(403, json.dumps(INTUNE_NESTED_403).encode())

    assert isinstance(error, GraphForbidden)
    assert str(error) == (
        "Access denied: the app's token lacks DeviceManagementConfiguration.ReadWrite.All "
        "(request-id 5bbd7f49-0000-4d4e-a3d8-1a2b3c4d5e6f)"
    )
    assert error.missing_scope == "DeviceManagementConfiguration.ReadWrite.All"
    assert error.missing_role is False
    assert error.request_id == "5bbd7f49-0000-4d4e-a3d8-1a2b3c4d5e6f"
    assert error.status == 403
    assert "Activity ID: 7b3d2c1a" in (error.detail or "")  # kept for support, not in the sentence


def test_request_id_header_wins_over_body() -> None:
    error = error_for_status(403, json.dumps(INTUNE_NESTED_403), request_id="from-header")
    assert error.request_id == "from-header"
    assert str(error).endswith("(request-id from-header)")


def test_several_scopes_listed_names_them_and_picks_the_read_one() -> None:
    body = {"error": {"code": "Forbidden", "message": json.dumps({
        "Message": "Application is not authorized to perform this operation. Application must "
        "have one of the following scopes: DeviceManagementRBAC.ReadWrite.All, "
        "DeviceManagementRBAC.Read.All - Operation ID (for customer support): 1"})}}

    error = error_for_status(403, json.dumps(body))

    assert isinstance(error, GraphForbidden)
    assert error.missing_scope == "DeviceManagementRBAC.Read.All"
    assert "one of DeviceManagementRBAC.ReadWrite.All, DeviceManagementRBAC.Read.All" in str(error)


def test_doubly_nested_generic_message_falls_back_to_the_callers_scope() -> None:
    error = error_for_status(
        403, json.dumps(DOUBLY_NESTED_403), required_scope="DeviceManagementRBAC.Read.All"
    )

    assert isinstance(error, GraphForbidden)
    assert error.missing_scope == "DeviceManagementRBAC.Read.All"
    assert error.code == "Forbidden"  # the inner ErrorCode, not Graph's UnknownError
    assert str(error).startswith(
        "Access denied: the app's token may lack DeviceManagementRBAC.Read.All"
    )
    assert "Operation ID" not in str(error)
    assert "(request-id req-2)" in str(error)


def test_seed_sample_app_not_authorized_uses_the_callers_scope() -> None:
    error = error_for_status(
        403, json.dumps(SEED_403), required_scope="DeviceManagementManagedDevices.Read.All"
    )

    assert isinstance(error, GraphForbidden)
    assert str(error) == (
        "Access denied: the app's token lacks DeviceManagementManagedDevices.Read.All "
        "(request-id 00000000-0000-0000-0000-000000000000)"
    )


def test_seed_sample_without_a_known_scope_says_what_graph_said() -> None:
    error = error_for_status(403, json.dumps(SEED_403))

    assert str(error).startswith(
        "Access denied: Application is not authorized to perform this operation"
    )
    assert "Activity ID" not in str(error)


def test_user_not_authorized_means_a_missing_intune_role() -> None:
    error = error_for_status(
        403, json.dumps(USER_NOT_AUTHORIZED_403), required_scope="DeviceManagementApps.Read.All"
    )

    assert isinstance(error, GraphForbidden)
    assert error.missing_role is True
    assert error.missing_scope is None
    assert "Intune role" in str(error)


def test_truncated_nested_json_is_still_read() -> None:
    broken = (
        '{"ErrorCode":"Forbidden","Message":"{ \\"_version\\": 3, \\"Message\\": '
        '\\"User is not authorized to perform this operation\\", \\"Cust'
    )
    error = error_for_status(403, json.dumps({"error": {"code": "x", "message": broken}}))

    assert isinstance(error, GraphForbidden)
    assert error.missing_role is True
    assert error.code == "Forbidden"


def test_message_cleaned_of_control_characters_and_support_trailer() -> None:
    body = {"error": {"code": "BadRequest", "message": "Invalid filter\x1b[31m clause\u202e - "
                      "Operation ID (for customer support): 1"}}

    parsed = parse_error_body(json.dumps(body))

    assert parsed.message == "Invalid filter clause"
    assert parsed.code == "BadRequest"


@pytest.mark.parametrize(
    ("status", "kind", "start"),
    [
        (400, GraphBadRequest, "Graph refused the request: Invalid filter clause"),
        (401, GraphUnauthorized, "Graph rejected the sign-in"),
        (404, GraphNotFound, "Not found: Invalid filter clause"),
        (409, GraphError, "Graph refused the request (HTTP 409)"),
        (429, GraphThrottled, "Graph is still throttling this tenant after 6 tries"),
        (503, GraphServerError, "Graph had a server error (HTTP 503"),
    ],
)
def test_status_maps_to_typed_error(status: int, kind: type, start: str) -> None:
    body = {"error": {"code": "x", "message": "Invalid filter clause",
                      "innerError": {"request-id": "r-9"}}}

    error = error_for_status(status, json.dumps(body), attempts=6)

    assert type(error) is kind
    assert str(error).startswith(start)
    assert error.status == status
    assert error.request_id == "r-9"


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"\xff\xfe",
     b'{"error": "a string"}', b"[1, 2]", None, {"responses": 3}],
)
def test_any_body_gives_an_error_never_a_crash(body: object) -> None:
    error = error_for_status(502, body)

    assert isinstance(error, GraphServerError)
    assert str(error).startswith("Graph had a server error (HTTP 502")


def test_html_error_page_is_described_not_dumped() -> None:
    parsed = parse_error_body(b"<!DOCTYPE html><html><body>" + b"x" * 5000 + b"</body></html>")
    assert parsed.message == "the answer was an HTML page, not Graph's JSON"


def test_scopes_named_in_a_plain_message() -> None:
    assert scopes_named(
        "Application must have one of the following scopes: DeviceManagementApps.Read.All, "
        "DeviceManagementApps.ReadWrite.All - Operation ID: 1 - Url: https://a.b/c.d"
    ) == ("DeviceManagementApps.Read.All", "DeviceManagementApps.ReadWrite.All")
    assert scopes_named("An error has occurred") == ()


CAE_HEADER = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3Nl'
    'bnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ=="'
)


def test_claims_challenge_decoded() -> None:
    claims = claims_challenge(CAE_HEADER)
    assert claims is not None
    assert json.loads(claims) == {"access_token": {"acrs": {"essential": True, "value": "cp1"}}}


@pytest.mark.parametrize(
    "header",
    [None, "", 'Bearer realm=""', 'Bearer error="invalid_token"',
     'Bearer error="insufficient_claims", claims="!!!not base64"'],
)
def test_no_claims_challenge(header: str | None) -> None:
    assert claims_challenge(header) is None
