"""Global Moran's I: hand-checkable cases, esda on real data, both kernel paths."""
from tests.references import reference
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from regional_resilience.core import _kernels
from regional_resilience.core.errors import Canceled, InputDataError, WeightsError
from regional_resilience.core.moran import GlobalMoranResult, moran_global
from regional_resilience.core.weights import Weights, from_neighbor_pairs

from . import _pysal_helpers as H

esda = reference("esda")

FIELDS = [
    "I", "EI", "VI_norm", "seI_norm", "z_norm", "p_norm", "VI_rand", "seI_rand",
    "z_rand", "p_rand", "p_sim", "EI_sim", "seI_sim", "z_sim", "p_z_sim",
]
SIM_FIELDS = ["p_sim", "EI_sim", "seI_sim", "z_sim", "p_z_sim"]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=[True, False], ids=["numba", "numpy"])
def kernel_path(request):
    """Run a test with the numba kernels and with the pure-numpy path."""
    if request.param and not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    before = _kernels.use_numba()
    _kernels.use_numba(request.param)
    if request.param:
        _kernels.warm_up()  # else small runs take the numpy path while compiling
    counts = dict(_kernels.calls)
    yield request.param
    used = "numba" if request.param else "numpy"
    assert _kernels.calls[used] > counts[used]
    _kernels.use_numba(before)


def rook_grid(nrows, ncols):
    """Rook contiguity of a grid (row-major positions), built by hand."""
    i, j = [], []
    for r in range(nrows):
        for c in range(ncols):
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < nrows and 0 <= cc < ncols:
                    i.append(r * ncols + c)
                    j.append(rr * ncols + cc)
    return from_neighbor_pairs(nrows * ncols, i, j)


def moran_by_definition(y, dense_w):
    z = y - y.mean()
    return len(y) / dense_w.sum() * (z @ dense_w @ z) / (z @ z)


# --------------------------------------------------------------------------
# hand-checkable cases
# --------------------------------------------------------------------------
def test_checkerboard_is_minus_one(kernel_path):
    # 3x3 rook, row-standardised: every neighbour of a 1 is a 0 and v.v.
    y = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1], dtype=float)
    w = rook_grid(3, 3).row_standardized()
    r = moran_global(y, w, permutations=99, seed=1)
    assert r.I == pytest.approx(-1.0, abs=1e-15)
    assert r.EI == pytest.approx(-1 / 8)
    assert isinstance(r.I, float) and r.n == 9


def test_grid_by_hand():
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0])
    w = rook_grid(3, 3).row_standardized()
    dense = w.sparse().toarray()
    # rook neighbours of the centre are 1, 3, 5, 7 with weight 1/4 each
    assert dense[4].tolist() == [0, 0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0]
    # mean 4, z = (-1, -3, 0, -3, 1, 5, -2, 2, 1), sum z^2 = 54,
    # Wz = (-3, 0, 1, -2/3, 1/4, 2/3, -1/2, 0, 7/2), sum z Wz = 157/12,
    # S0 = 9: I = 9/9 * (157/12) / 54 = 157/648
    r = moran_global(y, w, permutations=0)
    assert r.I == pytest.approx(157 / 648, rel=1e-14)
    assert r.I == pytest.approx(moran_by_definition(y, dense), rel=1e-14)


def test_binary_weights_by_definition():
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0])
    w = rook_grid(3, 3)
    r = moran_global(y, w, permutations=0)
    assert r.I == pytest.approx(moran_by_definition(y, w.sparse().toarray()), rel=1e-13)


def test_periods_as_columns_equal_separate_calls(kernel_path):
    rng = np.random.default_rng(4)
    y = rng.standard_normal((25, 3))
    w = rook_grid(5, 5).row_standardized()
    both = moran_global(y, w, permutations=49, seed=3)
    for k in range(3):
        one = moran_global(y[:, k], w, permutations=49, seed=3)
        for f in FIELDS:
            assert getattr(both, f)[k] == getattr(one, f), f


