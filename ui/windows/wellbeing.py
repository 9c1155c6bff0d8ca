"""My wellbeing: the peer's own check-ins over time and her staying-well plan, private."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from peerdesk import dates
from peerdesk.domain import Kind, Record
from peerdesk.services import wellbeing
from ui.widgets.bars import BarChart
from ui.widgets.common import heading, muted, state_label
from ui.widgets.reflow import FlowLayout

SHOWN = 12  # the most recent check-ins drawn


class WellbeingPage(QWidget):
    open_requested = Signal(object)  # Record
    new_requested = Signal(object)  # Kind

    def __init__(self, records: Callable[[], Sequence[Record]], me: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records = records
        self._me = me
        layout = QVBoxLayout(self)
        layout.addWidget(heading("My wellbeing"))
        layout.addWidget(muted(
            "Only you can read your check-ins and your staying-well plan: they are never "
            "shared, reported or sent to anyone else in a form they can open. If a check-in "
            "says you need some support, it offers to tell your coordinator that you asked for "
            "a conversation, and only that."))
        row = FlowLayout()
        self.checkin_button = QPushButton("New check-in")
        self.checkin_button.clicked.connect(lambda: self.new_requested.emit(Kind.CHECKIN))
        self.plan_button = QPushButton("My staying-well plan")
        self.plan_button.clicked.connect(self.open_plan)
        row.addWidget(self.checkin_button)
        row.addWidget(self.plan_button)
        layout.addLayout(row)
        self.summary = state_label("My check-ins")
        layout.addWidget(self.summary)
        self.chart = BarChart("How I've been, check-in by check-in (newest last)")
        layout.addWidget(self.chart)
        layout.addStretch(1)

    def _plan(self) -> Record | None:
        plans = [r for r in self._records() if r.kind is Kind.STAYING_WELL and not r.deleted
                 and r.author_id == self._me]
        return max(plans, key=lambda r: r.saved_at, default=None)

    def open_plan(self) -> None:
        plan = self._plan()
        if plan is None:
            self.new_requested.emit(Kind.STAYING_WELL)
        else:
            self.open_requested.emit(plan)

    def refresh(self) -> None:
        points = wellbeing.trend(self._records(), author_id=self._me)
        shown = points[-SHOWN:]
        self.chart.set_bars([(dates.short_day(p.when), p.level / 4, p.label) for p in shown])
        self.chart.setVisible(bool(shown))
        if not points:
            self.summary.setText("No check-ins yet.")
        else:
            last = points[-1]
            self.summary.setText(
                f"{len(points)} check-in{'' if len(points) == 1 else 's'} since "
                f"{dates.short_day(points[0].when)}; the last, {dates.short_day(last.when)}: "
                f"{last.label}.")
        self.plan_button.setText("My staying-well plan" if self._plan() is not None
                                 else "Start my staying-well plan")

    def wipe(self) -> None:
        self.chart.set_bars([])
        self.summary.clear()
