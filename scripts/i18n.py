#!/usr/bin/env python3
"""Translation catalogs: Italian source strings, one English catalog per package.

    python scripts/i18n.py extract   # refresh <pkg>/translations/en/LC_MESSAGES/messages.po from the code
    python scripts/i18n.py check     # list strings without an English translation (exit 1 if any)
    python scripts/i18n.py compile   # .po -> .mo (run by make run / make test)

Each package owns its catalog so that work on one module never conflicts with another; Flask-Babel
merges them (BABEL_TRANSLATION_DIRECTORIES).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app.config import MODULES  # noqa: E402 - the one list of modules

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_ngettext": (1, 2),
}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.do"}, "**.txt": {"extensions": "jinja2.ext.do"}}


def domains() -> dict[str, list[Path]]:
    """Which source folders feed which catalog."""
    platform_templates = [p for p in (ROOT / "templates").iterdir() if p.is_dir() and p.name not in MODULES]
    result = {"app": [ROOT / "app", *platform_templates]}
    for m in MODULES:
        result[m] = [ROOT / m, ROOT / "templates" / m]
    return result


def catalog_dir(domain: str) -> Path:
    return ROOT / ("translations" if domain == "app" else f"{domain}/translations")


def po_path(domain: str) -> Path:
    return catalog_dir(domain) / "en" / "LC_MESSAGES" / "messages.po"


def extract(domain: str) -> Catalog:
    template = Catalog(project="Presidio", locale=None)
    for folder in domains()[domain]:
        if not folder.exists():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS
        ):
            if "translations" in Path(filename).parts:
                continue
            template.add(
                message,
                None,
                [(str(folder.relative_to(ROOT) / filename), lineno)],
                auto_comments=comments,
                context=context,
            )
    root_templates = ROOT / "templates"
    if domain == "app":
        for f in root_templates.glob("*.html"):
            for lineno, message, comments, context in _extract_file(f):
                template.add(
                    message, None, [(str(f.relative_to(ROOT)), lineno)], auto_comments=comments, context=context
                )
    return template


def _extract_file(path: Path):
    from babel.messages.extract import extract

    with path.open("rb") as fh:
        yield from extract("jinja2", fh, keywords=KEYWORDS, options={"extensions": "jinja2.ext.do"})


def load_po(domain: str) -> Catalog:
    path = po_path(domain)
    if not path.exists():
        return Catalog(locale="en", project="Presidio")
    with path.open("rb") as fh:
        return read_po(fh, locale="en")


def cmd_extract() -> int:
    for domain in domains():
        template = extract(domain)
        catalog = load_po(domain)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        path = po_path(domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True, include_previous=False)
        missing = sum(1 for m in catalog if m.id and not m.string)
        print(f"{domain:15} {len(template):5} strings, {missing} without English")
    return 0


def missing_translations() -> dict[str, list[str]]:
    result = {}
    for domain in domains():
        template = extract(domain)
        catalog = load_po(domain)
        missing = []
        for message in template:
            if not message.id:
                continue
            have = catalog.get(message.id, context=message.context)
            if (
                have is None
                or not have.string
                or (isinstance(have.string, tuple) and not all(have.string))
                or have.fuzzy
            ):
                missing.append(message.id if isinstance(message.id, str) else message.id[0])
        if missing:
            result[domain] = missing
    return result


def cmd_check() -> int:
    missing = missing_translations()
    for domain, ids in missing.items():
        print(f"{domain}: {len(ids)} string(s) without English translation")
        for i in ids[:50]:
            print(f"  {i!r}")
    return 1 if missing else 0


def cmd_compile() -> int:
    for domain in domains():
        path = po_path(domain)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="en")
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
    return 0


if __name__ == "__main__":
    commands = {"extract": cmd_extract, "check": cmd_check, "compile": cmd_compile}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]]())
