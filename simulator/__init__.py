"""Department-feed simulator: realistic landing files plus ground truth (see docs/feeds.md).

>>> from simulator import simulate
>>> summary = simulate("data/sim", firms=2000, months=24, progress=False)  # doctest: +SKIP

Firms carry a latent health ``h`` (AR(1) around a firm mean, with industry shocks and sudden
drops). Departments only see noisy, lagged, partly missing proxies of it; distress events follow
it by chance (logistic hazard plus a health-independent part), so back-tests stay honest.
"""

from __future__ import annotations

from pathlib import Path

from simulator.engine import Simulation
from simulator.world import Params

__all__ = ["Params", "simulate"]


def simulate(
    out_dir: str | Path,
    firms: int = 20_000,
    months: int = 36,
    end: str = "2026-09",
    seed: int = 42,
    fault_rate: float = 0.01,
    progress: bool = True,
    params: Params | None = None,
) -> dict:
    """Write ``<out_dir>/landing/...`` and ``<out_dir>/truth/...``; return a summary dict.

    The summary holds ``files`` (paths relative to ``out_dir``), ``files_written``, ``rows``
    per feed, ``faults`` by kind and ``events`` by type. Existing ``landing/`` and ``truth/``
    folders under ``out_dir`` are replaced. Output is byte-identical for the same arguments.
    """
    sim = Simulation(Path(out_dir), firms, months, end, seed, fault_rate, params)
    return sim.run(progress=progress)
