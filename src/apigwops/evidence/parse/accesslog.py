"""Access-log lines -> the canonical `requests` table, whatever layout the stage's format chose.

Valid JSON lines take the fast path (`json.loads` per line, one DataFrame construction, vectorised renames);
text layouts go through one `Series.str.extract` with the regex compiled from the format. Only lines that fail
fall back, one by one: a JSON line broken by a quote inside a value is re-read with the format's own text regex
(the literal `","nextKey":"` separators delimit the values), then key by key. Lines that still yield nothing
are counted, with a few examples kept, and never stop the parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigwops.evidence.parse.logformat import AccessLogFormat, FormatField
from apigwops.evidence.scrub import scrub_text
from apigwops.model import (
    ACCESS_LOG_FIELDS,
    ACCESS_LOG_FLOAT_COLUMNS,
    ACCESS_LOG_INT_COLUMNS,
    DERIVED_COLUMNS,
    REQUEST_COUNT_COLUMNS,
)

if TYPE_CHECKING:
    import pandas as pd

REQUEST_COLUMNS = (*ACCESS_LOG_FIELDS, *DERIVED_COLUMNS)
_EXAMPLES = 3
_EXAMPLE_CHARS = 200
CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"
# Variables API Gateway renders already quoted ("the quoted value of $context.error.message").
QUOTED_VARIABLES = frozenset({"error.messageString"})


@dataclass
class ParsedAccessLog:
    requests: pd.DataFrame
    counts: pd.DataFrame  # REQUEST_COUNT_COLUMNS over every line, unparsed ones with an NA status
    lines: int
    unparsed: int
    unparsed_examples: list[str] = field(default_factory=list)


def parse_access_lines(
    fmt: AccessLogFormat,
    messages: Sequence[str],
    event_times: Sequence[Any] | None = None,
) -> ParsedAccessLog:
    """Parse rendered access-log lines; `event_times` (CloudWatch timestamps) fill `time` when the line has none."""
    import pandas as pd

    lines = pd.Series(list(messages), dtype=object).astype(str).str.strip()
    lines = lines[lines != ""]
    if fmt.kind == "json":
        values, failed = _parse_json(fmt, lines)
    else:
        values, failed = _parse_text(fmt, lines)
    parsed_index = lines.index.difference(pd.Index(failed))
    all_times = None if event_times is None else to_utc_times(pd.Series(list(event_times), dtype=object))
    times = None if all_times is None else all_times.reindex(parsed_index)
    frame = _canonical_frame(fmt, values.reindex(parsed_index), times)
    # Counts are binned on the CloudWatch event time, as Logs Insights' bin() does, so both engines agree.
    binned = frame["time"] if all_times is None else all_times.reindex(lines.index)
    statuses = frame["status"].reindex(lines.index)
    counts = request_counts(pd.DataFrame({"time": binned, "status": statuses}))
    frame = frame.sort_values(["time", "request_id"], kind="stable", na_position="last")
    examples = [scrub_text(str(lines[i]))[:_EXAMPLE_CHARS] for i in failed[:_EXAMPLES]]
    return ParsedAccessLog(
        frame.reset_index(drop=True),
        counts,
        lines=len(lines),
        unparsed=len(failed),
        unparsed_examples=examples,
    )


def _parse_text(fmt: AccessLogFormat, lines: pd.Series) -> tuple[pd.DataFrame, list[int]]:
    anchored = re.compile(f"^(?:{fmt.line_regex.pattern})$", re.DOTALL)
    extracted = lines.str.extract(anchored) if len(lines) else _empty(fmt)
    failed = extracted.isna().all(axis=1)
    return extracted, [int(i) for i in extracted.index[failed]]


def _empty(fmt: AccessLogFormat) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({f.name: pd.Series(dtype=object) for f in fmt.fields})


def _parse_json(fmt: AccessLogFormat, lines: pd.Series) -> tuple[pd.DataFrame, list[int]]:
    import pandas as pd

    documents: list[dict[str, Any]] = []
    index: list[int] = []
    broken: list[int] = []
    loads = json.loads
    for position, line in zip(lines.index, lines.to_list(), strict=True):
        try:
            document = loads(line)
        except ValueError:
            document = None
        if isinstance(document, dict):
            documents.append(document)
            index.append(int(position))
        else:
            broken.append(int(position))
    columns: dict[str, pd.Series] = {}
    for leaf in fmt.json_leaves:
        raw = pd.Series(_leaf_values(documents, leaf.path), index=index, dtype=object)
        if leaf.pattern is None:
            columns[leaf.fields[0].name] = raw
        else:
            split = raw.astype("string").str.extract(leaf.pattern)
            for name in split.columns:
                columns[str(name)] = split[name]
    good = pd.DataFrame(columns, index=pd.Index(index, dtype="int64"))
    rescued: dict[int, dict[str, str]] = {}
    failed: list[int] = []
    for position in broken:
        values = _rescue_json_line(fmt, str(lines[position]))
        if values:
            rescued[position] = values
        else:
            failed.append(position)
    if rescued:
        good = pd.concat([good, pd.DataFrame.from_dict(rescued, orient="index", dtype=object)])
    return good, failed


def _leaf_values(documents: list[dict[str, Any]], path: tuple[str, ...]) -> list[Any]:
    """One key's values across documents; list comprehensions beat a DataFrame of whole documents here."""
    first = path[0]
    if len(path) == 1:
        return [d.get(first) for d in documents]
    values: list[Any] = []
    for document in documents:
        node: Any = document
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        values.append(node)
    return values