# --------------------------------------------------------------------------
# esda on real data
# --------------------------------------------------------------------------
def _esda_moran(y, w, permutations, seed, **kw):
    np.random.seed(seed)
    return esda.Moran(y, w, permutations=permutations, **kw)


def assert_equal_to_esda(ours, ref, k=None, sim=True):
    for f in FIELDS:
        if not sim and f in SIM_FIELDS:
            continue
        a = getattr(ours, f) if k is None else getattr(ours, f)[k]
        b = getattr(ref, f)
        if f == "p_sim":
            assert a == b, f
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f)


def test_columbus_crime_equals_esda(kernel_path):
    y, w = H.columbus()
    r = moran_global(y, H.to_weights(w), permutations=999, seed=12345)
    ref = _esda_moran(y, w, 999, 12345)
    assert r.I == pytest.approx(0.50, abs=0.01)
    assert_equal_to_esda(r, ref)
    assert r.permutations == 999 and r.seed == 12345


def test_mexico_seven_periods_in_one_call_equal_seven_esda_runs(kernel_path):
    y, w = H.mexico()
    assert y.shape == (32, 7)
    r = moran_global(y, H.to_weights(w), permutations=999, seed=12345)
    assert r.I.shape == (7,)
    for k in range(7):
        assert_equal_to_esda(r, _esda_moran(y[:, k], w, 999, 12345), k)


@pytest.mark.parametrize("dataset", ["sids2", "us_income"])
def test_more_datasets_equal_esda(dataset, kernel_path):
    y, w = getattr(H, dataset)()
    r = moran_global(y, H.to_weights(w), permutations=499, seed=7)
    for k in range(y.shape[1]):
        assert_equal_to_esda(r, _esda_moran(y[:, k], w, 499, 7), k)


def test_binary_weights_one_tailed_equal_esda():
    y, w = H.columbus()
    w.transform = "B"
    r = moran_global(y, H.to_weights(w), permutations=99, seed=3, two_tailed=False)
    ref = _esda_moran(y, w, 99, 3, transformation="B", two_tailed=False)
    assert_equal_to_esda(r, ref)


def test_island_equals_esda():
    # a region without neighbours changes S0, S1, S2 and n
    w = H.grid_rook(4, 4, transform="B")
    neighbors = {k: [v for v in nb if v != 0] for k, nb in w.neighbors.items() if k != 0}
    neighbors[0] = []
    w = H.libpysal.weights.W(neighbors, silence_warnings=True)
    w.transform = "R"
    y = np.random.default_rng(5).standard_normal(16)
    ours = H.to_weights(w)
    assert ours.islands.tolist() == [0]
    r = moran_global(y, ours, permutations=99, seed=1)
    assert_equal_to_esda(r, _esda_moran(y, w, 99, 1))


def test_zero_permutations_gives_nan_sim_fields():
    y, w = H.columbus()
    r = moran_global(y, H.to_weights(w), permutations=0)
    for f in SIM_FIELDS:
        assert np.isnan(getattr(r, f)), f
    assert_equal_to_esda(r, _esda_moran(y, w, 0, 0), sim=False)


