"""The stage's access-log format string, compiled once into a description every parser and query reads.

API Gateway renders a format by substituting `$context.x` tokens into literal text, so the same template tells
us which canonical column each value feeds (`ACCESS_LOG_FIELDS`) and what literal text separates the values.
JSON formats map keys (any names, nested too) to variables; every other layout (CLF, CSV, XML, custom) is
"text": a regex is built from the literal text between tokens, with value patterns per variable so that a
`routeKey` containing a space (`GET /pets`) or `[...]` around `requestTime` still split right. JSON formats
get the same text regex as a fallback for lines that are not valid JSON (a quote inside an error message).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from apigwops.apitypes import profile
from apigwops.errors import UsageError
from apigwops.model import ACCESS_LOG_FIELDS, ApiType

INSIGHTS_PREFIX = "f_"
TOKEN = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
# Private-use characters: never in a format, and legal inside JSON strings (a NUL would not be).
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")

# $context variable (without the prefix) -> canonical column; earlier entries of ACCESS_LOG_FIELDS win.
VARIABLE_COLUMN: dict[str, str] = {
    variable: column for column, variables in ACCESS_LOG_FIELDS.items() for variable in variables
}
# Never kept: the raw API key value is a secret (`identity.apiKeyId` is the safe identifier).
SECRET_VARIABLES = frozenset({"identity.apiKey"})

_NUMBER = r"-|-?\d+(?:\.\d+)?"
_WORD = r"\S+"
_VALUE_PATTERNS: dict[str, str] = {
    "requestTime": r"-|\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}",
    "httpMethod": r"-|[A-Z]+",
    "protocol": r"-|[A-Z]+/[\d.]+",
    "requestId": _WORD,
    "extendedRequestId": _WORD,
    "identity.sourceIp": _WORD,
    "identity.caller": _WORD,
    "identity.user": _WORD,
    "apiId": _WORD,
    "stage": _WORD,
    "xrayTraceId": _WORD,
    "requestTimeEpoch": _NUMBER,
}
_NUMERIC_SUFFIXES = ("status", "Status", "latency", "Latency", "Length", "integrationStatus", "dataProcessed")

FormatKind = Literal["json", "clf", "csv", "xml", "custom"]


@dataclass(frozen=True)
class FormatField:
    """One `$context` token of the format: where its value sits (JSON key path) and which column it feeds."""

    name: str  # regex group name, unique in the format: the column name, or f<index>
    variable: str  # without "$context."
    column: str | None  # canonical column, None when the variable is not one diagnose uses
    key: str | None = None  # JSON key path ("a.b" when nested); None in text formats


@dataclass(frozen=True)
class JsonLeaf:
    """A JSON value in the format: one token alone (direct) or a template such as "$context.a $context.b"."""

    key: str
    path: tuple[str, ...]  # the key path in the rendered document (nested objects give several parts)
    fields: tuple[FormatField, ...]
    pattern: re.Pattern[str] | None  # for templates: splits the rendered value into its fields


@dataclass(frozen=True)
class AccessLogFormat:
    """A compiled access-log format; build it with `compile_format`."""

    raw: str
    kind: FormatKind
    fields: tuple[FormatField, ...]
    line_regex: re.Pattern[str]  # whole-line regex (text formats, and the fallback for bad JSON lines)
    insights_regex: str  # the same regex in Logs Insights syntax (`(?<name>...)`, `/` escaped)
    json_leaves: tuple[JsonLeaf, ...] = ()

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(f.column for f in self.fields if f.column)

    def field_for(self, column: str) -> FormatField | None:
        """The field that feeds a column, honouring the preference order of ACCESS_LOG_FIELDS."""
        candidates = [f for f in self.fields if f.column == column]
        if not candidates:
            return None
        order = ACCESS_LOG_FIELDS[column]
        return min(candidates, key=lambda f: order.index(f.variable))

    def missing_fields(self, api_type: ApiType | None = None) -> frozenset[str]:
        """Canonical columns the format lacks (and the API type could log): the blind spots."""
        missing = frozenset(ACCESS_LOG_FIELDS) - self.columns
        if api_type is not None:
            missing -= profile(api_type).unavailable_fields
        return missing


def _value_pattern(variable: str) -> str:
    if variable in _VALUE_PATTERNS:
        return _VALUE_PATTERNS[variable]
    if variable.endswith(_NUMERIC_SUFFIXES):
        return _NUMBER
    return ".*?"


def _template_regex(template: str, fields: list[FormatField], *, insights: bool = False) -> str:
    """A regex for text rendered from `template` (tokens already replaced by placeholders)."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER_RE.finditer(template):
        parts.append(_literal(template[position : match.start()], insights))
        field = fields[int(match.group(1))]
        # Insights names are prefixed so that they never shadow fields it discovers in JSON lines itself.
        group = f"(?<{INSIGHTS_PREFIX}{field.name}>" if insights else f"(?P<{field.name}>"
        parts.append(f"{group}{_value_pattern(field.variable)})")
        position = match.end()
    parts.append(_literal(template[position:], insights))
    return "".join(parts)


