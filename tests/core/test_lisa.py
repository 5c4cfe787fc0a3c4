"""Local Moran's I, cluster codes and FDR: by hand, against esda, both paths."""
from tests.references import reference
import numpy as np
import pytest

from regional_resilience.core import _kernels
from regional_resilience.core.errors import Canceled, InputDataError, WeightsError
from regional_resilience.core.lisa import (
    CLUSTER_NAMES,
    HIGH_HIGH,
    HIGH_LOW,
    LOW_HIGH,
    LOW_LOW,
    NO_NEIGHBOURS,
    NOT_SIGNIFICANT,
    LocalMoranResult,
    lisa_clusters,
    moran_local,
)
from regional_resilience.core.multiple_testing import bonferroni_threshold, fdr_threshold
from regional_resilience.core.weights import Weights, from_neighbor_pairs

from . import _pysal_helpers as H
from .test_moran import kernel_path, rook_grid  # noqa: F401 (fixture)

esda = reference("esda")

EXACT = ["Is", "q", "p_sim"]
SIM = ["z_sim", "EI_sim", "seI_sim", "p_z_sim"]
ANALYTIC = ["EI", "VI", "EIc", "VIc"]
ALL = EXACT + SIM + ANALYTIC


# esda < 2.8 computed the kurtosis of VI region by region (z_i^4 / n); 2.8
# fixed it to the paper's single m4 = sum z^4 / n, which the core follows.
ESDA_SCALAR_M4 = tuple(int(x) for x in esda.__version__.split(".")[:2]) >= (2, 8)


def assert_equal_to_esda(ours, ref, k=None):
    for f in EXACT + SIM + ANALYTIC:
        if f == "VI" and not ESDA_SCALAR_M4:
            continue  # checked against the formula in test_vi_uses_one_kurtosis
        a = getattr(ours, f)
        a = a if k is None else a[:, k]
        b = np.asarray(getattr(ref, f))
        if f in EXACT:
            np.testing.assert_array_equal(a, b, err_msg=f)
        elif f in SIM:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f)


def esda_local(y, w, permutations=999, seed=12345):
    with np.errstate(all="ignore"):
        return esda.Moran_Local(y, w, permutations=permutations, seed=seed)


# --------------------------------------------------------------------------
# by hand
# --------------------------------------------------------------------------
def test_checkerboard_by_hand(kernel_path):
    # 3x3 rook, row-standardised; z_i (Wz)_i = -20/81 everywhere, the variance
    # is 20/81, so I_i = (n - 1) / n * (-1) = -8/9 for every cell.
    y = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1], dtype=float)
    w = rook_grid(3, 3).row_standardized()
    r = moran_local(y, w, permutations=99, seed=1)
    np.testing.assert_allclose(r.Is, np.full(9, -8 / 9), rtol=1e-14)
    np.testing.assert_array_equal(r.q, [HIGH_LOW, LOW_HIGH] * 4 + [HIGH_LOW])
    assert r.Is.shape == (9,) and r.n == 9


def test_grid_by_hand():
    # y = (3,1,4,1,5,9,2,6,5): z = y - 4, variance 6, Wz as in test_moran;
    # I_i = (n - 1) z_i (Wz)_i / (n * 6) = 4 z_i (Wz)_i / 27
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0])
    w = rook_grid(3, 3).row_standardized()
    r = moran_local(y, w, permutations=0)
    z = y - 4.0
    lag = np.array([-3, 0, 1, -2 / 3, 1 / 4, 2 / 3, -1 / 2, 0, 7 / 2])
    np.testing.assert_allclose(r.Is, 4 * z * lag / 27, rtol=1e-13, atol=1e-15)
    assert r.Is[0] == pytest.approx(4 / 9) and r.Is[8] == pytest.approx(14 / 27)
    # quadrants: z <= 0 is low, Wz <= 0 is low
    np.testing.assert_array_equal(r.q, [3, 3, 2, 3, 1, 1, 3, 4, 1])
    # an independent formula on a dense matrix
    dense = w.sparse().toarray()
    zs = (y - y.mean()) / y.std()
    np.testing.assert_allclose(r.Is, 8 * zs * (dense @ zs) / (zs @ zs), rtol=1e-13, atol=1e-15)


def test_analytical_expectation_row_standardised():
    y = np.arange(25.0) ** 1.5
    r = moran_local(y, rook_grid(5, 5).row_standardized(), permutations=0)
    np.testing.assert_allclose(r.EI, np.full(25, -1 / 24))


