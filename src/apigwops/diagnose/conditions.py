"""Evaluating `match` selections over the requests table and `when` conditions over signals.

Selections evaluate to a boolean mask, or to None when the evidence cannot answer (the stage's access-log
format lacks a field the test names, or there are no execution logs to search). Unknown is kept apart from
false on purpose: `any` ignores unknown branches, `all` and `not` become unknown, and a finding whose whole
selection is unknown becomes a blind spot instead of a silent "not found".
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigwops.diagnose.schema import Condition, Match, Scalar

if TYPE_CHECKING:
    import pandas as pd

_EMPTY = ("", "-")


@dataclass
class MatchContext:
    """What a selection can look at, and what it found missing along the way."""

    frame: pd.DataFrame
    unavailable: frozenset[str]  # request columns the evidence cannot provide
    exec_messages: pd.DataFrame | None  # request_id, message; None when execution logs are not available
    missing: set[str] = field(default_factory=set)  # fields / "execution-logs" a selection needed but lacked
    exec_hits: dict[str, int] = field(default_factory=dict)  # exec_log text -> matching lines
    # Shared across the findings of one diagnosis, so each column is factorized and each text searched once.
    text_cache: dict[str, Coded] = field(default_factory=dict)
    exec_cache: dict[str, tuple[pd.Series, int]] = field(default_factory=dict)

    def text(self, column: str) -> Coded:
        if column not in self.text_cache:
            self.text_cache[column] = Coded.of(self.frame[column])
        return self.text_cache[column]


@dataclass(frozen=True)
class Coded:
    """A column as codes into its distinct values (as text): a text test runs once per distinct value.

    Access-log columns repeat a handful of values (status types, messages, routes) across a million rows, so
    `contains`/`regex`/`equals` on the distinct values and a take by code is what makes 1M rows fast.
    """

    codes: Any  # numpy int array, -1 where the value is missing
    values: pd.Series  # distinct values as pandas "string"
    index: pd.Index

    @classmethod
    def of(cls, column: pd.Series) -> Coded:
        import pandas as pd

        codes, uniques = pd.factorize(column)
        values = pd.Series(uniques).astype("string").reset_index(drop=True)
        return cls(codes, values, column.index)

    def select(self, hits: pd.Series) -> pd.Series:
        """Per-row result of a per-value test (NA and missing values count as no match)."""
        import numpy as np
        import pandas as pd

        table = np.append(hits.fillna(False).to_numpy(dtype=bool), False)
        return pd.Series(table[self.codes], index=self.index, dtype=bool)


def evaluate_match(match: Match, ctx: MatchContext) -> pd.Series | None:
    if match.all_ is not None:
        parts = [evaluate_match(m, ctx) for m in match.all_]
        known = [p for p in parts if p is not None]
        return _combine(known, ctx, "and") if len(known) == len(parts) else None
    if match.any_ is not None:
        known = [p for p in (evaluate_match(m, ctx) for m in match.any_) if p is not None]
        return _combine(known, ctx, "or") if known else None
    if match.not_ is not None:
        inner = evaluate_match(match.not_, ctx)
        return None if inner is None else ~inner
    if match.exec_log is not None:
        return _exec_log(match.exec_log, ctx)
    assert match.field is not None
    if match.field in ctx.unavailable:
        ctx.missing.add(match.field)
        return None
    return _test_column(ctx.frame[match.field], ctx.text(match.field), match)


def _combine(parts: list[pd.Series], ctx: MatchContext, how: str) -> pd.Series:
    import pandas as pd

    if not parts:
        return pd.Series(how == "and", index=ctx.frame.index, dtype=bool)
    result = parts[0]
    for part in parts[1:]:
        result = (result & part) if how == "and" else (result | part)
    return result


def _exec_log(text: str, ctx: MatchContext) -> pd.Series | None:
    if ctx.exec_messages is None:
        ctx.missing.add("execution-logs")
        return None
    if text not in ctx.exec_cache:
        messages = ctx.exec_messages
        hits = messages["message"].astype("string").str.contains(text, case=False, regex=False, na=False)
        ids = set(messages.loc[hits, "request_id"].dropna().astype(str))
        mask = ctx.frame["request_id"].astype("string").isin(ids).fillna(False).astype(bool)
        ctx.exec_cache[text] = (mask, int(hits.sum()))
    mask, lines = ctx.exec_cache[text]
    ctx.exec_hits[text] = lines
    return mask


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _test_column(column: pd.Series, text: Coded, test: Match) -> pd.Series:
    import pandas as pd

    values = text.values
    if test.present is not None:
        present = text.select(~values.isin(_EMPTY))
        result = present if test.present else ~present
    elif test.equals is not None:
        result = _equals(column, text, test.equals)
    elif test.in_ is not None:
        result = pd.Series(False, index=column.index)
        for value in test.in_:
            result = result | _equals(column, text, value)
    elif test.contains is not None:
        result = text.select(values.str.contains(test.contains, case=False, regex=False, na=False))
    elif test.regex is not None:
        with warnings.catch_warnings():  # groups in a playbook's regex are fine: we only test for a match
            warnings.simplefilter("ignore", UserWarning)
            pattern = re.compile(test.regex, re.IGNORECASE)
            result = text.select(values.str.contains(pattern, regex=True, na=False))
    else:
        numbers = pd.to_numeric(column, errors="coerce")
        if test.gt is not None:
            result = numbers > test.gt
        elif test.gte is not None:
            result = numbers >= test.gte
        elif test.lt is not None:
            result = numbers < test.lt
        else:
            result = numbers <= test.lte
    return result.fillna(False).astype(bool)


def _equals(column: pd.Series, text: Coded, value: Scalar) -> pd.Series:
    import pandas as pd

    if isinstance(value, bool):
        return column.fillna(False).astype(bool) == value
    if _is_number(value):
        return pd.to_numeric(column, errors="coerce") == value
    return text.select(text.values == str(value))


def evaluate_condition(condition: Condition, signals: Mapping[str, Any]) -> bool:
    if condition.all_ is not None:
        return all(evaluate_condition(c, signals) for c in condition.all_)
    if condition.any_ is not None:
        return any(evaluate_condition(c, signals) for c in condition.any_)
    if condition.not_ is not None:
        return not evaluate_condition(condition.not_, signals)
    assert condition.signal is not None
    value = signals.get(condition.signal)
    if condition.present is not None:
        return (value not in (None, "")) == condition.present
    if value is None:
        return False
    if condition.equals is not None:
        return bool(value == condition.equals)
    if condition.in_ is not None:
        return value in condition.in_
    if condition.contains is not None:
        return condition.contains.lower() in str(value).lower()
    if condition.regex is not None:
        return re.search(condition.regex, str(value), re.IGNORECASE) is not None
    for op, bound in (
        ("gt", condition.gt),
        ("gte", condition.gte),
        ("lt", condition.lt),
        ("lte", condition.lte),
    ):
        if bound is not None:
            if not _is_number(value):
                return False
            number = float(value)
            return {
                "gt": number > bound,
                "gte": number >= bound,
                "lt": number < bound,
                "lte": number <= bound,
            }[op]
    return bool(value)
