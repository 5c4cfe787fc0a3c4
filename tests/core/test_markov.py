"""Classic and spatial Markov chains (regional_resilience.core.markov).

Independent checks: hand-computed small panels (arithmetic in comments),
brute-force loops over regions and periods, identities of Markov chains
(pi P = pi, first-step equations, series of hitting probabilities), and
PySAL's giddy / mapclassify / quantecon on the US state incomes 1929-2009
(libpysal example "us_income": usjoin.csv + states48.gal).
"""
from tests.references import reference
import warnings

import numpy as np
import pytest

from regional_resilience.core.errors import Canceled, InputDataError, WeightsError
from regional_resilience.core.markov import (
    DOWN,
    JUMP_DOWN,
    JUMP_UP,
    STAY,
    UP,
    chain_structure,
    homogeneity,
    markov,
    mean_first_passage_times,
    quantile_breaks,
    sojourn_time,
    spatial_markov,
    stationary_distributions,
    transition_types,
)
from regional_resilience.core.weights import Weights, from_neighbor_pairs


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def path_weights(n):
    i = np.arange(n - 1)
    return from_neighbor_pairs(n, np.r_[i, i + 1], np.r_[i + 1, i])


def random_weights(n, rng, p=0.2, islands=()):
    a = rng.random((n, n)) < p
    a = a | a.T
    np.fill_diagonal(a, False)
    for i in islands:
        a[i, :] = a[:, i] = False
    i, j = np.nonzero(a)
    return from_neighbor_pairs(n, i, j)


def brute_counts(codes, lag=1, lag_codes=None, m=None):
    """Transition counts by explicit loops over regions and periods."""
    n, t = codes.shape
    k = int(codes.max()) + 1
    if lag_codes is None:
        T = np.zeros((k, k), dtype=int)
        for r in range(n):
            for s in range(t - lag):
                T[codes[r, s], codes[r, s + lag]] += 1
        return T
    T = np.zeros((m, k, k), dtype=int)
    for r in range(n):
        for s in range(t - lag):
            if lag_codes[r, s] >= 0:
                T[lag_codes[r, s], codes[r, s], codes[r, s + lag]] += 1
    return T


def brute_lag(w, y):
    """Row-standardised spatial lag by loops over the neighbour lists."""
    out = np.zeros_like(y, dtype=float)
    for i, nb in enumerate(w.neighbor_sets()):
        if nb:
            out[i] = np.mean(y[sorted(nb)], axis=0)
    return out


def mfpt_by_series(P, steps=20000):
    """First passage times from P(T > n) summed over n (no linear algebra).

    For destination j: q_n = P(not yet in j after n steps), iterated with the
    substochastic matrix; m_ij = sum_n q_n(i), infinite when the hitting
    probability 1 - q_inf(i) is below 1. Recurrence times by one first step.
    """
    P = np.asarray(P, dtype=float)
    k = len(P)
    M = np.empty((k, k))
    for j in range(k):
        Q = P.copy()
        Q[:, j] = 0.0
        q = np.ones(k)
        q[j] = 0.0
        total = np.zeros(k)
        for _ in range(steps):
            total += q
            q = Q @ q
            q[j] = 0.0
        lost = q > 1e-9
        m = np.where(lost, np.inf, total)
        m[j] = np.inf
        others = [l for l in range(k) if l != j]
        step = P[j, others]
        rec = 1 + np.sum(step[step > 0] * m[others][step > 0])
        M[:, j] = m
        M[j, j] = rec
    return M


# ---------------------------------------------------------------------------
# classes
# ---------------------------------------------------------------------------


def test_quantile_classes_by_hand_and_ties_go_down():
    # one period 0..4, k=4: percentiles 25, 50, 75, 100 at positions
    # h = 1, 2, 3, 4 of the sorted values -> breaks 1, 2, 3, 4 (no
    # interpolation). Value 1 equals the first break -> class 0.
    y = np.array([[0.0, 4.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [4.0, 0.0]])
    c = markov(y, k=4)
    np.testing.assert_array_equal(c.class_codes[:, 0], [0, 0, 1, 2, 3])
    np.testing.assert_array_equal(c.class_codes[:, 1], [3, 2, 1, 0, 0])
    np.testing.assert_array_equal(c.breaks, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    # k=2 on 4 values 1..4: h = 0.5 * 3 = 1.5 -> (2 * 0.5 + 3 * 0.5) = 2.5
    np.testing.assert_array_equal(quantile_breaks([4.0, 1.0, 3.0, 2.0], 2), [2.5, 4.0])


def test_user_breaks_ties_and_open_top_class():
    # breaks 2 and 4 -> classes y <= 2, 2 < y <= 4, y > 4 (open)
    y = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 4.5], [4.0, 100.0]])
    c = markov(y, breaks=[2, 4])
    assert c.k == 3 and c.scheme == "breaks"
    np.testing.assert_array_equal(c.class_codes, [[0, 0], [0, 1], [1, 2], [1, 2]])


