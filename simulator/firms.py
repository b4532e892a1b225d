"""The firm population: static attributes drawn once per run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from ingest.uscc import USCC_ALPHABET, org_code_check_char, uscc_check_char
from simulator import months as M
from simulator.names import industry_word, make_names, place_prefix
from simulator.reference import Reference

SIZE_NAMES = np.array(["大型", "中型", "小型", "微型"], dtype=object)
SIZE_P = np.array([0.015, 0.065, 0.22, 0.70])
FORMS = np.array(["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业"], dtype=object)
ABOVE_SCALE_REVENUE = 20_000_000.0  # CNY a year: 规模以上

# annual revenue (CNY): lognormal median and sigma per size class
_REV_MEDIAN = np.array([6.0e8, 8.0e7, 1.25e7, 1.2e6])
_REV_SIGMA = np.array([0.8, 0.6, 0.65, 0.9])
_EMP_MEDIAN = np.array([1200.0, 250.0, 40.0, 5.0])
_CAP_MEDIAN = np.array([10000.0, 2000.0, 500.0, 100.0])  # 万元
_NICE_CAPITAL = np.array(
    [1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 8000,
     10000, 20000, 30000, 50000, 100000], dtype=np.float64,
)  # fmt: skip

# section-level economics: VAT rate, typical margin, asset/revenue ratio, debt ratio, CNY dip
_SECTION_ECON = {
    #      vat   margin assets debt  cny_dip
    "A": (0.09, 0.05, 1.2, 0.45, 0.20),
    "B": (0.13, 0.08, 1.8, 0.55, 0.35),
    "C": (0.13, 0.06, 1.1, 0.55, 0.35),
    "D": (0.13, 0.08, 3.0, 0.60, 0.10),
    "E": (0.09, 0.04, 1.0, 0.65, 0.50),
    "F": (0.13, 0.025, 0.5, 0.60, 0.20),
    "G": (0.09, 0.04, 1.0, 0.55, 0.25),
    "H": (0.06, 0.05, 0.8, 0.55, -0.10),
    "I": (0.06, 0.10, 0.9, 0.45, 0.15),
    "J": (0.06, 0.12, 3.0, 0.60, 0.10),
    "K": (0.09, 0.10, 4.0, 0.70, 0.25),
    "L": (0.06, 0.08, 1.5, 0.55, 0.20),
    "M": (0.06, 0.10, 0.9, 0.45, 0.20),
    "N": (0.06, 0.06, 1.5, 0.55, 0.20),
    "O": (0.06, 0.06, 0.6, 0.50, 0.10),
    "P": (0.06, 0.08, 1.0, 0.45, 0.30),
    "Q": (0.06, 0.07, 1.2, 0.50, 0.10),
    "R": (0.06, 0.06, 1.2, 0.50, 0.00),
}
INDUSTRIAL_SECTIONS = ("B", "C", "D")


@dataclass
class Firms:
    n: int
    uscc: list[str]
    name: list[str]
    form: np.ndarray  # object
    class_code: np.ndarray  # object, 4 digits
    section: np.ndarray  # object
    division: np.ndarray  # object, 2 digits
    div_idx: np.ndarray  # int, index into divisions
    n_div: int
    county: np.ndarray  # object, 6 digits
    size: np.ndarray  # int 0..3 (大 中 小 微)
    founded: np.ndarray  # datetime64[D]
    founded_m: np.ndarray  # int month index
    capital: np.ndarray  # 万元
    revenue: np.ndarray  # expected annual revenue, CNY
    above_scale: np.ndarray  # bool
    industrial: np.ndarray  # bool (sections B, C, D)
    general_vat: np.ndarray  # bool: general taxpayer (else small-scale, 1%)
    vat_rate: np.ndarray
    va_share: np.ndarray  # value-added share of sales
    cit_rate: np.ndarray
    margin: np.ndarray  # base profit margin
    debt: np.ndarray  # base debt ratio
    asset_ratio: np.ndarray  # assets / annual revenue
    cny_dip: np.ndarray  # depth of the Spring-Festival dip
    emp: np.ndarray  # base headcount
    coverage: np.ndarray  # pension coverage base
    rd: np.ndarray  # R&D intensity (0 for none)
    output_ratio: np.ndarray  # industrial output / revenue
    main_share: np.ndarray  # main-business share of revenue
    stats_factor: np.ndarray  # stats revenue / tax sales
    mu: np.ndarray  # latent mean health
    growth: np.ndarray  # yearly trend growth by division

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "uscc": self.uscc,
                "firm_name": self.name,
                "legal_form": self.form.tolist(),
                "industry_class": self.class_code.tolist(),
                "county_code": self.county.tolist(),
                "size_class": SIZE_NAMES[self.size].tolist(),
                "founding_date": self.founded,
                "above_scale": self.above_scale,
            }
        )


def _nice_capital(rng: np.random.Generator, raw: np.ndarray) -> np.ndarray:
    log_nice = np.log(_NICE_CAPITAL)
    nearest = _NICE_CAPITAL[np.abs(np.log(raw)[:, None] - log_nice[None, :]).argmin(axis=1)]
    exact = np.maximum(np.round(raw, 0), 1.0)
    return np.where(rng.random(raw.size) < 0.75, nearest, exact)


def _codes(rng: np.random.Generator, county: np.ndarray, founded: np.ndarray) -> list[str]:
    """Unique valid USCCs: 9 1 + county + 8-char organisation code + GB 11714 + GB 32100."""
    n = county.size
    alpha = np.array(list(USCC_ALPHABET))
    digits = alpha[:10]
    new_style = founded >= np.datetime64("2016-01-01")
    out: list[str] = []
    seen: set[str] = set()
    body_digits = rng.integers(0, 10, size=(n, 8))
    body_alpha = rng.integers(0, len(alpha), size=(n, 6))
    for i in range(n):
        while True:
            if new_style[i]:  # post-2016 registrations: organisation code "MA" + 6
                org = "MA" + "".join(alpha[body_alpha[i]])
            else:
                org = "".join(digits[body_digits[i]])
            first17 = "91" + county[i] + org + org_code_check_char(org)
            if first17 not in seen:
                break
            body_digits[i] = rng.integers(0, 10, size=8)
            body_alpha[i] = rng.integers(0, len(alpha), size=6)
        seen.add(first17)
        out.append(first17 + uscc_check_char(first17))
    return out


def make_firms(
    ref: Reference,
    n: int,
    rng: np.random.Generator,
    win_start: int,
    end: int,
    mu_sd: float = 1.4,
    margin_mu: float = 0.06,
    debt_mu: float = 0.25,
    exit_hazard: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Firms:
    # industry and place
    cls_i = rng.choice(len(ref.class_code), size=n, p=ref.class_p)
    classes = ref.classes
    class_code = ref.class_code[cls_i]
    section = np.array(classes["section_code"].to_list(), dtype=object)[cls_i]
    division = np.array(classes["division_code"].to_list(), dtype=object)[cls_i]
    class_name = np.array(classes["class_name"].to_list(), dtype=object)[cls_i]
    divisions = sorted(set(classes["division_code"].to_list()))
    div_pos = {d: i for i, d in enumerate(divisions)}
    div_idx = np.array([div_pos[d] for d in division], dtype=np.int64)
    cty_i = rng.choice(len(ref.county_code), size=n, p=ref.county_p)
    county = ref.county_code[cty_i]

    size = rng.choice(4, size=n, p=SIZE_P)

    # founding: ~8% of the stock registers each year, spread over the window; the rest is older
    win_months = end - win_start + 1
    p_new = 0.08 * win_months / 12 / (1 + 0.08 * win_months / 12)
    is_new = (rng.random(n) < p_new) & (size >= 2)
    is_new |= (rng.random(n) < p_new * 0.25) & (size < 2)
    age_years = rng.exponential(8.0, size=n) + 0.3 + np.array([6.0, 3.0, 1.0, 0.0])[size]
    win0 = np.datetime64(M.first_day(win_start), "D")
    old_day = win0 - (age_years * 365.25).astype(np.int64) - 1
    old_day = np.maximum(old_day, np.datetime64("1985-01-01"))
    span = (np.datetime64(M.last_day(end), "D") - win0).astype(np.int64) + 1
    new_day = win0 + rng.integers(0, span, size=n)
    founded = np.where(is_new, new_day, old_day).astype("datetime64[D]")
    founded_m = M.ym_of_days(founded)

    # economics
    econ = np.array([_SECTION_ECON[s] for s in section], dtype=np.float64)
    revenue = rng.lognormal(np.log(_REV_MEDIAN[size]), _REV_SIGMA[size])
    revenue = np.where(size == 3, np.minimum(revenue, 1.5e7), revenue)
    revenue = np.where(size == 0, np.maximum(revenue, 2.0e8), revenue)
    above_scale = revenue >= ABOVE_SCALE_REVENUE
    industrial = np.isin(section, INDUSTRIAL_SECTIONS)
    general_vat = (size <= 1) | ((size == 2) & (rng.random(n) < 0.5))
    vat_rate = np.where(general_vat, econ[:, 0], 0.01)
    va_share = rng.uniform(0.12, 0.35, size=n)
    cit_rate = np.where(size <= 1, 0.25, 0.05)

    # latent mean health: bigger and older firms a bit healthier; industries differ
    div_effect = np.random.default_rng(rng.integers(1 << 62)).normal(0, 0.12, len(divisions))
    age_now = (win0 - founded).astype(np.int64) / 365.25
    base_mu = np.array([0.3, 0.2, 0.1, 0.0])[size] + div_effect[div_idx] - 0.25 * (age_now < 3)
    candidates = base_mu[:, None] + rng.normal(0, mu_sd, size=(n, 8))
    pick = np.zeros(n, dtype=np.int64)
    if exit_hazard is not None:
        # Firms already in the stock have survived their age so far: draw their mean health from
        # the survivors' distribution (weight = survival probability), so the window does not
        # start with a weak tail that real selection would already have removed. New firms
        # enter unselected (and weaker), which keeps the distress rate roughly stationary.
        years = np.clip(age_now, 0.0, 30.0)[:, None]
        survive = np.exp(-12.0 * years * exit_hazard(candidates, size[:, None]))
        cum = np.cumsum(survive, axis=1)
        u = rng.random(n)[:, None] * cum[:, -1:]
        pick = np.where(age_now > 0, (u > cum).sum(axis=1).clip(0, 7), 0)
    mu = candidates[np.arange(n), pick]
    margin = econ[:, 1] + rng.normal(0, 0.04, size=n) + margin_mu * mu
    debt = np.clip(econ[:, 3] - debt_mu * mu + rng.normal(0, 0.15, size=n), 0.05, 1.3)
    asset_ratio = econ[:, 2] * rng.lognormal(0, 0.4, size=n)
    emp = np.maximum(rng.lognormal(np.log(_EMP_MEDIAN[size]), 0.55), 1.0)
    coverage = np.clip(
        np.array([0.95, 0.88, 0.75, 0.55])[size] + rng.normal(0, 0.12, size=n), 0.05, 1.0
    )
    rd_prop = np.where(industrial, 0.5, 0.2) * np.where(above_scale, 1.0, 0.3)
    rd = np.where(
        rng.random(n) < rd_prop,
        rng.lognormal(np.log(np.where(industrial, 0.03, 0.015)), 0.5),
        0.0,
    )
    output_ratio = np.where(industrial, rng.uniform(0.92, 1.1, size=n), np.nan)
    main_share = np.where(rng.random(n) < 0.4, 1.0, rng.uniform(0.85, 1.0, size=n))
    stats_factor = rng.uniform(0.96, 1.04, size=n)
    growth_div = np.random.default_rng(rng.integers(1 << 62)).normal(0.04, 0.03, len(divisions))

    capital = _nice_capital(rng, rng.lognormal(np.log(_CAP_MEDIAN[size]), 0.9))
    u = rng.random(n)
    form_p = np.where(
        size[:, None] <= 1,
        np.array([0.78, 0.22, 0.0, 0.0])[None, :],
        np.array([0.89, 0.02, 0.05, 0.04])[None, :],
    )
    form = FORMS[(u[:, None] > np.cumsum(form_p, axis=1)).sum(axis=1).clip(0, 3)]
    # partnerships are investment / service vehicles, not factories or shops
    form = np.where(
        (form == "合伙企业") & ~np.isin(section, ("J", "K", "L", "M", "I")), "有限责任公司", form
    )

    # names
    county_name = dict(zip(ref.counties["county_code"], ref.counties["county_name"], strict=True))
    city_name = dict(zip(ref.counties["county_code"], ref.counties["city_name"], strict=True))
    name_rng = np.random.default_rng(rng.integers(1 << 62))
    places = [place_prefix(county_name[c], city_name[c], name_rng) for c in county]
    words = {c: industry_word(nm) for c, nm in zip(class_code, class_name, strict=True)}
    names = make_names(
        name_rng, places, [words[c] for c in class_code], form.tolist(), size <= 1, section.tolist()
    )
    uscc = _codes(np.random.default_rng(rng.integers(1 << 62)), county, founded)

    return Firms(
        n=n,
        uscc=uscc,
        name=names,
        form=form,
        class_code=class_code,
        section=section,
        division=division,
        div_idx=div_idx,
        n_div=len(divisions),
        county=county,
        size=size,
        founded=founded,
        founded_m=founded_m,
        capital=capital,
        revenue=revenue,
        above_scale=above_scale,
        industrial=industrial,
        general_vat=general_vat,
        vat_rate=vat_rate,
        va_share=va_share,
        cit_rate=cit_rate,
        margin=margin,
        debt=debt,
        asset_ratio=asset_ratio,
        cny_dip=econ[:, 4],
        emp=emp,
        coverage=coverage,
        rd=rd,
        output_ratio=output_ratio,
        main_share=main_share,
        stats_factor=stats_factor,
        mu=mu,
        growth=growth_div[div_idx],
    )
