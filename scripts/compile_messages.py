"""Compile every locale/**/*.po (and each app's) into .mo with Babel, in pure Python.

Django's `compilemessages` needs GNU gettext's msgfmt, which a fresh machine may not have; the
compiled .mo files are build output and not committed.
"""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", ".git"}


def main() -> int:
    compiled = 0
    for po_path in sorted(ROOT.rglob("locale/*/LC_MESSAGES/*.po")):
        if SKIP & set(po_path.relative_to(ROOT).parts):
            continue
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        with mo_path.open("wb") as target:
            write_mo(target, catalog)
        compiled += 1
    print(f"compile_messages: {compiled} catalogue(s) compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
