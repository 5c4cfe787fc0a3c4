"""What every Tobit model shares: option names, input checks and the data
sorted by region with its censoring indices.

Private to :mod:`regional_resilience.core.tobit`, which re-exports the option
names (``MODELS``, ``VCOV_TYPES``, ``METHODS``, ``QUADRATURES``).
"""
import math

import numpy as np
from scipy import linalg

from ..errors import Canceled, InputDataError, check_choice
from ..panel import format_list

MODELS = ("pooled", "random_effects", "fixed_effects")
VCOV_TYPES = ("oim", "robust", "cluster")
METHODS = ("trust-exact", "trust-ncg", "newton-cg", "bfgs")
QUADRATURES = ("adaptive", "ghermite")

_ALIASES = {
    "pooled": "pooled",
    "pool": "pooled",
    "random_effects": "random_effects",
    "random-effects": "random_effects",
    "random": "random_effects",
    "re": "random_effects",
    "fixed_effects": "fixed_effects",
    "fixed-effects": "fixed_effects",
    "fixed": "fixed_effects",
    "fe": "fixed_effects",
}
_LOG2PI = math.log(2.0 * math.pi)
_RANK_TOL = 1e-7  # |R_ii| / |R_00| of the column-scaled design below this = collinear


class _Hook:
    """Progress and cancel callbacks mapped onto a sub-range [lo, hi]."""

    def __init__(self, progress=None, is_canceled=None, lo=0.0, hi=1.0):
        self.progress, self.is_canceled = progress, is_canceled
        self.lo, self.hi, self.k = lo, hi, 0

    def tick(self):
        if self.is_canceled is not None and self.is_canceled():
            raise Canceled("Tobit regression canceled")
        self.k += 1
        if self.progress is not None:
            self.progress(self.lo + (self.hi - self.lo) * self.k / (self.k + 30.0))

    def sub(self, lo, hi):
        w = self.hi - self.lo
        return _Hook(self.progress, self.is_canceled, self.lo + w * lo, self.lo + w * hi)

    def done(self):
        if self.is_canceled is not None and self.is_canceled():
            raise Canceled("Tobit regression canceled")
        if self.progress is not None:
            self.progress(self.hi)


def _model_name(model):
    key = str(model).lower()
    if key not in _ALIASES:
        raise InputDataError(
            f"Unknown Tobit model {model!r}; use one of {', '.join(map(repr, MODELS))} "
            "(or 're' / 'fe')."
        )
    return _ALIASES[key]


def _limits(lower, upper):
    def conv(v, what):
        if v is None:
            return None
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InputDataError(
                f"The {what} censoring limit must be a number or None; got {v!r}."
            ) from None
        if math.isnan(f):
            raise InputDataError(f"The {what} censoring limit is NaN; give a number or None.")
        return f

    lo, hi = conv(lower, "lower"), conv(upper, "upper")
    if lo is not None and hi is not None and lo >= hi:
        raise InputDataError(
            f"The lower censoring limit ({lo:g}) must be below the upper limit ({hi:g})."
        )
    return lo, hi


def _where(rows, regions, periods, limit=5):
    items = []
    for i in rows[:limit]:
        if periods is not None:
            items.append(f"region {regions[i]} period {periods[i]}")
        else:
            items.append(f"region {regions[i]} (row {i})")
    text = "; ".join(items)
    if len(rows) > limit:
        text += f" and {len(rows) - limit} more"
    return text


# ---------------------------------------------------------------------------
# data preparation


class _Data:
    """Observations sorted by region, with censoring index arrays."""

    def __init__(self, y, X, names, lo, hi, regions, periods):
        codes, inv = np.unique(regions, return_inverse=True)
        inv = np.asarray(inv).reshape(-1)
        order = np.argsort(inv, kind="stable")
        self.y = np.ascontiguousarray(y[order])
        self.X = np.ascontiguousarray(X[order])
        self.names = tuple(names)
        self.lo, self.hi = lo, hi
        self.L = -np.inf if lo is None else lo
        self.U = np.inf if hi is None else hi
        self.order = order
        self.regions = regions[order]
        self.periods = None if periods is None else periods[order]
        self.gid = inv[order]
        self.codes = codes
        self.G = len(codes)
        self.N, self.K = self.X.shape
        self.starts = np.flatnonzero(np.r_[True, self.gid[1:] != self.gid[:-1]])
        self.counts = np.diff(np.r_[self.starts, self.N])
        left = self.y <= self.L
        right = self.y >= self.U
        self.il = np.flatnonzero(left)
        self.ir = np.flatnonzero(right)
        self.iu = np.flatnonzero(~(left | right))
        self.yu = self.y[self.iu]

    def gsum(self, a):
        """Region sums along axis 0 (observations are sorted by region)."""
        return np.add.reduceat(a, self.starts, axis=0)

    def counts_by_kind(self):
        return len(self.il), len(self.ir), len(self.iu)


