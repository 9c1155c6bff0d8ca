"""An editor built from a record kind's field specs: the catalogue is the one source of truth."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from peerdesk.domain import FieldSpec, FieldType, KindSpec
from ui.widgets.common import field_label, heading, long_text, muted
from ui.widgets.dates import DateEdit, DateTimeEdit

NOT_SET = QDate(2000, 1, 1)  # shown as "Not set"; no record is dated before PeerDesk existed


@dataclass
class _Field:
    spec: FieldSpec
    get: Callable[[], Any]
    put: Callable[[Any], None]
    clear: Callable[[], None]
    widgets: list[QWidget]


class SpecForm(QWidget):
    changed = Signal()

    def __init__(self, kind_spec: KindSpec, *, read_only: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_spec = kind_spec
        self._fields: dict[str, _Field] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.long_texts: list[QPlainTextEdit] = []
        self._slots: dict[str, int] = {}
        self._parts: dict[str, list[QWidget]] = {}  # each field's label, help and controls
        for spec in kind_spec.fields:
            if spec.hidden:
                self._slots[spec.name] = self._layout.count()  # an editor may place its own
                continue
            if spec.type is FieldType.CONSENTS:
                continue  # changed through the consent service, kept by every save
            first = self._layout.count()
            self._fields[spec.name] = self._build(spec)
            parts = (self._layout.itemAt(i) for i in range(first, self._layout.count()))
            self._parts[spec.name] = [w for item in parts
                                      if item is not None and (w := item.widget()) is not None]
        self._layout.addStretch(1)
        if read_only:
            for f in self._fields.values():
                for w in f.widgets:
                    if isinstance(w, QPlainTextEdit | QLineEdit):
                        w.setReadOnly(True)
                    else:
                        w.setEnabled(False)

    # -- building -------------------------------------------------------------------------

    def _add_labelled(self, spec: FieldSpec, widget: QWidget, *, label: str | None = None,
                      help_text: str | None = None) -> None:
        text = label or spec.label
        help_text = spec.help if help_text is None else help_text
        self._layout.addWidget(field_label(text + (" (needed)" if spec.required else ""), widget,
                                           description=help_text))
        if help_text:
            self._layout.addWidget(muted(help_text))
        self._layout.addWidget(widget)

    def _text(self, spec: FieldSpec) -> _Field:
        edit = QLineEdit()
        edit.textChanged.connect(self.changed)
        self._add_labelled(spec, edit)
        return _Field(spec, lambda: edit.text().strip(), lambda v: edit.setText(str(v or "")),
                      edit.clear, [edit])

    def _long_text(self, spec: FieldSpec, *, label: str | None = None, help_text: str | None = None,
                   register: bool = True) -> tuple[QPlainTextEdit, _Field]:
        edit = long_text()
        line = edit.fontMetrics().lineSpacing()
        edit.setMinimumHeight(line * (2 if spec.type is FieldType.LIST else 4) + 16)
        edit.setMaximumHeight(line * (4 if spec.type is FieldType.LIST else 9) + 16)
        edit.textChanged.connect(self.changed)
        self._add_labelled(spec, edit, label=label, help_text=help_text)
        if register:
            self.long_texts.append(edit)
        return edit, _Field(spec, lambda: edit.toPlainText(),
                            lambda v: edit.setPlainText(str(v or "")), edit.clear, [edit])

    def _date(self, spec: FieldSpec) -> _Field:
        edit = DateEdit()
        edit.setMinimumDate(NOT_SET)
        edit.setSpecialValueText("Not set")
        edit.setDate(QDate.currentDate() if spec.required else NOT_SET)
        edit.dateChanged.connect(self.changed)
        self._add_labelled(spec, edit)

        def get() -> Any:
            d = edit.date()
            return None if d == NOT_SET else d.toString("yyyy-MM-dd")

        def put(v: Any) -> None:
            d = QDate.fromString(str(v)[:10], "yyyy-MM-dd") if v else NOT_SET
            edit.setDate(d if d.isValid() else NOT_SET)

        return _Field(spec, get, put, lambda: edit.setDate(NOT_SET), [edit])

    def _datetime(self, spec: FieldSpec) -> _Field:
        edit = DateTimeEdit(QDateTime(QDate.currentDate(), QTime.currentTime()))
        edit.dateTimeChanged.connect(self.changed)
        self._add_labelled(spec, edit)

        def put(v: Any) -> None:
            dt = QDateTime.fromString(str(v)[:16], "yyyy-MM-ddTHH:mm")
            if dt.isValid():
                edit.setDateTime(dt)

        return _Field(spec, lambda: edit.dateTime().toString("yyyy-MM-ddTHH:mm"), put,
                      lambda: edit.setDateTime(QDateTime(QDate.currentDate(), QTime(0, 0))),
                      [edit])

    def _choice(self, spec: FieldSpec) -> _Field:
        box = QComboBox()
        box.addItem("Choose…", None)
        for c in spec.choices:
            box.addItem(c.label, c.id)
        box.currentIndexChanged.connect(self.changed)
        self._add_labelled(spec, box)

        def put(v: Any) -> None:
            box.setCurrentIndex(max(0, box.findData(v)))

        return _Field(spec, lambda: box.currentData(), put, lambda: box.setCurrentIndex(0), [box])

    def _tags(self, spec: FieldSpec) -> _Field:
        group = QGroupBox(spec.label)
        group.setAccessibleName(spec.label)
        inner = QVBoxLayout(group)
        boxes: dict[str, QCheckBox] = {}
        for c in spec.choices:
            box = QCheckBox(c.label)
            box.toggled.connect(self.changed)
            inner.addWidget(box)
            boxes[c.id] = box
        if spec.help:
            self._layout.addWidget(muted(spec.help))
        self._layout.addWidget(group)

        def put(v: Any) -> None:
            chosen = set(v or ())
            for cid, box in boxes.items():
                box.setChecked(cid in chosen)

        return _Field(spec, lambda: [cid for cid, b in boxes.items() if b.isChecked()], put,
                      lambda: put(()), [group, *boxes.values()])

    def _bool(self, spec: FieldSpec) -> _Field:
        box = QCheckBox(spec.label)
        box.toggled.connect(self.changed)
        if spec.help:
            box.setAccessibleDescription(spec.help)
        self._layout.addWidget(box)
        return _Field(spec, box.isChecked, lambda v: box.setChecked(bool(v)),
                      lambda: box.setChecked(False), [box])

    def _list(self, spec: FieldSpec) -> _Field:
        edit, _ = self._long_text(spec, help_text=spec.help or "One name or role per line.",
                                  register=False)
        edit.setProperty("short", True)

        def get() -> Any:
            return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]

        return _Field(spec, get, lambda v: edit.setPlainText("\n".join(v or ())), edit.clear,
                      [edit])

    def _sections(self, spec: FieldSpec) -> _Field:
        self._layout.addWidget(heading(spec.label, role="subheading"))
        edits: dict[str, QPlainTextEdit] = {}
        for section in spec.sections:
            edit, _ = self._long_text(spec, label=section.title, help_text=section.prompt,
                                      register=False)
            edits[section.id] = edit

        def get() -> Any:
            return {sid: e.toPlainText() for sid, e in edits.items() if e.toPlainText().strip()}

        def put(v: Any) -> None:
            values = v or {}
            for sid, e in edits.items():
                e.setPlainText(str(values.get(sid, "")))

        def clear() -> None:
            for e in edits.values():
                e.clear()

        self.section_edits = edits
        return _Field(spec, get, put, clear, list(edits.values()))

    def _build(self, spec: FieldSpec) -> _Field:
        match spec.type:
            case FieldType.TEXT:
                return self._text(spec)
            case FieldType.LONG_TEXT:
                return self._long_text(spec)[1]
            case FieldType.DATE:
                return self._date(spec)
            case FieldType.DATETIME:
                return self._datetime(spec)
            case FieldType.CHOICE:
                return self._choice(spec)
            case FieldType.TAGS:
                return self._tags(spec)
            case FieldType.BOOL:
                return self._bool(spec)
            case FieldType.LIST:
                return self._list(spec)
            case FieldType.SECTIONS:
                return self._sections(spec)
        raise AssertionError(spec.type)

    def show_fields(self, names: Iterable[str], *, shown: bool) -> None:
        """Show or hide some fields with their labels (hidden ones are out of the Tab order
        too); their values are kept and saved either way."""
        for name in names:
            for w in self._parts.get(name, ()):
                w.setVisible(shown)

    def shows(self, name: str) -> bool:
        return any(not w.isHidden() for w in self._parts.get(name, ()))

    def place(self, name: str, label: QWidget, widget: QWidget) -> None:
        """A control the editor owns for a hidden field (the diary's resource picker), where
        the field comes in the form, so reading and Tab order follow the field list."""
        at = self._slots.pop(name)
        self._layout.insertWidget(at, label)
        self._layout.insertWidget(at + 1, widget)
        self._slots = {k: v + 2 if v >= at else v for k, v in self._slots.items()}
        # Tab follows the form as shown, not the order the widgets were made in.
        chain: list[QWidget] = []
        for i in range(self._layout.count()):
            item = self._layout.itemAt(i)
            w = item.widget() if item is not None else None
            if w is None:
                continue
            inner = [c for c in w.findChildren(QWidget)
                     if c.focusPolicy() & Qt.FocusPolicy.TabFocus]
            chain += [w] if w.focusPolicy() & Qt.FocusPolicy.TabFocus else inner
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

    # -- values ---------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {name: f.get() for name, f in self._fields.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        self.blockSignals(True)
        try:
            for name, f in self._fields.items():
                if name in values:
                    f.put(values[name])
        finally:
            self.blockSignals(False)

    def clear(self) -> None:
        self.blockSignals(True)
        for f in self._fields.values():
            f.clear()
        self.blockSignals(False)

    def widget_for(self, name: str) -> QWidget:
        return self._fields[name].widgets[-1] if self._fields[name].spec.type is not FieldType.TAGS \
            else self._fields[name].widgets[0]

    def widgets_for(self, name: str) -> list[QWidget]:
        return list(self._fields[name].widgets)
