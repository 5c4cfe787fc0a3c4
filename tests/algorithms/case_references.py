"""Reference computations of the data-driven cases (cases/*.toml), each
with an independent library; a function returns ``{column: values}`` in the
tool's order (table rows or layer features)."""
import numpy as np

from tests.references import reference


def _weights(shapefile, rule="queen", transform="r"):
    libpysal = reference("libpysal")
    path = libpysal.examples.get_path(shapefile)
    cls = libpysal.weights.Queen if rule == "queen" else libpysal.weights.Rook
    w = cls.from_shapefile(path)
    w.transform = transform
    return w, path


def _columns(path, fields):
    libpysal = reference("libpysal")
    db = libpysal.io.open(path.replace(".shp", ".dbf"))
    return np.column_stack([np.asarray(db.by_col(f), dtype=float) for f in fields])


def esda_moran(shapefile, fields, permutations, seed, transform="r", rule="queen"):
    """esda.Moran per field (one table row each), with the seed drawn as
    esda does after np.random.seed."""
    esda = reference("esda")
    w, path = _weights(shapefile, rule, transform)
    y = _columns(path, fields)
    names = ["I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand",
             "p_sim", "EI_sim", "seI_sim", "z_sim"]
    out = {name: [] for name in names}
    for k in range(y.shape[1]):
        np.random.seed(seed)
        res = esda.Moran(y[:, k], w, permutations=permutations)
        for name in names:
            out[name].append(getattr(res, name))
    return out


def esda_moran_local(shapefile, fields, periods, permutations, seed, rule="queen"):
    """esda.Moran_Local per field: lisa_<i|p|q|z>_<period> columns."""
    esda = reference("esda")
    w, path = _weights(shapefile, rule, "r")
    y = _columns(path, fields)
    out = {}
    for k, period in enumerate(periods):
        res = esda.Moran_Local(y[:, k], w, permutations=permutations, seed=seed)
        out[f"lisa_i_{period}"] = res.Is
        out[f"lisa_p_{period}"] = res.p_sim
        out[f"lisa_q_{period}"] = res.q
        out[f"lisa_z_{period}"] = res.z_sim
    return out