def _literal(text: str, insights: bool) -> str:
    """Literal text between tokens; any run of whitespace matches any run (continuations, tabs)."""
    pieces = [re.escape(piece) for piece in re.split(r"\s+", text)]
    # Between two tokens a space is a real separator; next to other literal text ("] \"") it may be missing.
    out = r"\s+".join(pieces) if text and not text.strip() else r"\s*".join(pieces)
    return out.replace("/", r"\/") if insights else out


def _normalise(raw: str) -> str:
    """The console shows formats with `\\` line continuations; the stage stores a single line."""
    return re.sub(r"\s*\\\s*\n\s*", " ", raw).replace("\n", " ").strip()


def _kind(text: str) -> FormatKind:
    if text.startswith("{"):
        return "json"
    if text.startswith("<"):
        return "xml"
    literals = [s for s in TOKEN.split(text)[::2] if s]
    if literals and all(s.strip() in {",", ""} for s in literals) and any("," in s for s in literals):
        return "csv"
    if "[$context.requestTime]" in text.replace(" ", "") or '"$context.httpMethod' in text:
        return "clf"
    return "custom"


def compile_format(raw: str | None) -> AccessLogFormat:
    """Compile a stage's `accessLogSettings.format`; raises UsageError when it has no `$context` token."""
    if not raw or not TOKEN.search(raw):
        raise UsageError(f"access-log format {raw!r} has no $context variables")
    text = _normalise(raw)
    kind = _kind(text)
    fields: list[FormatField] = []
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        variable = match.group(1)
        column = VARIABLE_COLUMN.get(variable)
        name = column if column and column not in used else f"f{len(fields)}"
        used.add(name)
        fields.append(FormatField(name=name, variable=variable, column=column))
        return _PLACEHOLDER.format(len(fields) - 1)

    template = TOKEN.sub(replace, text)
    leaves: tuple[JsonLeaf, ...] = ()
    if kind == "json":
        leaves, fields = _json_leaves(template, fields)
    line_regex = re.compile(_template_regex(template, fields), re.DOTALL)
    insights_regex = _template_regex(template, fields, insights=True)
    return AccessLogFormat(
        raw=raw,
        kind=kind,
        fields=tuple(f for f in fields if f.variable not in SECRET_VARIABLES),
        line_regex=line_regex,
        insights_regex=insights_regex,
        json_leaves=leaves,
    )


def _json_leaves(template: str, fields: list[FormatField]) -> tuple[tuple[JsonLeaf, ...], list[FormatField]]:
    """Walk the JSON template: unquoted tokens (`"status": $context.status`) are quoted first to parse it."""
    quoted = re.sub('(?<!["\\w\ue001])(\ue000\\d+\ue001)(?!["\\w\ue000])', r'"\1"', template)
    try:
        document = json.loads(quoted)
    except json.JSONDecodeError as exc:
        raise UsageError(f"access-log format looks like JSON but is not: {exc.msg} at {exc.pos}") from None
    leaves: list[JsonLeaf] = []
    keyed = list(fields)

    def walk(node: Any, parts: tuple[str, ...]) -> None:
        path = ".".join(parts)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*parts, str(key)))
        elif isinstance(node, str):
            indexes = [int(m.group(1)) for m in _PLACEHOLDER_RE.finditer(node)]
            if not indexes:
                return
            for index in indexes:
                keyed[index] = FormatField(
                    keyed[index].name, keyed[index].variable, keyed[index].column, path
                )
            own = [keyed[i] for i in indexes]
            direct = _PLACEHOLDER_RE.fullmatch(node) is not None
            pattern = None
            if not direct:
                local = _PLACEHOLDER_RE.sub(
                    lambda m: _PLACEHOLDER.format(indexes.index(int(m.group(1)))), node
                )
                pattern = re.compile(f"^(?:{_template_regex(local, own)})$", re.DOTALL)
            leaves.append(JsonLeaf(key=path, path=parts, fields=tuple(own), pattern=pattern))

    walk(document, ())
    return tuple(leaves), keyed
