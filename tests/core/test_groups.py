"""Groups of regions: labels, order, missing labels, sizes."""
import numpy as np
import pytest

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.groups import Groups, groups_from_labels, label_text


def test_codes_point_back_to_the_labels():
    values = ["west", "east", "west", "central", "east", "east"]
    g = groups_from_labels(values)
    assert g.labels == ("central", "east", "west")
    assert [g.labels[c] for c in g.codes] == values
    assert g.sizes.tolist() == [1, 3, 2]
    assert g.k == 3 and g.n == 6
    assert g.members("east").tolist() == [1, 4, 5]
    assert g.members(2).tolist() == [0, 2]


def test_numeric_labels_ordered_as_numbers_and_written_without_decimals():
    g = groups_from_labels([10, 2.0, 1, 2, "10"])
    assert g.labels == ("1", "2", "10")
    assert g.codes.tolist() == [2, 1, 0, 1, 2]
    assert label_text(2.5) == "2.5"
    assert label_text(np.int64(3)) == "3"


@pytest.mark.parametrize("missing", [None, float("nan"), "", "   "])
def test_missing_label_is_refused_naming_the_region(missing):
    with pytest.raises(InputDataError, match=r"'REGION' is empty for 1 region\(s\): MX07"):
        groups_from_labels(["a", missing, "b"], ids=["MX01", "MX07", "MX09"], field="REGION")


def test_min_size_names_the_small_groups():
    with pytest.raises(InputDataError, match=r"fewer than 2 regions: b \(1\)"):
        groups_from_labels(["a", "a", "b"], min_size=2)


def test_subset_keeps_the_labels():
    g = groups_from_labels(["a", "b", "a", "c"])
    s = g.subset([True, False, True, True])
    assert isinstance(s, Groups)
    assert s.labels == g.labels and s.sizes.tolist() == [2, 0, 1]
