"""Field specifications: one description of each record kind drives validation,
the JSON Schema that ``peerdesk record schema`` prints, and the editors in the UI."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from peerdesk.errors import InvalidInput

MAX_TEXT = 100_000
MAX_LABEL = 80  # a person's label: a first name or initials, shown in lists and titles
# Control characters (and lone surrogates, which no file can hold): refused in one-line text;
# long text keeps its line breaks and tabs.
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_LONG = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class FieldType(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"
    DATE = "date"
    DATETIME = "datetime"
    CHOICE = "choice"
    TAGS = "tags"  # several of the choices
    BOOL = "bool"
    LIST = "list"  # free strings, e.g. who the person chose to share a plan with
    SECTIONS = "sections"  # plan sections, id -> the person's own words
    # A plan's consent ledger: who the person agreed may see it (peerdesk/services/consent.py).
    # Changed only through the consent service, so editors do not show it as a form field.
    CONSENTS = "consents"


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    prompt: str = ""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    required: bool = False
    help: str = ""
    choices: tuple[Choice, ...] = ()
    sections: tuple[Section, ...] = ()
    # Private fields are sealed for the author alone, even when the record is shared.
    private: bool = False
    # Kept so older versions still read and validate; no form shows it.
    hidden: bool = False
    max_length: int = MAX_TEXT


@dataclass(frozen=True)
class KindSpec:
    kind: str
    title: str
    fields: tuple[FieldSpec, ...]
    intro: str = ""
    by_name: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    def validate(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return a clean copy of ``values`` or raise InvalidInput naming the field."""
        if not isinstance(values, Mapping):
            raise InvalidInput("The record must be a JSON object of field names and values.")
        unknown = sorted(set(values) - set(self.by_name))
        if unknown:
            raise InvalidInput(f"{self.title} has no field called {unknown[0]!r}.")
        clean: dict[str, Any] = {}
        for spec in self.fields:
            value = values.get(spec.name)
            if value in (None, "", [], {}):
                if spec.required:
                    raise InvalidInput(f"{spec.label} is needed.")
                continue
            clean[spec.name] = _check(spec, value)
        return clean

    def json_schema(self) -> dict[str, Any]:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.title,
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in self.fields if f.required],
            "properties": {f.name: _schema(f) for f in self.fields},
        }


def _check(spec: FieldSpec, value: Any) -> Any:
    return _CHECKS[spec.type](spec, value)


def _text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{spec.label} must be text.")
    if len(value) > spec.max_length:
        raise InvalidInput(f"{spec.label} is longer than {spec.max_length:,} characters.")
    control = (_CONTROL_LINE if spec.type is FieldType.TEXT else _CONTROL_LONG).search(value)
    if control:
        raise InvalidInput(f"{spec.label} holds a control character "
                           f"({_shown(control.group())}); type it as plain text.")
    return value


def _shown(char: str) -> str:
    return f"U+{ord(char):04X}"


def _plain(spec: FieldSpec, value: Any) -> bool:
    return isinstance(value, str) and not _CONTROL_LONG.search(value)


