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

__all__ = [
    "Panel",
    "period_labels",
    "panel_from_wide",
    "panel_from_long",
    "require_complete",
    "require_unique_ids",
    "require_not_constant",
    "format_list",
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


def _as_label(value):
    """Period and id values as text; 2000.0 from a real field reads ``2000``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def panel_from_long(region_ids, table_ids, table_periods, table_values, table_name="table",
                    allow_missing=False):
    """A panel from a long table joined to the polygons by region id.

    Parameters
    ----------
    region_ids : (n,) ids of the polygons (the panel's row order)
    table_ids, table_periods : (r,) the table's region id and period per row
    table_values : dict of variable name -> (r,) float array
    table_name : name used in messages
    allow_missing : bool
        Accept an unbalanced panel: (region, period) pairs without a row
        become NaN (for methods that fill gaps explicitly).

    Raises
    ------
    InputDataError
        For a (region, period) pair given twice, table ids that match no
        polygon, polygons without any row, or periods missing for some regions
        (an unbalanced panel); each message names the ids and periods.
    """
    region_keys = [_as_label(x) for x in region_ids]
    require_unique_ids(region_keys)
    row_keys = [_as_label(x) for x in table_ids]
    row_periods = [_as_label(x) for x in table_periods]
    periods = _sort_periods(sorted(set(row_periods)))
    if not periods:
        raise InputDataError(f"The {table_name} has no rows.")

    pos = {k: i for i, k in enumerate(region_keys)}
    unknown = sorted({k for k in row_keys if k not in pos})
    if unknown:
        raise InputDataError(
            f"The {table_name} has region ids that match no polygon: {format_list(unknown)}. "
            "Check the id fields chosen for the layer and the table."
        )
    ppos = {p: j for j, p in enumerate(periods)}
    rows = np.fromiter((pos[k] for k in row_keys), dtype=np.int64, count=len(row_keys))
    cols = np.fromiter((ppos[p] for p in row_periods), dtype=np.int64, count=len(row_periods))
    n, t = len(region_keys), len(periods)

    flat = rows * t + cols
    counts = np.bincount(flat, minlength=n * t).reshape(n, t)
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

    values = {}
    sources = {}
    for name, col in table_values.items():
        arr = np.full(n * t, np.nan)
        arr[flat] = np.asarray(col, dtype=float)
        values[name] = arr.reshape(n, t)
        sources.update({(name, p): name for p in periods})
    return Panel(np.asarray(region_ids, dtype=object), tuple(periods), values, sources)


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
