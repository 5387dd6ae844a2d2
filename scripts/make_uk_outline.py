"""Regenerate data/geo/uk_outline.geojson from the npm package world-atlas (Natural Earth, ISC).

Run once by hand when the outline should change:
    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/make_uk_outline.py package/countries-50m.json
The app never downloads anything: the GeoJSON this writes is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

UK_ISO_NUMERIC = "826"
OUT = Path(__file__).resolve().parents[1] / "data" / "geo" / "uk_outline.geojson"


def main(topojson_path: str) -> None:
    # GDAL reads TopoJSON natively, so no converter needs to be written by hand.
    countries = gpd.read_file(topojson_path, layer="countries")
    uk = countries[countries["id"] == UK_ISO_NUMERIC][["id", "name", "geometry"]]
    uk = uk.set_crs(4326, allow_override=True)
    uk["geometry"] = uk.geometry.simplify(0.01, preserve_topology=True)
    uk.to_file(OUT, driver="GeoJSON", COORDINATE_PRECISION=4)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