def _date(spec: FieldSpec, value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput(f"{spec.label} must be a date like 2026-03-14.") from None


def _datetime(spec: FieldSpec, value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).isoformat(timespec="minutes")
    except ValueError:
        raise InvalidInput(f"{spec.label} must be a date and time like 2026-03-14T10:30.") from None


def _choice(spec: FieldSpec, value: Any) -> Any:
    if not isinstance(value, str) or value not in {c.id for c in spec.choices}:
        raise InvalidInput(f"{spec.label}: {value!r} is not one of the choices.")
    return value


def _tags(spec: FieldSpec, value: Any) -> list[Any]:
    ids = {c.id for c in spec.choices}
    if not isinstance(value, list) or not all(isinstance(v, str) and v in ids for v in value):
        raise InvalidInput(f"{spec.label} must be a list of the listed choices.")
    if len(set(value)) != len(value):  # the schema's uniqueItems
        raise InvalidInput(f"{spec.label} lists a choice more than once.")
    return list(value)


def _bool(spec: FieldSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{spec.label} must be true or false.")
    return value


def _list(spec: FieldSpec, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(_plain(spec, v) and len(v) <= spec.max_length
                                              for v in value):
        raise InvalidInput(f"{spec.label} must be a list of text.")
    return [v for v in value if v.strip()]


def _sections(spec: FieldSpec, value: Any) -> dict[str, str]:
    ids = {s.id for s in spec.sections}
    if not isinstance(value, Mapping) or not all(
        k in ids and _plain(spec, v) and len(v) <= MAX_TEXT for k, v in value.items()
    ):
        raise InvalidInput(f"{spec.label} must map this plan's section names to text.")
    return {k: v for k, v in value.items() if v.strip()}


def _consents(spec: FieldSpec, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InvalidInput(f"{spec.label} must be a list of consent entries.")
    return [_check_consent(spec, entry) for entry in value]


# One check per field type: what a value must be, and its clean form.
_CHECKS: dict[FieldType, Callable[[FieldSpec, Any], Any]] = {
    FieldType.TEXT: _text, FieldType.LONG_TEXT: _text, FieldType.DATE: _date,
    FieldType.DATETIME: _datetime, FieldType.CHOICE: _choice, FieldType.TAGS: _tags,
    FieldType.BOOL: _bool, FieldType.LIST: _list, FieldType.SECTIONS: _sections,
    FieldType.CONSENTS: _consents,
}


CONSENT_KEYS = ("id", "recipient", "role", "scope", "purpose", "given_on", "expires_on",
                "withdrawn_on", "to_confirm")


def _check_consent(spec: FieldSpec, entry: Any) -> dict[str, Any]:
    """One entry of a consent ledger: who, in what role, which sections (none listed: the
    whole plan), why, and from when until when."""
    label = spec.label
    if not isinstance(entry, Mapping):
        raise InvalidInput(f"{label}: each entry must be an object.")
    unknown = sorted(set(entry) - set(CONSENT_KEYS))
    if unknown:
        raise InvalidInput(f"{label}: an entry has no field called {unknown[0]!r}.")
    out: dict[str, Any] = {}
    for key in ("id", "recipient"):
        text = entry.get(key)
        if not isinstance(text, str) or not _plain(spec, text) or not text.strip() \
                or len(text) > 200:
            raise InvalidInput(f"{label}: each entry needs a {key} (text of at most 200 "
                               "characters).")
        out[key] = " ".join(text.split())
    if entry.get("role") not in {c.id for c in spec.choices}:
        raise InvalidInput(f"{label}: {entry.get('role')!r} is not one of the recipient roles.")
    out["role"] = entry["role"]
    scope = entry.get("scope") or []
    section_ids = {s.id for s in spec.sections}
    if not isinstance(scope, list) or not all(s in section_ids for s in scope):
        raise InvalidInput(f"{label}: the scope must list this plan's section names, or be "
                           "empty for the whole plan.")
    out["scope"] = list(dict.fromkeys(scope))
    purpose = entry.get("purpose") or ""
    if not _plain(spec, purpose) or len(purpose) > 2000:
        raise InvalidInput(f"{label}: the purpose must be text of at most 2,000 characters.")
    out["purpose"] = purpose.strip()
    to_confirm = entry.get("to_confirm", False)
    if not isinstance(to_confirm, bool):
        raise InvalidInput(f"{label}: to_confirm must be true or false.")
    return out | _consent_dates(label, entry) | ({"to_confirm": True} if to_confirm else {})


def _consent_dates(label: str, entry: Mapping[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key in ("given_on", "expires_on", "withdrawn_on"):
        value = entry.get(key)
        if value in (None, ""):
            if key == "given_on":
                raise InvalidInput(f"{label}: each entry needs the date consent was given.")
            out[key] = None
            continue
        try:
            out[key] = date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InvalidInput(f"{label}: {key} must be a date like 2026-03-14.") from None
    return out


def _schema(spec: FieldSpec) -> dict[str, Any]:
    base: dict[str, Any] = {"title": spec.label}
    if spec.help:
        base["description"] = spec.help
    return base | _SCHEMAS[spec.type](spec)


def _consents_schema(spec: FieldSpec) -> dict[str, Any]:
    date_or_null = {"type": ["string", "null"], "format": "date"}
    return {"type": "array", "items": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "recipient", "role", "given_on"],
        "properties": {
            "id": {"type": "string"}, "recipient": {"type": "string"},
            "role": {"enum": [c.id for c in spec.choices]},
            "scope": {"type": "array", "items": {"enum": [s.id for s in spec.sections]}},
            "purpose": {"type": "string"}, "given_on": {"type": "string", "format": "date"},
            "to_confirm": {"type": "boolean"},
            "expires_on": date_or_null, "withdrawn_on": date_or_null}}}


# One JSON Schema per field type (printed by `peerdesk record schema`).
_SCHEMAS: dict[FieldType, Callable[[FieldSpec], dict[str, Any]]] = {
    FieldType.TEXT: lambda s: {"type": "string", "maxLength": s.max_length},
    FieldType.LONG_TEXT: lambda s: {"type": "string", "maxLength": s.max_length},
    FieldType.DATE: lambda s: {"type": "string", "format": "date"},
    FieldType.DATETIME: lambda s: {"type": "string", "format": "date-time"},
    FieldType.CHOICE: lambda s: {"enum": [c.id for c in s.choices]},
    FieldType.TAGS: lambda s: {"type": "array", "items": {"enum": [c.id for c in s.choices]},
                               "uniqueItems": True},
    FieldType.BOOL: lambda s: {"type": "boolean"},
    FieldType.LIST: lambda s: {"type": "array", "items": {"type": "string"}},
    FieldType.SECTIONS: lambda s: {
        "type": "object", "additionalProperties": False,
        "properties": {x.id: {"type": "string", "title": x.title} for x in s.sections}},
    FieldType.CONSENTS: _consents_schema,
}