# --------------------------------------------------------------------------
# esda on real data
# --------------------------------------------------------------------------
def test_columbus_crime_equals_esda(kernel_path):
    y, w = H.columbus()
    r = moran_local(y, H.to_weights(w), permutations=999, seed=12345)
    assert_equal_to_esda(r, esda_local(y, w))


def test_mexico_seven_periods_in_one_call_equal_seven_esda_runs(kernel_path):
    y, w = H.mexico()
    r = moran_local(y, H.to_weights(w), permutations=999, seed=12345)
    assert r.Is.shape == (32, 7) and r.p_sim.shape == (32, 7)
    for k in range(7):
        assert_equal_to_esda(r, esda_local(y[:, k], w), k)


@pytest.mark.parametrize("dataset", ["sids2", "us_income"])
def test_more_datasets_equal_esda(dataset, kernel_path):
    y, w = getattr(H, dataset)()
    r = moran_local(y, H.to_weights(w), permutations=999, seed=2024)
    for k in range(y.shape[1]):
        assert_equal_to_esda(r, esda_local(y[:, k], w, 999, 2024), k)


def test_non_uniform_weights_equal_esda(kernel_path):
    # inverse-distance weights: the pairing of drawn ids with weights matters
    y, _ = H.columbus()
    w = H._quiet(
        H.libpysal.weights.DistanceBand.from_shapefile,
        H.path("columbus.shp"), threshold=2.0, binary=False,
    )
    w.transform = "R"
    ours = H.to_weights(w)
    assert len(np.unique(np.round(ours.weights, 12))) > 10
    r = moran_local(y, ours, permutations=499, seed=8)
    assert_equal_to_esda(r, esda_local(y, w, 499, 8))


def test_many_ties_equal_esda(kernel_path):
    # three distinct values on a grid: simulated values tie the observed one
    # all the time; esda's rounding decides them and so must ours
    rng = np.random.default_rng(3)
    w = H.grid_rook(15, 15)
    y = rng.integers(0, 3, (225, 2)).astype(float)
    r = moran_local(y, H.to_weights(w), permutations=999, seed=7)
    for k in range(2):
        assert_equal_to_esda(r, esda_local(y[:, k], w, 999, 7), k)


def _with_island():
    w = H.grid_rook(5, 5, transform="B")
    neighbors = {k: [v for v in nb if v != 12] for k, nb in w.neighbors.items() if k != 12}
    neighbors[12] = []
    w = H.libpysal.weights.W(neighbors, silence_warnings=True)
    w.transform = "R"
    return w


def test_island_equals_esda(kernel_path):
    w = _with_island()
    ours = H.to_weights(w)
    assert ours.islands.tolist() == [12]
    y = np.random.default_rng(6).standard_normal((25, 2))
    r = moran_local(y, ours, permutations=199, seed=3)
    for k in range(2):
        assert_equal_to_esda(r, esda_local(y[:, k], w, 199, 3), k)
    # esda's convention: an island's draws are all 0, so p = 1 / (perms + 1)
    assert r.Is[12].tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(r.p_sim[12], [1 / 200, 1 / 200])
    assert np.isnan(r.z_sim[12]).all()
    codes = lisa_clusters(r.q, r.p_sim, islands=ours.islands)
    assert codes[12].tolist() == [NO_NEIGHBOURS, NO_NEIGHBOURS]


def test_zero_permutations():
    y, w = H.columbus()
    r = moran_local(y, H.to_weights(w), permutations=0)
    ref = esda_local(y, w, 0)
    for f in SIM + ["p_sim"]:
        assert np.isnan(getattr(r, f)).all(), f
    np.testing.assert_array_equal(r.Is, ref.Is)
    np.testing.assert_array_equal(r.q, ref.q)


def test_zero_weights_are_not_neighbours(kernel_path):
    # esda drops explicit zero weights before randomising
    w = rook_grid(4, 4).row_standardized()
    weights = w.weights.copy()
    weights[w.indptr[5]] = 0.0  # one link of region 5 with weight 0
    w0 = Weights(w.indptr, w.indices, weights, "V")
    keep = weights != 0
    rows = np.repeat(np.arange(16), w.cardinalities)
    w1 = from_neighbor_pairs(16, rows[keep], w.indices[keep], weights[keep])
    y = np.random.default_rng(1).standard_normal(16)
    a = moran_local(y, w0, permutations=99, seed=4)
    b = moran_local(y, w1, permutations=99, seed=4)
    for f in ["Is", "p_sim", "z_sim", "EI_sim", "seI_sim"]:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


