"""Panels: regions x periods arrays built from wide fields or a long table.

Many methods work across periods (years). An analyst stores them either
*wide* (one field per year on the polygon layer: ``PCGDP1940 ... PCGDP2000``)
or *long* (a table with a region id, a period and value columns). Both are
turned into the same :class:`Panel`, so every method sees one shape:
``values[name]`` is a float array of shape (n_regions, n_periods) aligned
with ``ids`` (the polygon layer's order) and ``periods``.

Missing values are NaN. :func:`require_complete` refuses them naming the
regions and periods; methods that can fill gaps do so explicitly.
"""
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import InputDataError
from .ids import match_ids, suggest_id_matching

__all__ = [
    "Panel",
    "period_labels",
    "panel_from_wide",
    "panel_from_long",
    "require_complete",
    "require_unique_ids",
    "require_not_constant",
    "format_list",
    "as_label",
    "as_panel",
    "region_label",
    "period_label",
    "Factorized",
    "factorize",
]

_TRAILING_PERIOD = re.compile(r"(\d{4})$")


def format_list(items, limit=10):
    """``'a, b, c'`` with at most ``limit`` items and a count of the rest."""
    items = [str(x) for x in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


@dataclass(frozen=True)
class Panel:
    """Region x period values of one or more variables.

    Attributes
    ----------
    ids : (n,) array of region ids, in the polygon layer's order
    periods : tuple of str, ordered period labels (e.g. ``("1940", "1950")``)
    values : dict of variable name -> (n, t) float array (NaN = missing)
    sources : dict of (variable, period) -> where the value came from (a field
        name of the layer or of the long table), for messages and reports
    """

    ids: np.ndarray
    periods: tuple
    values: dict
    sources: dict = field(default_factory=dict, compare=False)

    @property
    def n(self):
        return len(self.ids)

    @property
    def t(self):
        return len(self.periods)

    @property
    def variables(self):
        return tuple(self.values)

    def stacked(self, names=None):
        """Variables as one (n, t, m) array in the order of ``names``."""
        names = list(self.values) if names is None else list(names)
        return np.stack([self.values[k] for k in names], axis=-1)


def region_label(i, ids=None):
    """How messages name region ``i``: its id, else its position."""
    return str(ids[i]) if ids is not None else f"region position {i}"


def period_label(k, periods=None):
    """How messages name period ``k``: its label, else its position."""
    return str(periods[k]) if periods is not None else f"period {k + 1}"


def as_panel(values, *, ids=None, periods=None, names=None, what="values", ndim=2, allow_nan=False,
             min_regions=1, min_periods=1):
    """The one input check of the core: ``values`` as a float64 array in
    the core's axis order, (regions,), (regions, periods) or (regions,
    periods, variables) for ``ndim`` 1, 2 or 3, with the labels checked.

    Raises :class:`InputDataError` (code ``"shape"``, ``"not_numeric"``,
    ``"labels"``, ``"too_few"`` or ``"missing_values"``) naming the regions,
    periods and variables.

    Returns ``(array, ids, periods, names)`` (labels as lists or None).

    >>> a, ids, periods, names = as_panel([[1, 2], [3, 4]], ids=["a", "b"], periods=[2000, 2001])
    >>> a.shape, periods
    ((2, 2), ['2000', '2001'])
    >>> as_panel([[1, float("nan")], [3, 4]], ids=["a", "b"], periods=[2000, 2001])
    Traceback (most recent call last):
    ...
    regional_resilience.core.errors.InputDataError: Missing (NULL) or non-finite values for 1 region-period(s): a (2001). Fill or remove them first.
    """
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError.coded("not_numeric", "The {what} are not numeric ({error}).",
                                   what=what, error=str(exc)) from None
    if arr.ndim != ndim:
        shapes = {1: "(regions,)", 2: "(regions, periods)", 3: "(regions, periods, variables)"}
        raise InputDataError.coded("shape", "The {what} must have shape {expected}; got {shape}.",
                                   what=what, expected=shapes.get(ndim, str(ndim)), shape=arr.shape)
    n = arr.shape[0]
    t = arr.shape[1] if ndim >= 2 else 1
    for labels, size, kind in ((ids, n, "region ids"), (periods, t if ndim >= 2 else None, "period labels"),
                               (names, arr.shape[2] if ndim == 3 else None, "variable names")):
        if labels is not None and size is not None and len(labels) != size:
            raise InputDataError.coded("labels", "{given} {kind} were given for {size}.",
                                       given=len(labels), kind=kind, size=size)
    ids = list(ids) if ids is not None else None
    periods = [str(p) for p in periods] if periods is not None else None
    names = [str(v) for v in names] if names is not None else None
    if n < min_regions:
        raise InputDataError.coded("too_few", "At least {k} regions are needed; the {what} have {n}.",
                                   k=min_regions, what=what, n=n)
    if ndim >= 2 and t < min_periods:
        raise InputDataError.coded("too_few", "At least {k} periods are needed; the {what} have {n}.",
                                   k=min_periods, what=what, n=t)
    if not allow_nan:
        bad = ~np.isfinite(arr)
        if bad.any():
            cells = np.argwhere(bad)
            where = []
            for cell in cells[:11]:
                text = region_label(cell[0], ids)
                if ndim >= 2:
                    text += f" ({period_label(cell[1], periods)}"
                    text += f", {names[cell[2]] if names else 'variable ' + str(cell[2] + 1)})" if ndim == 3 else ")"
                where.append(text)
            raise InputDataError.coded(
                "missing_values",
                "Missing (NULL) or non-finite {what} for {count} region-period(s): {where}. "
                "Fill or remove them first.",
                what=what, count=int(bad.any(axis=tuple(range(2, ndim))).sum()) if ndim == 3 else int(bad.sum()),
                where=format_list(where) if len(cells) <= 10 else format_list(where[:10]) + " and more")
    return arr, ids, periods, names


def period_labels(field_names):
    """Period labels for wide fields: their trailing 4-digit years when every
    field has a distinct one (``PCGDP1940`` -> ``"1940"``), else the names."""
    years = [_TRAILING_PERIOD.search(name) for name in field_names]
    if all(years):
        labels = [m.group(1) for m in years]
        if len(set(labels)) == len(labels):
            return labels
    return list(field_names)


def require_unique_ids(ids, what="region id"):
    """Raise :class:`InputDataError` naming duplicated ids."""
    ids = np.asarray(ids, dtype=object)
    uniq, counts = np.unique(ids.astype(str), return_counts=True)
    dup = uniq[counts > 1]
    if len(dup):
        raise InputDataError(
            f"Duplicate {what}s: {format_list(dup)}. Each region must appear once; "
            "choose an id field with unique values."
        )


def panel_from_wide(ids, columns, periods=None, variable="value"):
    """A one-variable panel from wide columns (one per period).

    Parameters
    ----------
    ids : (n,) region ids
    columns : dict of field name -> (n,) float array, in period order
    periods : labels for the columns; by default :func:`period_labels`
    variable : name of the variable
    """
    names = list(columns)
    labels = period_labels(names) if periods is None else [str(p) for p in periods]
    if len(labels) != len(names):
        raise InputDataError(
            f"{len(names)} fields were given but {len(labels)} period labels."
        )
    if len(set(labels)) != len(labels):
        raise InputDataError(f"Period labels repeat: {format_list(labels)}.")
    values = np.column_stack([np.asarray(columns[k], dtype=float) for k in names])
    sources = {(variable, p): f for p, f in zip(labels, names)}
    return Panel(np.asarray(ids, dtype=object), tuple(labels), {variable: values}, sources)


def _sort_periods(labels):
    """Numeric order when every label is a number, else text order."""
    try:
        keys = [float(x) for x in labels]
    except ValueError:
        return sorted(labels)
    order = np.argsort(keys, kind="stable")
    return [labels[i] for i in order]


def as_label(value):
    """Period and id values as text; 2000.0 from a real field reads ``2000``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True, eq=False)
class Factorized:
    """A column given by its distinct values and the code of every element
    (``uniques[codes[k]]`` is element ``k``), as :func:`factorize` returns
    it; a reader that already knows them (the bulk reader of a long table's
    text columns) hands them over in this form and saves the join a pass
    over every row.

    uniques : list of the distinct values, in the order they first appear
    codes : (r,) int64 array
    """

    uniques: list
    codes: np.ndarray

    def __len__(self):
        return len(self.codes)

    def values(self):
        """The column as an object array."""
        out = np.empty(len(self.uniques), dtype=object)
        out[:] = self.uniques
        return out[self.codes]


def factorize(values):
    """Distinct values and the code of every element: ``(uniques, codes)``
    with ``uniques[codes[k]] == values[k]``; for a numeric array the uniques
    in increasing order, for anything else (text, Python values from a
    table) in the order they first appear; a :class:`Factorized` column as
    it is.

    A long table's ids, periods and categories are turned into labels and
    matched on their few distinct values, not once per row: integers in a
    compact range by counting, other numbers by sorting, other values with
    one dictionary pass (all in C).

    >>> uniques, codes = factorize(np.array([2001, 2000, 2001]))
    >>> uniques, codes.tolist()
    ([2000, 2001], [1, 0, 1])
    >>> uniques, codes = factorize(["b", "a", "b", "c"])
    >>> uniques, codes.tolist()
    (['b', 'a', 'c'], [0, 1, 0, 2])
    """
    if isinstance(values, Factorized):
        return list(values.uniques), np.asarray(values.codes, dtype=np.int64)
    arr = values if isinstance(values, np.ndarray) else None
    if arr is not None and arr.dtype.kind in "iub" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo <= 2 * arr.size + 1024:
            dense = np.subtract(arr, lo, dtype=np.int64)
            present = np.bincount(dense, minlength=hi - lo + 1) > 0
            rank = np.cumsum(present) - 1
            return (np.flatnonzero(present) + lo).astype(arr.dtype).tolist(), rank[dense]
    if arr is not None and arr.dtype.kind in "iufb":
        uniq, inverse = np.unique(arr, return_inverse=True)
        return uniq.tolist(), inverse.reshape(-1).astype(np.int64)
    items = arr.tolist() if arr is not None else list(values)
    uniques = list(dict.fromkeys(items))
    lookup = {v: k for k, v in enumerate(uniques)}
    return uniques, np.fromiter(map(lookup.__getitem__, items), dtype=np.int64, count=len(items))


def panel_from_long(region_ids, table_ids, table_periods, table_values, table_name="table",
                    allow_missing=False, normalise_ids=False, match_option=None, categories=None,
                    category_name="category"):
    """A panel from a long table joined to the polygons by region id.

    Parameters
    ----------
    region_ids : (n,) ids of the polygons (the panel's row order)
    table_ids, table_periods : (r,) the table's region id and period per row
        (arrays, or :class:`Factorized`)
    table_values : dict of variable name -> (r,) float array
    table_name : name used in messages
    allow_missing : bool
        Accept an unbalanced panel: (region, period) pairs without a row
        become NaN (for methods that fill gaps explicitly).
    normalise_ids : bool
        Join on ids normalised for type and leading zeros (1, 1.0, "1" and
        "01" are the same region; see :func:`.ids.normalise_id`). Off: ids
        must be equal as text, and when they are not but would be after
        normalising, the error says so (``match_option`` names the option
        that turns it on). Never matched silently.
    categories : (r,) sequence or :class:`Factorized`, optional
        A category per row (e.g. the industry of a table with one row per
        region, period and industry): the one value column of
        ``table_values`` is split into one variable per category (named by
        its label, in the order the categories first appear; numeric codes
        in increasing order). A category without a row for a region and
        period is NaN; the balance check is on (region, period) rows.
    category_name : what the categories are, for messages ("industry")

    Raises
    ------
    InputDataError
        For a (region, period) pair given twice, table ids that match no
        polygon, polygons without any row, or periods missing for some regions
        (an unbalanced panel); each message names the ids and periods.
    """
    region_keys = [as_label(x) for x in region_ids]
    require_unique_ids(region_keys)
    period_values, period_codes = factorize(table_periods)
    period_labels = [as_label(x) for x in period_values]
    periods = _sort_periods(sorted(set(period_labels)))
    if not periods:
        raise InputDataError(f"The {table_name} has no rows.")

    id_values, id_codes = factorize(table_ids)
    matched = match_ids(region_ids, id_values, normalise=normalise_ids)
    if (matched < 0).any():
        unknown = sorted({as_label(id_values[k]) for k in np.flatnonzero(matched < 0)})
        message = (f"The {table_name} has region ids that match no polygon: {format_list(unknown)}. "
                   "Check the id fields chosen for the layer and the table.")
        if not normalise_ids:
            hint = suggest_id_matching(region_ids, id_values).sentence(table_name, option=match_option)
            if hint:
                message += " " + hint
        raise InputDataError.coded("unknown_ids", "{message}", message=message, ids=unknown)
    ppos = {p: j for j, p in enumerate(periods)}
    column_of = np.array([ppos[p] for p in period_labels], dtype=np.int64)
    n, t = len(region_keys), len(periods)

    flat = matched[id_codes]  # row, then (row, column) cell, in place: millions of table rows
    flat *= t
    flat += column_of[period_codes]
    if categories is not None:
        return _split_categories(region_keys, periods, flat, categories, table_values, table_name,
                                 allow_missing, category_name, region_ids)
    counts = np.bincount(flat, minlength=n * t).reshape(n, t)
    _check_counts(counts, region_keys, periods, table_name, allow_missing)
    values = {}
    sources = {}
    for name, col in table_values.items():
        arr = np.full(n * t, np.nan)
        arr[flat] = np.asarray(col, dtype=float)
        values[name] = arr.reshape(n, t)
        sources.update({(name, p): name for p in periods})
    return Panel(np.asarray(region_ids, dtype=object), tuple(periods), values, sources)


def _split_categories(region_keys, periods, flat, categories, table_values, table_name, allow_missing,
                      category_name, region_ids):
    """The panel of a table with a category column (see panel_from_long)."""
    if len(table_values) != 1:
        raise InputDataError(f"A {table_name} with a {category_name} column has one value column; "
                             f"{len(table_values)} given.")
    (value_name, column), = table_values.items()
    raw, raw_codes = factorize(categories)
    names, label_codes = factorize([as_label(v) for v in raw])  # 'a' and 'a ' are one category
    code = label_codes[raw_codes]
    n, t, m = len(region_keys), len(periods), len(names)
    cell = flat
    cell *= m
    cell += code
    counts = np.bincount(cell, minlength=n * t * m)
    if (counts > 1).any():
        twice = [f"{region_keys[c // (t * m)]} / {names[c % m]} in {periods[(c // m) % t]}"
                 for c in np.flatnonzero(counts > 1)]
        raise InputDataError(f"The {table_name} has more than one row for: {format_list(twice)}.")
    rows_given = (counts.reshape(n, t, m).sum(axis=2) > 0).astype(np.int64)  # (region, period) rows
    _check_counts(rows_given, region_keys, periods, table_name, allow_missing)
    out = np.full(n * t * m, np.nan)
    out[cell] = np.asarray(column, dtype=float)
    out = out.reshape(n, t, m)
    values = {name: out[:, :, j] for j, name in enumerate(names)}
    sources = {(name, p): value_name for name in names for p in periods}
    return Panel(np.asarray(region_ids, dtype=object), tuple(periods), values, sources)


def _check_counts(counts, region_keys, periods, table_name, allow_missing):
    """Refuse (region, period) pairs given twice, regions without rows and,
    unless ``allow_missing``, pairs without a row; ``counts`` is (n, t)."""
    if (counts > 1).any():
        r, c = np.nonzero(counts > 1)
        pairs = [f"{region_keys[i]} in {periods[j]}" for i, j in zip(r, c)]
        raise InputDataError(
            f"The {table_name} has more than one row for: {format_list(pairs)}."
        )
    absent = np.flatnonzero(counts.sum(axis=1) == 0)
    if len(absent):
        raise InputDataError(
            f"No rows in the {table_name} for regions: "
            f"{format_list([region_keys[i] for i in absent])}."
        )
    if (counts == 0).any() and not allow_missing:
        r, c = np.nonzero(counts == 0)
        pairs = [f"{region_keys[i]} in {periods[j]}" for i, j in zip(r, c)]
        raise InputDataError(
            f"The panel is unbalanced: the {table_name} has no row for {format_list(pairs)}."
        )


def require_complete(panel, variables=None):
    """Raise :class:`InputDataError` naming the regions and periods with
    missing values (NaN) in any of ``variables`` (default: all)."""
    for name in variables or panel.variables:
        bad = np.isnan(panel.values[name])
        if bad.any():
            r, c = np.nonzero(bad)
            where = [f"{panel.ids[i]} ({panel.periods[j]})" for i, j in zip(r, c)]
            src = {panel.sources.get((name, panel.periods[j]), name) for j in set(c.tolist())}
            raise InputDataError(
                f"Missing (NULL) values in {format_list(sorted(src), 5)} for "
                f"{bad.sum()} region-period(s): {format_list(where)}. "
                "Fill or remove them first."
            )


def require_not_constant(panel, variables=None):
    """Raise :class:`InputDataError` for a variable constant in some period."""
    for name in variables or panel.variables:
        v = panel.values[name]
        const = np.flatnonzero(np.nanmax(v, axis=0) == np.nanmin(v, axis=0))
        if len(const):
            src = [panel.sources.get((name, panel.periods[j]), panel.periods[j]) for j in const]
            raise InputDataError(
                f"{format_list(src)} has the same value for every region; "
                "the statistic is undefined for a constant variable."
            )
