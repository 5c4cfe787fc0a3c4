"""Result columns to rows of Python values, a batch at a time.

Both writers (the output layer's new fields and the tables) get their
values as numpy columns and hand QGIS rows of Python values (float, int,
str or ``None`` for NULL). The conversion is done per column in numpy, and
one ``tolist()`` of an object grid gives a batch of rows: there is no
Python call per value.
"""
import numpy as np

_TEXT_TYPES = {str, type(None)}
VALUES_PER_BATCH = 25_000


def batch_rows(width, most):
    """Rows per batch for rows of ``width`` values: about 25,000 values
    (at least 64 rows, at most ``most``). The Python objects of a small
    batch fit in memory the allocator reuses batch after batch, where a
    large one is fresh memory each time: a layer of 103 fields and 100,000
    rows had its rows made in 0.55 s at 250 rows per batch and in 1.2 to
    1.4 s at 5,000 (this machine, 2026-12-06)."""
    return max(1, min(int(most), max(64, VALUES_PER_BATCH // max(1, int(width)))))


def column_array(kind, values):
    """A column of kind ``double`` / ``int`` / ``string`` as ``(array,
    nulls)``: an array whose elements are the Python values to write, and
    the (sorted) positions to write as NULL.

    NULL is NaN in a float column (of any kind) and ``None`` in an object
    column.
    """
    arr = np.asarray(values)
    none = np.zeros(0, dtype=np.int64)
    if kind == "double":
        if arr.dtype == object:
            arr = np.array([np.nan if v is None else v for v in arr.tolist()], dtype=float)
        arr = arr.astype(float)
        return arr, np.flatnonzero(np.isnan(arr))
    if kind == "int":
        if arr.dtype.kind in "ib" or (arr.dtype.kind == "u" and arr.dtype.itemsize < 8):
            return arr.astype(np.int64), none
        if arr.dtype.kind == "f":
            nulls = np.flatnonzero(np.isnan(arr))
            finite = np.where(np.isnan(arr), 0.0, arr)
            if np.isfinite(finite).all() and (np.abs(finite) < 2.0 ** 62).all():
                return finite.astype(np.int64), nulls  # int(v) truncates as astype does
        out = np.empty(arr.size, dtype=object)
        out[:] = [None if v is None else int(v) for v in arr.tolist()]
        return out, none
    if arr.dtype.kind == "U":
        out = np.empty(arr.size, dtype=object)
        out[:] = arr.tolist()
        return out, none
    items = arr.tolist()
    if arr.dtype == object and set(map(type, items)) <= _TEXT_TYPES:
        return arr, none  # already str / None: nothing to convert
    out = np.empty(len(items), dtype=object)
    out[:] = [None if v is None else str(v) for v in items]
    return out, none


def rows(columns, start, stop):
    """Rows ``start:stop`` (lists of Python values) of ``(array, nulls)``
    columns (:func:`column_array`): the grid is filled column by column in
    numpy."""
    grid = np.empty((stop - start, len(columns)), dtype=object)
    for j, (values, nulls) in enumerate(columns):
        grid[:, j] = values[start:stop]
        if len(nulls):
            lo, hi = np.searchsorted(nulls, [start, stop])
            if hi > lo:
                grid[nulls[lo:hi] - start, j] = None
    return grid.tolist()


def text_of(labels, codes, missing=None):
    """``labels[code]`` per element of the integer array ``codes`` (an
    object array), ``missing`` where the code is negative: the text of
    grade / class / type codes without a Python call per value."""
    lookup = np.empty(len(labels) + 1, dtype=object)
    lookup[:-1] = list(labels)
    lookup[-1] = missing
    codes = np.asarray(codes)
    return lookup[np.where(codes < 0, len(labels), codes)]


class ColumnTable:
    """A table of ``n`` rows given as columns, built a batch at a time.

    ``columns(index)`` returns column name -> array of the rows at the
    positions ``index`` (an int array): a long table (a row per region and
    period, say) is written from the result arrays without ever holding all
    its rows, as Python objects or as arrays. A dict of whole columns is
    the simple case (:meth:`of`).
    """

    def __init__(self, n, columns):
        self.n = int(n)
        self.columns = columns

    @classmethod
    def of(cls, columns):
        """A table from whole columns (name -> array, all of one length)."""
        n = len(next(iter(columns.values()))) if columns else 0
        return cls(n, lambda index: {name: np.asarray(col)[index] for name, col in columns.items()})

    @staticmethod
    def concat(tables):
        """Tables with the same columns, one after the other."""
        if len(tables) == 1:
            return tables[0]
        starts = np.cumsum([0] + [t.n for t in tables])

        def columns(index):
            parts = []
            for k, table in enumerate(tables):
                mine = index[(index >= starts[k]) & (index < starts[k + 1])]
                if len(mine):
                    parts.append(table.columns(mine - starts[k]))
            return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}

        return ColumnTable(starts[-1], columns)
