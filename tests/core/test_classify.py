"""Tests for regional_resilience.core.classify.

References used: hand arithmetic, Fisher's dynamic programme written here in
exact rational arithmetic and in plain float O(k n^2) form, brute-force
enumeration of partitions, and PySAL's mapclassify (FisherJenks, Quantiles,
EqualInterval, UserDefined) on the Mexico and US-income data shipped with
libpysal.
"""
from tests.references import reference
import itertools
import warnings
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core import classify as C
from regional_resilience.core.classify import (
    Classification,
    classify,
    equal_interval,
    fisher_jenks,
    interval_labels,
    jenks_breaks,
    quantiles,
    user_defined,
)
from regional_resilience.core.errors import Canceled, InputDataError

HAVE_KERNEL = C._HAVE_KERNEL and C._kernels.numba_enabled()


# ---------------------------------------------------------------------------
# data and independent references
# ---------------------------------------------------------------------------
def _csv(name):
    libpysal = reference("libpysal")
    pd = reference("pandas")
    return pd.read_csv(libpysal.examples.get_path(name))


@pytest.fixture(scope="module")
def mexico():
    df = _csv("mexico.csv")
    cols = [c for c in df.columns if c.startswith("pcgdp")]
    return df[cols].to_numpy(dtype=float), list(df["State"]), cols


@pytest.fixture(scope="module")
def usinc():
    df = _csv("usjoin.csv")
    years = [c for c in df.columns if c.isdigit()]
    return df[years].to_numpy(dtype=float), list(df["Name"]), years


def _mc():
    return reference("mapclassify")


def exact_ssd(y, breaks):
    """Within-class sum of squares of the classes (b_{c-1}, b_c], exactly."""
    y = np.asarray(y, dtype=float)
    total = Fraction(0)
    lo = -np.inf
    for b in breaks:
        cl = [Fraction(float(v)) for v in y[(y > lo) & (y <= b)]]
        lo = b
        if cl:
            m = sum(cl) / len(cl)
            total += sum((v - m) ** 2 for v in cl)
    return total


def exact_fisher_dp(y, k):
    """Fisher's programme on the sorted values, in exact rational arithmetic.

    D(1, l) = SSD(1..l); D(j, l) = min_i D(j-1, i) + SSD(i+1..l). The start of
    the last class is scanned downwards with ``<=``, so among equal totals the
    smallest start wins (mapclassify's ``>=`` rule).
    """
    x = [Fraction(float(v)) for v in np.sort(np.asarray(y, dtype=float))]
    n = len(x)
    p1, p2 = [Fraction(0)], [Fraction(0)]
    for v in x:
        p1.append(p1[-1] + v)
        p2.append(p2[-1] + v * v)

    def ssd(i, l):  # values i+1..l (1-based)
        s = p1[l] - p1[i]
        return p2[l] - p2[i] - s * s / (l - i)

    D = {(1, l): ssd(0, l) for l in range(1, n + 1)}
    arg = {}
    for j in range(2, k + 1):
        for l in range(j, n + 1):
            best = None
            for i in range(l - 1, j - 2, -1):
                v = D[(j - 1, i)] + ssd(i, l)
                if best is None or v <= best:
                    best, arg[(j, l)] = v, i
            D[(j, l)] = best
    out, l = [], n
    for j in range(k, 1, -1):
        out.append(float(x[l - 1]))
        l = arg[(j, l)]
    out.append(float(x[l - 1]))
    return np.array(out[::-1])


def plain_float_dp(y, k):
    """Fisher's O(k n^2) programme on all sorted values, float64, full scans."""
    x = np.sort(np.asarray(y, dtype=float))
    n = len(x)
    z = x - x.mean()
    p1 = np.concatenate([[0.0], np.cumsum(z)])
    p2 = np.concatenate([[0.0], np.cumsum(z * z)])
    D = np.full((k + 1, n + 1), np.inf)
    A = np.zeros((k + 1, n + 1), dtype=int)
    ls = np.arange(1, n + 1)
    D[1, 1:] = p2[ls] - p1[ls] ** 2 / ls
    for j in range(2, k + 1):
        for l in range(j, n + 1):
            i = np.arange(j - 1, l)
            v = D[j - 1, i] + (p2[l] - p2[i]) - (p1[l] - p1[i]) ** 2 / (l - i)
            a = int(np.argmin(v))  # first minimum = smallest start
            D[j, l], A[j, l] = v[a], i[a]
    out, l = [], n
    for j in range(k, 1, -1):
        out.append(x[l - 1])
        l = A[j, l]
    out.append(x[l - 1])
    return np.array(out[::-1])


