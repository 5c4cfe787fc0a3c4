"""Random draws and pseudo p-values: identical to esda's."""
from tests.references import reference
import numpy as np
import pytest

from regional_resilience.core.permutation import (
    check_permutations,
    check_seed,
    conditional_permutation_ids,
    folded_p_value,
    global_permutations,
)


@pytest.mark.parametrize(
    "n, max_card, permutations, seed",
    [(10, 3, 99, 12345), (49, 8, 999, 1), (3, 2, 20, 7), (1000, 17, 50, 2**32 - 1)],
)
def test_conditional_ids_equal_esda_vec_permutations(n, max_card, permutations, seed):
    crand = reference("esda.crand")
    expected = crand.vec_permutations(max_card, n, permutations, seed)
    got = conditional_permutation_ids(n, max_card, permutations, seed)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_conditional_ids_are_distinct_and_exclude_the_last_id():
    ids = conditional_permutation_ids(12, 5, 200, seed=3)
    assert ids.min() >= 0 and ids.max() <= 10  # drawn from 0..n-2
    assert all(len(set(row)) == 5 for row in ids.tolist())


def test_conditional_ids_too_many_neighbours():
    with pytest.raises(ValueError):
        conditional_permutation_ids(4, 4, 10, seed=1)


@pytest.mark.parametrize("block", [None, 1, 3, 1000])
def test_global_permutations_equal_np_random_permutation_sequence(block):
    z = np.random.default_rng(0).standard_normal(37)
    draws = np.concatenate(list(global_permutations(37, 10, seed=12345, block=block)))
    assert draws.shape == (10, 37)
    np.random.seed(12345)
    for row in draws:
        np.testing.assert_array_equal(z[row], np.random.permutation(z))


def test_global_permutations_zero():
    assert list(global_permutations(5, 0, seed=1)) == []


def test_seeds_reproducible_and_distinct():
    a = conditional_permutation_ids(30, 4, 50, seed=5)
    b = conditional_permutation_ids(30, 4, 50, seed=5)
    c = conditional_permutation_ids(30, 4, 50, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    g1 = np.concatenate(list(global_permutations(30, 5, seed=5)))
    g2 = np.concatenate(list(global_permutations(30, 5, seed=5, block=2)))
    np.testing.assert_array_equal(g1, g2)


def test_no_global_random_state_used():
    np.random.seed(99)
    before = np.random.get_state()[1].copy()
    conditional_permutation_ids(30, 4, 50, seed=5)
    list(global_permutations(30, 5, seed=5))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def _esda_fold(larger, permutations):
    # as in esda.Moran / esda.crand
    larger = np.array(larger)
    low_extreme = (permutations - larger) < larger
    larger[low_extreme] = permutations - larger[low_extreme]
    return (larger + 1.0) / (permutations + 1.0)


@pytest.mark.parametrize("permutations", [1, 2, 99, 999])
def test_folded_p_value_equals_esda(permutations):
    larger = np.arange(permutations + 1)
    np.testing.assert_array_equal(
        folded_p_value(larger, permutations), _esda_fold(larger, permutations)
    )


def test_folded_p_value_hand_values():
    np.testing.assert_allclose(folded_p_value([0, 499, 500, 999], 999), [0.001, 0.5, 0.5, 0.001])
    assert float(folded_p_value(3, 9)) == pytest.approx(0.4)


def test_folded_p_value_does_not_modify_input():
    larger = np.array([990, 5])
    folded_p_value(larger, 999)
    np.testing.assert_array_equal(larger, [990, 5])


@pytest.mark.parametrize("bad", [-1, 1.5, "99", None, True])
def test_check_permutations_rejects(bad):
    with pytest.raises(ValueError):
        check_permutations(bad)


def test_check_permutations_accepts_numpy_int():
    assert check_permutations(np.int32(99)) == 99
    assert check_permutations(0) == 0


@pytest.mark.parametrize("bad", [-1, 2**32, 1.0, "1", False])
def test_check_seed_rejects(bad):
    with pytest.raises(ValueError):
        check_seed(bad)


def test_check_seed_accepts():
    assert check_seed(None) is None
    assert check_seed(np.uint32(7)) == 7
    assert check_seed(2**32 - 1) == 2**32 - 1



def test_drawn_ahead_gives_the_same_blocks_and_stops_when_left():
    import threading

    from regional_resilience.core.permutation import drawn_ahead

    direct = list(global_permutations(50, 40, seed=7, block=3))
    with drawn_ahead(global_permutations(50, 40, seed=7, block=3)) as blocks:
        ahead = list(blocks)
    assert len(ahead) == len(direct)
    assert all(np.array_equal(a, b) for a, b in zip(ahead, direct))
    # left early (as on cancel): the drawing thread ends, nothing hangs
    with pytest.raises(RuntimeError, match="stop"):
        with drawn_ahead(global_permutations(50, 1000, seed=7, block=1)) as blocks:
            for k, _ in enumerate(blocks):
                if k == 2:
                    raise RuntimeError("stop")
    assert not any(t.name == "rr-draws" for t in threading.enumerate())


def test_drawn_ahead_hands_errors_of_the_drawing_to_the_caller():
    from regional_resilience.core.permutation import drawn_ahead

    def broken():
        yield np.zeros((1, 3), dtype=np.int64)
        raise MemoryError("no room for the next block")

    with drawn_ahead(broken()) as blocks:
        it = iter(blocks)
        next(it)
        with pytest.raises(MemoryError, match="no room"):
            next(it)
