"""The playbook schema: what a YAML playbook may say, checked before anything runs.

A playbook is data, not code (prowler's remediation, cloud-custodian's closed filter vocabulary, Sigma's named
selections and false positives, Falco's output templates). Requests are selected with `match` (field tests over
the access-log table, execution-log lines joined by request id), findings fire on `when` (tests over named
signals), and text is filled from signals by a template that can only name signals. Nothing is ever `eval`-ed.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from apigwops.apitypes import API_TYPES
from apigwops.aws.allowlist import ALLOWED_OPERATIONS
from apigwops.diagnose.vocabulary import EVIDENCE_CHECKS, REQUEST_COLUMNS, SIGNALS, SYMPTOM_FAMILIES
from apigwops.model import ApiType

Severity = Literal["info", "low", "medium", "high", "critical"]
Confidence = Literal["low", "medium", "high"]
Status = Literal["experimental", "stable", "deprecated"]
EvidenceSource = Literal[
    "access-log", "execution-log", "lambda-log", "waf-log", "metrics", "config", "token", "triage"
]

ALL_API_TYPES: tuple[ApiType, ...] = API_TYPES
SEVERITY_ORDER: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Scalar = str | int | float | bool

_OPERATORS = ("equals", "in_", "contains", "regex", "gt", "gte", "lt", "lte", "present")


def _evidence_check(name: str) -> str:
    if name not in EVIDENCE_CHECKS:
        raise ValueError(f"unknown evidence check {name!r}; see 'apigwops playbooks vocabulary'")
    return name


def _allowed_action(action: str) -> str:
    """An IAM action apigwops may use: a playbook cannot ask for a permission the read-only allowlist lacks."""
    allowed = {a for operations in ALLOWED_OPERATIONS.values() for a in operations.values()}
    if action not in allowed:
        if not re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9*]+", action):
            raise ValueError(f"{action!r} is not an IAM action such as logs:FilterLogEvents")
        raise ValueError(f"{action!r} is not an action apigwops uses (see 'apigwops iam-policy')")
    return action


EvidenceCheck = Annotated[str, AfterValidator(_evidence_check)]
IamAction = Annotated[str, AfterValidator(_allowed_action)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class _Comparison(_Strict):
    """The operators shared by request tests and signal tests; exactly one per test."""

    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    contains: str | None = None  # case-insensitive substring
    regex: str | None = None  # Python `re` syntax, searched case-insensitively
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    present: bool | None = None  # true: has a value; false: empty ("-" in the log, NA in the table)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    def operators(self) -> list[str]:
        return [name for name in _OPERATORS if getattr(self, name) is not None]


class Match(_Comparison):
    """A request-level selection: `field` + one operator, `exec_log`, or all/any/not of other selections."""

    all_: list[Match] | None = Field(default=None, alias="all")
    any_: list[Match] | None = Field(default=None, alias="any")
    not_: Match | None = Field(default=None, alias="not")
    field: str | None = None
    exec_log: str | None = None  # the request has an execution-log line containing this text

    @field_validator("field")
    @classmethod
    def _known_column(cls, value: str | None) -> str | None:
        if value is not None and value not in REQUEST_COLUMNS:
            raise ValueError(f"unknown field {value!r}; known fields: {', '.join(sorted(REQUEST_COLUMNS))}")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Match:
        kinds = [k for k in ("all_", "any_", "not_", "field", "exec_log") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a match is exactly one of: field (with one operator), exec_log, all, any, not")
        ops = self.operators()
        if kinds[0] == "field" and len(ops) != 1:
            raise ValueError(f"field {self.field!r} needs exactly one operator of: {_operator_names()}")
        if kinds[0] != "field" and ops:
            raise ValueError(f"operator {ops[0]} is only allowed next to 'field'")
        return self


class Condition(_Comparison):
    """A test over named signals: `signal` + one operator (default: truthy), or all/any/not."""

    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    signal: str | None = None

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str | None) -> str | None:
        if value is not None and value not in SIGNALS:
            raise ValueError(f"unknown signal {value!r}; see 'apigwops playbooks vocabulary'")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [k for k in ("all_", "any_", "not_", "signal") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a condition is exactly one of: signal (with at most one operator), all, any, not"
            )
        ops = self.operators()
        if kinds[0] == "signal" and len(ops) > 1:
            raise ValueError(f"signal {self.signal!r} takes at most one operator of: {_operator_names()}")
        if kinds[0] != "signal" and ops:
            raise ValueError(f"operator {ops[0]} is only allowed next to 'signal'")
        return self


def _operator_names() -> str:
    return ", ".join("in" if op == "in_" else op for op in _OPERATORS)


class EvidenceLine(_Strict):
    source: EvidenceSource
    detail: str  # template over signals
    when: Condition | None = None  # shown only when this holds (default: every signal it names has a value)


class Remediation(_Strict):
    text: str
    cli: list[str] = Field(
        default_factory=list
    )  # AWS CLI commands (templates), read by a human before running
    docs: list[str] = Field(default_factory=list)

    @field_validator("cli", "docs", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("docs")
    @classmethod
    def _https(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith("https://"):
                raise ValueError(f"docs links must be https URLs, got {url!r}")
        return value


class FindingSpec(_Strict):
    """One root cause: which requests it explains, when it fires, and what it tells the user."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    symptom: str
    severity: Severity
    confidence: Confidence = "high"
    api_types: list[ApiType] = Field(default_factory=lambda: list(ALL_API_TYPES))
    match: Match | None = None
    when: Condition | None = None  # default: `matched > 0`
    count: list[str] = Field(default_factory=lambda: ["matched"])  # first non-zero signal wins
    fallback_confidence: Confidence = "medium"  # when the count came from a later entry of `count`
    evidence: list[EvidenceLine] = Field(default_factory=list)
    remediation: Remediation
    false_positives: list[str] = Field(default_factory=list)

    @field_validator("symptom", mode="before")
    @classmethod
    def _symptom_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value  # `symptom: 401` is natural YAML

    @field_validator("symptom")
    @classmethod
    def _known_symptom(cls, value: str) -> str:
        if value not in SYMPTOM_FAMILIES:
            raise ValueError(f"unknown symptom {value!r}; one of: {', '.join(SYMPTOM_FAMILIES)}")
        return value

    @field_validator("count", mode="before")
    @classmethod
    def _count_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("count")
    @classmethod
    def _count_signals(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in SIGNALS:
                raise ValueError(f"count names unknown signal {name!r}")
        return value

    @model_validator(mode="after")
    def _match_or_when(self) -> FindingSpec:
        if self.match is None and self.when is None:
            raise ValueError(f"finding {self.id!r} needs 'match', 'when' or both")
        return self


class Playbook(_Strict):
    """One YAML file: a decision list of findings for one symptom family (first match explains a request)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    description: str = ""
    status: Status = "stable"
    symptoms: list[str]
    permissions: list[IamAction] = Field(default_factory=list)  # IAM actions the evidence it reads needs
    evidence: list[EvidenceCheck] = Field(default_factory=list)  # evidence checks it reads (vocabulary)
    findings: list[FindingSpec] = Field(min_length=1)
    source: str = Field(default="", exclude=True)  # file it came from (set by the loader)

    @field_validator("symptoms", mode="before")
    @classmethod
    def _symptoms_text(cls, value: Any) -> Any:
        return [str(v) if isinstance(v, int) else v for v in value] if isinstance(value, list) else value

    @field_validator("symptoms")
    @classmethod
    def _known_symptoms(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in SYMPTOM_FAMILIES:
                raise ValueError(f"unknown symptom {name!r}; one of: {', '.join(SYMPTOM_FAMILIES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Playbook:
        seen: set[str] = set()
        for spec in self.findings:
            if spec.id in seen:
                raise ValueError(f"finding id {spec.id!r} appears twice")
            seen.add(spec.id)
            if spec.symptom not in self.symptoms:
                raise ValueError(f"finding {spec.id!r} has symptom {spec.symptom!r} not listed in symptoms")
        return self