# --------------------------------------------------------------------------
# both paths, determinism
# --------------------------------------------------------------------------
@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_numba_and_numpy_paths_identical():
    rng = np.random.default_rng(11)
    w = rook_grid(25, 40).row_standardized()
    y = np.column_stack([
        rng.standard_normal(1000).cumsum(),
        rng.integers(0, 4, 1000),  # ties: exercises the recount
        rng.standard_normal(1000),
    ])
    before = _kernels.use_numba()
    try:
        _kernels.use_numba(True)
        _kernels.warm_up()
        a = moran_local(y, w, permutations=199, seed=9)
        _kernels.use_numba(False)
        b = moran_local(y, w, permutations=199, seed=9)
    finally:
        _kernels.use_numba(before)
    for f in ALL:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_few_near_ties_are_recounted_in_numpy_with_the_same_counts(monkeypatch):
    rng = np.random.default_rng(21)
    w = rook_grid(25, 40).row_standardized()
    y = np.column_stack([rng.integers(0, 4, 1000), rng.standard_normal(1000)])
    _kernels.warm_up(kinds=("local",))
    monkeypatch.setattr(_kernels, "_ready", {"local"})  # recount kernel not compiled yet
    before = dict(_kernels.calls)
    a = moran_local(y, w, permutations=199, seed=3)
    # the recount went the numpy way (its kernel was not compiled for it) ...
    assert "recount" not in _kernels._ready
    assert _kernels.calls["numpy"] > before["numpy"]
    # ... and counted what the compiled kernel counts
    monkeypatch.setattr(_kernels, "_RECOUNT_NUMBA_MIN", 0)
    b = moran_local(y, w, permutations=199, seed=3)
    assert "recount" in _kernels._ready
    for f in ALL:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_thread_count_does_not_change_results():
    import numba

    rng = np.random.default_rng(12)
    w = rook_grid(20, 20).row_standardized()
    y = rng.standard_normal((400, 3))
    before = numba.get_num_threads()
    _kernels.warm_up()
    try:
        numba.set_num_threads(1)
        a = moran_local(y, w, permutations=99, seed=2)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        b = moran_local(y, w, permutations=99, seed=2)
    finally:
        numba.set_num_threads(before)
    for f in ALL:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_seed_reproducible_and_matters():
    y, w = H.columbus()
    w = H.to_weights(w)
    a = moran_local(y, w, permutations=99, seed=5)
    b = moran_local(y, w, permutations=99, seed=5)
    c = moran_local(y, w, permutations=99, seed=6)
    for f in ALL:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert not np.array_equal(a.p_sim, c.p_sim)
    assert isinstance(a, LocalMoranResult) and a.seed == 5 and a.permutations == 99


# --------------------------------------------------------------------------
# errors, progress, cancel
# --------------------------------------------------------------------------
def test_constant_period_names_its_index():
    w = rook_grid(3, 3).row_standardized()
    y = np.column_stack([np.arange(9.0), np.arange(9.0), np.zeros(9)])
    with pytest.raises(InputDataError, match="period index 2") as info:
        moran_local(y, w)
    assert info.value.period == 2


def test_missing_value():
    w = rook_grid(3, 3).row_standardized()
    y = np.arange(9.0)
    y[3] = np.nan
    with pytest.raises(InputDataError, match="period index 0"):
        moran_local(y, w)


