"""Text tests run once per distinct value (`Coded`) must select exactly the rows a row-by-row string test would:
missing values, "-" and "" placeholders, numbers and booleans rendered as text, and case-insensitive search."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from apigwops.diagnose.conditions import MatchContext, evaluate_match
from apigwops.diagnose.schema import Match

COLUMNS = {
    "error_message": pd.Series(
        ["Unauthorized", None, "-", "", "The incoming token has EXPIRED", "Unauthorized", "Forbidden"],
        dtype="string",
    ),
    "integration_status": pd.array([200, None, 429, 429, 500, 200, None], dtype="Float64"),
    "authorization": pd.Series(
        ["JWT", None, "NONE", "JWT", float("nan"), "COGNITO_USER_POOLS", "-"], dtype=object
    ),
    "lambda_integration": pd.Series([True, False, True, True, False, False, True]),
}


def _naive(column: pd.Series, test: dict[str, object]) -> list[bool]:
    """The row-by-row meaning of each operator, written out plainly."""
    out = []
    for value in column.tolist():
        missing = value is None or value is pd.NA or (isinstance(value, float) and value != value)
        text = None if missing else str(value)
        if "present" in test:
            present = text is not None and text not in ("", "-")
            out.append(present == test["present"])
        elif "equals" in test and isinstance(test["equals"], str):
            out.append(text == test["equals"])
        elif "contains" in test:
            out.append(text is not None and str(test["contains"]).lower() in text.lower())
        else:
            out.append(text is not None and re.search(str(test["regex"]), text, re.IGNORECASE) is not None)
    return out


@pytest.mark.parametrize("field", ["error_message", "authorization", "integration_status"])
@pytest.mark.parametrize(
    "test",
    [
        {"present": True},
        {"present": False},
        {"equals": "Unauthorized"},
        {"equals": "JWT"},
        {"contains": "expired"},
        {"regex": "^(jwt|none)$"},
        {"regex": "unauth|forb"},
    ],
)
def test_text_tests_match_row_by_row(field: str, test: dict[str, object]) -> None:
    frame = pd.DataFrame(COLUMNS)
    ctx = MatchContext(frame, frozenset(), None)
    got = evaluate_match(Match.model_validate({"field": field, **test}), ctx)
    assert got is not None
    expected = _naive(frame[field], test)
    assert got.tolist() == expected


def test_numbers_and_booleans_compare_as_values() -> None:
    frame = pd.DataFrame(COLUMNS)
    ctx = MatchContext(frame, frozenset(), None)
    status = evaluate_match(Match.model_validate({"field": "integration_status", "equals": 429}), ctx)
    assert status is not None
    assert status.tolist() == [False, False, True, True, False, False, False]
    flag = evaluate_match(Match.model_validate({"field": "lambda_integration", "equals": True}), ctx)
    assert flag is not None
    assert flag.tolist() == COLUMNS["lambda_integration"].tolist()
    either = evaluate_match(Match.model_validate({"field": "integration_status", "in": [200, 500]}), ctx)
    assert either is not None
    assert either.tolist() == [True, False, False, False, True, True, False]
