"""One version of a record as readable HTML, marking what differs from another version: for
the versions dialog and the conflicts dialog."""

from __future__ import annotations

from html import escape
from typing import Any

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.domain import FieldType, Record
from ui import theme
from ui.models.records import nice_when


def version_html(record: Record, other: Record | None, *, title: str = "") -> str:
    """One version as readable text; fields that differ from the other version say so.
    ``title`` stands for "Version N" where the number means nothing (read from the share)."""
    c = theme.colours()
    kind_spec = spec(record.kind)
    title = escape(title) or f"Version {record.version}"
    out = [f"<p><b>{title}</b> · saved {dates.short_moment(record.saved_at)}</p>"]
    if record.deleted:
        return "".join(out) + "<p><i>Deleted in this version.</i></p>"

    def block(title: str, value: str, changed: bool) -> str:
        mark = (f" <span style='background:{c.changed_bg}; color:{c.text}'>"
                "<b>[changed]</b></span>") if changed else ""
        body = escape(value).replace("\n", "<br>") or "<i>(empty)</i>"
        style = f" style='background:{c.changed_bg}; color:{c.text}'" if changed else ""
        return f"<h3>{escape(title)}{mark}</h3><p{style}>{body}</p>"

    for field in kind_spec.fields:
        value: Any = record.fields.get(field.name)
        other_value = other.fields.get(field.name) if other else value
        if field.type is FieldType.SECTIONS:
            mine, theirs = value or {}, other_value or {}
            for section in field.sections:
                a, b = str(mine.get(section.id, "")), str(theirs.get(section.id, ""))
                if a or b:
                    out.append(block(section.title, a, a != b))
            continue
        if value in (None, "", [], {}) and other_value in (None, "", [], {}):
            continue
        out.append(block(field.label, _as_text(field, value), value != other_value))
    return "".join(out)


def _as_text(field: Any, value: Any) -> str:
    labels = {c.id: c.label for c in field.choices}
    if value is None:
        return ""
    if field.type is FieldType.CHOICE:
        return str(labels.get(value, value))
    if field.type is FieldType.TAGS:
        return "\n".join(labels.get(v, v) for v in value)
    if field.type is FieldType.LIST:
        return "\n".join(value)
    if field.type is FieldType.BOOL:
        return "Yes" if value else "No"
    if field.type in (FieldType.DATE, FieldType.DATETIME):
        return nice_when(str(value))
    return str(value)
