"""The one registry of evidence tables: every DataFrame of `Evidence` is in it, and collect and bundles follow it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import pytest

from apigwops.evidence import bundle, collect
from apigwops.model import EVIDENCE_TABLES, Evidence, EvidenceTable, check_table_registry, table_fields

if TYPE_CHECKING:
    import pandas as pd


def test_the_registry_names_every_dataframe_field_of_evidence() -> None:
    assert {t.name for t in EVIDENCE_TABLES} == set(table_fields(Evidence))
    assert "request_counts" in table_fields(Evidence)
    assert "token" not in table_fields(Evidence)


@dataclass
class _WithExtraTable:
    requests: pd.DataFrame
    new_table: pd.DataFrame
    note: str = ""


def test_a_table_left_out_of_the_registry_is_an_error() -> None:
    registry = (EvidenceTable("requests", ("time",)),)
    with pytest.raises(TypeError, match=r"not registered \['new_table'\]"):
        check_table_registry(_WithExtraTable, registry)


def test_an_entry_without_a_field_or_twice_is_an_error() -> None:
    both = (EvidenceTable("requests", ()), EvidenceTable("new_table", ()))
    check_table_registry(_WithExtraTable, both)  # exactly the fields: fine
    with pytest.raises(TypeError, match=r"not a field \['gone'\]"):
        check_table_registry(_WithExtraTable, (*both, EvidenceTable("gone", ())))
    with pytest.raises(TypeError, match="entries"):
        check_table_registry(_WithExtraTable, (*both, both[0]))


def test_collect_and_bundles_take_their_tables_from_the_registry() -> None:
    required = [t.name for t in EVIDENCE_TABLES if not t.optional]
    assert list(collect._TABLES) == required
    assert list(bundle.TABLES) == required
    assert list(bundle.optional_tables()) == [t.name for t in EVIDENCE_TABLES if t.optional]
    assert {f.name for f in fields(Evidence)} >= set(required)
    assert set(collect._empty_frames()) == set(required)
