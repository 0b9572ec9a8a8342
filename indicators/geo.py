"""The province map of an indicator: comuni boundaries (GeoJSON) drawn as inline SVG on the server.

``INDICATORS_BOUNDARIES_FILE`` names a GeoJSON FeatureCollection of comuni (ISTAT's, or OpenStreetMap's)
whose features carry the ISTAT code in a property (``PRO_COM_T``, ``pro_com_t``, ``PRO_COM``,
``istat_code``, or the one named by ``INDICATORS_BOUNDARIES_PROPERTY``). Unset, unreadable or without
any comune of the table: no map, and no error. No tiles and no script: each comune is an SVG path in an
equirectangular projection corrected for latitude, which is true enough at a province's scale.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

CODE_PROPERTIES = ("PRO_COM_T", "pro_com_t", "PRO_COM", "pro_com", "istat_code", "ISTAT", "istat")
WIDTH = 600.0
Ring = list[tuple[float, float]]


def _code(props: dict[str, Any], prop: str | None) -> str | None:
    for name in (prop,) if prop else CODE_PROPERTIES:
        raw = props.get(name) if name else None
        if raw is not None and str(raw).strip():
            text = str(raw).strip()
            return text.zfill(6) if text.isdigit() else text
    return None


def _rings(geometry: dict[str, Any]) -> list[Ring]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    out: list[Ring] = []
    for polygon in polygons:
        for ring in polygon:
            points = [(float(p[0]), float(p[1])) for p in ring if len(p) >= 2]
            if len(points) >= 3 and all(math.isfinite(x) and math.isfinite(y) for x, y in points):
                out.append(points)
    return out


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float, prop: str | None) -> dict[str, list[Ring]]:
    """ISTAT code -> the rings (lon, lat) of that comune; cached per file version."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    shapes: dict[str, list[Ring]] = {}
    for feature in data.get("features") or []:
        if not isinstance(feature, dict):
            continue
        code = _code(feature.get("properties") or {}, prop)
        rings = _rings(feature.get("geometry") or {})
        if code and rings:
            shapes.setdefault(code, []).extend(rings)
    return shapes


def boundaries() -> dict[str, list[Ring]]:
    """The configured boundaries, or nothing (setting unset, file missing or not GeoJSON: logged)."""
    path = current_app.config.get("INDICATORS_BOUNDARIES_FILE") or ""
    if not path:
        return {}
    try:
        return _load(path, os.path.getmtime(path), current_app.config.get("INDICATORS_BOUNDARIES_PROPERTY") or None)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        log.warning("INDICATORS_BOUNDARIES_FILE %s not usable: %s", path, exc)
        return {}


def province_map(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The SVG paths of the comuni of ``rows`` (each with ``istat_code``, ``name``, ``met``, ``display``),
    or None when no boundary of theirs is known."""
    shapes = boundaries()
    if not shapes:
        return None
    drawn = [(r, shapes[r["istat_code"]]) for r in rows if r.get("istat_code") in shapes]
    if not drawn:
        return None
    lons = [x for _, rings in drawn for ring in rings for x, _y in ring]
    lats = [y for _, rings in drawn for ring in rings for _x, y in ring]
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * squeeze, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = WIDTH / max(span_x, span_y)
    height = span_y * scale

    def path(rings: list[Ring]) -> str:
        parts = []
        for ring in rings:
            points: list[str] = []
            last: tuple[float, float] | None = None
            for lon, lat in ring:
                x, y = round((lon - min_lon) * squeeze * scale, 1), round((max_lat - lat) * scale, 1)
                if last is None or abs(x - last[0]) + abs(y - last[1]) >= 0.5:
                    points.append(f"{x:g},{y:g}")
                    last = (x, y)
            if len(points) >= 3:
                parts.append("M" + "L".join(points) + "Z")
        return "".join(parts)

    return {
        "width": round(span_x * scale, 1),
        "height": round(height, 1),
        "comuni": [{**row, "path": path(rings)} for row, rings in drawn],
        "missing": len(rows) - len(drawn),
    }
