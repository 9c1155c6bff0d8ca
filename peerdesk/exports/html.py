"""Documents as HTML: one page with headings, paragraphs and lists that a browser, a screen
reader and Qt's print path all read. Each paragraph takes its own reading direction."""

from __future__ import annotations

from html import escape

from peerdesk.exports.document import (
    HEADING_SCALE,
    Block,
    Document,
    Facts,
    Heading,
    Items,
    Para,
    Picture,
    Table,
    picture_path,
    right_to_left,
)


def _p(text: str, style: str = "") -> str:
    # dir is set per line: an Urdu answer in an English plan reads from the right.
    out = []
    for line in text.split("\n"):
        attrs = " dir='rtl' align='right'" if right_to_left(line) else ""
        body = escape(line) or "&nbsp;"
        if style == "strong":
            body = f"<b>{body}</b>"
        elif style == "note":
            body = f"<i>{body}</i>"
        out.append(f"<p{attrs}{_quote(style)}>{body}</p>")
    return "".join(out)


def _quote(style: str) -> str:
    return " style='margin-left: 1.5em'" if style == "quote" else ""


def block_html(block: Block, size: float, *, pictures: bool = True) -> str:
    match block:
        case Heading(text=text, level=level):
            pt = round(size * HEADING_SCALE.get(level, 1.0))
            return f"<h{level} style='font-size:{pt}pt'>{escape(text)}</h{level}>"
        case Para(text=text, style=style):
            return _p(text, style)
        case Facts(lines=lines):
            inner = "".join(_p(line) for line in lines)
            return (f"<table width='100%' cellpadding='6' style='border: 1px solid #000; "
                    f"border-collapse: collapse'><tr><td>{inner}</td></tr></table>")
        case Items(items=items):
            return "<ul>" + "".join(
                f"<li{' dir=rtl' if right_to_left(i) else ''}>{escape(i)}</li>" for i in items
            ) + "</ul>"
        case Table(header=header, rows=rows):
            head = "".join(f"<th align='left'>{escape(c)}</th>" for c in header)
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>"
                           for r in rows)
            return (f"<table border='1' cellpadding='4' cellspacing='0' width='100%'>"
                    f"<tr>{head}</tr>{body}</table>")
        case Picture(icon=icon, alt=alt, lines=lines, quoted=quoted):
            path = picture_path(icon)
            img = (f"<img src='{escape(path.as_uri())}' width='96' height='96' "
                   f"alt='{escape(alt)}'>" if pictures and path.exists() else "")
            text = _p(lines[0], "strong") if lines else ""
            text += "".join(_p(line) for line in lines[1:])
            text += "".join(_p(q, "quote") for q in quoted)
            return (f"<table width='100%' cellpadding='8'><tr><td width='110' valign='top'>"
                    f"{img}</td><td valign='top'>{text}</td></tr></table>")
    raise AssertionError(f"unknown block {block!r}")


def html_text(doc: Document, *, pictures: bool = True) -> str:
    body = "".join(block_html(b, doc.size, pictures=pictures) for b in doc.blocks)
    footer = f"<p><i>{escape(doc.footer)}</i></p>" if doc.footer else ""
    return (f"<!doctype html><html lang='{escape(doc.lang)}'><head><meta charset='utf-8'>"
            f"<title>{escape(doc.title)}</title></head>"
            f"<body style='font-family: \"Noto Sans\", \"DejaVu Sans\", sans-serif; "
            f"font-size:{doc.size}pt; max-width: 50em'>{body}{footer}</body></html>")
