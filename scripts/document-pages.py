"""Pictures of the documents PeerDesk makes for a person, for the docs: a throw-away data folder
with one person whose plan is in Polish, Vietnamese, Arabic and Urdu, every kind of copy made
through the same code as `peerdesk plan export`, and each page drawn with pdftoppm.

    .venv/bin/python scripts/document-pages.py --out docs/screenshots
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from peerdesk import exports
from peerdesk.config import Policy
from peerdesk.crypto.kdf import KdfParams
from peerdesk.domain import Kind
from peerdesk.services import Vault, papers, sar
from peerdesk.services.desk import sign_in

NAME = "Zofia Wiśniewska-Nguyễn"
SECTIONS = {
    "when_well": "Kiedy czuję się dobrze, chodzę na spacery z psem i gotuję pierogi dla sąsiadów.",
    "signs": "I stop answering my phone. I sleep in the day and stay up at night.",
    "self_help": "جب میں پریشان ہوتی ہوں تو میں اپنی بہن کو فون کرتی ہوں اور چائے پیتی ہوں۔",
    "helps": "Khi tôi buồn, tôi muốn nghe nhạc và nói chuyện với chị gái của tôi.\n"
             "A cup of tea and quiet music.",
    "does_not_help": "لا يساعدني أن يتحدث الناس بصوت عال أو أن يتركوني وحدي في الليل.",
    "card_contacts": "Siostra Anna – 07700 900123\nChị Mai – 07700 900456\n"
                     "Dr Okafor (GP) – 0113 496 0000",
}
PAGES = {"23-plan-copy": ("standard", 1), "24-easy-read": ("easy-read", 2),
         "25-crisis-card": ("crisis-card", 1), "26-what-to-expect": ("what-to-expect", 1),
         "27-ending-letter": ("ending-letter", 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    light = KdfParams(salt=b"\0" * 16, memory_kib=8 * 1024, iterations=1, lanes=1)
    with tempfile.TemporaryDirectory(prefix="peerdesk-pages-") as work, \
            Vault(Path(work) / "data", kdf_params=light, policy=Policy(team="Team North")) as vault:
        vault.create_account("Amira", "peer", "amira demo passphrase")
        desk = sign_in(vault, "Amira", "amira demo passphrase")
        person = desk.add(Kind.PERSON, {
            "label": NAME, "ended_on": "2026-11-20",
            "transition_summary": "Anna and Chị Mai, the Tuesday allotment group, and "
                                  "Dr Okafor at the surgery."})
        plan = desk.add(Kind.CRISIS_PLAN, {"sections": SECTIONS, "agreed_on": "2026-07-14",
                                           "review_on": "2026-10-14"}, person_id=person.id)
        desk.add(Kind.DIARY, {"when": "2026-08-04T10:00", "resources": ["Allotment group"]},
                 person_id=person.id)
        pdfs = Path(work) / "pdf"
        for name, (fmt, pages) in PAGES.items():
            made = papers.make(desk, plan.id, fmt, how="docs")
            path = exports.write_pdf(pdfs / f"{name}.pdf", made.doc)
            _draw(path, args.out / name, pages)
        sar_pdf = sar.write(sar.collect(desk, person.id), pdfs / "sar")[2]
        _draw(sar_pdf, args.out / "28-subject-access", 1)
        desk.lock()
    return 0


def _draw(pdf: Path, stem: Path, pages: int) -> None:
    pdftoppm = shutil.which("pdftoppm") or "pdftoppm"  # poppler-utils (make screenshots)
    for page in range(1, pages + 1):
        target = stem if pages == 1 else stem.with_name(f"{stem.name}-page-{page}")
        # Our own files, to the program found above (these pages are for the docs only).
        subprocess.run([pdftoppm, "-r", "60", "-png", "-singlefile", "-f", str(page),  # noqa: S603
                        "-l", str(page), str(pdf), str(target)], check=True)
        print(target.with_suffix(".png"))


if __name__ == "__main__":
    sys.exit(main())
