"""Agencies' feedback on the alerts they were sent, as they would return it: for each agency and
month, a file under ``landing/feedback/<delivery month>/feedback_<agency>_<YYYYMM>.csv|xlsx``.

It reads the agency extracts the pipeline wrote (``extracts/agencies/<agency>/<YYYYMM>/*.parquet``)
and the simulator's truth: an alert about a firm that really falls into distress within 12
months is confirmed (属实) more often than one that does not, and some confirmed firms are
helped (已帮扶). Agencies differ: some answer the next month, some two months late, one never;
some send CSV, some Excel; a few rows are malformed (a wrong check character, an impossible
date, an outcome that is not on the list), and go to quarantine on ingestion.

    python -m simulator.feedback --extracts output/extracts/agencies --data-root data/sim
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import polars as pl

from simulator.faults import wrong_check_char
from simulator.xlsx import write_xlsx

COLUMNS = ["预警编号", "统一社会信用代码", "处置结果", "处置日期", "备注"]
NOTES = {
    "属实": ["经核实情况属实，已约谈企业", "已上门核查，企业确有困难", "情况属实，持续跟踪"],
    "不属实": ["经核实企业经营正常", "数据延迟所致，企业已补报", "季节性波动，非风险"],
    "已帮扶": ["已对接银行办理续贷", "已落实稳岗补贴", "已协调用能指标", "已组织产销对接"],
}


def profile(agency: str) -> dict:
    """Return how an agency answers: delay in months (None: never), share of rows answered,
    file format, share of malformed rows. Stable for an agency code."""
    h = int(hashlib.sha256(agency.encode()).hexdigest()[:8], 16)
    if agency == "env":
        return {"delay": None, "share": 0.0, "format": "csv", "malformed": 0.0}
    return {
        "delay": 1 + h % 2,
        "share": 0.6 + (h >> 4) % 35 / 100,
        "format": "xlsx" if h % 3 == 0 else "csv",
        "malformed": 0.02,
    }


def _add_months(month: dt.date, n: int) -> dt.date:
    i = month.year * 12 + month.month - 1 + n
    return dt.date(i // 12, i % 12 + 1, 1)


def simulate_feedback(
    extracts: Path, data_root: Path, *, seed: int = 42, last_month: dt.date | None = None
) -> dict[str, int]:
    """Write feedback files for every agency extract whose answer is due by ``last_month``
    (default: the simulation's last month); return rows written per agency."""
    truth_dir = data_root / "truth"
    truth = pl.read_csv(truth_dir / "distress_events.csv", try_parse_dates=True).rename(
        {"uscc": "firm_id"}
    )
    if last_month is None:
        latent = pl.scan_parquet(truth_dir / "latent_health.parquet")
        last_month = latent.select(pl.col("month").max()).collect().item()
    landing = data_root / "landing" / "feedback"
    written: dict[str, int] = {}
    for path in sorted(extracts.glob("*/*/*.parquet")):
        agency, period = path.parent.parent.name, path.parent.name
        how = profile(agency)
        month = dt.date(int(period[:4]), int(period[4:]), 1)
        if how["delay"] is None or _add_months(month, how["delay"]) > last_month:
            continue
        rows = pl.read_parquet(path).filter(pl.col("预警状态").is_in(["新增", "升级"]))
        if rows.height == 0:
            continue
        digest = hashlib.sha256(f"{seed}|{agency}|{period}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        rows = rows.filter(pl.Series(rng.random(rows.height) < how["share"]))
        end = month + dt.timedelta(days=400)
        fell = (
            truth.filter(
                (pl.col("event_date") > pl.lit(month).dt.month_end())
                & (pl.col("event_date") <= pl.lit(end))
            )["firm_id"]
            .unique()
            .implode()
        )
        firm = pl.col("统一社会信用代码")
        real = rows.select(firm.is_in(fell)).to_series().to_numpy()
        u = rng.random(rows.height)
        confirmed = u < np.where(real, 0.85, 0.25)
        helped = confirmed & (rng.random(rows.height) < 0.45)
        outcome = np.where(helped, "已帮扶", np.where(confirmed, "属实", "不属实"))
        delivered = _add_months(month, how["delay"])
        days = rng.integers(1, 28, rows.height)
        handled = [str(delivered.replace(day=int(d))) for d in days]
        notes = [NOTES[o][int(i) % len(NOTES[o])] for o, i in zip(outcome, days, strict=True)]
        codes = rows["统一社会信用代码"].to_list()
        bad = np.flatnonzero(rng.random(rows.height) < how["malformed"])
        for k, i in enumerate(bad):
            kind = k % 3
            if kind == 0:
                codes[i] = wrong_check_char(codes[i], 1 + int(i) % 29)
            elif kind == 1:
                handled[i] = f"{delivered.year}-13-45"
            else:
                outcome[i] = "待核实"
        frame = pl.DataFrame(
            {
                "预警编号": rows["预警编号"],
                "统一社会信用代码": codes,
                "处置结果": outcome.tolist(),
                "处置日期": handled,
                "备注": notes,
            }
        )
        folder = landing / f"{delivered:%Y%m}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"feedback_{agency}_{period}"
        if how["format"] == "xlsx":
            write_xlsx(folder / f"{name}.xlsx", "处置反馈", frame, COLUMNS, ["t"] * len(COLUMNS))
        else:
            frame.write_csv(folder / f"{name}.csv", include_bom=True)
        written[agency] = written.get(agency, 0) + frame.height
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extracts", default="output/extracts/agencies")
    parser.add_argument("--data-root", default="data/sim")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    written = simulate_feedback(Path(args.extracts), Path(args.data_root), seed=args.seed)
    for agency, n in sorted(written.items()):
        print(f"{agency:<12}{n:>8,} feedback rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
