"""Unified social credit code (统一社会信用代码, GB 32100-2015) check characters.

An 18-character code: registration authority (1), entity type (1), GB/T 2260 region (6),
organisation code (9, itself ending in a GB 11714 check character) and one check character.
"""

from __future__ import annotations

# GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V (31 characters).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
# Weight of position i is 3**i mod 31.
_WEIGHTS = [pow(3, i, 31) for i in range(17)]

_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a USCC.

    >>> uscc_check_char("91440300192203821")
    '6'
    """
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}: {first17!r}")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in a USCC") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code.

    >>> org_code_check_char("19220382")
    '1'
    """
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    rest = 11 - total % 11
    return {10: "X", 11: "0"}.get(rest, str(rest))


def is_valid_uscc(code: object) -> bool:
    """Return True when ``code`` is an 18-character USCC whose check character is right."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(c not in _VALUE for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]
