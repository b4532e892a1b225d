"""Peer groups: industry division x size class, falling back to broader groups when small."""

from __future__ import annotations

import polars as pl

MONTH = "period_month"
PEER_LEVEL = "_peer_level"
PEER_GROUP = "peer_group"

#: Peer levels of the enterprise-health warehouse (``marts.fct_firm_indicators``), narrowest
#: first, ``()`` = every firm; the scorecard pools them over months (``PeerReference``).
WAREHOUSE_PEER_LEVELS: tuple[tuple[str, ...], ...] = (
    ("industry_division", "size_class"),
    ("industry_section", "size_class"),
    ("industry_section",),
    (),
)

#: Window keys of each peer level of scoring v1: the same levels within the month; level 3 is
#: every firm of the month.
PEER_LEVEL_KEYS: tuple[tuple[str, ...], ...] = tuple(
    (MONTH, *level) for level in WAREHOUSE_PEER_LEVELS
)


def peer_level_expr(min_peer_group: int) -> pl.Expr:
    """Return an expression giving each firm-month its peer level (0 to 3).

    The first level with at least ``min_peer_group`` firms in the same month is used:
    0 = division x size class, 1 = section x size class, 2 = section, 3 = every firm of the
    month. Group size counts firms (rows), not firms with a value for a given indicator, so a
    firm has one peer group for all of its indicators and one label explains every
    percentile. A null code skips the levels that need it.

    Parameters
    ----------
    min_peer_group : int
        Smallest acceptable number of firms in a group.

    Returns
    -------
    polars.Expr
        UInt8 expression named ``_peer_level``; needs ``period_month``, ``industry_division``,
        ``industry_section`` and ``size_class``.

    Examples
    --------
    >>> panel = pl.DataFrame({
    ...     "period_month": [1, 1, 1], "industry_section": ["C", "C", "C"],
    ...     "industry_division": ["33", "33", "34"], "size_class": ["小型"] * 3})
    >>> panel.select(peer_level_expr(2))["_peer_level"].to_list()
    [0, 0, 1]
    """
    division = pl.col("industry_division")
    section = pl.col("industry_section")
    size = pl.col("size_class")
    sizes = [pl.len().over(*keys) for keys in PEER_LEVEL_KEYS[:3]]
    return (
        pl.when(division.is_not_null() & size.is_not_null() & (sizes[0] >= min_peer_group))
        .then(pl.lit(0, pl.UInt8))
        .when(section.is_not_null() & size.is_not_null() & (sizes[1] >= min_peer_group))
        .then(pl.lit(1, pl.UInt8))
        .when(section.is_not_null() & (sizes[2] >= min_peer_group))
        .then(pl.lit(2, pl.UInt8))
        .otherwise(pl.lit(3, pl.UInt8))
        .alias(PEER_LEVEL)
    )


def peer_label_expr() -> pl.Expr:
    """Return an expression naming the peer group chosen by ``_peer_level``.

    Labels are ``"C33|小型"`` (section + division | size class), ``"C|小型"``, ``"C"`` and
    ``"all"``.

    Returns
    -------
    polars.Expr
        String expression named ``peer_group``.

    Examples
    --------
    >>> frame = pl.DataFrame({"_peer_level": [0, 2], "industry_section": ["C", "C"],
    ...     "industry_division": ["33", "33"], "size_class": ["小型", "小型"]})
    >>> frame.select(peer_label_expr())["peer_group"].to_list()
    ['C33|小型', 'C']
    """
    level = pl.col(PEER_LEVEL)
    section = pl.col("industry_section")
    size = pl.col("size_class")
    return (
        pl.when(level == 0)
        .then(
            pl.concat_str([section.fill_null(""), pl.col("industry_division"), pl.lit("|"), size])
        )
        .when(level == 1)
        .then(pl.concat_str([section, pl.lit("|"), size]))
        .when(level == 2)
        .then(section)
        .otherwise(pl.lit("all"))
        .alias(PEER_GROUP)
    )
