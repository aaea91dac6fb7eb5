"""Untrusted text never drives the terminal: control characters are shown, not obeyed."""

from __future__ import annotations

import pytest

from apigwops.terminal import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),
        ("prod\rFAKE", "prod\\rFAKE"),
        ("a\nb", "a\\nb"),
        ("\x9b2J", "\\x9b2J"),
        ("\u202eevil", "\\u202eevil"),
        ("\x7f", "\\x7f"),
    ],
)
def test_control_characters_are_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_printable_text_is_unchanged() -> None:
    text = "user-api / prod: 12,400 lines, café 東京 ✓\tok"
    assert printable(text) == text