# --------------------------------------------------------------------------
# both paths, determinism
# --------------------------------------------------------------------------
@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_numba_and_numpy_paths_identical():
    rng = np.random.default_rng(11)
    w = rook_grid(30, 40).row_standardized()
    y = rng.standard_normal((1200, 4)).cumsum(axis=0)
    before = _kernels.use_numba()
    try:
        _kernels.use_numba(True)
        _kernels.warm_up()
        a = moran_global(y, w, permutations=199, seed=9)
        _kernels.use_numba(False)
        b = moran_global(y, w, permutations=199, seed=9)
    finally:
        _kernels.use_numba(before)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_draws_ahead_in_a_thread_give_the_same_results(monkeypatch):
    from regional_resilience.core import moran as moran_module

    rng = np.random.default_rng(13)
    w = rook_grid(30, 40).row_standardized()
    y = rng.standard_normal((1200, 3)).cumsum(axis=0)
    _kernels.warm_up(kinds=("global",))
    a = moran_global(y, w, permutations=199, seed=4)  # small map: drawn in line
    monkeypatch.setattr(moran_module, "_DRAW_AHEAD_MIN", 0)
    monkeypatch.setattr("regional_resilience.core.permutation.global_permutations.__defaults__",
                        (7,))  # blocks of 7 permutations: many hand-overs between threads
    b = moran_global(y, w, permutations=199, seed=4)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_thread_count_does_not_change_results():
    import numba

    rng = np.random.default_rng(12)
    w = rook_grid(20, 20).row_standardized()
    y = rng.standard_normal((400, 2))
    before = numba.get_num_threads()
    _kernels.warm_up()
    try:
        numba.set_num_threads(1)
        a = moran_global(y, w, permutations=99, seed=2)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        b = moran_global(y, w, permutations=99, seed=2)
    finally:
        numba.set_num_threads(before)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_seed_reproducible_and_matters():
    y, w = H.columbus()
    w = H.to_weights(w)
    a = moran_global(y, w, permutations=99, seed=5)
    b = moran_global(y, w, permutations=99, seed=5)
    c = moran_global(y, w, permutations=99, seed=6)
    assert all(getattr(a, f) == getattr(b, f) for f in FIELDS)
    assert a.EI_sim != c.EI_sim


def test_result_is_frozen():
    y, w = H.columbus()
    r = moran_global(y, H.to_weights(w), permutations=0)
    assert isinstance(r, GlobalMoranResult)
    with pytest.raises(Exception):
        r.I = 0.0


# --------------------------------------------------------------------------
# errors, progress, cancel
# --------------------------------------------------------------------------
def test_constant_period_names_its_index():
    w = rook_grid(3, 3).row_standardized()
    y = np.column_stack([np.arange(9.0), np.full(9, 2.5), np.arange(9.0) ** 2])
    with pytest.raises(InputDataError, match="period index 1") as info:
        moran_global(y, w)
    assert info.value.period == 1


def test_missing_value_names_its_period():
    w = rook_grid(3, 3).row_standardized()
    y = np.column_stack([np.arange(9.0), np.arange(9.0)])
    y[4, 1] = np.nan
    with pytest.raises(InputDataError, match="period index 1") as info:
        moran_global(y, w)
    assert info.value.period == 1
    y[4, 1] = np.inf
    with pytest.raises(InputDataError):
        moran_global(y, w)


