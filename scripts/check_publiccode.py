"""Check publiccode.yml against the vendored schema (scripts/publiccode.schema.json): `make lint` runs it.

No parser of the standard is installable from PyPI or npm, so the rules of publiccode.yml 0.4 and its
Italian extension (mandatory keys, vocabularies, lengths) are written down as a JSON Schema here.
Exit status 1 and one line per problem when the file does not conform.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent


def problems(path: Path) -> list[str]:
    schema = json.loads((ROOT / "scripts" / "publiccode.schema.json").read_text(encoding="utf-8"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: {exc}"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{path.name}: {where}: {error.message}")
    return found


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else ROOT / "publiccode.yml"
    found = problems(path)
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print(f"{path.name}: valid publiccode.yml")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