def test_quantile_breaks_equal_mapclassify():
    mc = reference("mapclassify")
    rng = np.random.default_rng(3)
    for n in (7, 48, 1000):
        for k in (2, 3, 4, 5, 6, 7, 9):
            y = np.round(rng.lognormal(size=n), 1)  # many ties
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = mc.Quantiles(y, k=k)
            np.testing.assert_array_equal(quantile_breaks(y, k), ref.bins)


def test_classes_equal_mapclassify_per_period_and_pooled():
    mc = reference("mapclassify")
    rng = np.random.default_rng(4)
    y = np.round(rng.normal(size=(200, 6)), 1)
    per = np.array([mc.Quantiles(y[:, s], k=5).yb for s in range(6)]).T
    np.testing.assert_array_equal(markov(y, k=5, classes="period").class_codes, per)
    pooled = mc.Quantiles(y.flatten(), k=5).yb.reshape(y.shape)
    np.testing.assert_array_equal(markov(y, k=5, classes="pooled").class_codes, pooled)
    ud = mc.UserDefined(y.flatten(), [-0.5, 0.0, 0.3, np.inf]).yb.reshape(y.shape)
    np.testing.assert_array_equal(markov(y, breaks=[-0.5, 0.0, 0.3]).class_codes, ud)


def test_collapsed_quantiles_follow_mapclassify_with_warning():
    mc = reference("mapclassify")
    # 4 distinct values but heavy ties: percentiles 25/50/75 of
    # [0,1,1,1,1,1,1.5,2] are 1, 1, 1.125 -> breaks 1, 1.125, 2 (3 classes)
    col = np.array([0, 1, 1, 1, 1, 1, 1.5, 2])
    y = np.column_stack([col, np.arange(8.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = mc.Quantiles(col, k=4)
    assert len(ref.bins) == 3
    c = markov(y, k=4)
    np.testing.assert_array_equal(c.class_codes[:, 0], ref.yb)
    assert c.k == 4
    assert any("period index 0" in s for s in c.warnings)
    np.testing.assert_array_equal(c.breaks[0], [1.0, 1.125, np.nan])
    # pooled: k shrinks as in giddy's Spatial_Markov(fixed=True)
    yp = np.column_stack([col, col])
    cp = markov(yp, k=4, classes="pooled")
    assert cp.k == 3 and cp.warnings


# ---------------------------------------------------------------------------
# classic chain
# ---------------------------------------------------------------------------


def test_markov_by_hand_with_empty_class():
    # codes 0..2; class 2 appears only in the last period so it never
    # starts a move: its row of P is NaN and flagged.
    codes = np.array([[0, 1, 2], [1, 0, 0], [0, 0, 1]])
    r = markov(class_codes=codes, k=3)
    # moves: 0->1, 1->2, 1->0, 0->0, 0->0, 0->1
    np.testing.assert_array_equal(r.transitions, [[2, 2, 0], [1, 0, 1], [0, 0, 0]])
    np.testing.assert_allclose(r.p[:2], [[0.5, 0.5, 0], [0.5, 0, 0.5]])
    assert np.isnan(r.p[2]).all()
    np.testing.assert_array_equal(r.empty_rows, [False, False, True])
    assert r.warnings
    # the empty class counts as absorbing: the only recurrent class is {2}
    assert [c.tolist() for c in r.structure.recurrent_classes] == [[2]]
    np.testing.assert_array_equal(r.steady_state, [0, 0, 1])
    assert r.sojourn_time[2] == np.inf
    np.testing.assert_allclose(r.sojourn_time[:2], [2.0, 1.0])  # 1/(1-.5), 1/(1-0)
    # initial shares: period 0 has classes 0, 1, 0
    np.testing.assert_allclose(r.initial, [2 / 3, 1 / 3, 0])
    np.testing.assert_array_equal(r.class_counts, [[2, 1, 0], [2, 1, 0], [1, 1, 1]])
    assert r.n_transitions == 6


def test_markov_lag_two_brute_force():
    rng = np.random.default_rng(5)
    y = rng.normal(size=(60, 9)).cumsum(axis=1)
    for lag in (1, 2, 4):
        r = markov(y, k=4, lag=lag)
        np.testing.assert_array_equal(r.transitions, brute_counts(r.class_codes, lag))
        assert r.transition_types.shape == (60, 9 - lag)
        assert r.n_transitions == 60 * (9 - lag)
        np.testing.assert_allclose(r.p.sum(axis=1), 1.0)


def test_transition_types_by_hand_and_counts():
    # region 0: 0 -> 1 (up), 1 -> 3 (jump up), 3 -> 0 (jump down)
    # region 1: 2 -> 2 (stay), 2 -> 1 (down), 1 -> 1 (stay)
    codes = np.array([[0, 1, 3, 0], [2, 2, 1, 1]])
    t = transition_types(codes)
    np.testing.assert_array_equal(t, [[UP, JUMP_UP, JUMP_DOWN], [STAY, DOWN, STAY]])
    r = markov(class_codes=codes, k=4)
    np.testing.assert_array_equal(
        r.type_counts, [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [1, 0, 0, 0, 1]]
    )
    # lag 2: 0 -> 3 (jump up), 1 -> 0 (down); 2 -> 1 (down), 2 -> 1 (down)
    np.testing.assert_array_equal(
        transition_types(codes, lag=2), [[JUMP_UP, DOWN], [DOWN, DOWN]]
    )


def test_type_counts_agree_with_transition_matrix():
    rng = np.random.default_rng(6)
    r = markov(rng.normal(size=(300, 7)).cumsum(axis=1), k=5)
    T = r.transitions
    d = np.subtract.outer(np.arange(5), np.arange(5)).T  # d[i, j] = j - i
    totals = r.type_counts.sum(axis=0)
    assert totals[STAY] == np.trace(T)
    assert totals[UP] == T[d == 1].sum() and totals[DOWN] == T[d == -1].sum()
    assert totals[JUMP_UP] == T[d > 1].sum() and totals[JUMP_DOWN] == T[d < -1].sum()
    np.testing.assert_array_equal(r.type_counts.sum(axis=1), 300)


# ---------------------------------------------------------------------------
# chain measures
# ---------------------------------------------------------------------------

OZ = np.array([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]])


def test_steady_state_and_mfpt_land_of_oz():
    # Kemeny & Snell's Land of Oz: pi = (.4, .2, .4) solves pi P = pi
    # (.4*.5 + .2*.5 + .4*.25 = .4 ...); recurrence times 1/pi = 2.5, 5, 2.5;
    # m_01 = 1 + .5 m_01 + .25 m_21 with m_21 = m_01 by symmetry -> m_01 = 4.
    pi = stationary_distributions(OZ)
    np.testing.assert_allclose(pi, [[0.4, 0.2, 0.4]], atol=1e-15)
    M = mean_first_passage_times(OZ)
    np.testing.assert_allclose(np.diag(M), [2.5, 5.0, 2.5])
    assert M[0, 1] == pytest.approx(4.0)
    np.testing.assert_allclose(sojourn_time(OZ), [2.0, 1.0, 2.0])


def random_stochastic(rng, k, zero=0.5):
    A = rng.random((k, k)) * (rng.random((k, k)) > zero)
    A[A.sum(axis=1) == 0, 0] = 1.0
    return A / A.sum(axis=1, keepdims=True)


def test_chain_measures_identities_and_series_on_random_chains():
    rng = np.random.default_rng(7)
    for _ in range(30):
        k = int(rng.integers(2, 7))
        P = random_stochastic(rng, k)
        ss = stationary_distributions(P)
        np.testing.assert_allclose(ss @ P, ss, atol=1e-12)
        np.testing.assert_allclose(ss.sum(axis=1), 1.0)
        M = mean_first_passage_times(P)
        ref = mfpt_by_series(P)
        np.testing.assert_array_equal(np.isinf(M), np.isinf(ref))
        fin = np.isfinite(M)
        np.testing.assert_allclose(M[fin], ref[fin], rtol=1e-6)


def test_chain_structure_equals_quantecon():
    qe = reference("quantecon")
    rng = np.random.default_rng(8)
    for _ in range(30):
        P = random_stochastic(rng, int(rng.integers(2, 8)), zero=0.7)
        mc = qe.MarkovChain(P)
        s = chain_structure(P)
        assert s.irreducible == mc.is_irreducible
        assert [c.tolist() for c in s.recurrent_classes] == [
            c.tolist() for c in mc.recurrent_classes_indices
        ]
        assert [c.tolist() for c in s.communication_classes] == [
            c.tolist() for c in mc.communication_classes_indices
        ]
        np.testing.assert_allclose(
            stationary_distributions(P), mc.stationary_distributions, atol=1e-14
        )


def test_mfpt_equals_giddy_with_absorbing_classes():
    ergodic = reference("giddy.ergodic")
    markov_mod = reference("giddy.markov")
    P = np.array([[0.5, 0.5, 0], [0.2, 0.8, 0], [0, 0, 1]])
    np.testing.assert_allclose(mean_first_passage_times(P), ergodic.mfpt(P))
    P = np.array([[0.5, 0.5, 0], [0.2, 0.8, 0], [0, 0, 0]])  # empty row filled
    np.testing.assert_allclose(
        mean_first_passage_times(P), ergodic.mfpt(P, fill_empty_classes=True)
    )
    np.testing.assert_allclose(
        stationary_distributions(P), ergodic.steady_state(P, fill_empty_classes=True)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = markov_mod.sojourn_time(P, summary=False)
    np.testing.assert_allclose(sojourn_time(P), ref)
    # transient {0, 1} draining into absorbing 2; two absorbing states 1, 2
    for P in (
        np.array([[0.2, 0.3, 0.5], [0.4, 0.6, 0.0], [0.0, 0.0, 1.0]]),
        np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = ergodic.mfpt(P)
        np.testing.assert_allclose(mean_first_passage_times(P), ref)


def test_mfpt_two_closed_classes_of_size_two():
    # {0, 1} and {2, 3} closed: from 1 the chain surely reaches 0
    # (m_10 = 1 / 0.5 = 2); from 2, 3 never. giddy's solver cannot handle
    # a closed class of size > 1 without the destination (documented).
    P = np.array(
        [[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 0.3, 0.7], [0, 0, 0.6, 0.4]]
    )
    M = mean_first_passage_times(P)
    assert M[1, 0] == pytest.approx(2.0)
    assert M[0, 0] == pytest.approx(2.0)  # 1 + 0.5 * m_10 = 2 = 1 / pi_0
    assert np.isinf(M[2:, :2]).all() and np.isinf(M[:2, 2:]).all()
    np.testing.assert_allclose(M, mfpt_by_series(P), rtol=1e-6)


def test_homogeneity_equals_giddy_and_dof_rule():
    gm = reference("giddy.markov")
    rng = np.random.default_rng(9)
    for _ in range(10):
        T = rng.integers(0, 6, size=(3, 4, 4)) * (rng.random((3, 4, 4)) > 0.3)
        T[:, 3, :] = 0  # class 3 never starts a move in any regime
        T[1, 0, :] = 0  # class 0 never starts one in regime 1
        h = homogeneity(T)
        ref = gm.homogeneity(T.astype(float))
        assert h.Q == pytest.approx(ref.Q, rel=1e-12)
        assert h.LR == pytest.approx(ref.LR, rel=1e-12, abs=1e-12)
        # giddy counts the all-empty row 3 as (0 - 1)(0 - 1) = 1 dof
        assert h.dof == ref.dof - 1
    # hand case: T^1 = [[8,2],[2,8]], T^2 = [[5,5],[5,5]], pooled p = .65/.35
    # Q = 10 (.8-.65)^2/.65 + 10 (.2-.35)^2/.35 + 10 (.5-.65)^2/.65 + 10 (.5-.35)^2/.35
    #   per row, times 2 rows
    T = np.array([[[8, 2], [2, 8]], [[5, 5], [5, 5]]])
    q_row = 10 * 0.15**2 / 0.65 + 10 * 0.15**2 / 0.35
    assert homogeneity(T).Q == pytest.approx(2 * 2 * q_row)


# ---------------------------------------------------------------------------
# US state incomes vs giddy
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def us():
    reference("giddy")
    from tests.core._pysal_helpers import to_weights, us_income

    y, w = us_income(range(1929, 2010))
    return y / y.mean(axis=0), w, to_weights(w)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_classic_markov_us_incomes_equals_giddy(us):
    mc = reference("mapclassify")
    from giddy.markov import Markov

    rpci, _, _ = us
    q5 = np.array([mc.Quantiles(col, k=5).yb for col in rpci.T]).T
    ref = _quiet(Markov, q5, summary=False)
    r = markov(rpci, k=5, classes="period")
    np.testing.assert_array_equal(r.class_codes, q5)
    np.testing.assert_array_equal(r.transitions, ref.transitions)
    np.testing.assert_allclose(r.p, ref.p, rtol=1e-14)
    np.testing.assert_allclose(r.steady_state, ref.steady_state, rtol=1e-12)
    np.testing.assert_allclose(r.fmpt, _quiet(lambda: ref.mfpt), rtol=1e-10)
    np.testing.assert_allclose(r.sojourn_time, _quiet(lambda: ref.sojourn_time), rtol=1e-12)
    assert r.irreducible
    # giddy's pooled recipe: mc.Quantiles(rpci.flatten()).yb
    pooled = mc.Quantiles(rpci.flatten(), k=5).yb.reshape(rpci.shape)
    ref = _quiet(Markov, pooled, summary=False)
    r = markov(rpci, k=5, classes="pooled")
    np.testing.assert_array_equal(r.transitions, ref.transitions)
    np.testing.assert_allclose(r.steady_state, ref.steady_state, rtol=1e-12)
    np.testing.assert_allclose(r.fmpt, _quiet(lambda: ref.mfpt), rtol=1e-10)


SPATIAL_CASES = [
    (dict(fixed=True, k=5, m=5), dict(classes="pooled", k=5, m=5)),
    (dict(fixed=True, k=5, m=4), dict(classes="pooled", k=5, m=4)),
    (dict(fixed=False, k=5, m=5), dict(classes="period", k=5, m=5)),
    (dict(fixed=False, k=3, m=4), dict(classes="period", k=3, m=4)),
    (dict(), dict()),
    (
        dict(cutoffs=[0.8, 0.9, 1, 1.2], lag_cutoffs=[0.8, 0.9, 1, 1.2], fill_empty_classes=True),
        dict(breaks=[0.8, 0.9, 1, 1.2], lag_breaks=[0.8, 0.9, 1, 1.2]),
    ),
]


def _compare_spatial(s, sm, filled=False):
    np.testing.assert_array_equal(s.class_codes, sm.class_ids)
    np.testing.assert_array_equal(s.lag_class_codes, sm.lclass_ids)
    np.testing.assert_array_equal(s.T, sm.T)
    np.testing.assert_array_equal(s.transitions, sm.transitions)
    # giddy leaves empty rows 0 (1 on the diagonal when filled); ours are NaN
    assert np.isnan(s.P[s.empty_rows]).all() and not np.isnan(s.P[~s.empty_rows]).any()
    if filled:
        expected = np.where(s.empty_rows[:, :, None], np.eye(s.k)[None], s.P)
    else:
        expected = np.nan_to_num(s.P)
    np.testing.assert_allclose(expected, sm.P, rtol=1e-14)
    for h in range(s.m):
        ref = np.asarray(sm.S[h], dtype=float)
        if ref.ndim == 2 and len(ref) == 1:  # reducible, one recurrent class
            ref = ref[0]
        if ref.ndim == 1:
            np.testing.assert_allclose(s.S[h], ref, rtol=1e-12, atol=1e-15)
        else:
            assert np.isnan(s.S[h]).all()
            np.testing.assert_allclose(s.S_all[h], ref, atol=1e-15)
    np.testing.assert_array_equal(np.isinf(s.F), np.isinf(sm.F))
    fin = np.isfinite(sm.F)
    np.testing.assert_allclose(s.F[fin], sm.F[fin], rtol=1e-10)
    assert s.LR == pytest.approx(sm.LR, rel=1e-12)
    assert s.Q == pytest.approx(sm.Q, rel=1e-12)
    assert s.dof_hom == sm.dof_hom
    assert s.LR_p_value == pytest.approx(sm.LR_p_value, abs=1e-12)
    assert s.Q_p_value == pytest.approx(sm.Q_p_value, abs=1e-12)
    np.testing.assert_allclose(s.chi2, [c[0] for c in sm.chi2], rtol=1e-12)
    np.testing.assert_array_equal(s.chi2_dof, [c[2] for c in sm.chi2])
    np.testing.assert_allclose(s.chi2_p_value, [c[1] for c in sm.chi2], atol=1e-12)


@pytest.mark.parametrize("giddy_kw, our_kw", SPATIAL_CASES)
def test_spatial_markov_us_incomes_equals_giddy(us, giddy_kw, our_kw):
    from giddy.markov import Spatial_Markov

    rpci, w, W = us
    sm = _quiet(Spatial_Markov, rpci, w, variable_name="rpci", **giddy_kw)
    s = spatial_markov(rpci, W, variable_name="rpci", **our_kw)
    assert (s.k, s.m) == (sm.k, sm.m)
    if sm.cutoffs is not None:
        np.testing.assert_allclose(s.breaks, sm.cutoffs, rtol=0)
        np.testing.assert_allclose(s.lag_breaks, sm.lag_cutoffs, rtol=0)
    _compare_spatial(s, sm, filled=giddy_kw.get("fill_empty_classes", False))
    assert s.variable_name == "rpci"
    # the a-spatial chain of the same classes
    np.testing.assert_allclose(s.p, sm.p, rtol=1e-14)


def test_spatial_markov_discrete_equals_giddy(us, monkeypatch):
    mc = reference("mapclassify")
    from giddy.markov import Spatial_Markov

    rpci, w, W = us
    y = mc.Quantiles(rpci.flatten(), k=5).yb.reshape(rpci.shape)
    # libpysal breaks remaining categorical ties at random; make it pick the
    # lowest tied class, which is our documented rule
    monkeypatch.setattr(np.random, "choice", lambda a, *args, **kw: np.min(a))
    sm = _quiet(Spatial_Markov, y, w, discrete=True)
    monkeypatch.undo()
    s = spatial_markov(None, W, class_codes=y, discrete=True)
    assert s.n_random_ties > 0 and s.lag_values is None
    _compare_spatial(s, sm)
    # values given as categories are relabelled like giddy does
    s2 = spatial_markov(y + 10, W, discrete=True)
    np.testing.assert_array_equal(s2.T, s.T)


def test_spatial_markov_brute_force_with_lag_and_period_lag_classes():
    mc = reference("mapclassify")
    rng = np.random.default_rng(10)
    n, t = 40, 7
    y = rng.normal(size=(n, t)).cumsum(axis=1)
    w = random_weights(n, rng)
    assert len(w.islands) == 0
    for lag in (1, 3):
        s = spatial_markov(y, w, k=3, m=4, classes="pooled", lag_classes="period", lag=lag)
        ly = brute_lag(w, y)
        np.testing.assert_allclose(s.lag_values, ly, rtol=1e-13, atol=1e-13)
        codes = mc.Quantiles(y.flatten(), k=3).yb.reshape(y.shape)
        lcodes = np.array([mc.Quantiles(s.lag_values[:, j], k=4).yb for j in range(t)]).T
        np.testing.assert_array_equal(s.lag_class_codes, lcodes)
        np.testing.assert_array_equal(s.T, brute_counts(codes, lag, lcodes, 4))
        np.testing.assert_array_equal(s.T.sum(axis=0), s.markov.transitions)
        np.testing.assert_array_equal(s.type_counts_by_lag.sum(axis=0), s.markov.type_counts.sum(axis=0))


def test_islands_keep_equals_giddy_and_exclude_drops_them(us):
    libpysal = reference("libpysal")
    from giddy.markov import Spatial_Markov

    from tests.core._pysal_helpers import to_weights

    rpci, w, _ = us
    neigh = {key: list(v) for key, v in w.neighbors.items()}
    for j in neigh["5"]:
        neigh[j] = [x for x in neigh[j] if x != "5"]
    neigh["5"] = []
    wi = _quiet(libpysal.weights.W, neigh, id_order=w.id_order)
    wi.transform = "r"
    Wi = to_weights(wi)
    assert Wi.islands.tolist() == [5]
    sm = _quiet(Spatial_Markov, rpci, wi, k=5, m=5)
    keep = spatial_markov(rpci, Wi, k=5, m=5, islands="keep")
    _compare_spatial(keep, sm)
    assert keep.lag_values[5].tolist() == [0.0] * rpci.shape[1]

    ex = spatial_markov(rpci, Wi, k=5, m=5, islands="exclude")
    assert (ex.lag_class_codes[5] == -1).all() and np.isnan(ex.lag_values[5]).all()
    assert ex.T.sum() == 47 * 80 and ex.islands.tolist() == [5]
    assert any("without neighbours" in s for s in ex.warnings)
    others = np.delete(ex.lag_values, 5, axis=0)
    np.testing.assert_array_equal(ex.lag_breaks, quantile_breaks(others, 5)[:-1])
    kept = np.delete(np.arange(48), 5)
    np.testing.assert_array_equal(
        ex.T, brute_counts(ex.class_codes[kept], 1, ex.lag_class_codes[kept], 5)
    )
    # the classic chain keeps every region
    np.testing.assert_array_equal(ex.markov.transitions.sum(), 48 * 80)


def test_weights_are_row_standardised_here():
    rng = np.random.default_rng(11)
    y = rng.normal(size=(30, 5)).cumsum(axis=1)
    w = random_weights(30, rng)
    a = spatial_markov(y, w, k=3, m=3)
    b = spatial_markov(y, w.row_standardized(), k=3, m=3)
    np.testing.assert_allclose(a.lag_values, b.lag_values, rtol=1e-15)
    np.testing.assert_array_equal(a.T, b.T)


def test_reducible_lag_class_reports_all_steady_states():
    # path of 4 regions; values chosen so lag class 1 only sees moves that
    # stay in their class -> two recurrent classes, S row NaN
    w = path_weights(4)
    y = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0], [4.0, 4.0, 4.0]])
    s = spatial_markov(y, w, k=2, m=2)
    # classes by pooled median 2.5: [0, 0, 1, 1]; lags (2, 2, 3, 3) -> [0, 0, 1, 1]
    np.testing.assert_array_equal(s.T[0], [[4, 0], [0, 0]])
    np.testing.assert_array_equal(s.T[1], [[0, 0], [0, 4]])
    assert s.empty_rows.tolist() == [[False, True], [True, False]]
    # each lag class: one observed class plus one empty (absorbing) class
    assert np.isnan(s.S).all()
    np.testing.assert_array_equal(s.S_all[0], [[1, 0], [0, 1]])
    assert s.dof_hom == 0 and np.isnan(s.LR_p_value)


# ---------------------------------------------------------------------------
# errors and options
# ---------------------------------------------------------------------------


def test_errors_name_what_is_wrong():
    y = np.arange(12.0).reshape(4, 3)
    with pytest.raises(InputDataError, match="at least 2 periods"):
        markov(y[:, :1])
    bad = y.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InputDataError, match=r"Texas \(1950\)"):
        markov(bad, ids=["A", "B", "Texas", "D"], periods=["1940", "1950", "1960"])
    with pytest.raises(InputDataError, match="at least 2"):
        markov(y, k=1)
    with pytest.raises(InputDataError, match="strictly increasing"):
        markov(y, breaks=[3.0, 2.0])
    with pytest.raises(InputDataError, match="strictly increasing"):
        spatial_markov(y, path_weights(4), lag_breaks=[1.0, 1.0])
    with pytest.raises(InputDataError, match="make 3 classes but k=4"):
        markov(y, k=4, breaks=[1.0, 2.0])
    with pytest.raises(InputDataError, match=r"between 1 and 2 periods.*got 3"):
        markov(y, lag=3)
    with pytest.raises(InputDataError, match="Unknown classes scheme 'yearly'"):
        markov(y, classes="yearly")
    with pytest.raises(InputDataError, match="Unknown islands rule"):
        spatial_markov(y, path_weights(4), islands="drop")
    with pytest.raises(InputDataError, match="code 5 found at region position 1"):
        markov(class_codes=[[0, 1], [5, 2]], k=4)
    with pytest.raises(InputDataError, match="fractional"):
        markov(class_codes=[[0, 1.5], [1, 2]])


