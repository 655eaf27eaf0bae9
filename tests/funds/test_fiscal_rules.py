"""The fiscal subsidy per head split by level (N004 §一, funds/rules/fiscal.py): the central part,
then the local rest 6 : 4 (脱贫县) or 5 : 5 between the province and the county, to the cent."""

from decimal import Decimal as D

import pytest

from funds.rules.fiscal import Shares, by_level, per_head_shares


@pytest.mark.parametrize("per_head, central, share, expected", [
    # N004 §一 2022: 610 per head; with a central part of 366 the local 244 is 146.40 : 97.60 in a 脱贫县
    ("610", "366", "0.6", ("366", "146.40", "97.60")),
    ("610", "366", "0.5", ("366", "122.00", "122.00")),
    # an odd cent: the province's half rounds half up, the county takes the rest
    ("610.01", "366", "0.5", ("366", "122.01", "122.00")),
    ("610.03", "366", "0.6", ("366", "146.42", "97.61")),
    # no central part: the whole is local
    ("610", "0", "0.6", ("0", "366.00", "244.00")),
    # a central part above the whole pays the whole; a negative one counts as none
    ("610", "700", "0.6", ("610", "0.00", "0.00")),
    ("610", "-5", "0.5", ("0", "305.00", "305.00")),
    # the province bears all or nothing
    ("610", "366", "1", ("366", "244.00", "0.00")),
    ("610", "366", "0", ("366", "0.00", "244.00")),
    ("0", "0", "0.5", ("0", "0.00", "0.00")),
])
def test_the_subsidy_per_head_is_split_by_level(per_head, central, share, expected):
    shares = per_head_shares(D(per_head), D(central), D(share))
    assert (shares.central, shares.province, shares.county) == tuple(D(x) for x in expected)
    assert shares.central + shares.province + shares.county == D(per_head)


@pytest.mark.parametrize("per_head, share", [("-0.01", "0.5"), ("610", "1.01"), ("610", "-0.01")])
def test_impossible_inputs_are_refused(per_head, share):
    with pytest.raises(ValueError):
        per_head_shares(D(per_head), D("0"), D(share))


def test_heads_multiply_each_level():
    shares = Shares(central=D("366"), province=D("146.40"), county=D("97.60"))
    assert by_level(3, shares) == {"central": D("1098"), "province": D("439.20"), "county": D("292.80")}
    assert by_level(0, shares) == {"central": D("0"), "province": D("0.00"), "county": D("0.00")}
    with pytest.raises(ValueError):
        by_level(-1, shares)
