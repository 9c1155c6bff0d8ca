"""Fidelity and engagement: the ENRICH delivery checklist, per peer and for the team."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates, exports
from peerdesk.catalogue import choices
from peerdesk.domain import Record
from peerdesk.services import fidelity, supervision
from ui.widgets.bars import BarChart
from ui.widgets.common import field_label, heading, muted, state_label
from ui.widgets.dates import DateEdit
from ui.widgets.reflow import FlowLayout, ReflowBox

TEAM = "The team"


def _pc(value: object) -> str:
    return "" if value is None else f"{value}%" if value != fidelity.SUPPRESSED else str(value)


class FidelityPage(QWidget):
    """Figures from the records this user can read; exports hide small numbers."""

    open_requested = Signal(object)  # every desk page has it; nothing to open here

    def __init__(self, records: Callable[[], Sequence[Record]], authors: dict[str, str], *,
                 export_dir: Path, today: date | None = None,
                 attendance: Callable[[], dict[str, int]] | None = None,
                 requests: Callable[[fidelity.Period], list[fidelity.WardRequests]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records = records
        self._requests = requests
        self._attendance = attendance
        self.authors = authors
        self.export_dir = export_dir
        today = today or dates.today()
        layout = QVBoxLayout(self)  # the desk scrolls it when the window is small
        layout.addWidget(heading("Fidelity and engagement"))
        layout.addWidget(muted(
            "How peer support is being delivered, against the parts of the ENRICH way of "
            "working: who had each part, and how many sessions showed it (what the research "
            "calls fidelity). Figures come from diary entries and plans you can read on this "
            "computer: they support a conversation in supervision, and never replace one."))
        row = FlowLayout()
        self.start = DateEdit(QDate(today.year, today.month, 1).addMonths(-2))
        self.end = DateEdit(QDate(today.year, today.month, today.day))
        self.whose = QComboBox()
        row.addWidget(field_label("From", self.start))
        row.addWidget(self.start)
        row.addWidget(field_label("To", self.end))
        row.addWidget(self.end)
        row.addWidget(field_label("Whose figures", self.whose))
        row.addWidget(self.whose)
        self.csv_button = QPushButton("Export CSV")
        self.pdf_button = QPushButton("Export PDF")
        for b in (self.csv_button, self.pdf_button):
            b.setAccessibleDescription("Small numbers (fewer than 5) are hidden in the export")
            row.addWidget(b)
        layout.addLayout(row)
        self.basis = muted("")
        layout.addWidget(self.basis)
        charts = ReflowBox()
        self.components_chart = BarChart("People with each component (%)")
        self.domains_chart = BarChart("Sessions that showed each part of peer support (%)")
        charts.add(self.components_chart, 3, columns=50)
        right_widget = QWidget()
        right = QVBoxLayout(right_widget)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.domains_chart)
        self.months_chart = BarChart("Sessions per month")
        right.addWidget(self.months_chart)
        self.themes_chart = BarChart("Themes in group supervision (sessions)")
        right.addWidget(self.themes_chart)
        right.addStretch(1)
        charts.add(right_widget, 2, columns=40)
        layout.addWidget(charts)
        layout.addWidget(heading("The figures", role="subheading"))
        self.table = QTableWidget()
        self.table.setAccessibleName("Fidelity and engagement figures")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        # Most of the figures at once; the page around it scrolls.
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 20)
        layout.addWidget(self.table, 1)
        layout.addWidget(heading("Asked to do non-peer tasks, by ward", role="subheading"))
        self.requests_hint = muted("")
        layout.addWidget(self.requests_hint)
        self.requests_table = QTableWidget()
        self.requests_table.setAccessibleName("Requests to do non-peer tasks, by ward")
        self.requests_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.requests_table.setTabKeyNavigation(False)
        self.requests_table.verticalHeader().hide()
        self.requests_table.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        layout.addWidget(self.requests_table)
        self.saved = state_label("Export")
        layout.addWidget(self.saved)
        self.publish_button = QPushButton("Send my figures to supervision")
        self.publish_button.setAccessibleDescription(
            "Dates, list choices and yes or no marks for each person: no names and no words "
            "you wrote. Your coordinator needs them for the team's figures.")
        self.publish_button.hide()
        layout.addWidget(self.publish_button)
        self.report: fidelity.Report | None = None
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        self.whose.currentIndexChanged.connect(self._show)
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button.clicked.connect(lambda: self.export_pdf())

    def enable_publish(self, publish: Callable[[], None]) -> None:
        self.publish_button.show()
        self.publish_button.clicked.connect(publish)

    def published(self, changed: int) -> None:
        self.saved.say(f"Sent: {changed} person summaries changed. They reach your "
                       "coordinator at the next sync. No names or words are in them.")

    def period(self) -> fidelity.Period:
        return fidelity.Period(self.start.date().toPython(),  # type: ignore[arg-type]
                               self.end.date().toPython())  # type: ignore[arg-type]

    def refresh(self) -> None:
        attended = self._attendance() if self._attendance else None
        self.report = fidelity.report(self._records(), period=self.period(), authors=self.authors,
                                      supervision=attended or None)
        chosen = self.whose.currentText()
        self.whose.blockSignals(True)
        self.whose.clear()
        self.whose.addItems([TEAM, *[p.name for p in self.report.peers]])
        self.whose.setCurrentIndex(max(0, self.whose.findText(chosen)))
        self.whose.blockSignals(False)
        self.basis.setText(f"{self.report.period.text()}: {self.report.basis}.")
        self._show()

    def figures(self) -> fidelity.Figures | None:
        if self.report is None:
            return None
        name = self.whose.currentText()
        return next((p for p in self.report.peers if p.name == name), self.report.team)

    def _show(self) -> None:
        report, shown = self.report, self.figures()
        if report is None or shown is None:
            return
        self.components_chart.set_bars([
            (label, shown.components[key] / shown.people if shown.people else 0.0,
             f"{shown.components[key]} of {shown.people}")
            for key, label, _ in fidelity.COMPONENTS])
        self.domains_chart.set_bars([
            (d.short, shown.domains[d.id] / shown.sessions if shown.sessions else 0.0,
             f"{shown.domains[d.id]} of {shown.sessions}") for d in fidelity.domains()])
        peer = next((k for k, v in self.authors.items() if v == shown.name), None)
        months = fidelity.sessions_by_month(
            [r for r in self._records() if peer is None or r.author_id == peer], report.period)
        most = max((n for _, n in months), default=0)
        self.months_chart.set_bars(
            [(dates.month(f"{m}-01"), n / most if most else 0.0, str(n))
             for m, n in months])
        themes = supervision.theme_counts(self._records(), start=report.period.start,
                                          end=report.period.end)
        most_themes = max((n for _, n in themes), default=0)
        self.themes_chart.set_bars([(label, n / most_themes, str(n)) for label, n in themes[:8]])
        self.themes_chart.setVisible(bool(themes))
        self._show_requests(report.period)
        columns = [report.team, *report.peers]
        data = [c.as_json(suppress=False) for c in columns]
        rows: list[tuple[str, list[str]]] = [
            ("People supported", [str(d["people"]) for d in data]),
            ("Sessions", [str(d["sessions"]) for d in data]),
            ("Times we didn't meet", [str(d["did_not_meet"]) for d in data])]
        rows += [(label, [f"{d['components'][key]['count']} "
                          f"({_pc(d['components'][key]['percent'])})" for d in data])
                 for key, label, _ in fidelity.COMPONENTS]
        rows += [(f"Sessions showing: {dom.label}",
                  [f"{d['fidelity_domains'][dom.id]['count']} sessions" for d in data])
                 for dom in fidelity.domains()]
        rows.append(("Days from discharge to first meeting after (median)",
                     ["" if (m := d["days_discharge_to_first_meeting"]["median"]) is None
                      else f"{m:g}" for d in data]))
        if any(d["supervision_attended"] is not None for d in data):
            rows.append(("Group supervision sessions attended",
                         ["" if d["supervision_attended"] is None else str(d["supervision_attended"])
                          for d in data]))
        self.table.clear()
        self.table.setColumnCount(len(columns) + 1)
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(["", *[TEAM if c is report.team else c.name
                                                    for c in columns]])
        for i, (label, values) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(label))
            for j, value in enumerate(values):
                self.table.setItem(i, j + 1, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for j in range(1, len(columns) + 1):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.Stretch)

    def _show_requests(self, period: fidelity.Period) -> None:
        wards = self._requests(period) if self._requests else []
        total = sum(w.count for w in wards)
        self.requests_hint.setText(
            "From boundary reflections on being asked to do non-peer tasks: the ward, the month "
            "and what was asked, with no names and no other words. For conversations with ward "
            "managers about what peer support is for. "
            + ("None in this period." if not total else
               f"{total} request{'' if total == 1 else 's'} on {len(wards)} "
               f"ward{'' if len(wards) == 1 else 's'}."))
        labels = {c.id: c.label for c in choices("non_peer_tasks")}
        table = self.requests_table
        table.clear()
        table.setColumnCount(3)
        table.setRowCount(len(wards))
        table.setHorizontalHeaderLabels(["Ward", "Requests", "What was asked (how often)"])
        for i, w in enumerate(wards):
            asked = sorted(w.asked.items(), key=lambda a: (-a[1], labels.get(a[0], a[0])))
            for j, value in enumerate((w.ward or "Ward not given", str(w.count),
                                       "; ".join(f"{labels.get(t, t)} ({n})" for t, n in asked))):
                table.setItem(i, j, QTableWidgetItem(value))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setVisible(bool(wards))

    # -- exports: team-level, so small numbers are hidden ----------------------------------

    def _path(self, suffix: str) -> Path:
        p = self.period()
        return self.export_dir / f"fidelity-{p.start}-to-{p.end}.{suffix}"

    def export_csv(self, path: Path | None = None) -> Path:
        assert self.report is not None
        path = path or self._path("csv")
        exports.write_csv(path, self.report.rows(suppress=True))
        self.saved.say(f"Saved {path}. Numbers from 1 to 4 are shown as *.")
        return path

    def html(self) -> str:
        assert self.report is not None
        return exports.html_text(self.report.document(suppress=True))

    def export_pdf(self, path: Path | None = None) -> Path:
        assert self.report is not None
        path = path or self._path("pdf")
        exports.write_pdf(path, self.report.document(suppress=True))
        self.saved.say(f"Saved {path}. Numbers from 1 to 4 are shown as *.")
        return path

    def wipe(self) -> None:
        self.report = None
        self.table.clear()
        self.components_chart.set_bars([])
        self.domains_chart.set_bars([])
        self.months_chart.set_bars([])
        self.themes_chart.set_bars([])
        self.requests_table.clear()
        self.requests_table.setRowCount(0)
        self.requests_hint.clear()
