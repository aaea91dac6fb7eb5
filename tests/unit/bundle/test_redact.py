"""Redaction: credentials never survive, ordinary log text does, and IP pseudonyms are stable and unique."""

from __future__ import annotations

import ipaddress

import pytest

from apigwops.evidence.redact import REDACTED, Redactor
from tests.builders.incident import API_KEY, BASIC, COOKIE, JWT, QUERY_TOKEN


def test_execution_log_header_map_loses_credentials_but_keeps_other_headers() -> None:
    line = (
        f"(rid-1) Method request headers: {{Authorization=Bearer {JWT}, x-api-key={API_KEY}, "
        f"Cookie={COOKIE}; theme=dark, Host=api.example.com, Accept=application/json}}"
    )
    redactor = Redactor()
    out = redactor.text(line)
    for secret in (JWT, API_KEY, COOKIE, "theme=dark"):
        assert secret not in out
    assert "Host=api.example.com" in out
    assert "Accept=application/json" in out
    assert out.count(REDACTED) == 3
    assert redactor.secrets_replaced == 3


def test_json_and_json_inside_a_json_string() -> None:
    body = (
        '{"headers": {"Authorization": "Basic ' + BASIC + '", "cookie": ["a=1", "b=2"]}, '
        '"body": "{\\"X-Api-Key\\":\\"' + API_KEY + '\\",\\"user\\":\\"bob\\"}"}'
    )
    out = Redactor().text(body)
    assert BASIC not in out
    assert API_KEY not in out
    assert "a=1" not in out
    assert '\\"user\\":\\"bob\\"' in out  # neighbours of a secret survive


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        (f"GET /users?access_token={QUERY_TOKEN}&page=2", QUERY_TOKEN),
        (f"Incoming token {JWT} rejected", JWT),
        ("caller AKIAIOSFODNN7EXAMPLE signed", "AKIAIOSFODNN7EXAMPLE"),
        (f"authorization: bearer {QUERY_TOKEN}", QUERY_TOKEN),
        (f"Set-Cookie: {COOKIE}", COOKIE),
    ],
)
def test_secrets_in_free_text(text: str, gone: str) -> None:
    out = Redactor().text(text)
    assert gone not in out
    assert REDACTED in out


@pytest.mark.parametrize(
    "text",
    [
        "The security token included in the request is invalid",
        "Missing Authentication Token",
        "Execution failed due to a timeout error",
        "Method completed with status: 504",
        "Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: 1-2",
        "(rid) API Key: **********abcd",
        "203.0.113.7",  # addresses are kept unless asked
    ],
)
def test_ordinary_log_text_is_unchanged(text: str) -> None:
    assert Redactor().text(text) == text


def test_ip_pseudonyms_are_stable_distinct_valid_and_salted() -> None:
    redactor = Redactor(ips=True, salt=b"s" * 32)
    line = "X-Forwarded-For=203.0.113.7, 198.51.100.23 then 203.0.113.7 and 2001:db8::42 at 01:12:00"
    out = redactor.text(line)
    words = out.replace(",", " ").split()
    first, second, again, v6 = words[0].split("=")[1], words[1], words[3], words[5]
    assert first == again != second
    assert ipaddress.ip_address(first) in ipaddress.ip_network("240.0.0.0/4")
    assert ipaddress.ip_address(v6) in ipaddress.ip_network("fd00::/8")
    assert "01:12:00" in out
    assert "203.0.113.7" not in out
    assert redactor.ips_replaced == 3
    assert Redactor(ips=True, salt=b"t" * 32).pseudonym("203.0.113.7") != first
    assert Redactor(ips=True).pseudonym("203.0.113.7") != Redactor(ips=True).pseudonym("203.0.113.7")


def test_pseudonym_collisions_are_resolved_so_per_ip_counts_stay_exact() -> None:
    salt = b"c" * 32
    taken = Redactor(ips=True, salt=salt).pseudonym("198.51.100.1")
    redactor = Redactor(ips=True, salt=salt)
    redactor._taken.add(taken)  # as if another address had already drawn this pseudonym
    assert redactor.pseudonym("198.51.100.1") != taken


def test_nested_values_are_redacted() -> None:
    value = {"headers": [f"Authorization: Bearer {JWT}"], "n": 3, "t": (f"token={QUERY_TOKEN}",)}
    out = Redactor().value(value)
    assert JWT not in str(out)
    assert QUERY_TOKEN not in str(out)
    assert out["n"] == 3
    assert isinstance(out["t"], tuple)


@pytest.mark.parametrize("ips", [False, True])
def test_every_value_that_changes_matches_the_prefilter(ips: bool) -> None:
    import re

    samples = [
        f"Authorization=Bearer {JWT}",
        f"bearer {QUERY_TOKEN}",
        f"x {JWT} y",
        "AKIAIOSFODNN7EXAMPLE",
        '{"cookie": "a"}',
        "from 203.0.113.9",
        "2001:db8::1",
        "req-000123",
        "394365dc-1b10-411f-9668-70521cec1205",
    ]
    redactor = Redactor(ips=ips)
    trigger = re.compile(redactor.trigger)
    for sample in samples:
        if redactor.text(sample) != sample:
            assert trigger.search(sample), sample
    assert not trigger.search("394365dc-1b10-411f-9668-70521cec1205")
