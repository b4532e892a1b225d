"""Real code lists (GB/T 4754-2017 industries, GB/T 2260 Zhejiang counties) and their weights."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

REF_DIR = Path(__file__).resolve().parents[1] / "dbt_project/seeds/reference"

# Share of firms per GB/T 4754 section, roughly Zhejiang's registered-firm mix: manufacturing and
# wholesale/retail dominate, then business services, R&D/technical services, IT, construction,
# transport and real estate. Public administration (S) and international bodies (T) hold no firms.
SECTION_WEIGHTS: dict[str, float] = {
    "C": 0.35, "F": 0.25, "L": 0.09, "M": 0.06, "I": 0.05, "E": 0.05, "G": 0.04, "K": 0.03,
    "H": 0.025, "O": 0.015, "R": 0.01, "A": 0.01, "N": 0.005, "P": 0.005, "Q": 0.004,
    "D": 0.003, "J": 0.003, "B": 0.002,
}  # fmt: skip

# Division weights inside a section (divisions not listed get weight 1 within their section).
DIVISION_WEIGHTS: dict[str, float] = {
    # manufacturing: textiles, garments, machinery, metal products, electrical, plastics, autos
    "13": 1, "14": 1, "15": 0.5, "16": 0.05, "17": 8, "18": 5, "19": 3, "20": 1.5, "21": 2.5,
    "22": 1.5, "23": 1.5, "24": 2.5, "25": 0.2, "26": 4, "27": 1.5, "28": 1.5, "29": 6, "30": 3,
    "31": 0.5, "32": 1.5, "33": 8, "34": 10, "35": 6, "36": 4, "37": 1.5, "38": 9, "39": 5,
    "40": 2, "41": 1, "42": 0.5, "43": 0.5,
    "51": 6.5, "52": 3.5,
    "71": 2, "72": 8,
    "73": 1.5, "74": 4.5, "75": 4,
    "63": 0.5, "64": 3, "65": 6.5,
    "47": 3, "48": 2, "49": 2, "50": 3,
    "53": 0.05, "54": 5.5, "55": 0.8, "56": 0.05, "57": 0.05, "58": 2, "59": 1.2, "60": 0.3,
    "70": 1,
    "61": 1, "62": 3,
}  # fmt: skip

# Share of firms per city (Hangzhou and Ningbo heavy); counties inside a city are weighted by a
# fixed random draw, districts (区) a bit more.
CITY_WEIGHTS: dict[str, float] = {
    "3301": 22, "3302": 18, "3303": 14, "3304": 8, "3305": 5, "3306": 9, "3307": 12,
    "3308": 3, "3309": 2, "3310": 9, "3311": 2,
}  # fmt: skip


@dataclass(frozen=True)
class Reference:
    classes: pl.DataFrame  # section_code, division_code, group_code, class_code, class_name, weight
    counties: pl.DataFrame  # county_code, county_name, city_code, city_name, weight
    class_code: np.ndarray  # object array of 4-digit codes, aligned with classes
    class_p: np.ndarray
    county_code: np.ndarray
    county_p: np.ndarray


def _read(name: str) -> pl.DataFrame:
    # All codes are strings: leading zeros matter (0111, 01, ...).
    return pl.read_csv(REF_DIR / name, infer_schema=False)


def load_reference() -> Reference:
    classes = _read("ref_industry_classes.csv")
    counties = _read("ref_counties.csv")
    cities = _read("ref_cities.csv")

    classes = classes.filter(pl.col("section_code").is_in(list(SECTION_WEIGHTS)))
    n_div = classes.group_by("section_code").agg(
        pl.col("division_code").unique().len().alias("n_div")
    )
    # weight = section share x division share within section / classes in division
    div = classes.select("section_code", "division_code").unique()
    div = div.with_columns(
        pl.col("division_code")
        .replace_strict(
            {k: float(v) for k, v in DIVISION_WEIGHTS.items()},
            default=1.0,
            return_dtype=pl.Float64,
        )
        .alias("dw")
    )
    div = div.with_columns((pl.col("dw") / pl.col("dw").sum().over("section_code")).alias("dshare"))
    per_div = classes.group_by("division_code").len().rename({"len": "n_cls"})
    classes = (
        classes.join(div.select("division_code", "dshare"), on="division_code")
        .join(per_div, on="division_code")
        .join(n_div, on="section_code")
        .with_columns(
            (
                pl.col("section_code").replace_strict(SECTION_WEIGHTS, return_dtype=pl.Float64)
                * pl.col("dshare")
                / pl.col("n_cls")
            ).alias("weight")
        )
        .drop("dshare", "n_cls", "n_div")
        .sort("class_code")
    )
    class_p = classes["weight"].to_numpy().astype(np.float64)
    class_p /= class_p.sum()

    counties = counties.join(cities.select("city_code", "city_name"), on="city_code", how="left")
    counties = counties.sort("county_code")
    # A fixed (seed-independent) spread of county sizes inside a city.
    spread = np.random.default_rng(20170101).lognormal(0.0, 0.5, counties.height)
    is_district = counties["county_name"].str.ends_with("区").to_numpy()
    raw = spread * np.where(is_district, 1.5, 1.0)
    counties = counties.with_columns(pl.Series("raw", raw))
    counties = counties.with_columns(
        (
            pl.col("city_code").replace_strict(
                {k: float(v) for k, v in CITY_WEIGHTS.items()}, default=1.0, return_dtype=pl.Float64
            )
            * pl.col("raw")
            / pl.col("raw").sum().over("city_code")
        ).alias("weight")
    ).drop("raw")
    county_p = counties["weight"].to_numpy().astype(np.float64)
    county_p /= county_p.sum()

    return Reference(
        classes=classes,
        counties=counties,
        class_code=np.array(classes["class_code"].to_list(), dtype=object),
        class_p=class_p,
        county_code=np.array(counties["county_code"].to_list(), dtype=object),
        county_p=county_p,
    )