def set_partitions(n, k):
    """All partitions of range(n) into k non-empty blocks (restricted growth)."""

    def rec(i, a, m):
        if i == n:
            if m == k:
                yield list(a)
            return
        for b in range(min(m + 1, k)):
            a.append(b)
            yield from rec(i + 1, a, max(m, b + 1))
            a.pop()

    yield from rec(0, [], 0)


def partition_cost(x, labels):
    total = Fraction(0)
    for b in set(labels):
        cl = [x[i] for i in range(len(x)) if labels[i] == b]
        m = sum(cl) / len(cl)
        total += sum((v - m) ** 2 for v in cl)
    return total


def codes_of(y, breaks):
    """mapclassify's bin1d rule: class c holds b_{c-1} < y <= b_c."""
    return np.array([int(np.sum(np.asarray(breaks) < v)) for v in y])


# ---------------------------------------------------------------------------
# Fisher-Jenks: hand cases, exact references, brute force
# ---------------------------------------------------------------------------
def test_jenks_by_hand():
    # [1,2,3 | 10,11,12]: SSD 2 + 2 = 4. Other 2-class splits are worse:
    # [1,2 | 3,10,11,12]: 0.5 + (36 + 1 + 4 + 9) = 50.5 (mean 9);
    # [1,2,3,10 | 11,12]: (9 + 4 + 1 + 36) + 0.5 = 50.5 (mean 4).
    y = [12, 1, 11, 2, 10, 3]
    assert_array_equal(jenks_breaks(y, 2), [3.0, 12.0])
    res = fisher_jenks(y, k=2)
    assert_array_equal(res.codes, [1, 0, 1, 0, 1, 0])
    assert_array_equal(res.counts, [3, 3])
    # SDAM about the mean 6.5: 2 * (5.5^2 + 4.5^2 + 3.5^2) = 125.5
    assert res.sdam == pytest.approx(125.5)
    assert res.sdcm == pytest.approx(4.0)
    assert res.gvf == pytest.approx(1 - 4 / 125.5)
    assert res.lowest == 1.0 and res.k_used == 2 and not res.sampled
    # GADF: class medians 2 and 11 -> |dev| 1+0+1 twice = 4; overall median
    # 6.5 -> 5.5+4.5+3.5 twice = 27
    assert res.gadf == pytest.approx(1 - 4 / 27)


def test_jenks_tie_rule_by_hand():
    # [1,2,3,4] in 3 classes: {1}{2}{3,4}, {1}{2,3}{4}, {1,2}{3}{4} all have
    # SSD 0.5. The largest last class wins, then the largest middle one
    # (mapclassify's >= rule): {1}{2}{3,4}.
    assert_array_equal(jenks_breaks([4, 3, 2, 1], 3), [1.0, 2.0, 4.0])
    assert_array_equal(exact_fisher_dp([1, 2, 3, 4], 3), [1.0, 2.0, 4.0])
    mc = _mc()
    assert_array_equal(mc.FisherJenks(np.array([1.0, 2, 3, 4]), 3).bins, [1.0, 2.0, 4.0])


def test_jenks_tied_values_share_a_class():
    # five 0s, 1, 9 and five 10s in 3 classes. Candidates:
    #   {0s, 1}{9}{10s}: 5 (1/6)^2 + (5/6)^2 = 5/6
    #   {0s}{1}{9, 10s}: the same by symmetry, 5/6
    #   {0s}{1, 9}{10s}: 2 * 4^2 = 32
    # Tied 5/6: the last class is made larger -> {0s}{1}{9, 10s}.
    y = [10] * 5 + [1, 9] + [0] * 5
    assert_array_equal(jenks_breaks(y, 3), [0.0, 1.0, 10.0])
    assert exact_ssd(y, [0.0, 1.0, 10.0]) == Fraction(5, 6) == exact_ssd(y, [1.0, 9.0, 10.0])
    assert_array_equal(exact_fisher_dp(y, 3), [0.0, 1.0, 10.0])
    assert_array_equal(_mc().FisherJenks(np.array(y, dtype=float), 3).bins, [0.0, 1.0, 10.0])