def _rescue_json_line(fmt: AccessLogFormat, line: str) -> dict[str, str]:
    """A JSON line that json.loads rejected: the format's text regex first, then each key on its own."""
    match = fmt.line_regex.fullmatch(line)
    if match:
        return {k: v for k, v in match.groupdict().items() if v is not None}
    values: dict[str, str] = {}
    for leaf in fmt.json_leaves:
        if leaf.pattern is not None or not leaf.path:
            continue
        key = re.escape(leaf.path[-1])
        # A quoted value runs to the quote that is followed by the next key or the end of the object.
        found = re.search(rf'"{key}"\s*:\s*(?:"(.*?)"(?=\s*(?:,\s*"|}}|$))|([^,}}\s]+))', line)
        if found:
            values[leaf.fields[0].name] = found.group(1) if found.group(1) is not None else found.group(2)
    return values


def _column_source(fmt: AccessLogFormat) -> dict[str, FormatField]:
    sources: dict[str, FormatField] = {}
    for column in ACCESS_LOG_FIELDS:
        chosen = fmt.field_for(column)
        if chosen is not None:
            sources[column] = chosen
    return sources


def _canonical_frame(
    fmt: AccessLogFormat, values: pd.DataFrame, event_times: pd.Series | None
) -> pd.DataFrame:
    """Group names -> canonical columns with types: "-" and "" are NA; ints/floats nullable; time UTC."""
    import pandas as pd

    index = values.index
    out: dict[str, pd.Series] = {}
    sources = _column_source(fmt)
    for column in ACCESS_LOG_FIELDS:
        source = sources.get(column)
        present = source if source is not None and source.name in values.columns else None
        if column in ACCESS_LOG_INT_COLUMNS or column in ACCESS_LOG_FLOAT_COLUMNS:
            is_int = column in ACCESS_LOG_INT_COLUMNS
            if not present:
                out[column] = pd.Series(pd.NA, index=index, dtype="Int64" if is_int else "Float64")
                continue
            # Numbers straight from the objects ("-", "" and text coerce to NA): no string round trip.
            numbers = pd.Series(
                pd.to_numeric(values[present.name].to_numpy(dtype=object), errors="coerce"),
                index=index,
            )
            out[column] = numbers.astype("Int64") if is_int else numbers.astype("Float64")
            continue
        if not present:
            raw = pd.Series(pd.NA, index=index, dtype="string")
        else:
            raw = values[present.name].astype("string").str.strip()
            if present.variable in QUOTED_VARIABLES:  # rendered with its own quotes: " "Forbidden""
                raw = raw.str.strip('"').str.strip()
            raw = raw.mask(raw.isin(["-", ""]))
        if column == "time":
            out[column] = _times(raw, source.variable if source else None, event_times, index)
        else:
            out[column] = raw
    frame = pd.DataFrame(out, index=index)
    frame["route"] = derive_route(frame)
    return frame[list(REQUEST_COLUMNS)]


