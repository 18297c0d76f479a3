from urllib.parse import parse_qs

import httpx
import pytest

from intune_tui.graph.odata import ODataQuery, encode_params, quote, search_phrase


def test_empty_query_sends_no_options() -> None:
    assert ODataQuery().to_params() == {}


def test_every_option_in_graph_spelling() -> None:
    query = ODataQuery(
        select=("id", "deviceName", "lastSyncDateTime"),
        filter="operatingSystem eq 'Windows'",
        top=50,
        orderby="deviceName desc",
        count=True,
        expand="assignments",
        search="laptop",
    )

    assert query.to_params() == {
        "$select": "id,deviceName,lastSyncDateTime",
        "$filter": "operatingSystem eq 'Windows'",
        "$top": "50",
        "$orderby": "deviceName desc",
        "$count": "true",
        "$expand": "assignments",
        "$search": '"laptop"',
    }


def test_with_top_changes_only_the_page_size() -> None:
    query = ODataQuery(select=("id",), filter="x eq 'y'", top=1000)

    smaller = query.with_top(20)

    assert smaller.top == 20
    assert (smaller.select, smaller.filter) == (("id",), "x eq 'y'")
    assert query.top == 1000


def test_top_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\$top"):
        ODataQuery(top=0)


def test_select_given_as_one_string_is_refused() -> None:
    # ("id") is the string "id", which would be joined as "i,d".
    with pytest.raises(TypeError):
        ODataQuery(select="id")  # type: ignore[arg-type]


def test_quote_doubles_single_quotes() -> None:
    assert quote("O'Brien's iPad") == "'O''Brien''s iPad'"
    assert quote("") == "''"


def test_search_phrase_quotes_and_escapes() -> None:
    assert search_phrase('say "hi"') == '"say \\"hi\\""'
    assert search_phrase('"displayName:Teams"') == '"displayName:Teams"'


def test_encoded_query_survives_plus_ampersand_and_unicode() -> None:
    params = ODataQuery(
        select=("id", "deviceName"), filter="deviceName eq 'a+b & café'"
    ).to_params()

    encoded = encode_params(params)

    assert "+" not in encoded  # a literal + would be read back as a space
    assert encoded.startswith("$select=id,deviceName&$filter=deviceName%20eq%20'a%2Bb%20%26")
    decoded = {key: values[0] for key, values in parse_qs(encoded).items()}
    assert decoded == params
    assert dict(httpx.URL("https://graph.microsoft.com/v1.0/x?" + encoded).params) == params