def _prepare(y, X, regions, names, periods, lower, upper, constant, log):
    """Validate inputs; return raw arrays (original row order) and notes."""
    if names is None and hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    try:
        Xa = np.array(X, dtype=np.float64)
        ya = np.array(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(
            f"The dependent variable and the regressors must be numeric: {exc}"
        ) from None
    if ya.ndim == 2 and ya.shape[1] == 1:
        ya = ya[:, 0]
    if ya.ndim != 1:
        raise InputDataError(f"The dependent variable must be one column; got shape {ya.shape}.")
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    if Xa.ndim != 2:
        raise InputDataError(
            f"The regressors must be a table (rows x columns); got shape {Xa.shape}."
        )
    n = ya.shape[0]
    if n == 0:
        raise InputDataError("There are no observations to analyse.")
    if Xa.shape[0] != n:
        raise InputDataError(
            f"The dependent variable has {n} rows but the regressors have {Xa.shape[0]}."
        )
    k0 = Xa.shape[1]
    if names is None:
        names = [f"x{j + 1}" for j in range(k0)]
    names = [str(v) for v in names]
    if len(names) != k0:
        raise InputDataError(f"{len(names)} regressor names were given for {k0} regressor columns.")
    dup = sorted({v for v in names if names.count(v) > 1})
    if dup:
        raise InputDataError(f"Regressor names must be unique; repeated: {format_list(dup)}.")
    reg = np.asarray(regions)
    if reg.ndim != 1 or reg.shape[0] != n:
        raise InputDataError(
            f"The region ids must be one value per row ({n}); got shape {reg.shape}."
        )
    if reg.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(reg))
        if bad.size:
            raise InputDataError(
                f"The region id is missing in {bad.size} row(s) (first rows: "
                f"{format_list(bad[:5].tolist())})."
            )
    elif reg.dtype.kind == "O":
        bad = [i for i, v in enumerate(reg) if v is None or (isinstance(v, float) and v != v)]
        if bad:
            raise InputDataError(
                f"The region id is missing in {len(bad)} row(s) (first rows: "
                f"{format_list(bad[:5])})."
            )
    per = None
    if periods is not None:
        per = np.asarray(periods)
        if per.ndim != 1 or per.shape[0] != n:
            raise InputDataError(
                f"The period labels must be one value per row ({n}); got shape {per.shape}."
            )
        import pandas as pd

        dupl = pd.DataFrame({"r": reg, "p": per}).duplicated(keep="first").to_numpy()
        if dupl.any():
            rows = np.flatnonzero(dupl)
            raise InputDataError(
                f"{rows.size} region-period pair(s) occur more than once: "
                f"{_where(rows, reg, per)}. Each region needs one row per period."
            )
    lo, hi = _limits(lower, upper)

    bad = np.flatnonzero(~np.isfinite(ya))
    if bad.size:
        raise InputDataError(
            f"The dependent variable is missing or not finite at {_where(bad, reg, per)}. "
            "Fill or remove these rows."
        )
    badx = ~np.isfinite(Xa)
    if badx.any():
        parts = []
        for j in np.flatnonzero(badx.any(axis=0)):
            rows = np.flatnonzero(badx[:, j])
            parts.append(f"{names[j]!r} at {_where(rows, reg, per, 3)}")
        raise InputDataError(
            "Regressor values are missing or not finite: " + "; ".join(parts)
            + ". Fill or remove these rows."
        )
    notes = []
    logged = ()
    if log is not None:
        cols = [log] if isinstance(log, (str, int, np.integer)) else list(log)
        idx = []
        for c in cols:
            if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
                if not 0 <= int(c) < k0:
                    raise InputDataError(f"Log column index {c} is out of range (0..{k0 - 1}).")
                j = int(c)
            else:
                if str(c) not in names:
                    raise InputDataError(
                        f"Cannot log {c!r}: no such regressor; regressors are "
                        f"{format_list(names, 30)}."
                    )
                j = names.index(str(c))
            if j not in idx:
                idx.append(j)
        for j in idx:
            rows = np.flatnonzero(Xa[:, j] <= 0)
            if rows.size:
                raise InputDataError(
                    f"Cannot take the logarithm of regressor {names[j]!r}: it is zero or negative "
                    f"at {_where(rows, reg, per)}. Leave it unlogged or shift/clean it first."
                )
        logged = tuple(sorted(idx))
        for j in idx:
            Xa[:, j] = np.log(Xa[:, j])
            names[j] = f"ln({names[j]})"
    if constant:
        if "const" in names:
            raise InputDataError(
                "A regressor is named 'const', the name of the added constant; rename it or "
                "set constant=False."
            )
        Xa = np.column_stack([np.ones(n), Xa])
        names = ["const"] + names
    L = -np.inf if lo is None else lo
    U = np.inf if hi is None else hi
    below, above = int((ya < L).sum()), int((ya > U).sum())
    if below:
        notes.append(
            f"{below} observation(s) below the lower limit {lo:g} were treated as censored at it."
        )
    if above:
        notes.append(
            f"{above} observation(s) above the upper limit {hi:g} were treated as censored at it."
        )
    yc = np.clip(ya, L, U)
    if np.all(yc == yc[0]):
        raise InputDataError(
            f"The dependent variable has the same value ({yc[0]:g}) in every row"
            + (" after censoring at the limits" if below or above else "")
            + "; there is nothing to explain."
        )
    return yc, Xa, names, lo, hi, reg, per, notes, logged


