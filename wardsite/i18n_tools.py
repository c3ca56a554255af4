"""Translation catalogues: extract, update, compile and check.

Messages are written in English in the code; `vi` is the complete catalogue
residents see by default. Each area may keep its own catalogue in
`wardsite/<area>/translations` (so areas can be worked on side by side);
everything else belongs to the core catalogue in `wardsite/translations`.

    python -m wardsite.i18n_tools update [AREA]  # add new messages to the .po files
    python -m wardsite.i18n_tools compile   # .po -> .mo (also done at start-up)
    python -m wardsite.i18n_tools check     # fail on untranslated or conflicting messages
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
TEMPLATES = ROOT / "templates"
LOCALES = ("vi",)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do"}


def _area_catalogues() -> list[str]:
    return sorted(path.parent.name for path in PACKAGE.glob("*/translations") if path.is_dir())


def catalogues() -> dict[Path, list[Path]]:
    """Each catalogue folder with the source files it covers."""
    areas = _area_catalogues()
    result: dict[Path, list[Path]] = {}
    core: list[Path] = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(PACKAGE if path.suffix == ".py" else TEMPLATES)
        owner = relative.parts[0] if len(relative.parts) > 1 and relative.parts[0] in areas else None
        if owner:
            result.setdefault(PACKAGE / owner / "translations", []).append(path)
        else:
            core.append(path)
    result[PACKAGE / "translations"] = core
    return result


def extract(files: list[Path]) -> Catalog:
    template = Catalog(project="wardsite", charset="utf-8")
    for path in files:
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        options = {} if path.suffix == ".py" else JINJA_OPTIONS
        for lineno, message, comments, context in extract_from_file(method, str(path), KEYWORDS, options=options):
            template.add(message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments, context=context)
    return template


def _po_path(folder: Path, locale: str) -> Path:
    return folder / locale / "LC_MESSAGES" / "messages.po"


def update(area: str | None = None) -> None:
    """Add new messages to every catalogue, or only to `area`'s ("core" for the
    shared one)."""
    wanted = None if area is None else (PACKAGE / "translations" if area == "core" else PACKAGE / area / "translations")
    for folder, files in catalogues().items():
        if wanted is not None and folder != wanted:
            continue
        template = extract(files)
        for locale in LOCALES:
            po_path = _po_path(folder, locale)
            if po_path.exists():
                with po_path.open("rb") as handle:
                    catalog = read_po(handle, locale=locale)
                catalog.update(template, update_header_comment=False)
                catalog.obsolete.clear()
            else:
                po_path.parent.mkdir(parents=True, exist_ok=True)
                catalog = Catalog(locale=locale, project="wardsite", charset="utf-8")
                catalog.update(template)
                catalog.fuzzy = False
            with po_path.open("wb") as handle:
                write_po(handle, catalog, width=0, omit_header=False, sort_output=False)
            print(f"{po_path.relative_to(ROOT)}: {len(catalog)} messages")


def compile_catalogues(only_stale: bool = False) -> None:
    for po_path in PACKAGE.glob("**/translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if only_stale and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def missing_translations() -> dict[str, list[str]]:
    """Per catalogue file, the English messages with no Vietnamese text."""
    problems: dict[str, list[str]] = {}
    for folder, files in catalogues().items():
        template = extract(files)
        for locale in LOCALES:
            po_path = _po_path(folder, locale)
            translated: dict = {}
            if po_path.exists():
                with po_path.open("rb") as handle:
                    catalog = read_po(handle, locale=locale)
                translated = {m.id: m for m in catalog if m.id}
            missing = []
            for message in template:
                if not message.id:
                    continue
                found = translated.get(message.id)
                strings = found.string if found else None
                if isinstance(strings, (tuple, list)):
                    empty = not all(strings)
                else:
                    empty = not strings
                if found is None or empty or found.fuzzy:
                    missing.append(message.id if isinstance(message.id, str) else message.id[0])
            if missing:
                problems[str(po_path.relative_to(ROOT))] = missing
    return problems


def conflicting_translations() -> dict[str, list[str]]:
    """Messages translated differently in two catalogues.

    Flask-Babel merges the catalogues, so one of the two texts would silently
    replace the other everywhere; such a message needs a context (pgettext)
    or the same wording."""
    seen: dict[tuple, dict[str, str]] = {}
    for po_path in sorted(PACKAGE.glob("**/translations/vi/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale="vi")
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
                text = message.string if isinstance(message.string, str) else message.string[0]
                seen.setdefault(key, {})[str(po_path.relative_to(ROOT))] = text
    return {
        f"{key[1]!r}" + (f" (context {key[0]!r})" if key[0] else ""): [f"{path}: {text!r}" for path, text in found.items()]
        for key, found in seen.items()
        if len(set(found.values())) > 1
    }


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        update(argv[2] if len(argv) > 2 else None)
    elif command == "compile":
        compile_catalogues()
    elif command == "check":
        problems = missing_translations()
        for path, messages in problems.items():
            print(f"{path}: {len(messages)} untranslated")
            for message in messages:
                print(f"  {message!r}")
        conflicts = conflicting_translations()
        for message, places in conflicts.items():
            print(f"{message} is translated differently: " + "; ".join(places))
        return 1 if problems or conflicts else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