def test_fewer_distinct_values_than_classes_is_refused():
    y = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 3.0], [2.0, 4.0], [1.0, 5.0]])
    with pytest.raises(InputDataError, match=r"In 2001 the values have only 2 distinct"):
        markov(y, k=3, periods=["2001", "2002"])
    with pytest.raises(InputDataError, match="only 2 distinct"):
        markov(np.column_stack([y[:, 0], y[:, 0]]), k=3, classes="pooled")
    # pooled over both periods there are 5 distinct values: fine
    assert markov(y, k=3, classes="pooled").k == 3


def test_weights_of_another_size():
    y = np.arange(12.0).reshape(4, 3)
    with pytest.raises(InputDataError, match="describe 5 regions but the data has 4"):
        spatial_markov(y, path_weights(5))
    with pytest.raises(WeightsError):
        spatial_markov(y, path_weights(5))
    empty = Weights(np.zeros(5, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    with pytest.raises(InputDataError, match="No region has a neighbour"):
        spatial_markov(y, empty)


def test_progress_and_cancel():
    y = np.arange(12.0).reshape(4, 3)
    seen = []
    spatial_markov(y, path_weights(4), k=2, m=2, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Canceled):
        markov(y, k=2, is_canceled=lambda: True)


# ---------------------------------------------------------------------------
# one classifier: natural breaks, relative values, codes that are values
# ---------------------------------------------------------------------------


def test_classes_come_from_the_one_classifier():
    from regional_resilience.core import classify as cl

    mc = reference("mapclassify")
    rng = np.random.default_rng(12)
    y = np.round(rng.lognormal(size=(60, 5)), 2)
    # natural breaks per period and pooled: the classifier's codes and class
    # maxima (the top one dropped: markov's breaks are the k - 1 inner bounds)
    per = markov(y, k=4, method="fisher_jenks")
    ref = cl.fisher_jenks(y, k=4)
    np.testing.assert_array_equal(per.class_codes, ref.codes)
    np.testing.assert_array_equal(per.breaks, ref.breaks[:, :-1])
    assert per.method == "fisher_jenks" and per.scheme == "period"
    pooled = markov(y, k=4, classes="pooled", method="fisher_jenks")
    np.testing.assert_array_equal(pooled.class_codes, cl.fisher_jenks(y, k=4, pooled=True).codes)
    # and mapclassify's FisherJenks on the first period (2-decimal values: no float32 issue)
    np.testing.assert_array_equal(per.class_codes[:, 0], mc.FisherJenks(y[:, 0], k=4).yb)
    # user breaks: the classifier's right-closed classes, a value on a break goes down
    b = markov(y, breaks=[1.0, 2.0])
    ud = cl.user_defined(y, [-np.inf, 1.0, 2.0, np.inf])
    np.testing.assert_array_equal(b.class_codes, ud.codes)
    on_break = y == 1.0
    if on_break.any():
        assert (b.class_codes[on_break] == 0).all()
    with pytest.raises(InputDataError, match="Unknown classification method"):
        markov(y, method="jenks")


def test_relative_values_equal_giddy_pooled_recipe(us):
    from giddy.markov import Spatial_Markov

    from tests.core._pysal_helpers import us_income

    raw, _ = us_income(range(1929, 2010))
    rpci, w, W = us
    a = markov(raw, k=5, classes="pooled", relative=True)
    b = markov(rpci, k=5, classes="pooled")
    np.testing.assert_array_equal(a.class_codes, b.class_codes)
    np.testing.assert_array_equal(a.transitions, b.transitions)
    # without relative, pooled classes of growing incomes are another chain
    assert not np.array_equal(markov(raw, k=5, classes="pooled").transitions, a.transitions)
    sm = _quiet(Spatial_Markov, rpci, w, k=5, m=5)
    s = spatial_markov(raw, W, k=5, m=5, relative=True)
    np.testing.assert_array_equal(s.T, sm.T)
    assert s.Q == pytest.approx(sm.Q, rel=1e-12)
    with pytest.raises(InputDataError, match="mean of the values is 0 in 2001"):
        markov([[1.0, -1.0], [2.0, 1.0], [3.0, 0.0]], k=2, relative=True, periods=["2000", "2001"])


def test_values_given_as_codes_are_refused():
    y = np.array([[1200, 1350], [980, 1010], [1500, 1490]])
    with pytest.raises(InputDataError, match="go up to 1500.*values rather than codes"):
        markov(class_codes=y)
    # an explicit k is the caller's decision
    assert markov(class_codes=[[0, 1], [1, 150]], k=151).k == 151


def test_several_steady_states_are_reported():
    # regions never change class: every class is closed, no single steady state
    r = markov(class_codes=[[0, 0, 0], [1, 1, 1], [2, 2, 2]])
    assert np.isnan(r.steady_state).all() and len(r.steady_states) == 3
    assert any("3 closed sets" in s for s in r.warnings)
    s = spatial_markov(np.array([[1.0, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]), path_weights(4),
                       k=2, m=2)
    assert any("lag class(es) 0, 1 has several closed sets" in w for w in s.warnings)
    assert any(w.startswith("All regions: The chain has 2 closed sets") for w in s.warnings)
