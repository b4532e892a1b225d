import pytest

from ingest.uscc import is_valid_uscc, org_code_check_char, uscc_check_char

# Codes of real, publicly registered firms (Huawei, Tencent, Alibaba (China) in Hangzhou).
REAL_CODES = ["914403001922038216", "9144030071526726XG", "91330100716105852F"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass_the_check(code):
    assert is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]
    # the embedded organisation code carries its own GB 11714 check character
    assert org_code_check_char(code[8:16]) == code[16]


@pytest.mark.parametrize("code", REAL_CODES)
def test_any_other_check_character_fails(code):
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if c != code[17]:
            assert not is_valid_uscc(code[:17] + c)


@pytest.mark.parametrize(
    "bad", ["", "91440300192203821", "9144030019220382166", "91440300I92203821X", None, 914403]
)
def test_malformed_codes_are_invalid(bad):
    assert not is_valid_uscc(bad)


def test_check_char_rejects_letters_outside_the_alphabet():
    with pytest.raises(ValueError, match="not allowed"):
        uscc_check_char("9144030019220382O")