def _times(raw: pd.Series, variable: str | None, event_times: pd.Series | None, index: pd.Index) -> pd.Series:
    import pandas as pd

    if variable == "requestTimeEpoch":
        times = pd.to_datetime(pd.to_numeric(raw, errors="coerce"), unit="ms", utc=True)
    elif variable == "requestTime":
        times = pd.to_datetime(raw, format=CLF_TIME, utc=True, errors="coerce")
    else:
        times = pd.Series(pd.NaT, index=index, dtype="datetime64[ms, UTC]")
    times = times.astype("datetime64[ms, UTC]")
    if event_times is not None and times.isna().any():
        times = times.fillna(event_times)
    return times


def empty_requests_frame() -> pd.DataFrame:
    """The requests table with no rows but every column typed: what a stage without access logs yields."""
    import pandas as pd

    columns: dict[str, pd.Series] = {}
    for column in REQUEST_COLUMNS:
        if column in ACCESS_LOG_INT_COLUMNS:
            columns[column] = pd.Series(dtype="Int64")
        elif column in ACCESS_LOG_FLOAT_COLUMNS:
            columns[column] = pd.Series(dtype="Float64")
        elif column == "time":
            columns[column] = pd.Series(dtype="datetime64[ms, UTC]")
        else:
            columns[column] = pd.Series(dtype="string")
    return pd.DataFrame(columns)


def to_utc_times(values: pd.Series) -> pd.Series:
    """CloudWatch event times (epoch ms, or Insights' "2026-11-24 01:02:03.456") as UTC datetimes to the ms."""
    import pandas as pd

    if len(values) and all(isinstance(v, int | float) for v in values):
        return pd.to_datetime(values.astype("int64"), unit="ms", utc=True).astype("datetime64[ms, UTC]")
    return pd.to_datetime(values, utc=True, errors="coerce", format="mixed").astype("datetime64[ms, UTC]")


def derive_route(frame: pd.DataFrame) -> pd.Series:
    """routeKey, else "METHOD resourcePath", else "METHOD path": one key for playbooks and `--route`.

    One route is one key: a line without a resource path or route key (some error responses log "-") takes
    the route that other lines with the same method and raw path name, so `/prod/users/7` is not a row of
    its own beside `GET /users/{id}`; only a path no line resolves stays as itself.
    """
    import pandas as pd

    method = frame["http_method"].fillna("")
    by_resource = (method + " " + frame["resource_path"]).str.strip()
    by_path = (method + " " + frame["path"]).str.strip()
    named = frame["route_key"].fillna(by_resource)
    known = (
        pd.DataFrame({"raw": by_path, "route": named})
        .dropna()
        .drop_duplicates("raw")
        .set_index("raw")["route"]
    )
    route = named.fillna(by_path.map(known).astype(named.dtype)).fillna(by_path.astype(named.dtype))
    return route.astype("string")


def request_counts(requests: pd.DataFrame) -> pd.DataFrame:
    """Requests per minute and status: the aggregate both log engines produce (Insights with `stats`)."""
    import pandas as pd

    if requests.empty or requests["time"].isna().all():
        return pd.DataFrame(
            {
                "minute": pd.Series(dtype="datetime64[ms, UTC]"),
                "status": pd.Series(dtype="Int64"),
                "count": pd.Series(dtype="int64"),
            }
        )
    keyed = pd.DataFrame({"minute": requests["time"].dt.floor("min"), "status": requests["status"]})
    keyed = keyed[keyed["minute"].notna()]
    counts = keyed.groupby(["minute", "status"], dropna=False).size().rename("count").reset_index()
    counts["status"] = counts["status"].astype("Int64")
    counts["count"] = counts["count"].astype("int64")
    counts = counts.sort_values(["minute", "status"], na_position="last").reset_index(drop=True)
    return counts[list(REQUEST_COUNT_COLUMNS)]