@pytest.mark.parametrize("seed", range(6))
def test_jenks_equals_brute_force_small(seed):
    # values in steps of 1/4 (exact in binary, so exact ties are real ties)
    rng = np.random.default_rng(seed)
    for n in (5, 7, 9, 12):
        y = np.round(rng.lognormal(size=n) * 4) / 4
        x = [Fraction(float(v)) for v in np.sort(y)]
        for k in range(2, min(6, len(set(y.tolist()))) + 1):
            ours = jenks_breaks(y, k)
            # every contiguous partition of the sorted values (cut positions)
            best, optimal = None, []
            for cuts in itertools.combinations(range(1, n), k - 1):
                lab = np.searchsorted(np.array(cuts), np.arange(n), side="right")
                cost = partition_cost(x, lab.tolist())
                if best is None or cost < best:
                    best, optimal = cost, [cuts]
                elif cost == best:
                    optimal.append(cuts)
            assert exact_ssd(y, ours) == best
            # the brute-force optima, as class maxima (tied values split by a
            # cut are not a valid classification by maxima: drop them)
            valid = []
            for cuts in optimal:
                xs = np.sort(y)
                if all(xs[c - 1] != xs[c] for c in cuts):
                    valid.append([xs[c - 1] for c in cuts] + [xs[-1]])
            assert any(np.array_equal(ours, v) for v in valid)
            if len(valid) == 1:
                assert_array_equal(ours, valid[0])


@pytest.mark.parametrize("n,k", [(6, 2), (7, 3), (8, 3), (8, 4)])
def test_optimal_set_partition_is_contiguous(n, k):
    # over ALL set partitions (not only intervals of the sorted values) the
    # best one has the cost of our breaks: sorting first loses nothing
    rng = np.random.default_rng(n * 10 + k)
    y = rng.integers(0, 30, n).astype(float)
    while len(set(y.tolist())) < k:
        y = rng.integers(0, 30, n).astype(float)
    x = [Fraction(float(v)) for v in y]
    best = min(partition_cost(x, lab) for lab in set_partitions(n, k))
    assert exact_ssd(y, jenks_breaks(y, k)) == best


def test_jenks_equals_exact_dp_with_ties():
    # small integers: many tied values and many exactly tied partitions
    rng = np.random.default_rng(7)
    done = 0
    while done < 25:
        n = int(rng.integers(8, 60))
        y = rng.integers(0, int(rng.integers(5, 40)), n).astype(float)
        k = int(rng.integers(2, 8))
        if len(np.unique(y)) < k:
            continue
        ref = exact_fisher_dp(y, k)
        assert_array_equal(jenks_breaks(y, k, engine=False), ref)
        if HAVE_KERNEL:
            assert_array_equal(jenks_breaks(y, k, engine=True), ref)
        done += 1


def test_jenks_exact_ties_of_mirrored_data():
    # a data set and its mirror image together: optimal partitions come in
    # mirrored pairs of exactly equal cost, which float rounding alone
    # would break at random; the tie rule must pick the exact programme's
    rng = np.random.default_rng(12)
    done = 0
    while done < 120:
        half = rng.integers(0, 100, int(rng.integers(4, 18))) / 4
        y = np.concatenate([half, 30.25 - half])
        k = int(rng.integers(2, 7))
        if len(np.unique(y)) < k:
            continue
        ref = exact_fisher_dp(y, k)
        assert_array_equal(jenks_breaks(y, k, engine=False), ref)
        if HAVE_KERNEL:
            assert_array_equal(jenks_breaks(y, k, engine=True), ref)
        done += 1


def test_jenks_equals_plain_float_dp():
    rng = np.random.default_rng(11)
    for n, k in ((300, 4), (1500, 5), (800, 9)):
        y = rng.lognormal(size=n)
        ref = plain_float_dp(y, k)
        assert_array_equal(jenks_breaks(y, k, engine=False), ref)
        if HAVE_KERNEL:
            assert_array_equal(jenks_breaks(y, k, engine=True), ref)


def test_numba_and_numpy_engines_identical():
    if not HAVE_KERNEL:
        pytest.skip("numba not available")
    rng = np.random.default_rng(5)
    cases = [
        (rng.lognormal(size=20000), 5),
        (rng.normal(size=5000), 10),
        (np.round(rng.lognormal(size=8000), 2), 7),  # ties
        (rng.integers(0, 50, 3000).astype(float), 12),  # exact-tie partitions
    ]
    before = dict(C.calls)
    for y, k in cases:
        assert_array_equal(jenks_breaks(y, k, engine=True), jenks_breaks(y, k, engine=False))
    assert C.calls["numba"] - before["numba"] == len(cases)
    assert C.calls["numpy"] - before["numpy"] == len(cases)


