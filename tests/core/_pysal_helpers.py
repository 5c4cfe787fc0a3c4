"""Reference data and weights from libpysal, for comparing the core with esda.

libpysal and esda are test-only references: the core never imports them.
Files are read with libpysal's own pure-python readers (no geopandas).
"""
from tests.references import reference
import warnings

import numpy as np
import pytest

libpysal = reference("libpysal")

from regional_resilience.core.weights import Weights  # noqa: E402


def to_weights(w):
    """A libpysal ``W`` as a core :class:`Weights` (same CSR, sorted rows).

    The weights are taken as the ``W`` currently holds them (its transform);
    esda's own transformation of ``w`` then leaves the numbers unchanged.
    """
    sp = w.sparse.tocsr().copy()
    sp.sort_indices()
    transform = {"R": "R", "B": "B"}.get(str(w.transform).upper(), "V")
    return Weights(
        np.asarray(sp.indptr, dtype=np.int64),
        np.asarray(sp.indices, dtype=np.int64),
        np.asarray(sp.data, dtype=np.float64),
        transform,
        "libpysal",
    )


def path(name):
    return libpysal.examples.get_path(name)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def queen_from_shapefile(name, transform="R"):
    w = _quiet(libpysal.weights.Queen.from_shapefile, path(name))
    w.transform = transform
    return w


def gal(name, transform="R"):
    w = _quiet(libpysal.io.open(path(name)).read)
    w.transform = transform
    return w


def dbf_columns(name, columns):
    f = libpysal.io.open(path(name))
    try:
        return np.column_stack([np.asarray(f.by_col(c), dtype=float) for c in columns])
    finally:
        f.close()


def columbus():
    """Columbus CRIME with queen contiguity (row-standardised)."""
    return dbf_columns("columbus.dbf", ["CRIME"])[:, 0], queen_from_shapefile("columbus.shp")


def mexico():
    """Mexican states, per-capita GDP 1940..2000 (32 x 7), queen contiguity."""
    cols = [f"PCGDP{year}" for year in range(1940, 2001, 10)]
    return dbf_columns("mexicojoin.dbf", cols), queen_from_shapefile("mexicojoin.shp")


def sids2():
    """North Carolina SIDS rates 1974 and 1979 (100 x 2), sids2.gal."""
    return dbf_columns("sids2.dbf", ["SIDR74", "SIDR79"]), gal("sids2.gal")


def us_income(years=range(1929, 2010, 10)):
    """US state per-capita income (48 states), states48.gal.

    ``usjoin.csv`` lists the 48 states in the order of ``states48.gal`` (ids
    0..47); the join is checked against the us48 shapefile's state names.
    """
    f = libpysal.io.open(path("usjoin.csv"))
    try:
        names = list(f.by_col("Name"))
        y = np.column_stack([np.asarray(f.by_col(str(yr)), dtype=float) for yr in years])
    finally:
        f.close()
    shp_names = set(libpysal.io.open(path("us48.dbf")).by_col("STATE_NAME"))
    assert set(names) == shp_names and len(names) == 48
    return y, gal("states48.gal")


def grid_rook(nrows, ncols, transform="R"):
    w = libpysal.weights.lat2W(nrows, ncols, rook=True)
    w.transform = transform
    return w
