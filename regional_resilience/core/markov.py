"""Classic and spatial Markov chains of regional classes.

Every region is put in one of ``k`` classes in every period (for example
low, medium-low, medium-high and high income); a Markov chain then describes
how regions move between classes from one period to the next (Quah 1993;
Rey and Montouri 1999; Rey 2001). The spatial Markov chain (Rey 2001)
conditions every move on the class of the region's *spatial lag* (the
average of its neighbours) at the start of the move, and tests whether the
neighbourhood matters.

Classes (``classes=`` / ``method=`` / ``breaks=`` / ``class_codes=``)
------------------------------------------------------------------------
Classes are made by the one classifier of the package,
:func:`regional_resilience.core.classify.classify` (see there for the
formulas):

``classes="period"``
    Breaks of each period separately: quantiles
    (``mapclassify.Quantiles(y[:, s], k)`` period by period, as in giddy's
    ``Markov`` examples and ``Spatial_Markov(fixed=False)``), or with
    ``method="fisher_jenks"`` natural breaks per period.
``classes="pooled"``
    Breaks of all region-periods pooled (quantiles:
    ``Spatial_Markov(fixed=True)``, giddy's default; or natural breaks).
``breaks=[b_1, ..., b_{k-1}]``
    User breaks, strictly increasing; the top class is open
    (``Spatial_Markov(cutoffs=...)``; the classifier's user-defined classes
    with edges ``-inf, b_1, ..., b_{k-1}, inf``).
``class_codes=``
    Precomputed integer codes ``0 .. k-1`` of shape (n, t), e.g. the grades
    written by another tool.
``relative=True``
    Classify (and lag) ``y[:, s] / mean(y[:, s])``, the values relative to
    their period's mean (relative incomes, Rey and Montouri 1999; giddy's
    ``rpci`` recipe), so that pooled classes do not just follow growth.

The quantile breaks are those of ``mapclassify.Quantiles``: the percentiles
``100/k, 200/k, ..., 100`` of the values by
``scipy.stats.scoreatpercentile`` (linear interpolation between order
statistics, ``q = (a (j - h) + b (h - i)) / ((j - h) + (h - i))`` with
``h = pct/100 (n - 1)``, ``i = floor(h)``, ``j = i + 1``), duplicates removed.
**Ties at breaks**: a value equal to a break belongs to the class below it
(classes are ``b_{c-1} < y <= b_c``; ``y <= b_1`` is class 0), the rule of
``mapclassify`` that giddy uses and the classifier's ``closed="right"``.
Class codes are integers ``0 .. k-1`` from low to high; their labels are the
caller's business. ``breaks`` in the results are the upper bounds of classes
``0 .. k-2`` (the top class is open, as giddy's ``cutoffs``).

Classic Markov chain
--------------------
With ``c[r, s]`` the class of region ``r`` in period ``s`` and ``lag`` the
step (default 1)::

    n_ij = #{(r, s): c[r, s] = i and c[r, s + lag] = j},  s = 0 .. t-1-lag
    p_ij = n_ij / sum_j n_ij                    (maximum likelihood)
    pi   = pi P,  sum_i pi_i = 1                (steady state)
    m_ij = 1 + sum_{l != j} p_il m_lj           (first mean passage times;
                                                 m_jj = recurrence time)
    st_i = 1 / (1 - p_ii)                       (sojourn time)

A row of ``P`` whose class never starts a transition is **NaN** and flagged
in ``empty_rows`` (no division by zero). For the steady state, mean passage
and sojourn times such a class is treated as absorbing (``p_ii = 1``),
exactly like giddy with ``fill_empty_classes=True``.

The steady state is computed per recurrent (closed) class with the
Grassmann-Taksar-Heyman elimination, as ``quantecon.MarkovChain`` (and so
giddy) does. Chain structure is reported: ``irreducible`` (one
communicating class, ergodic in the sense of Kemeny and Snell), the
recurrent classes (one steady state each, ``steady_states`` of shape
``(r, k)``), transient classes and absorbing states (``p_ii == 1``).
``steady_state`` is the unique distribution when there is exactly one
recurrent class, else NaN. Mean first passage times are solved from the
first-step equations above for every destination ``j``; ``m_ij = inf`` when
the chain started in ``i`` may never reach ``j`` (it can enter a closed set
without ``j``). For irreducible chains this equals Kemeny and Snell's
``M = (I - Z + E Z_dg) D`` (giddy's ``mfpt``).

Spatial Markov chain
--------------------
The spatial lag ``L = W y`` uses row-standardised weights (``w`` is
row-standardised here unless its transform is already ``"R"``), for all
periods at once. Lag classes use ``m`` quantiles per period or pooled
(``lag_classes``, default the same scheme as ``classes``) or ``lag_breaks``.
With ``l[r, s]`` the lag class at the *start* of a move::

    n_ij(h) = #{(r, s): l[r, s] = h, c[r, s] = i, c[r, s + lag] = j}
    p_ij(h) = n_ij(h) / n_i(h)                  (one (k, k) matrix per h)

Homogeneity tests (Bickenbach and Bode 2003; giddy ``homogeneity``), with
``p_ij`` from the pooled counts ``sum_h n_ij(h)``::

    Q  = sum_h sum_i sum_j n_i(h) (p_ij(h) - p_ij)**2 / p_ij    (p_ij > 0)
    LR = 2 sum_h sum_i sum_j n_ij(h) ln(p_ij(h) / p_ij)         (n_ij(h) > 0)
    dof = sum_i (b_i - 1)(a_i - 1)

``b_i`` = number of lag classes with transitions from class ``i``, ``a_i`` =
number of non-zero cells of row ``i`` of the pooled counts; both are
asymptotically chi-square with ``dof`` degrees of freedom under the null
of no spatial dependence of the transitions. ``chi2[h]`` is giddy's
per-lag-class chi-square of ``n_ij(h)`` against the pooled probabilities.

``discrete=True`` conditions on the *categorical* lag instead (giddy /
libpysal ``lag_categorical``): the class with the largest total weight
among the neighbours; a tie is broken by adding the region's own class with
the mean neighbour weight ("tryself"); a tie that remains is given to the
lowest tied class (libpysal draws at random; ``n_random_ties`` counts these
cells). Here ``m = k``.

Transition types (per region, between periods ``s`` and ``s + lag``)
----------------------------------------------------------------------
``STAY = 0`` same class, ``UP = 1`` one class up, ``DOWN = 2`` one class
down, ``JUMP_UP = 3`` more than one class up, ``JUMP_DOWN = 4`` more than one
class down (a "jump" is code 3 or 4). Arrays have shape ``(n, t - lag)``;
column ``s`` is the move from period ``s`` to ``s + lag``.

Edge cases (documented choices)
-------------------------------
* Fewer than 2 periods, ``lag`` not in ``1 .. t-1``, missing or non-finite
  values (the region and period are named; checked by
  :func:`regional_resilience.core.panel.as_panel`), ``k < 2``, breaks not
  strictly increasing, class codes outside ``0 .. k-1``, ``relative=True``
  with a period mean of 0: :class:`InputDataError`.
* Quantiles and natural breaks: a period (or the pooled values) with fewer
  distinct values than ``k`` is refused (giddy/mapclassify would silently
  make fewer or empty classes); so is a period (or pooled set) whose values
  are all equal. With enough distinct values, ties can still make
  quantile breaks coincide or leave a class empty; then mapclassify's rule
  is followed (duplicate breaks dropped: ``"pooled"`` gets fewer classes,
  ``k`` of the result says how many; ``"period"`` keeps ``k`` and the period
  uses the lower codes only, as giddy does) and a sentence is added to
  ``warnings``.
* Class codes without ``k`` going above ``MAX_CODE_CLASSES - 1`` (100
  classes) are refused: they are most likely values, not codes.
* Weights of another number of regions: error (catchable both as
  :class:`InputDataError` and :class:`WeightsError`).
* Islands (regions without neighbours), ``islands=``:
  ``"exclude"`` (default) drops their moves from the conditional counts
  ``T`` (their lag is NaN and their lag class ``-1``; the pooled or
  per-period lag quantiles are taken over the other regions; the classic
  chain in ``markov`` keeps them). ``"keep"`` reproduces giddy: the lag of an
  island is 0 (libpysal's ``lag_spatial``) and is classified like any other
  lag; with ``discrete=True`` an island's categorical lag is its own class.
* Homogeneity degrees of freedom skip classes that never start a move
  (giddy counts such a row as ``(0 - 1)(0 - 1) = 1``); p-values use the
  chi-square survival function (giddy: ``1 - cdf``, which rounds tiny
  p-values to 0); a test with 0 degrees of freedom has a NaN p-value.

References
----------
Rey, S. J. (2001). Spatial empirics for economic growth and convergence.
*Geographical Analysis*, 33(3), 195-214.

Rey, S. J. and Montouri, B. D. (1999). US regional income convergence: a
spatial econometric perspective. *Regional Studies*, 33(2), 143-156.

Quah, D. (1993). Empirical cross-section dynamics in economic growth.
*European Economic Review*, 37(2-3), 426-434.

Hamilton, J. D. (1994). *Time Series Analysis*. Princeton University Press,
chapter 22 (Markov chains).

Kemeny, J. G. and Snell, J. L. (1976). *Finite Markov Chains*. Springer,
section 4.4 (mean first passage times).

Bickenbach, F. and Bode, E. (2003). Evaluating the Markov property in
studies of economic convergence. *International Regional Science Review*,
26(3), 363-392.

Grassmann, W. K., Taksar, M. I. and Heyman, D. P. (1985). Regenerative
analysis and steady state distributions for Markov chains. *Operations
Research*, 33(5), 1107-1116.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.markov import markov
>>> codes = np.array([[0, 0, 1], [1, 0, 0], [1, 1, 1], [0, 1, 0]])
>>> r = markov(class_codes=codes)
>>> r.transitions          # moves from class 0 (rows) to class 0/1 (columns)
array([[2, 2],
       [2, 2]])
>>> r.p
array([[0.5, 0.5],
       [0.5, 0.5]])
>>> r.steady_state
array([0.5, 0.5])
>>> r.fmpt
array([[2., 2.],
       [2., 2.]])
>>> r.transition_types     # 0 stay, 1 up, 2 down
array([[0, 1],
       [2, 0],
       [0, 0],
       [1, 2]], dtype=int8)
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.sparse import csgraph, csr_matrix

from .classify import classify as _classifier
from .classify import quantile_rows
from .errors import Canceled, InputDataError, WeightsError, check_choice
from .panel import as_panel, format_list
from .weights import Weights

__all__ = [
    "CLASS_SCHEMES",
    "CLASS_METHODS",
    "MAX_CODE_CLASSES",
    "ISLAND_RULES",
    "STAY",
    "UP",
    "DOWN",
    "JUMP_UP",
    "JUMP_DOWN",
    "TRANSITION_NAMES",
    "ChainStructure",
    "MarkovResult",
    "HomogeneityResult",
    "SpatialMarkovResult",
    "quantile_breaks",
    "markov",
    "spatial_markov",
    "chain_structure",
    "stationary_distributions",
    "mean_first_passage_times",
    "sojourn_time",
    "homogeneity",
    "transition_types",
]

#: quantile schemes for ``classes=`` / ``lag_classes=``
CLASS_SCHEMES = ("period", "pooled")
#: how breaks are found for ``classes=`` (core.classify's method names)
CLASS_METHODS = ("quantiles", "fisher_jenks")
#: most classes inferred from class codes (``k = max code + 1``) without an explicit ``k``
MAX_CODE_CLASSES = 100
#: handling of regions without neighbours in :func:`spatial_markov`
ISLAND_RULES = ("exclude", "keep")

STAY = 0
UP = 1
DOWN = 2
JUMP_UP = 3
JUMP_DOWN = 4
#: English names of the transition types; adapters translate them.
TRANSITION_NAMES = {
    STAY: "Stay",
    UP: "Up",
    DOWN: "Down",
    JUMP_UP: "Jump up",
    JUMP_DOWN: "Jump down",
}
_N_TYPES = 5
# type of a move by clip(c1 - c0, -2, 2) + 2
_TYPE_TABLE = np.array([JUMP_DOWN, DOWN, STAY, UP, JUMP_UP], dtype=np.int8)


class _WeightsInputError(WeightsError, InputDataError):
    """Weights that do not fit the data (an InputDataError and a WeightsError)."""


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Classes:
    """Class codes of a panel, in this module's conventions.

    codes : (n, t) int, ``0 .. k-1`` (``-1``: left out, e.g. excluded islands' lags)
    k : int
    scheme : ``"period"``, ``"pooled"``, ``"breaks"``, ``"codes"`` or ``"categories"``
    breaks : upper bounds of classes ``0 .. k-2`` (the top class open):
        ``(k - 1,)`` for ``"pooled"``/``"breaks"``, ``(t, k - 1)`` for
        ``"period"`` (NaN-padded where ties merged breaks), empty otherwise.
    method : ``"quantiles"``, ``"fisher_jenks"``, or None (breaks, codes)
    """

    codes: np.ndarray
    k: int
    scheme: str
    breaks: np.ndarray
    warnings: tuple = ()
    method: object = None


@dataclass(frozen=True)
class ChainStructure:
    """Communicating classes of a transition matrix (quantecon's order).

    Attributes
    ----------
    irreducible : bool, one communicating class.
    communication_classes : tuple of int arrays
    recurrent_classes : tuple of int arrays (closed communicating classes)
    transient_classes : tuple of int arrays
    absorbing_states : int array, states with ``p_ii == 1``.
    """

    irreducible: bool
    communication_classes: tuple
    recurrent_classes: tuple
    transient_classes: tuple
    absorbing_states: np.ndarray


@dataclass(frozen=True)
class MarkovResult:
    """Classic (a-spatial) Markov chain; see the module docstring.

    Attributes
    ----------
    k, lag : int
    scheme : how classes were made: ``"period"``, ``"pooled"``, ``"breaks"``
        or ``"codes"``
    method : ``"quantiles"`` or ``"fisher_jenks"`` for ``"period"`` and
        ``"pooled"``, else None
    breaks : upper bounds of classes ``0 .. k-2`` (the top class is open):
        ``(k - 1,)`` for ``"pooled"``/``"breaks"``, ``(t, k - 1)`` for
        ``"period"`` (NaN-padded where ties merged breaks), empty for codes
    class_codes : (n, t) int, class of every region and period
    transitions : (k, k) int, counts ``n_ij``
    p : (k, k) float, transition probabilities; NaN rows where ``empty_rows``
    empty_rows : (k,) bool, classes that never start a transition
    initial : (k,) float, class shares in the first period
    class_counts : (t, k) int, regions per class and period
    steady_state : (k,) float, the steady state when the chain has one
        recurrent class, else NaN
    steady_states : (r, k) float, one steady state per recurrent class
    fmpt : (k, k) float, first mean passage times (``inf`` = may never arrive)
    sojourn_time : (k,) float, ``1 / (1 - p_ii)`` (``inf`` when absorbing)
    structure : ChainStructure
    transition_types : (n, t - lag) int8, codes ``STAY .. JUMP_DOWN``
    type_counts : (t - lag, 5) int, moves per type and start period
    n_transitions : int
    warnings : tuple of str
    """

    k: int
    lag: int
    scheme: str
    breaks: np.ndarray
    class_codes: np.ndarray
    transitions: np.ndarray
    p: np.ndarray
    empty_rows: np.ndarray
    initial: np.ndarray
    class_counts: np.ndarray
    steady_state: np.ndarray
    steady_states: np.ndarray
    fmpt: np.ndarray
    sojourn_time: np.ndarray
    structure: ChainStructure
    transition_types: np.ndarray
    type_counts: np.ndarray
    n_transitions: int
    warnings: tuple = ()
    method: object = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def irreducible(self):
        return self.structure.irreducible


@dataclass(frozen=True)
class HomogeneityResult:
    """Bickenbach and Bode (2003) tests of equal transition matrices.

    Attributes
    ----------
    Q, Q_p_value, LR, LR_p_value : float
    dof : int
    p_h0 : (k, k) pooled probabilities (0 rows for empty classes, as giddy)
    """

    Q: float
    Q_p_value: float
    LR: float
    LR_p_value: float
    dof: int
    p_h0: np.ndarray


@dataclass(frozen=True)
class SpatialMarkovResult:
    """Spatial Markov chain (Rey 2001), names as in giddy's ``Spatial_Markov``.

    Attributes
    ----------
    k, m, lag : int, classes, lag classes, step.
    discrete : bool, categorical lag.
    variable_name : str or None
    scheme, lag_scheme : how classes / lag classes were made (see
        :class:`MarkovResult`; ``lag_scheme`` ``"categorical"`` when
        ``discrete``).
    method, lag_method : ``"quantiles"``/``"fisher_jenks"`` or None.
    breaks, lag_breaks : class breaks (see :class:`MarkovResult`).
    class_codes : (n, t) int
    lag_values : (n, t) float spatial lag (NaN for excluded islands); None
        when ``discrete``.
    lag_class_codes : (n, t) int, ``-1`` for excluded islands.
    T : (m, k, k) int, counts conditioned on the lag class at the start.
    P : (m, k, k) float, NaN rows where ``empty_rows``.
    empty_rows : (m, k) bool
    S : (m, k) float, steady state per lag class (NaN row when that chain
        has several recurrent classes; see ``S_all``).
    S_all : tuple of m arrays (r_h, k), every steady state.
    F : (m, k, k) float, first mean passage times per lag class.
    sojourn_time : (m, k) float
    irreducible : (m,) bool
    Q, Q_p_value, LR, LR_p_value, dof_hom : homogeneity tests.
    chi2, chi2_p_value, chi2_dof : (m,) giddy's per-lag-class chi-square
        tests of ``T[h]`` against the pooled probabilities.
    type_counts_by_lag : (m, 5) int, moves per lag class and type.
    islands : int array, positions of regions without neighbours.
    island_rule : ``"exclude"`` or ``"keep"``
    n_random_ties : int, categorical-lag ties given to the lowest class.
    markov : MarkovResult, the classic chain of the same classes (all
        regions).
    warnings : tuple of str
    """

    k: int
    m: int
    lag: int
    discrete: bool
    variable_name: object
    scheme: str
    lag_scheme: str
    breaks: np.ndarray
    lag_breaks: np.ndarray
    class_codes: np.ndarray
    lag_values: object
    lag_class_codes: np.ndarray
    T: np.ndarray
    P: np.ndarray
    empty_rows: np.ndarray
    S: np.ndarray
    S_all: tuple
    F: np.ndarray
    sojourn_time: np.ndarray
    irreducible: np.ndarray
    Q: float
    Q_p_value: float
    LR: float
    LR_p_value: float
    dof_hom: int
    chi2: np.ndarray
    chi2_p_value: np.ndarray
    chi2_dof: np.ndarray
    type_counts_by_lag: np.ndarray
    islands: np.ndarray
    island_rule: str
    n_random_ties: int
    markov: MarkovResult
    warnings: tuple = ()
    method: object = None
    lag_method: object = None
    meta: dict = field(default_factory=dict, compare=False)

    # giddy's names for the a-spatial chain
    @property
    def transitions(self):
        return self.markov.transitions

    @property
    def p(self):
        return self.markov.p

    @property
    def s(self):
        return self.markov.steady_state

    @property
    def f(self):
        return self.markov.fmpt


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _region(i, ids):
    return str(ids[i]) if ids is not None else f"region position {i}"


def _period(j, periods):
    return str(periods[j]) if periods is not None else f"period index {j}"


def _as_values(values, what, ids, periods, relative=False):
    """``values`` (n, t) checked by the core's one input check
    (:func:`~.panel.as_panel`), with at least 2 periods; divided by each
    period's mean when ``relative``."""
    arr, ids, periods, _ = as_panel(values, ids=ids, periods=periods, what=what)
    if arr.shape[1] < 2:
        raise InputDataError(
            f"A Markov chain needs at least 2 periods; the {what} have {arr.shape[1]}."
        )
    if relative:
        mean = arr.mean(axis=0)
        zero = np.flatnonzero(mean == 0)
        if len(zero):
            raise InputDataError(
                f"The mean of the {what} is 0 in "
                f"{format_list([_period(j, periods) for j in zero])}; values relative "
                "to the period mean are undefined there."
            )
        arr = arr / mean
    return arr, ids, periods


def _check_k(k, name="k"):
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise InputDataError(f"The number of classes {name} must be an integer, got {k!r}.")
    if k < 2:
        raise InputDataError(
            f"The number of classes {name} must be at least 2, got {int(k)}."
        )
    return int(k)


def _check_breaks(breaks, name="breaks"):
    b = np.asarray(breaks, dtype=float).ravel() if breaks is not None else None
    if b is None or b.size == 0:
        raise InputDataError(f"Give at least one class break in {name}.")
    if not np.all(np.isfinite(b)):
        raise InputDataError(f"The class {name} must be finite numbers: {b.tolist()}.")
    if np.any(np.diff(b) <= 0):
        raise InputDataError(
            f"The class {name} must be strictly increasing upper bounds; "
            f"got {format_list(b.tolist())}."
        )
    return b


def _check_scheme(scheme, name="classes"):
    if scheme not in CLASS_SCHEMES:
        raise InputDataError(
            f"Unknown {name} scheme {scheme!r}; use one of {', '.join(CLASS_SCHEMES)} "
            "(or give breaks)."
        )
    return scheme


def _check_lag(lag, t):
    if isinstance(lag, (bool, np.bool_)) or not isinstance(lag, (int, np.integer)):
        raise InputDataError(f"The time lag must be a whole number of periods, got {lag!r}.")
    if lag < 1 or lag >= t:
        raise InputDataError(
            f"The time lag must be between 1 and {t - 1} periods for {t} periods; "
            f"got {int(lag)}."
        )
    return int(lag)


def _as_codes(codes, k, ids, periods):
    f, ids, periods, _ = as_panel(codes, ids=ids, periods=periods, what="class codes",
                                  allow_nan=True)
    if f.shape[1] < 2:
        raise InputDataError(
            f"A Markov chain needs at least 2 periods; the class codes have {f.shape[1]}."
        )
    bad = ~np.isfinite(f) | (f != np.round(f)) | (f < 0)
    if bad.any():
        r, c = np.nonzero(bad)
        where = [f"{_region(i, ids)} ({_period(j, periods)})" for i, j in zip(r, c)]
        raise InputDataError(
            "Class codes must be whole numbers 0, 1, 2, ...; missing, negative or "
            f"fractional codes for {len(r)} region-period(s): {format_list(where)}."
        )
    out = f.astype(np.intp)
    top = int(out.max())
    if k is None:
        if top + 1 > MAX_CODE_CLASSES:
            raise InputDataError(
                f"The class codes go up to {top}, which would make {top + 1} classes; class "
                f"codes are small whole numbers 0, 1, 2, ... (at most {MAX_CODE_CLASSES} "
                "classes). Are these values rather than codes? Classify them instead."
            )
        k = max(top + 1, 2)
    k = _check_k(k)
    if top >= k:
        r, c = np.nonzero(out >= k)
        where = [f"{_region(i, ids)} ({_period(j, periods)})" for i, j in zip(r, c)]
        raise InputDataError(
            f"Class codes must be 0 .. {k - 1} for k={k}; code {top} found at "
            f"{format_list(where)}. Pass the right number of classes k."
        )
    return out, k, ids, periods


def _check_weights(w, n):
    if not isinstance(w, Weights):
        raise _WeightsInputError(
            f"spatial weights must be a Weights object, got {type(w).__name__}"
        )
    if w.n != n:
        raise _WeightsInputError(
            f"The weights describe {w.n} regions but the data has {n} regions; "
            "use weights built from the same layer."
        )
    return w if str(w.transform).upper() == "R" else w.row_standardized()


def _canceled(is_canceled):
    if is_canceled is not None and is_canceled():
        raise Canceled()


def _progress(progress, fraction):
    if progress is not None:
        progress(fraction)


# ---------------------------------------------------------------------------
# classification
# ---------------------------------------------------------------------------


def quantile_breaks(y, k=4):
    """Quantile class upper bounds of ``y`` as ``mapclassify.Quantiles(y, k).bins``.

    Parameters
    ----------
    y : array_like, values (flattened); must be finite.
    k : int, number of quantile classes.

    Returns
    -------
    ndarray
        Ascending upper bounds, the last being ``max(y)``; fewer than ``k``
        when ties make percentiles coincide.

    Examples
    --------
    >>> quantile_breaks(np.arange(1000), k=4)
    array([249.75, 499.5 , 749.25, 999.  ])
    """
    k = _check_k(k)
    y = np.asarray(y, dtype=float).ravel()
    if y.size == 0 or not np.all(np.isfinite(y)):
        raise InputDataError("Quantile breaks need finite values.")
    return quantile_rows(y[None, :], k)[0]


def _classify(values, k, scheme, breaks, ids, periods, what, method="quantiles"):
    """Classes of ``values`` (n, t) by :func:`core.classify.classify`, in this
    module's conventions; NaN cells (excluded islands' lags) get ``-1`` and
    are left out of the breaks."""
    n, t = values.shape
    warnings = []
    if breaks is not None:
        b = _check_breaks(breaks, "breaks" if what == "values" else "lag breaks")
        res = _classifier(values, "user_defined", thresholds=np.concatenate([[-np.inf], b, [np.inf]]),
                          skip_missing=True, ids=ids, periods=periods, statistics=False)
        return _Classes(np.asarray(res.codes, dtype=np.intp), len(b) + 1, "breaks", b)
    k = _check_k(k)
    res = _classifier(values, method, k, pooled=scheme == "pooled", skip_missing=True,
                      reduce_k=True, ids=ids, periods=periods, statistics=False)
    codes = np.asarray(res.codes, dtype=np.intp)
    ok = codes >= 0
    name = "natural-breaks" if method == "fisher_jenks" else "quantile"
    if scheme == "pooled":
        k_used = int(res.k_used)
        if np.count_nonzero(res.counts.sum(axis=0)) < k:
            n_distinct = np.unique(values[ok]).size
            if n_distinct < k:
                raise InputDataError(
                    f"The {what} have only {n_distinct} distinct value(s), "
                    f"fewer than the {k} classes asked for; choose fewer classes."
                )
            warnings.append(
                f"Ties among the {what} made {name} breaks coincide "
                f"({k_used} classes instead of {k})"
                if k_used < k
                else f"Ties among the {what} left a {name} class empty."
            )
        out_breaks = res.breaks[: k_used - 1].copy()
        k = k_used
    else:
        short = np.flatnonzero((res.counts > 0).sum(axis=1) < k).tolist()
        for s in short:
            n_distinct = np.unique(values[ok[:, s], s]).size
            if n_distinct < k:
                raise InputDataError(
                    f"In {_period(s, periods)} the {what} have only {n_distinct} "
                    f"distinct value(s), fewer than the {k} classes asked for; "
                    "choose fewer classes or pooled classes."
                )
        if short:
            warnings.append(
                f"Ties among the {what} made {name} classes coincide or stay empty "
                f"in {format_list([_period(s, periods) for s in short])} (mapclassify's "
                "rule: duplicate breaks dropped, the lower codes used)."
            )
        out_breaks = np.full((t, k - 1), np.nan)
        for s, used in enumerate(np.atleast_1d(res.k_used)):
            out_breaks[s, : used - 1] = res.breaks[s, : used - 1]
    if res.sampled is True or np.any(res.sampled):
        warnings.append(
            f"Natural breaks of the {what} were computed on a sorted-stratified sample "
            f"of {int(np.max(res.sample_size))} values."
        )
    return _Classes(codes, int(k), scheme, np.asarray(out_breaks), tuple(warnings), method)


def _check_method(method, name="classification method"):
    return check_choice(method, CLASS_METHODS, name)


def _k_with_breaks(k, breaks, name="k"):
    if breaks is None:
        return 4 if k is None else k
    b = _check_breaks(breaks, "lag breaks" if name == "m" else "breaks")
    if k is not None and _check_k(k, name) != len(b) + 1:
        raise InputDataError(
            f"{len(b)} breaks make {len(b) + 1} classes but {name}={k} was given."
        )
    return len(b) + 1


# ---------------------------------------------------------------------------
# chain measures
# ---------------------------------------------------------------------------


def _probabilities(counts):
    """Row-normalised counts; rows without observations are NaN."""
    counts = np.asarray(counts, dtype=float)
    rs = counts.sum(axis=-1, keepdims=True)
    p = np.full(counts.shape, np.nan)
    np.divide(counts, rs, out=p, where=np.broadcast_to(rs > 0, counts.shape))
    return p, rs[..., 0] == 0


def _stochastic(P):
    """``P`` with NaN / all-zero rows replaced by ``p_ii = 1`` (giddy's fill)."""
    P = np.array(P, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1]:
        raise InputDataError(f"A transition matrix must be square, got shape {P.shape}.")
    empty = np.isnan(P).all(axis=1) | (np.nan_to_num(P).sum(axis=1) == 0)
    P[empty] = 0.0
    P[empty, empty] = 1.0
    if np.isnan(P).any() or (P < 0).any():
        raise InputDataError("A transition matrix must hold probabilities (0 .. 1).")
    return P


def chain_structure(P):
    """Communicating, recurrent and transient classes and absorbing states.

    Rows without observations (NaN or zero) count as absorbing states.

    Examples
    --------
    >>> s = chain_structure([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
    >>> s.irreducible, [c.tolist() for c in s.recurrent_classes]
    (False, [[0, 1], [2]])
    >>> s.absorbing_states
    array([2])
    """
    P = _stochastic(P)
    k = P.shape[0]
    n_scc, lab = csgraph.connected_components(csr_matrix(P > 0), connection="strong")
    comm = tuple(np.flatnonzero(lab == c) for c in range(n_scc))
    rows, cols = np.nonzero(P > 0)
    has_exit = np.zeros(n_scc, dtype=bool)
    has_exit[lab[rows][lab[rows] != lab[cols]]] = True
    rec = tuple(comm[c] for c in range(n_scc) if not has_exit[c])
    trans = tuple(comm[c] for c in range(n_scc) if has_exit[c])
    absorbing = np.flatnonzero(np.diag(P) == 1)
    if n_scc == 1:
        comm = rec = (np.arange(k),)
    return ChainStructure(n_scc == 1, comm, rec, trans, absorbing)


def _gth(A):
    """Stationary distribution of an irreducible stochastic matrix (GTH)."""
    A = np.array(A, dtype=float)
    n = A.shape[0]
    x = np.zeros(n)
    for k in range(n - 1):
        scale = np.sum(A[k, k + 1 : n])
        if scale <= 0:
            n = k + 1
            break
        A[k + 1 : n, k] /= scale
        A[k + 1 : n, k + 1 : n] += A[k + 1 : n, k : k + 1] @ A[k : k + 1, k + 1 : n]
    x[n - 1] = 1
    for k in range(n - 2, -1, -1):
        x[k] = x[k + 1 : n] @ A[k + 1 : n, k]
    return x / np.sum(x)


def stationary_distributions(P, structure=None):
    """Steady-state distributions, one row per recurrent class, shape (r, k).

    ``pi = pi P`` restricted to each closed class (GTH elimination, as
    ``quantecon.MarkovChain.stationary_distributions``). Rows without
    observations count as absorbing states.

    Examples
    --------
    >>> stationary_distributions([[0.5, 0.25, 0.25], [0.5, 0, 0.5], [0.25, 0.25, 0.5]])
    array([[0.4, 0.2, 0.4]])
    """
    P = _stochastic(P)
    structure = structure or chain_structure(P)
    out = np.zeros((len(structure.recurrent_classes), P.shape[0]))
    for r, cls in enumerate(structure.recurrent_classes):
        out[r, cls] = _gth(P[np.ix_(cls, cls)])
    return out


def _reach(adj):
    """Transitive closure (reflexive) of a small boolean adjacency matrix."""
    R = adj | np.eye(adj.shape[0], dtype=bool)
    while True:
        R2 = (R.astype(np.int64) @ R.astype(np.int64)) > 0
        if (R2 == R).all():
            return R
        R = R2


def mean_first_passage_times(P):
    """First mean passage times ``m_ij`` (recurrence times on the diagonal).

    Solves ``m_ij = 1 + sum_{l != j} p_il m_lj`` for every destination ``j``
    (Kemeny and Snell 1976, section 4.4). ``m_ij = inf`` when a chain started
    in ``i`` may never reach ``j``. Rows without observations count as
    absorbing states (giddy's ``fill_empty_classes=True``).

    Examples
    --------
    >>> mean_first_passage_times([[0.5, 0.25, 0.25], [0.5, 0, 0.5], [0.25, 0.25, 0.5]])
    array([[2.5       , 4.        , 3.33333333],
           [2.66666667, 5.        , 2.66666667],
           [3.33333333, 4.        , 2.5       ]])
    >>> mean_first_passage_times([[0.5, 0.5, 0], [0.2, 0.8, 0], [0, 0, 1]])
    array([[3.5, 2. , inf],
           [5. , 1.4, inf],
           [inf, inf, 1. ]])
    """
    P = _stochastic(P)
    k = P.shape[0]
    adj = P > 0
    reach = _reach(adj)
    M = np.full((k, k), np.inf)
    for j in range(k):
        others = np.delete(np.arange(k), j)
        # states that may never arrive in j: they reach (not through j) a
        # state from which j is unreachable
        never = ~reach[:, j]
        adj_j = adj.copy()
        adj_j[j, :] = False
        reach_j = _reach(adj_j)
        lost = reach_j[:, never].any(axis=1)
        lost[j] = False
        fin = others[~lost[others]]
        m = np.full(k, np.inf)
        if len(fin):
            A = np.eye(len(fin)) - P[np.ix_(fin, fin)]
            m[fin] = np.linalg.solve(A, np.ones(len(fin)))
        step = P[j, others]
        rec = 1.0 + (step[step > 0] * m[others][step > 0]).sum()
        m[j] = rec
        M[:, j] = m
    return M


def sojourn_time(P):
    """Expected stay in each class, ``1 / (1 - p_ii)``; ``inf`` when absorbing.

    Rows without observations count as absorbing (giddy's ``sojourn_time``).

    Examples
    --------
    >>> sojourn_time([[0.5, 0.25, 0.25], [0.5, 0, 0.5], [0.25, 0.25, 0.5]])
    array([2., 1., 2.])
    """
    pii = np.diag(_stochastic(P))
    out = np.full(pii.shape, np.inf)
    np.divide(1.0, 1.0 - pii, out=out, where=pii < 1)
    return out


def _chi2_sf(x, dof):
    if dof <= 0:
        return float("nan")
    return float(stats.chi2.sf(x, dof))


def homogeneity(T):
    """Q and LR tests that the matrices ``T[h]`` (m, k, k) share one chain.

    Bickenbach and Bode (2003), in giddy's ``Homogeneity_Results`` form;
    see the module docstring for the formulas and the degrees of freedom.

    Examples
    --------
    >>> T = np.array([[[8, 2], [2, 8]], [[5, 5], [5, 5]]])
    >>> h = homogeneity(T)
    >>> round(h.LR, 4), h.dof   # 2*2*(8 ln(.8/.65) + 2 ln(.2/.35) + 5 ln(.5/.65) + 5 ln(.5/.35))
    (4.0537, 2)
    """
    M = np.asarray(T, dtype=float)
    if M.ndim != 3 or M.shape[1] != M.shape[2]:
        raise InputDataError(
            f"Homogeneity needs transition counts of shape (m, k, k), got {M.shape}."
        )
    pooled = M.sum(axis=0)
    n_i = pooled.sum(axis=1)
    a_i = (pooled > 0).sum(axis=1)
    p_ij = pooled / np.where(n_i == 0, 1.0, n_i)[:, None]
    den = np.where(p_ij == 0, 1.0, p_ij)
    n_im = M.sum(axis=2)  # (m, k)
    b_i = (n_im > 0).sum(axis=0)
    p_ijm = M / np.where(n_im == 0, 1.0, n_im)[:, :, None]
    Q = float((n_im[:, :, None] * (p_ijm - p_ij) ** 2 / den).sum())
    mask = (M > 0) & (p_ij > 0)
    ratio = np.where(mask, p_ijm, 1.0) / np.where(mask, p_ij, 1.0)
    LR = float(2.0 * (M * np.log(ratio)).sum())
    used = n_i > 0
    dof = int(((b_i[used] - 1) * (a_i[used] - 1)).sum())
    return HomogeneityResult(Q, _chi2_sf(Q, dof), LR, _chi2_sf(LR, dof), dof, p_ij)


def _chi2_vs(T1, T2):
    """giddy.markov.chi2: counts T1 against the probabilities of T2."""
    rs2 = T2.sum(axis=1)
    rs1 = T1.sum(axis=1)
    dof = int(((rs1 > 0).sum() - 1) * ((rs2 > 0).sum() - 1))
    p = T2 / np.where(rs2 == 0, 1.0, rs2)[:, None]
    E = rs1[:, None] * p
    num = (T1 - E) ** 2
    chi2 = float((num / np.where(E == 0, 1.0, E)).sum())
    return chi2, _chi2_sf(chi2, dof), dof


def transition_types(class_codes, lag=1):
    """Type of every region's move between periods ``s`` and ``s + lag``.

    Returns an int8 array (n, t - lag) of ``STAY, UP, DOWN, JUMP_UP,
    JUMP_DOWN``; ``-1`` where either class code is negative (left out).

    Examples
    --------
    >>> transition_types([[0, 1, 3, 0], [2, 2, 1, 1]])
    array([[1, 3, 4],
           [0, 2, 0]], dtype=int8)
    """
    c = np.asarray(class_codes)
    c0 = c[:, :-lag]
    c1 = c[:, lag:]
    out = _TYPE_TABLE[np.clip(c1 - c0, -2, 2) + 2]
    bad = (c0 < 0) | (c1 < 0)
    if bad.any():
        out[bad] = -1
    return out


def _type_counts(types):
    s = types.shape[1]
    ok = types >= 0
    idx = (types.astype(np.intp) + _N_TYPES * np.arange(s)[None, :])[ok]
    return np.bincount(idx, minlength=_N_TYPES * s).reshape(s, _N_TYPES)


def _summaries(counts):
    """P, empty rows, structure, steady states, fmpt, sojourn for (k, k) counts."""
    p, empty = _probabilities(counts)
    Pf = _stochastic(p)
    st = chain_structure(Pf)
    ss = stationary_distributions(Pf, st)
    steady = ss[0] if len(ss) == 1 else np.full(p.shape[0], np.nan)
    return p, empty, st, ss, steady, mean_first_passage_times(Pf), sojourn_time(Pf)


def _markov_from_codes(cls, lag, warnings):
    codes = cls.codes
    k = cls.k
    n, t = codes.shape
    c0 = codes[:, :-lag]
    c1 = codes[:, lag:]
    counts = np.bincount((c0 * k + c1).ravel(), minlength=k * k).reshape(k, k)
    class_counts = np.bincount(
        (codes + k * np.arange(t)[None, :]).ravel(), minlength=k * t
    ).reshape(t, k)
    p, empty, st, ss, steady, F, soj = _summaries(counts)
    if empty.any():
        warnings.append(
            f"Class(es) {format_list(np.flatnonzero(empty).tolist())} never start a "
            "transition: their rows of P are NaN and they count as absorbing in the "
            "steady state and passage times."
        )
    if len(ss) > 1:
        warnings.append(
            f"The chain has {len(ss)} closed sets of classes, so no single steady state "
            "(steady_state is NaN; one per closed set in steady_states)."
        )
    types = transition_types(codes, lag)
    return MarkovResult(
        k=k,
        lag=lag,
        scheme=cls.scheme,
        breaks=cls.breaks,
        class_codes=codes,
        transitions=counts,
        p=p,
        empty_rows=empty,
        initial=class_counts[0] / n,
        class_counts=class_counts,
        steady_state=steady,
        steady_states=ss,
        fmpt=F,
        sojourn_time=soj,
        structure=st,
        transition_types=types,
        type_counts=_type_counts(types),
        n_transitions=int(c0.size),
        warnings=tuple(warnings),
        method=cls.method,
    )


# ---------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------


def markov(
    values=None,
    k=None,
    classes="period",
    breaks=None,
    class_codes=None,
    lag=1,
    *,
    method="quantiles",
    relative=False,
    ids=None,
    periods=None,
    progress=None,
    is_canceled=None,
):
    """Classic Markov chain of regional classes (Rey 2001; Quah 1993).

    Parameters
    ----------
    values : array_like, shape (n, t), optional
        Values of ``n`` regions in ``t`` periods (not needed when
        ``class_codes`` are given).
    k : int, optional
        Number of classes: default 4 for quantiles, ``len(breaks) + 1`` for
        breaks, ``max(class_codes) + 1`` for codes.
    classes : ``"period"`` (default; breaks per period, giddy's
        ``Markov`` recipe with quantiles) or ``"pooled"`` (breaks of all
        periods).
    breaks : sequence of float, optional
        Strictly increasing upper bounds of classes ``0 .. k-2`` (top class
        open); overrides ``classes``.
    class_codes : array_like (n, t) of int ``0 .. k-1``, optional
        Precomputed classes; ``values`` is then ignored.
    lag : int, default 1
        Moves are counted from period ``s`` to ``s + lag``.
    method : ``"quantiles"`` (default) or ``"fisher_jenks"`` (natural
        breaks), for ``classes``.
    relative : bool, default False
        Classify the values divided by their period's mean.
    ids, periods : labels of regions and periods for messages.
    progress, is_canceled : optional callables.

    Returns
    -------
    MarkovResult

    Raises
    ------
    InputDataError
        See the module docstring (edge cases).

    Examples
    --------
    >>> y = np.array([[1.0, 1.0, 4.0], [2.0, 3.0, 3.0], [3.0, 2.0, 2.0], [4.0, 4.0, 1.0]])
    >>> r = markov(y, k=2)
    >>> r.class_codes.T
    array([[0, 0, 1, 1],
           [0, 1, 0, 1],
           [1, 1, 0, 0]])
    >>> r.transitions
    array([[2, 2],
           [2, 2]])
    >>> r.breaks                 # medians of each period (upper bound of class 0)
    array([[2.5],
           [2.5],
           [2.5]])
    """
    _canceled(is_canceled)
    warnings = []
    if class_codes is not None:
        codes, k, ids, periods = _as_codes(class_codes, k, ids, periods)
        cls = _Classes(codes, k, "codes", np.empty(0))
    else:
        if values is None:
            raise InputDataError("Give the values (or precomputed class codes).")
        arr, ids, periods = _as_values(values, "values", ids, periods, relative)
        k = _k_with_breaks(k, breaks)
        if breaks is None:
            _check_scheme(classes)
            method = _check_method(method)
        cls = _classify(arr, k, classes, breaks, ids, periods, "values", method)
        warnings.extend(cls.warnings)
    lag = _check_lag(lag, cls.codes.shape[1])
    _progress(progress, 0.5)
    _canceled(is_canceled)
    res = _markov_from_codes(cls, lag, warnings)
    _progress(progress, 1.0)
    return res


def _categorical_lag(W, codes, k, islands, keep_islands):
    """libpysal ``lag_categorical(w, codes, ties="tryself")``, ties -> lowest."""
    n, t = codes.shape
    votes = np.empty((k, n, t))
    for c in range(k):
        votes[c] = W @ (codes == c).astype(np.float64)
    mx = votes.max(axis=0)
    tied = (votes == mx).sum(axis=0) > 1
    lag = votes.argmax(axis=0).astype(np.intp)
    is_island = np.zeros(n, dtype=bool)
    is_island[islands] = True
    tied &= ~is_island[:, None]
    n_random = 0
    if tied.any():
        card = np.diff(W.indptr)
        row_sum = np.bincount(
            np.repeat(np.arange(n), card), weights=W.data, minlength=n
        )
        mean_w = row_sum / np.where(card == 0, 1, card)
        r, s = np.nonzero(tied)
        v = votes[:, r, s]
        v[codes[r, s], np.arange(len(r))] += mean_w[r]
        best = v == v.max(axis=0)
        lag[r, s] = best.argmax(axis=0)
        n_random = int((best.sum(axis=0) > 1).sum())
    if len(islands):
        lag[islands] = codes[islands] if keep_islands else -1
    return lag, n_random


def spatial_markov(
    values,
    w,
    k=None,
    m=None,
    classes="pooled",
    lag_classes=None,
    breaks=None,
    lag_breaks=None,
    class_codes=None,
    discrete=False,
    lag=1,
    islands="exclude",
    variable_name=None,
    *,
    method="quantiles",
    lag_method=None,
    relative=False,
    ids=None,
    periods=None,
    progress=None,
    is_canceled=None,
):
    """Spatial Markov chain: transitions conditioned on the neighbours' class.

    The equivalent of giddy's ``Spatial_Markov(y, w, k, m, fixed, discrete,
    cutoffs, lag_cutoffs, variable_name)``: ``fixed=True`` is
    ``classes="pooled"``, ``fixed=False`` is ``classes="period"``,
    ``cutoffs``/``lag_cutoffs`` are ``breaks``/``lag_breaks``.

    Parameters
    ----------
    values : array_like, shape (n, t)
        Values of the regions (for ``discrete=True`` they may be the
        categories themselves, relabelled ``0 .. k-1`` in sorted order as
        giddy does; ignored when ``class_codes`` are given and ``discrete``).
    w : Weights
        Spatial weights of the ``n`` regions (row-standardised here unless
        already ``"R"``).
    k, m : int, optional
        Number of classes and of lag classes (default 4 each; ``m = k`` when
        ``discrete``).
    classes : ``"pooled"`` (default, giddy's ``fixed=True``) or ``"period"``.
    lag_classes : ``"pooled"`` or ``"period"``; default as ``classes``.
    breaks, lag_breaks : increasing upper bounds (top class open), optional.
    class_codes : array_like (n, t) int, optional
        Precomputed classes of the values (e.g. Jenks).
    discrete : bool, default False
        Condition on the categorical lag (most common neighbour class).
    lag : int, default 1
        Moves from period ``s`` to ``s + lag``, conditioned on the lag class in
        period ``s``.
    islands : ``"exclude"`` (default) or ``"keep"`` (giddy); see the module
        docstring.
    variable_name : str, optional, kept for reports.
    method, lag_method : ``"quantiles"`` (default) or ``"fisher_jenks"``,
        for ``classes`` and ``lag_classes`` (``lag_method`` defaults to
        ``method``).
    relative : bool, default False
        Use the values divided by their period's mean (for the classes and
        the spatial lag), giddy's ``rpci`` recipe.
    ids, periods, progress, is_canceled : as in :func:`markov`.

    Returns
    -------
    SpatialMarkovResult

    Examples
    --------
    >>> from regional_resilience.core.weights import from_neighbor_pairs
    >>> i = [0, 1, 1, 2, 2, 3]; j = [1, 0, 2, 1, 3, 2]   # a path of 4 regions
    >>> w = from_neighbor_pairs(4, i, j)
    >>> y = np.array([[1.0, 1.0, 2.0], [2.0, 2.0, 1.0], [3.0, 4.0, 4.0], [4.0, 3.0, 3.0]])
    >>> sm = spatial_markov(y, w, k=2, m=2)   # pooled medians: 2.5 for y and its lag
    >>> sm.class_codes.T
    array([[0, 0, 1, 1],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    >>> sm.lag_class_codes.T                  # lags (2, 2, 3, 3), (2, 2.5, 2.5, 4), (1, 3, 2, 4)
    array([[0, 0, 1, 1],
           [0, 0, 0, 1],
           [0, 1, 0, 1]])
    >>> sm.T                                  # moves of periods 0->1 and 1->2 by start lag class
    array([[[4, 0],
            [0, 1]],
    <BLANKLINE>
           [[0, 0],
            [0, 3]]])
    """
    if islands not in ISLAND_RULES:
        raise InputDataError(
            f"Unknown islands rule {islands!r}; use one of {', '.join(ISLAND_RULES)}."
        )
    _canceled(is_canceled)
    warnings = []
    lag_classes = classes if lag_classes is None else lag_classes
    lag_method = method if lag_method is None else lag_method
    if breaks is None and not discrete:
        _check_scheme(classes)
        method = _check_method(method)
    if lag_breaks is None and not discrete:
        _check_scheme(lag_classes, "lag classes")
        lag_method = _check_method(lag_method, "lag classification method")

    arr = None
    if values is not None and not (discrete and class_codes is not None):
        if discrete:
            raw = np.asarray(values)
            if raw.ndim != 2:
                raise InputDataError(
                    "The categories must be a table of regions x periods (shape (n, t)); "
                    f"got shape {raw.shape}."
                )
            try:
                num = np.array(raw, dtype=np.float64)
            except (TypeError, ValueError):
                num = None
            if num is not None:
                _as_values(num, "categories", ids, periods)
            labels, inv = np.unique(raw, return_inverse=True)
            class_codes = inv.reshape(raw.shape)
            k = len(labels)
        else:
            arr, ids, periods = _as_values(values, "values", ids, periods, relative)
    elif values is None and (class_codes is None or not discrete):
        raise InputDataError(
            "Give the values (a continuous spatial lag needs them even with class codes)."
        )

    if class_codes is not None:
        codes, k, ids, periods = _as_codes(class_codes, k, ids, periods)
        if arr is not None and codes.shape != arr.shape:
            raise InputDataError(
                f"The class codes have shape {codes.shape} but the values {arr.shape}."
            )
        cls = _Classes(codes, k, "codes" if not discrete else "categories", np.empty(0))
    else:
        k = _k_with_breaks(k, breaks)
        cls = _classify(arr, k, classes, breaks, ids, periods, "values", method)
        warnings.extend(cls.warnings)
    codes, k = cls.codes, cls.k
    n, t = codes.shape
    lag = _check_lag(lag, t)
    W = _check_weights(w, n)
    island_pos = W.islands
    if len(island_pos) == n:
        raise _WeightsInputError(
            "No region has a neighbour; the spatial Markov chain is undefined."
        )
    keep_islands = islands == "keep"
    if len(island_pos):
        warnings.append(
            f"{len(island_pos)} region(s) without neighbours: "
            f"{format_list([_region(i, ids) for i in island_pos])} "
            + (
                "kept with a spatial lag of 0 (giddy's rule)."
                if keep_islands
                else "left out of the conditional transition counts."
            )
        )
    _progress(progress, 0.2)
    _canceled(is_canceled)

    Wsp = W.sparse()
    n_random = 0
    if discrete:
        lag_codes, n_random = _categorical_lag(Wsp, codes, k, island_pos, keep_islands)
        m = k
        lag_values = None
        lag_scheme = "categorical"
        lag_breaks_out = np.empty(0)
        lag_method = None
        if n_random:
            warnings.append(
                f"{n_random} region-period(s) had tied most common neighbour classes "
                "even counting their own class; the lowest tied class was used."
            )
    else:
        lag_values = np.asarray(Wsp @ arr)
        if len(island_pos) and not keep_islands:
            lag_values[island_pos] = np.nan  # left out of the lag classes (-1)
        m = _k_with_breaks(m, lag_breaks, "m")
        lcls = _classify(
            lag_values, m, lag_classes, lag_breaks, ids, periods, "spatial lags", lag_method
        )
        warnings.extend(lcls.warnings)
        lag_codes, m = lcls.codes, lcls.k
        lag_scheme = lcls.scheme
        lag_breaks_out = lcls.breaks
        lag_method = lcls.method
    _progress(progress, 0.5)
    _canceled(is_canceled)

    classic = _markov_from_codes(cls, lag, [])
    warnings.extend(f"All regions: {text}" for text in classic.warnings)
    l0 = lag_codes[:, :-lag]
    c0 = codes[:, :-lag]
    c1 = codes[:, lag:]
    ok = l0 >= 0
    T = np.bincount(
        ((l0 * k + c0) * k + c1)[ok], minlength=m * k * k
    ).reshape(m, k, k)
    types = classic.transition_types
    type_by_lag = np.bincount(
        (l0 * _N_TYPES + types)[ok], minlength=m * _N_TYPES
    ).reshape(m, _N_TYPES)

    P = np.empty((m, k, k))
    empty = np.zeros((m, k), dtype=bool)
    S = np.full((m, k), np.nan)
    S_all = []
    F = np.empty((m, k, k))
    soj = np.empty((m, k))
    irr = np.zeros(m, dtype=bool)
    pooled = T.sum(axis=0)
    chi = np.empty(m)
    chi_p = np.empty(m)
    chi_dof = np.zeros(m, dtype=np.int64)
    for h in range(m):
        _canceled(is_canceled)
        p, e, st, ss, steady, f, sj = _summaries(T[h])
        P[h], empty[h], S[h], F[h], soj[h], irr[h] = p, e, steady, f, sj, st.irreducible
        S_all.append(ss)
        chi[h], chi_p[h], chi_dof[h] = _chi2_vs(T[h].astype(float), pooled.astype(float))
        _progress(progress, 0.5 + 0.4 * (h + 1) / m)
    if empty.any():
        hs = sorted(set(np.nonzero(empty)[0].tolist()))
        warnings.append(
            f"Some classes never start a transition within lag class(es) {format_list(hs)}: "
            "those rows of P are NaN and count as absorbing in S and F."
        )
    several = [h for h in range(m) if len(S_all[h]) > 1]
    if several:
        warnings.append(
            f"The chain of lag class(es) {format_list(several)} has several closed sets of "
            "classes, so no single steady state (S is NaN there; one per closed set in S_all)."
        )
    ht = homogeneity(T)
    if ht.dof == 0:
        warnings.append("The homogeneity tests have 0 degrees of freedom (no p-value).")
    _progress(progress, 1.0)
    return SpatialMarkovResult(
        k=k,
        m=m,
        lag=lag,
        discrete=bool(discrete),
        variable_name=variable_name,
        scheme=cls.scheme,
        lag_scheme=lag_scheme,
        breaks=cls.breaks,
        lag_breaks=lag_breaks_out,
        class_codes=codes,
        lag_values=lag_values,
        lag_class_codes=lag_codes,
        T=T,
        P=P,
        empty_rows=empty,
        S=S,
        S_all=tuple(S_all),
        F=F,
        sojourn_time=soj,
        irreducible=irr,
        Q=ht.Q,
        Q_p_value=ht.Q_p_value,
        LR=ht.LR,
        LR_p_value=ht.LR_p_value,
        dof_hom=ht.dof,
        chi2=chi,
        chi2_p_value=chi_p,
        chi2_dof=chi_dof,
        type_counts_by_lag=type_by_lag,
        islands=island_pos,
        island_rule=islands,
        n_random_ties=n_random,
        markov=classic,
        warnings=tuple(warnings),
        method=cls.method,
        lag_method=lag_method,
    )