def test_numpy_path_when_numba_disabled():
    y = np.random.default_rng(6).lognormal(size=3000)
    before = dict(C.calls)
    was = C._kernels.use_numba()
    try:
        C._kernels.use_numba(False)
        b = jenks_breaks(y, 6, engine=True)  # asks for numba, gets numpy
    finally:
        C._kernels.use_numba(was)
    assert C.calls["numpy"] == before["numpy"] + 1 and C.calls["numba"] == before["numba"]
    assert_array_equal(b, plain_float_dp(y, 6))


# ---------------------------------------------------------------------------
# mapclassify on real data
# ---------------------------------------------------------------------------
def _check_against(ref, res, p=None):
    sel = (lambda a: a) if p is None else (lambda a: a[p])
    assert_array_equal(sel(res.breaks), ref.bins)
    codes = res.codes if p is None else res.codes[:, p]
    assert_array_equal(codes, ref.yb)
    assert_array_equal(sel(res.counts), ref.counts)
    assert sel(res.sdcm) == pytest.approx(ref.tss, rel=1e-12, abs=1e-9)
    assert sel(res.gadf) == pytest.approx(ref.gadf, rel=1e-12)
    y = np.asarray(ref.y, dtype=float)
    assert sel(res.gvf) == pytest.approx(1 - ref.tss / ((y - y.mean()) ** 2).sum(), rel=1e-12)


@pytest.mark.parametrize("method", ["fisher_jenks", "quantiles", "equal_interval"])
def test_mexico_all_years_match_mapclassify(mexico, method):
    mc = _mc()
    Y, states, cols = mexico
    cls = {"fisher_jenks": mc.FisherJenks, "quantiles": mc.Quantiles,
           "equal_interval": mc.EqualInterval}[method]
    for k in range(2, 9):
        res = classify(Y, method, k, ids=states, periods=cols)
        assert res.breaks.shape == (7, k) and res.codes.shape == (32, 7)
        for p in range(7):
            _check_against(cls(Y[:, p], k), res, p)
    pooled = classify(Y, method, 5, pooled=True)
    ref = cls(Y.ravel(), 5)
    assert_array_equal(pooled.breaks, ref.bins)
    assert_array_equal(pooled.codes.ravel(), ref.yb)
    assert pooled.gvf_pooled == pytest.approx(1 - ref.tss / ((Y - Y.mean()) ** 2).sum())


@pytest.mark.parametrize("method", ["quantiles", "equal_interval"])
def test_us_incomes_match_mapclassify(usinc, method):
    mc = _mc()
    Y, _, years = usinc
    cls = mc.Quantiles if method == "quantiles" else mc.EqualInterval
    for k in (3, 5, 7, 10):
        res = classify(Y, method, k)
        for p in range(0, len(years), 8):
            _check_against(cls(Y[:, p], k), res, p)
    pooled = classify(Y, method, 5, pooled=True)
    ref = cls(Y.ravel(), 5)
    assert_array_equal(pooled.breaks, ref.bins)
    assert_array_equal(pooled.codes.ravel(), ref.yb)


def test_us_incomes_jenks_all_years(usinc):
    # every year, k = 3, 5, 7: equal to mapclassify except two cases where
    # mapclassify's float32 programme misses the optimum; there our SSD is
    # smaller in exact arithmetic (and equals the exact programme's).
    mc = _mc()
    Y, _, years = usinc
    differ = set()
    for k in (3, 5, 7):
        res = classify(Y, "fisher_jenks", k, periods=years)
        for p, year in enumerate(years):
            ref = mc.FisherJenks(Y[:, p], k)
            if np.array_equal(res.breaks[p], ref.bins):
                assert_array_equal(res.codes[:, p], ref.yb)
            else:
                differ.add((year, k))
                ours = exact_ssd(Y[:, p], res.breaks[p])
                assert ours < exact_ssd(Y[:, p], ref.bins)
                assert ours == exact_ssd(Y[:, p], exact_fisher_dp(Y[:, p], k))
    assert differ == {("1979", 7), ("1983", 5)}
    pooled = classify(Y, "fisher_jenks", 5, pooled=True)
    ref = mc.FisherJenks(Y.ravel(), 5)
    assert_array_equal(pooled.breaks, ref.bins)
    assert_array_equal(pooled.codes.ravel(), ref.yb)
    assert_array_equal(pooled.counts.sum(axis=0), ref.counts)


