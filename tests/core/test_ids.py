"""Region id matching: exact and ignoring type and leading zeros."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.ids import (
    IdMatchSuggestion,
    exact_id,
    match_ids,
    normalise_id,
    suggest_id_matching,
)

OPTION = "Match ids ignoring type and leading zeros"


# -- normalise_id / exact_id -------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1, 1.0, "1", "01", " 001 ", "1.0", "001.00", "+1", np.int64(1), np.float32(1.0),
     np.float64(1.0), np.str_("01"), "\t01\n", "1."],
)
def test_normalise_whole_numbers_to_their_digits(value):
    assert normalise_id(value) == "1"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("A01", "A01"),      # letters kept, and the zero after them
        (" A01 ", "A01"),    # surrounding spaces dropped
        ("a01", "a01"),      # case kept
        ("1a", "1a"),        # never "1"
        ("01a", "01a"),
        ("01.5", "01.5"),    # not a whole number: as it is
        ("1.50", "1.50"),
        ("1e3", "1e3"),
        ("1,000", "1,000"),
        ("0x1F", "0x1F"),
        ("0 1", "0 1"),      # inner space kept
        ("New York", "New York"),
        ("00", "0"),
        ("-0", "0"),
        ("-007", "-7"),
        ("١٢", "١٢"),        # only ASCII digits count
        (1.5, "1.5"),
        (-3, "-3"),
        (-0.0, "0"),
        (1e15, "1000000000000000"),
        (True, "True"),      # a boolean is not the number 1
        (None, None),
        (float("nan"), None),
        (np.nan, None),
    ],
)
def test_normalise_hand_cases(value, expected):
    assert normalise_id(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [(1, "1"), (1.0, "1"), ("1", "1"), (" 1 ", "1"), ("01", "01"), (np.int32(7), "7"),
     (np.float32(2000.0), "2000"), (2.5, "2.5"), ("1.0", "1.0"), ("A01", "A01"),
     (True, "True"), (None, None), (np.nan, None)],
)
def test_exact_id(value, expected):
    assert exact_id(value) == expected


def test_normalising_is_idempotent_and_refines_exact():
    values = [1, 1.0, "01", " 001 ", "A01", "1a", "-07", "1.0", 2.5, "x y", 0, "000"]
    for v in values:
        assert normalise_id(normalise_id(v)) == normalise_id(v)
        assert normalise_id(exact_id(v)) == normalise_id(v)


# -- match_ids ---------------------------------------------------------------------


def test_us_fips_example():
    layer = ["01", "04", "05"]
    table = [1, 4, 5, 1, 4, 5]  # a long table: two periods
    assert_array_equal(match_ids(layer, table), [-1] * 6)
    assert_array_equal(match_ids(layer, table, normalise=True), [0, 1, 2, 0, 1, 2])
    # the other way round, and as real numbers
    assert_array_equal(match_ids([1, 4, 5], ["05", "01"], normalise=True), [2, 0])
    assert_array_equal(match_ids(layer, np.array([5.0, 4.0, 1.0]), normalise=True), [2, 1, 0])


def test_exact_matching_ignores_type_but_not_zeros():
    # as the panel has always matched: 1, 1.0 and "1" are the same id
    assert_array_equal(match_ids([1, 2, 3], ["1", 2.0, " 3 ", "03", 4]), [0, 1, 2, -1, -1])
    assert_array_equal(match_ids(np.array(["1", "2"]), np.array([2, 1])), [1, 0])


def test_text_ids_untouched():
    layer = ["A01", "A02", "B01", "1a"]
    table = ["A01", " B01", "A1", "a01", "1", "01a", "1a"]
    expected = [0, 2, -1, -1, -1, -1, 3]
    assert_array_equal(match_ids(layer, table), expected)
    assert_array_equal(match_ids(layer, table, normalise=True), expected)


def test_missing_table_ids_match_nothing():
    out = match_ids(["1", "2"], [None, np.nan, 1, float("nan")], normalise=True)
    assert_array_equal(out, [-1, -1, 0, -1])
    assert out.dtype == np.int64


def test_empty_table():
    out = match_ids(["1"], [])
    assert out.shape == (0,) and out.dtype == np.int64


def test_normalising_collision_is_refused_naming_the_ids():
    with pytest.raises(InputDataError) as err:
        match_ids(["01", "1", "2", "007", "7", "07"], [1], normalise=True)
    msg = str(err.value)
    assert "'01' and '1' (both 1)" in msg
    assert "'007' and '7' and '07' (all 7)" in msg
    assert "'2'" not in msg
    assert err.value.code == "normalised_id_collision"
    # numbers and text: layer 1 and '01'
    with pytest.raises(InputDataError, match=r"1 and '01' \(both 1\)"):
        match_ids([1, "01"], [1], normalise=True)
    # exact matching of the same layer is fine
    assert_array_equal(match_ids(["01", "1"], [1, "01"]), [1, 0])


def test_duplicate_and_missing_layer_ids_are_refused():
    with pytest.raises(InputDataError, match=r"Duplicate region ids: '5' \(positions 1, 3\)"):
        match_ids(["4", "5", "6", "5"], [4])
    # 1 and "1" are the same id even exactly
    with pytest.raises(InputDataError, match=r"Duplicate region ids: 1 \(positions 0, 1\)"):
        match_ids([1, "1"], [1])
    with pytest.raises(InputDataError, match="no id .NULL., at positions 1, 2") as err:
        match_ids(["a", None, np.nan], ["a"], normalise=True)
    assert err.value.code == "missing_ids"


def test_many_table_rows():
    layer = [f"{i:05d}" for i in range(2000)]
    table = np.tile(np.arange(2000), 50)
    out = match_ids(layer, table, normalise=True)
    assert_array_equal(out, table)


# -- suggest_id_matching -----------------------------------------------------------


def test_suggestion_for_us_fips():
    s = suggest_id_matching(["01", "04", "05", "06"], [1, 4, 5, 1, 4, 5, 99])
    assert isinstance(s, IdMatchSuggestion)
    n_unmatched, n_would_match, examples, collisions = s
    assert (n_unmatched, n_would_match) == (4, 3)  # distinct ids; 99 matches nothing
    assert examples == ((1, "01"), (4, "04"), (5, "05"))
    assert collisions == ()
    assert s.sentence(option=OPTION) == (
        "4 ids of the table match no polygon; 3 of them would match after ignoring "
        "type and leading zeros (table 1 = layer '01', table 4 = layer '04', "
        "table 5 = layer '05'); tick 'Match ids ignoring type and leading zeros'."
    )


def test_suggestion_sentences():
    one = suggest_id_matching(["01", "02"], [1, "02"])
    assert one[:3] == (1, 1, ((1, "01"),))
    assert one.sentence() == (
        "1 id of the table matches no polygon, but would match after ignoring type "
        "and leading zeros (table 1 = layer '01')."
    )
    many = suggest_id_matching([f"{i:03d}" for i in range(1, 13)], list(range(1, 13)))
    assert many[:2] == (12, 12) and len(many.examples) == 3
    assert many.sentence("GDP table", OPTION).startswith(
        "12 ids of the GDP table match no polygon, but would match after ignoring type "
        "and leading zeros (table 1 = layer '001', table 2 = layer '002', "
        "table 3 = layer '003'); tick '"
    )
    assert suggest_id_matching(["01"], [1], limit=0).sentence() == (
        "1 id of the table matches no polygon, but would match after ignoring type "
        "and leading zeros."
    )


def test_no_suggestion_when_nothing_would_help():
    # everything matches exactly
    s = suggest_id_matching(["01", "02"], ["01", "02", " 01"])
    assert s == (0, 0, (), ()) and s.sentence(option=OPTION) is None
    # text ids: normalising changes nothing
    s = suggest_id_matching(["A01", "A02"], ["A1", "A2", "a01"])
    assert s[:2] == (3, 0) and s.sentence() is None
    # missing table ids are not counted
    assert suggest_id_matching(["1"], [None, np.nan, 1])[:2] == (0, 0)


def test_suggestion_reports_collisions():
    s = suggest_id_matching(["01", "1", "04"], [4, "01"])
    assert s.n_unmatched == 1 and s.n_would_match == 1
    assert s.collisions == (("01", "1"),)
    text = s.sentence(option=OPTION)
    assert "('01' and '1')" in text and "distinct ids" in text and "tick" not in text
    # a table id whose normalised form hits the collision does not count
    s = suggest_id_matching(["01", "1"], [1.0, "001"])
    assert (s.n_unmatched, s.n_would_match) == (1, 0)  # 1.0 matches '1' exactly
    assert s.sentence() is None


def test_suggestion_agrees_with_match_ids():
    rng = np.random.default_rng(0)
    layer = [f"{i:03d}" for i in range(0, 300, 3)]
    table = rng.integers(0, 400, 500).tolist()
    s = suggest_id_matching(layer, table)
    exact = match_ids(layer, table)
    norm = match_ids(layer, table, normalise=True)
    assert (norm[exact >= 0] == exact[exact >= 0]).all()  # normalising keeps exact matches
    unmatched = {exact_id(t) for t, m in zip(table, exact) if m < 0}
    rescued = {exact_id(t) for t, m, n in zip(table, exact, norm) if m < 0 and n >= 0}
    assert s.n_unmatched == len(unmatched) > 0
    assert s.n_would_match == len(rescued) > 0
    for t, g in s.examples:
        assert layer[match_ids(layer, [t], normalise=True)[0]] == g