def _check_rank(Z, names, within=False):
    """Raise InputDataError naming collinear columns of ``Z`` (N x K)."""
    n, k = Z.shape
    if k == 0:
        return
    norms = np.sqrt(np.einsum("ij,ij->j", Z, Z))
    zero = [names[j] for j in range(k) if not norms[j] > 0]
    if zero:
        if within:
            raise InputDataError(
                f"Regressor(s) {format_list(map(repr, zero))} do not vary within any region: they "
                "are absorbed by the region fixed effects. Remove them from the fixed-effects "
                "model."
            )
        raise InputDataError(f"Regressor(s) {format_list(map(repr, zero))} are zero in every row.")
    if not within and "const" in names:
        same = [
            names[j] for j in range(k)
            if names[j] != "const" and np.all(Z[:, j] == Z[0, j])
        ]
        if same:
            raise InputDataError(
                f"Regressor(s) {format_list(map(repr, same))} have the same value in every row, "
                "which duplicates the constant term; remove them."
            )
    if n < k:
        raise InputDataError(
            f"There are {n} observations for {k} coefficients; add data or drop regressors."
        )
    Zs = Z / norms
    _, R, piv = linalg.qr(Zs, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    r = int(np.sum(d > _RANK_TOL * d[0]))
    if r == k:
        return
    parts = []
    R11 = R[:r, :r]
    for pos in range(r, k):
        j = piv[pos]
        coef = linalg.solve_triangular(R11, R[:r, pos]) if r else np.zeros(0)
        big = np.abs(coef) > 1e-3 * max(np.abs(coef).max(initial=0.0), 1e-300)
        others = [names[piv[i]] for i in range(r) if big[i]]
        if not others:
            parts.append(f"{names[j]!r} is (almost) zero")
        elif len(others) == 1 and names[j] != "const" and others[0] == "const" and not within:
            parts.append(f"{names[j]!r} is (almost) constant, which duplicates the constant term")
        else:
            parts.append(
                f"{names[j]!r} is (almost) a linear combination of "
                f"{format_list(map(repr, others))}"
            )
    raise InputDataError(
        "The regressors are collinear" + (" after removing region means" if within else "")
        + ": " + "; ".join(parts) + ". Remove one of the columns named."
    )


def _check_uncensored(d, n_params_needed, what="the model"):
    n_l, n_r, n_u = d.counts_by_kind()
    if n_u < n_params_needed:
        raise InputDataError(
            f"Only {n_u} of {d.N} observations are uncensored; {what} with {d.K} coefficient(s) "
            f"needs at least {n_params_needed}."
        )


def _censor_notes(d, notes):
    if len(d.il) + len(d.ir) == 0:
        notes.append("no observation is censored: Tobit equals OLS")


def _common_setup(
    y, X, regions, names, periods, lower, upper, constant, log, vcov, method, maxiter, tol
):
    vcov = check_choice(vcov, VCOV_TYPES, "standard-error type")
    method = check_choice(method, METHODS, "optimisation method")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 0:
        raise InputDataError(f"maxiter must be a whole number >= 0; got {maxiter!r}.")
    try:
        tol_ok = float(tol) >= 0 and math.isfinite(float(tol))
    except (TypeError, ValueError):
        tol_ok = False
    if not tol_ok:
        raise InputDataError(f"tol must be a finite number >= 0; got {tol!r}.")
    yc, Xa, names, lo, hi, reg, per, notes, logged = _prepare(
        y, X, regions, names, periods, lower, upper, constant, log
    )
    return yc, Xa, names, lo, hi, reg, per, notes, logged, vcov, method