def test_jenks_random_ties_match_mapclassify():
    mc = _mc()
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(10, 400))
        y = np.round(rng.lognormal(size=n), 1)  # many ties
        k = int(rng.integers(2, 9))
        if len(np.unique(y)) < k:
            continue
        ref = mc.FisherJenks(y, k)
        res = fisher_jenks(y, k)
        assert_array_equal(res.breaks, ref.bins)
        assert_array_equal(res.codes, ref.yb)


def test_quantiles_ties_reduce_like_mapclassify():
    mc = _mc()
    y = np.array([0.0] * 10 + [1, 2, 3, 4, 5])
    # quintiles: the first three are 0 -> 3 distinct quantile values
    with pytest.raises(InputDataError, match="Only 3 distinct quantile"):
        quantiles(y, 5)
    res = quantiles(y, 5, reduce_k=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref = mc.Quantiles(y, 5)
    assert res.k_used == 3 == len(ref.bins)
    assert_array_equal(res.breaks[:3], ref.bins)
    assert np.isnan(res.breaks[3:]).all()
    assert_array_equal(res.codes, ref.yb)
    assert_array_equal(res.counts[:3], ref.counts)
    assert_array_equal(res.counts[3:], [0, 0])
    assert "3 classes were formed" in res.warnings[0]


def test_quantiles_by_hand():
    # 1..8, k=4: idx = 0.25*7 = 1.75 -> 2 + 0.75 = 2.75; 3.5 -> 4.5; 5.25 -> 6.25; 8
    res = quantiles(np.arange(8.0, 0, -1), 4)
    assert_allclose(res.breaks, [2.75, 4.5, 6.25, 8.0], rtol=0, atol=1e-15)
    assert_array_equal(res.codes, [3, 3, 2, 2, 1, 1, 0, 0])


def test_equal_interval_by_hand():
    # min 0, max 10, k=4: width 2.5 -> 2.5, 5, 7.5, 10; 5 goes to class 1
    res = equal_interval([0, 5, 5.1, 10, 1], 4)
    assert_allclose(res.breaks, [2.5, 5.0, 7.5, 10.0])
    assert_array_equal(res.codes, [0, 1, 2, 3, 0])
    assert_array_equal(res.counts, [2, 1, 1, 1])
    # few distinct values are fine (empty classes)
    res = equal_interval([0, 0, 10], 5)
    assert_array_equal(res.counts, [2, 0, 0, 0, 1])


# ---------------------------------------------------------------------------
# user thresholds
# ---------------------------------------------------------------------------
def test_user_thresholds_right_closed_match_mapclassify(mexico):
    mc = _mc()
    Y, _, _ = mexico
    bins = [5000.0, 10000.0, 20000.0]
    res = user_defined(Y, [-np.inf] + bins + [np.inf])
    assert res.pooled and res.breaks.shape == (4,) and res.lowest == -np.inf
    assert res.labels == ("<= 5000", "(5000, 10000]", "(10000, 20000]", "> 20000")
    for p in range(Y.shape[1]):
        ref = mc.UserDefined(Y[:, p], bins)  # appends max(y) as the last bin
        k = len(ref.bins)
        assert_array_equal(res.codes[:, p], ref.yb)
        assert_array_equal(res.counts[p, :k], ref.counts)
        assert res.sdcm[p] == pytest.approx(ref.tss, rel=1e-12)


def test_user_thresholds_left_and_right_by_hand():
    # coordination-degree style grades on [0, 1]
    y = np.array([0.0, 0.2, 0.39, 0.4, 0.55, 0.7, 0.99, 1.0])
    edges = [0, 0.4, 0.7, 1.0]
    left = user_defined(y, edges, ["low", "middle", "high"], closed="left")
    # [0, .4): 0, .2, .39 | [.4, .7): .4, .55 | [.7, 1]: .7, .99, 1.0
    assert_array_equal(left.codes, [0, 0, 0, 1, 1, 2, 2, 2])
    assert_array_equal(left.counts, [3, 2, 3])
    assert left.labels == ("low", "middle", "high") and left.closed == "left"
    right = user_defined(y, edges)
    # [0, .4]: 0, .2, .39, .4 | (.4, .7]: .55, .7 | (.7, 1]: .99, 1.0
    assert_array_equal(right.codes, [0, 0, 0, 0, 1, 1, 2, 2])
    assert right.labels == ("[0, 0.4]", "(0.4, 0.7]", "(0.7, 1]")
    assert_array_equal(right.breaks, [0.4, 0.7, 1.0])
    assert right.lowest == 0.0
    # within-class SS of the right-closed classes, by hand
    sd = np.var([0, 0.2, 0.39, 0.4]) * 4 + np.var([0.55, 0.7]) * 2 + np.var([0.99, 1]) * 2
    assert right.sdcm == pytest.approx(sd)


def test_user_thresholds_errors():
    y = [0.1, 0.5, 0.9]
    with pytest.raises(InputDataError, match="strictly increasing; threshold 3"):
        user_defined(y, [0, 0.5, 0.5, 1])
    with pytest.raises(InputDataError, match="strictly increasing"):
        user_defined(y, [0, 0.7, 0.3, 1])
    with pytest.raises(InputDataError, match="2 label"):
        user_defined(y, [0, 0.3, 0.6, 1], ["a", "b"])
    with pytest.raises(InputDataError, match="repeated: a"):
        user_defined(y, [0, 0.5, 1], ["a", "a"])
    with pytest.raises(InputDataError, match="at least 3 thresholds"):
        user_defined(y, [0, 1])
    with pytest.raises(InputDataError, match="need thresholds"):
        classify(y, "user_defined")
    with pytest.raises(InputDataError, match="NaN"):
        user_defined(y, [0, np.nan, 1])
    with pytest.raises(InputDataError,
                       match=r"outside the thresholds \[0, 1\].*region 'B' in period '2000'"):
        user_defined([[0.5, 0.5], [0.5, 1.5]], [0, 0.5, 1], ids=["A", "B"],
                     periods=["1990", "2000"])


def test_interval_labels():
    assert interval_labels([0, 0.5, 1], "left") == ("[0, 0.5)", "[0.5, 1]")
    assert interval_labels([-np.inf, 1, np.inf], "left") == ("< 1", ">= 1")
    assert interval_labels([-np.inf, 1, 2], "right", fmt="{:.1f}") == ("<= 1.0", "(1.0, 2.0]")


# ---------------------------------------------------------------------------
# panels, missing values, sampling
# ---------------------------------------------------------------------------
def test_panel_per_period_and_pooled_consistent():
    rng = np.random.default_rng(2)
    Y = rng.lognormal(size=(60, 4)) * np.array([1, 2, 3, 4])
    per = fisher_jenks(Y, 4)
    for p in range(4):
        one = fisher_jenks(Y[:, p], 4)
        assert_array_equal(per.breaks[p], one.breaks)
        assert_array_equal(per.codes[:, p], one.codes)
        assert per.gvf[p] == one.gvf
        assert per.lowest[p] == Y[:, p].min()
    assert_array_equal(per.counts.sum(axis=1), [60] * 4)
    assert_array_equal(per.k_used, [4] * 4)
    pooled = fisher_jenks(Y, 4, pooled=True)
    assert_array_equal(pooled.breaks, jenks_breaks(Y.ravel(), 4))
    assert pooled.breaks[-1] == Y.max() and pooled.lowest == Y.min()
    assert_array_equal(pooled.codes, codes_of(Y.ravel(), pooled.breaks).reshape(Y.shape))
    for p in range(4):
        assert_array_equal(pooled.counts[p], np.bincount(pooled.codes[:, p], minlength=4))
    assert pooled.k_used == 4 and pooled.sampled is False and pooled.sample_size == 0
    assert pooled.gvf_pooled == pytest.approx(fisher_jenks(Y.ravel(), 4).gvf)


def test_missing_values_refused_or_skipped():
    rng = np.random.default_rng(4)
    Y = rng.normal(size=(30, 3))
    Y[4, 1] = np.nan
    Y[7, 2] = np.nan
    ids = [f"R{i}" for i in range(30)]
    with pytest.raises(InputDataError, match=r"2 value\(s\) are missing \(region 'R4' in "
                                             r"period '2001', region 'R7' in period '2002'\)"):
        quantiles(Y, 4, ids=ids, periods=["2000", "2001", "2002"])
    res = quantiles(Y, 4, skip_missing=True)
    assert res.codes[4, 1] == -1 and res.codes[7, 2] == -1
    assert (res.codes >= 0).sum() == 88
    ok = np.delete(Y[:, 1], 4)
    alone = quantiles(ok, 4)
    assert_array_equal(res.breaks[1], alone.breaks)
    assert_array_equal(np.delete(res.codes[:, 1], 4), alone.codes)
    assert res.gvf[1] == pytest.approx(alone.gvf)
    assert_array_equal(res.counts.sum(axis=1), [30, 29, 29])
    pooled = fisher_jenks(Y, 3, pooled=True, skip_missing=True)
    assert_array_equal(pooled.breaks, jenks_breaks(Y[~np.isnan(Y)], 3))
    # a period without any value: NaN breaks, a warning
    Y[:, 0] = np.nan
    res = fisher_jenks(Y, 3, skip_missing=True, periods=["a", "b", "c"])
    assert np.isnan(res.breaks[0]).all() and res.k_used[0] == 0 and np.isnan(res.gvf[0])
    assert (res.codes[:, 0] == -1).all() and "period 'a'" in res.warnings[0]
    with pytest.raises(InputDataError, match="All values are missing"):
        fisher_jenks(np.full(5, np.nan), 2, skip_missing=True)


def _reference_sample(ys, s):
    """The documented rule, written independently: min, max and the middle
    order statistic of each of s - 2 equal-count strata of the others."""
    n = len(ys)
    out = [ys[0]]
    for r in range(s - 2):
        # stratum r holds interior ranks [r (n-2)/(s-2), (r+1)(n-2)/(s-2)),
        # its middle rank is (r + 1/2)(n - 2)/(s - 2)
        out.append(ys[1 + int(Fraction(2 * r + 1, 2) * (n - 2) / (s - 2))])
    out.append(ys[-1])
    return np.array(out)


def test_sampling_rule_above_max_exact():
    rng = np.random.default_rng(8)
    y = rng.lognormal(size=5003)
    res = fisher_jenks(y, 5, max_exact=500)
    assert res.sampled is True and res.sample_size == 500
    sample = _reference_sample(np.sort(y), 500)
    assert len(sample) == 500 and len(np.unique(sample)) == 500
    assert_array_equal(res.breaks, jenks_breaks(sample, 5))
    assert res.breaks[-1] == y.max() and res.lowest == y.min()
    assert res.counts.sum() == 5003 and (res.counts > 0).all()
    assert_array_equal(res.codes, codes_of(y, res.breaks))
    assert "sorted-stratified" in res.meta["sampling"]
    # deterministic; the positions are one per stratum
    again = fisher_jenks(y.copy(), 5, max_exact=500)
    assert_array_equal(again.breaks, res.breaks)
    pos = C._sample_positions(5003, 500)
    assert pos[0] == 0 and pos[-1] == 5002 and np.all(np.diff(pos) > 0)
    stratum = ((pos[1:-1] - 1) * 498) // 5001
    assert_array_equal(stratum, np.arange(498))
    # at the threshold: exact
    exact = fisher_jenks(y[:500], 5, max_exact=500)
    assert exact.sampled is False and exact.sample_size == 0
    assert_array_equal(exact.breaks, jenks_breaks(y[:500], 5))
    # None: never sampled; per period: reported per period
    assert not fisher_jenks(y, 5, max_exact=None).sampled
    Y = np.column_stack([y[:800], np.round(y[800:1600], 1)])
    per = fisher_jenks(Y, 4, max_exact=600)
    assert_array_equal(per.sampled, [True, False])
    assert_array_equal(per.sample_size, [600, 0])


def test_sampling_threshold_counts_distinct_values():
    # 20,000 values but only 300 distinct ones: exact
    rng = np.random.default_rng(9)
    y = rng.integers(0, 300, 20000).astype(float)
    res = fisher_jenks(y, 6, max_exact=1000)
    assert not res.sampled
    assert_array_equal(res.breaks, jenks_breaks(y, 6))


# ---------------------------------------------------------------------------
# too few values, errors, progress
# ---------------------------------------------------------------------------
def test_too_few_distinct_values_refused_or_reduced():
    Y = np.array([[1.0, 1.0], [2.0, 5.0], [3.0, 6.0], [3.0, 7.0], [1.0, 8.0], [2.0, 9.0]])
    with pytest.raises(InputDataError, match=r"Only 3 distinct value\(s\) in period '1990'") as err:
        fisher_jenks(Y, 4, periods=["1990", "2000"])
    assert err.value.period == 0
    mc = _mc()
    with pytest.raises(ValueError):  # mapclassify refuses too
        mc.FisherJenks(Y[:, 0], 4)
    res = fisher_jenks(Y, 4, reduce_k=True, periods=["1990", "2000"])
    assert_array_equal(res.k_used, [3, 4])
    assert_array_equal(res.breaks[0, :3], [1.0, 2.0, 3.0]) and np.isnan(res.breaks[0, 3])
    assert_array_equal(res.codes[:, 0], [0, 1, 2, 2, 0, 1])
    assert_array_equal(res.counts[0], [2, 2, 2, 0])
    assert res.gvf[0] == 1.0
    assert len(res.warnings) == 1 and "period '1990'" in res.warnings[0]


def test_error_paths():
    y = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(InputDataError, match="At least 2 classes"):
        fisher_jenks(y, 1)
    with pytest.raises(InputDataError, match="whole number"):
        quantiles(y, 2.5)
    with pytest.raises(InputDataError, match="whole number"):
        quantiles(y, "five")
    with pytest.raises(InputDataError, match=r"All values in period 'b' are equal \(7\)"):
        fisher_jenks([[1, 7], [2, 7], [3, 7]], 2, periods=["a", "b"])
    with pytest.raises(InputDataError, match="All values are equal"):
        equal_interval([[2, 2], [2, 2]], 2, pooled=True)
    with pytest.raises(InputDataError,
                       match="Unknown classification method 'kmeans'.*'fisher_jenks'"):
        classify(y, "kmeans")
    with pytest.raises(InputDataError, match="Unknown interval closure 'both'"):
        user_defined(y, [0, 2, 5], closed="both")
    with pytest.raises(InputDataError, match='closed="left" applies to user-defined'):
        quantiles(y, 2, closed="left")
    with pytest.raises(InputDataError, match="only used with"):
        quantiles(y, 2, thresholds=[0, 1, 2])
    with pytest.raises(InputDataError, match=r"infinite \(region 'b'\)"):
        fisher_jenks([1, np.inf, 2], 2, ids=["a", "b", "c"])
    with pytest.raises(InputDataError, match="3 region id"):
        fisher_jenks(y, 2, ids=["a", "b", "c"])
    with pytest.raises(InputDataError, match="1 period label"):
        fisher_jenks([[1, 2], [3, 4], [5, 7]], 2, periods=["a"])
    with pytest.raises(InputDataError, match="numbers"):
        fisher_jenks(["a", "b"], 2)
    with pytest.raises(InputDataError, match="shape"):
        fisher_jenks(np.zeros((2, 2, 2)), 2)
    with pytest.raises(InputDataError, match="no values"):
        fisher_jenks([], 2)
    with pytest.raises(InputDataError, match="max_exact"):
        fisher_jenks(y, 2, max_exact=2)
    with pytest.raises(InputDataError, match="4 label"):
        fisher_jenks(y, 2, labels=["a", "b", "c", "d"])
    with pytest.raises(InputDataError, match="Only 2 distinct value"):
        jenks_breaks([1, 1, 2], 3)
    with pytest.raises(InputDataError, match="missing or infinite"):
        jenks_breaks([1, np.nan, 2], 2)


def test_labels_kept_and_result_type():
    res = quantiles(np.arange(10.0), 3, labels=["low", "mid", "high"])
    assert isinstance(res, Classification)
    assert res.labels == ("low", "mid", "high") and res.method == "quantiles"
    assert res.codes.dtype == np.int64


def test_progress_and_cancel():
    Y = np.random.default_rng(1).lognormal(size=(50, 6))
    seen = []
    fisher_jenks(Y, 4, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(b >= a for a, b in zip(seen, seen[1:]))
    with pytest.raises(Canceled):
        fisher_jenks(Y, 4, is_canceled=lambda: len(seen) > 3, progress=seen.append)


@pytest.mark.parametrize("method", ["quantiles", "equal_interval", "fisher_jenks"])
@pytest.mark.parametrize("pooled", [False, True])
def test_without_statistics_same_breaks_and_codes(method, pooled):
    """statistics=False (no sort for quantiles / equal intervals) gives the
    same breaks, lower ends, codes and counts; only the fit statistics are NaN."""
    rng = np.random.default_rng(5)
    Y = rng.normal(size=(400, 6)).cumsum(axis=1)
    Y[3, 2] = np.nan
    full = classify(Y, method, 4, pooled=pooled, skip_missing=True)
    fast = classify(Y, method, 4, pooled=pooled, skip_missing=True, statistics=False)
    np.testing.assert_array_equal(fast.breaks, full.breaks)
    np.testing.assert_array_equal(fast.lowest, full.lowest)
    np.testing.assert_array_equal(fast.codes, full.codes)
    np.testing.assert_array_equal(fast.counts, full.counts)
    assert np.isnan(fast.gvf).all() and np.isfinite(full.gvf).all()