def test_weights_errors():
    w = rook_grid(3, 3).row_standardized()
    with pytest.raises(WeightsError):
        moran_local(np.arange(10.0), w)
    loop = Weights(np.array([0, 1, 2]), np.array([0, 0]), np.array([1.0, 1.0]))
    with pytest.raises(WeightsError, match="self-neighbour"):
        moran_local(np.arange(2.0), loop)
    empty = Weights(np.zeros(4, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    with pytest.raises(WeightsError):
        moran_local(np.arange(3.0), empty)


def test_progress_and_cancel():
    y, w = H.sids2()
    w = H.to_weights(w)
    seen = []
    moran_local(y, w, permutations=99, progress=seen.append)
    assert len(seen) > 10 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = []

    def cancel_after_three():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Canceled):
        moran_local(y, w, permutations=99, is_canceled=cancel_after_three)


# --------------------------------------------------------------------------
# cluster codes and multiple testing
# --------------------------------------------------------------------------
def test_cluster_codes_by_hand():
    q = np.array([[1, 1], [2, 3], [3, 3], [4, 2], [1, 4]])
    p = np.array([[0.01, 0.06], [0.049, 0.05], [0.5, 0.001], [0.002, 0.2], [0.01, 0.01]])
    codes = lisa_clusters(q, p, alpha=0.05, islands=[4])
    assert codes.dtype == np.int8
    np.testing.assert_array_equal(codes, [[1, 0], [2, 0], [0, 3], [4, 0], [5, 5]])
    assert set(CLUSTER_NAMES) == {NOT_SIGNIFICANT, HIGH_HIGH, LOW_HIGH, LOW_LOW, HIGH_LOW,
                                  NO_NEIGHBOURS}


def test_cluster_codes_match_esda_labels():
    y, w = H.columbus()
    ref = esda_local(y, w, 999, 12345)
    r = moran_local(y, H.to_weights(w), permutations=999, seed=12345)
    codes = lisa_clusters(r.q, r.p_sim, alpha=0.05)
    names = {"Insignificant": NOT_SIGNIFICANT, "High-High": HIGH_HIGH, "Low-High": LOW_HIGH,
             "Low-Low": LOW_LOW, "High-Low": HIGH_LOW}
    expected = [names[label] for label in ref.get_cluster_labels(0.05)]
    np.testing.assert_array_equal(codes, expected)
    assert (codes != 0).sum() > 5


def test_cluster_codes_with_fdr_per_period():
    y, w = H.mexico()
    r = moran_local(y, H.to_weights(w), permutations=999, seed=12345)
    codes = lisa_clusters(r.q, r.p_sim, alpha=0.1, fdr=True)
    for k in range(7):
        cut = esda.fdr(r.p_sim[:, k], 0.1)
        expected = np.where(r.p_sim[:, k] < cut, r.q[:, k], 0)
        np.testing.assert_array_equal(codes[:, k], expected)
    sig_fdr = codes != 0
    sig_plain = lisa_clusters(r.q, r.p_sim, alpha=0.1) != 0
    assert not (sig_fdr & ~sig_plain).any()  # FDR never adds significance


def test_cluster_codes_nan_and_errors():
    codes = lisa_clusters([1, 2], [np.nan, 0.01])
    assert codes.tolist() == [0, 2]
    with pytest.raises(ValueError):
        lisa_clusters([1, 2], [0.1])
    with pytest.raises(ValueError):
        lisa_clusters([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError):
        lisa_clusters([1, 2], [0.1, 0.2], alpha=1.5)
    with pytest.raises(ValueError):
        lisa_clusters([1, 2], [0.1, 0.2], islands=[2])


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.2])
def test_fdr_equals_esda_on_lisa_p_values(alpha):
    for y, w in [H.columbus(), H.sids2(), H.us_income()]:
        y = y if y.ndim == 2 else y[:, None]
        r = moran_local(y, H.to_weights(w), permutations=999, seed=12345)
        for k in range(y.shape[1]):
            assert fdr_threshold(r.p_sim[:, k], alpha) == esda.fdr(r.p_sim[:, k], alpha)


def test_fdr_equals_esda_on_random_and_tied_p_values():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(1, 300))
        p = np.round(rng.beta(0.3, 2.0, n), int(rng.integers(2, 5)))
        alpha = float(rng.uniform(0.01, 0.3))
        assert fdr_threshold(p, alpha) == esda.fdr(p, alpha)


def test_fdr_bonferroni_fallback_and_errors():
    assert fdr_threshold([0.5, 0.6, 0.7, 0.8], 0.05) == 0.05 / 4
    assert bonferroni_threshold(np.zeros((10, 2)), 0.1) == pytest.approx(0.005)
    with pytest.raises(ValueError):
        fdr_threshold([], 0.05)
    with pytest.raises(ValueError):
        fdr_threshold([0.1], 0)


def test_vi_uses_one_kurtosis():
    """VI of Anselin (1995, eq. 13-14), written out here for Columbus CRIME."""
    import libpysal

    from regional_resilience.core.lisa import moran_local

    from ._pysal_helpers import to_weights

    w = libpysal.weights.Queen.from_shapefile(libpysal.examples.get_path("columbus.shp"))
    w.transform = "r"
    y = np.array(libpysal.io.open(libpysal.examples.get_path("columbus.dbf")).by_col("CRIME"))
    ours = moran_local(y, to_weights(w), permutations=0)
    n = len(y)
    z = (y - y.mean()) / y.std()
    m2 = (z ** 2).sum() / n
    b2 = ((z ** 4).sum() / n) / m2 ** 2
    W = w.sparse.toarray()
    wi = W.sum(1)
    wi2 = (W ** 2).sum(1)
    wikh = wi ** 2 - wi2  # sum over k != h of w_ik w_ih
    vi = wi2 * (n - b2) / (n - 1) + wikh * (2 * b2 - n) / ((n - 1) * (n - 2)) - (wi / (n - 1)) ** 2
    np.testing.assert_allclose(np.ravel(ours.VI), vi, rtol=1e-12)