def test_weights_must_fit_the_data():
    w = rook_grid(3, 3).row_standardized()
    with pytest.raises(WeightsError):
        moran_global(np.arange(8.0), w)
    empty = Weights(np.zeros(5, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    with pytest.raises(WeightsError):
        moran_global(np.arange(4.0), empty)


@pytest.mark.parametrize("kw", [{"permutations": -1}, {"permutations": 9.5}, {"seed": -3}])
def test_bad_options(kw):
    w = rook_grid(3, 3).row_standardized()
    with pytest.raises(ValueError):
        moran_global(np.arange(9.0), w, **kw)


def test_bad_shapes():
    w = rook_grid(3, 3).row_standardized()
    with pytest.raises(InputDataError):
        moran_global(np.zeros((9, 2, 2)), w)
    with pytest.raises(InputDataError):
        moran_global(np.array(["a"] * 9), w)


def test_progress_and_cancel():
    y, w = H.columbus()
    w = H.to_weights(w)
    seen = []
    moran_global(y, w, permutations=99, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Canceled):
        moran_global(y, w, permutations=99, is_canceled=lambda: True)


# --------------------------------------------------------------------------
# the core stays free of QGIS, libpysal, esda, geopandas; numba is optional
# --------------------------------------------------------------------------
_BLOCKER = textwrap.dedent(
    """
    import sys
    BLOCKED = set(sys.argv[1].split(","))
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError("blocked " + name)
    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv[2])
    import numpy as np
    from regional_resilience.core import moran, lisa, multiple_testing, permutation, _kernels
    from regional_resilience.core.weights import from_neighbor_pairs
    print("NUMBA", _kernels.HAVE_NUMBA)
    _kernels.warm_up()
    i = [a for a in range(15) for b in (a - 1, a + 1) if 0 <= b < 15]
    j = [b for a in range(15) for b in (a - 1, a + 1) if 0 <= b < 15]
    w = from_neighbor_pairs(15, i, j).row_standardized()
    y = np.column_stack([np.sin(np.arange(15.0)), np.arange(15.0) % 4])
    g = moran.moran_global(y, w, permutations=99, seed=4)
    l = lisa.moran_local(y, w, permutations=99, seed=4)
    np.save(sys.argv[3], np.concatenate([g.I, g.p_sim, g.EI_sim, l.Is.ravel(),
            l.p_sim.ravel(), l.EI_sim.ravel(), l.seI_sim.ravel()]))
    print("CALLS", _kernels.calls)
    for mod in ("qgis", "libpysal", "esda", "geopandas", "pyogrio", "numba"):
        assert mod not in sys.modules or mod == "numba", mod
    """
)


def _run_blocked(blocked, tmp_path, name):
    out = tmp_path / f"{name}.npy"
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    proc = subprocess.run(
        [sys.executable, "-c", _BLOCKER, ",".join(blocked), str(REPO), str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, np.load(out)


def test_core_imports_without_qgis_libpysal_esda_and_without_numba(tmp_path):
    heavy = ["qgis", "libpysal", "esda", "geopandas", "pyogrio", "shapely"]
    stdout, without = _run_blocked(heavy + ["numba", "llvmlite"], tmp_path, "nonumba")
    assert "NUMBA False" in stdout
    if _kernels.HAVE_NUMBA:
        stdout, with_numba = _run_blocked(heavy, tmp_path, "numba")
        assert "NUMBA True" in stdout and "'numpy': 0" in stdout
        np.testing.assert_array_equal(without, with_numba)


def test_numba_cache_dir_defaults_to_user_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    code = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); import os;"
        "from regional_resilience.core import _kernels;"
        "print(os.environ.get('NUMBA_CACHE_DIR'))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    expected = tmp_path / "xdg" / "regional_resilience" / "numba"
    assert proc.stdout.strip() == str(expected)
    assert expected.is_dir()


def test_warm_up():
    seconds = _kernels.warm_up()
    assert isinstance(seconds, float)
    if _kernels.HAVE_NUMBA:
        # warm-up leaves every kernel compiled and in numba's disk cache
        assert _kernels.kernels_cached()
    else:
        assert seconds == 0.0
    thread = _kernels.warm_up(background=True)
    assert thread.name == "rr-numba-warm-up"
    thread.join(timeout=120)
    assert not thread.is_alive()


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_small_runs_do_not_wait_for_the_compiler(monkeypatch):
    monkeypatch.setattr(_kernels, "_ready", set())
    assert _kernels.choose_engine(1e9, "global")  # large: worth compiling now
    assert not _kernels.choose_engine(1e4, "global")  # small: numpy
    _kernels.warm_up(kinds=("global",))  # one tool's kernels only
    assert _kernels.choose_engine(1e4, "global")
    assert not _kernels.choose_engine(1e4, "local")
    _kernels.warm_up()
    assert _kernels.choose_engine(1e4, "global") and _kernels.choose_engine(1e4, "local")
    # below the global threshold (1,000 regions x 10 periods x 999 permutations)
    # a new process takes the numpy path rather than load the kernel
    monkeypatch.setattr(_kernels, "_ready", set())
    assert not _kernels.choose_engine(999 * 10 * (1000 + 6000), "global")
    assert _kernels.choose_engine(999 * 10 * (10000 + 60000), "global")
    _kernels.use_numba(False)
    try:
        assert not _kernels.choose_engine(1e9, "local")
    finally:
        _kernels.use_numba(True)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba not installed")
def test_kernels_cached_sees_the_disk_cache(tmp_path):
    code = textwrap.dedent("""
        from regional_resilience.core import _kernels
        print(_kernels.kernels_cached())
        _kernels.warm_up(kinds=("global",))
        print(_kernels.kernels_cached())
        _kernels.warm_up()
        print(_kernels.kernels_cached())
    """)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False", "True"]
