"""Matching region ids of a table to the polygons of a layer.

A long table (region, period, values) is joined to the polygons by region
id, and the two often store the same id differently: US state FIPS codes
are text with leading zeros on the layer (``'01'``, ``'04'``) but numbers in
a spreadsheet (``1``, ``4``); a CSV column read as real numbers gives
``1.0``. Matching is *exact* by default (:func:`exact_id`); on request ids
are *normalised* first (:func:`normalise_id`: type and leading zeros
ignored). :func:`suggest_id_matching` tells, when exact matching leaves
table ids without a polygon, whether normalising would match them, so the
user can be pointed at the option; :func:`match_ids` does the matching and
refuses a normalisation that would make two polygons' ids equal.

The rules are deliberately narrow: only ids that are whole numbers (as
numbers, or as text made of digits) lose their type and leading zeros; any
other text is kept as it is (only surrounding whitespace is dropped), so
``'A01'`` never matches ``'A1'`` and ``'1a'`` never matches ``1``.
"""
import math
import numbers
import re
from typing import NamedTuple

import numpy as np

from .errors import InputDataError

__all__ = [
    "exact_id",
    "normalise_id",
    "match_ids",
    "suggest_id_matching",
    "IdMatchSuggestion",
]

# A whole number written as text: optional sign, ASCII digits, optionally a
# decimal point followed only by zeros ("007", "+5", "-03", "12.0", "12.").
_WHOLE_NUMBER_TEXT = re.compile(r"([+-]?)([0-9]+)(?:\.0*)?")


def _is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_))


def exact_id(value):
    """An id as text, for exact matching.

    Rules, in order:

    1. ``None`` and NaN are missing: ``None`` (they match nothing).
    2. Integers (``int``, numpy integers) give their decimal digits:
       ``7`` -> ``'7'``.
    3. Real numbers that are whole (``2000.0``, numpy floats) give the
       integer's digits, ``2000.0`` -> ``'2000'`` (a real field holding ids
       or years), others their usual text: ``1.5`` -> ``'1.5'``.
    4. Anything else (text, booleans, dates) is ``str(value)`` without
       leading and trailing whitespace: ``' 01 '`` -> ``'01'``,
       ``True`` -> ``'True'``.

    So ``1``, ``1.0`` and ``'1'`` match exactly, ``'01'`` and ``1`` do not.
    These are the rules the panel has always used for ids, with missing
    values and all numpy number types added.

    Parameters
    ----------
    value : object
        One id as read from a layer or a table.

    Returns
    -------
    str or None

    Examples
    --------
    >>> [exact_id(v) for v in (1, 1.0, "1", " 01 ", 1.5, "A01", None)]
    ['1', '1', '1', '01', '1.5', 'A01', None]
    """
    if value is None:
        return None
    if _is_number(value):
        if isinstance(value, numbers.Integral):
            return str(int(value))
        if isinstance(value, numbers.Real):
            x = float(value)
            if math.isnan(x):
                return None
            if math.isfinite(x) and x.is_integer():
                return str(int(x))
    return str(value).strip()


def normalise_id(value):
    """An id as text, ignoring its type and the leading zeros of numbers.

    First :func:`exact_id` (missing -> ``None``; whole numbers of any type
    -> their digits; text stripped of surrounding whitespace). Then, if the
    text is a whole number written with ASCII digits -- an optional ``+`` or
    ``-``, one or more digits, optionally a decimal point followed only by
    zeros -- it becomes that integer's digits: leading zeros, a ``+`` sign,
    the sign of zero and a zero fraction are dropped (``'007'`` -> ``'7'``,
    ``'+5'`` -> ``'5'``, ``'-03'`` -> ``'-3'``, ``'000'`` -> ``'0'``,
    ``'12.0'`` -> ``'12'``).

    Every other text is left as :func:`exact_id` gives it, letters, case,
    inner spaces and leading zeros after a letter included: ``'A01'`` stays
    ``'A01'`` (not ``'A1'``, not ``'a01'``), ``'1a'`` stays ``'1a'``,
    ``'01.5'``, ``'1e3'``, ``'1,000'``, ``'0x1F'`` and ``'0 1'`` stay as
    they are.

    Parameters
    ----------
    value : object
        One id as read from a layer or a table.

    Returns
    -------
    str or None
        ``None`` for a missing id.

    Notes
    -----
    Real numbers hold whole numbers exactly only up to 2**53 (about 9e15):
    a 16-digit or longer id stored in a real field may already have lost its
    last digits before it gets here.

    Examples
    --------
    >>> [normalise_id(v) for v in (1, 1.0, "1", "01", " 001 ", "1.0")]
    ['1', '1', '1', '1', '1', '1']
    >>> [normalise_id(v) for v in ("A01", " A01 ", "1a", "01.5", "000", "-07")]
    ['A01', 'A01', '1a', '01.5', '0', '-7']
    """
    text = exact_id(value)
    if text is None:
        return None
    m = _WHOLE_NUMBER_TEXT.fullmatch(text)
    if m is None:
        return text
    sign, digits = m.groups()
    digits = digits.lstrip("0") or "0"
    return "-" + digits if sign == "-" and digits != "0" else digits


# -- helpers ----------------------------------------------------------------------


def _show(value):
    """An id for messages: text quoted, numbers bare (``'01'``, ``1``)."""
    if isinstance(value, str):
        return repr(str(value))
    return str(value)


def _format_list(items, limit=5):
    items = [str(x) for x in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def _keys(values, key):
    """``key(v)`` for every value, computing each distinct value once (ids
    that are all Python integers, or all text for :func:`exact_id`, in one
    C-level pass: the same keys)."""
    types = set(map(type, values))
    if types == {int} and key in (exact_id, normalise_id):
        return list(map(str, values))
    if types == {str} and key is exact_id:
        return list(map(str.strip, values))
    cache = {}
    out = []
    for v in values:
        try:
            c = (type(v), v)
            k = cache.get(c, cache)
            if k is cache:
                k = cache[c] = key(v)
        except TypeError:  # unhashable: compute every time
            k = key(v)
        out.append(k)
    return out


def _as_list(values):
    if isinstance(values, np.ndarray):
        return values.tolist() if values.dtype != object else list(values)
    return list(values)


def _layer_index(layer_ids, normalise):
    """key -> position for the layer's ids, or an InputDataError naming
    missing, duplicate or (when normalising) colliding ids."""
    layer_ids = _as_list(layer_ids)
    exact = _keys(layer_ids, exact_id)
    index = dict(zip(exact, range(len(exact))))
    if None not in index and len(index) == len(exact) and not normalise:
        return index  # every id given, none twice (the usual case, in one pass)
    missing = [i for i, k in enumerate(exact) if k is None]
    if missing:
        raise InputDataError.coded(
            "missing_ids",
            "{n} polygon(s) have no id (NULL), at positions {positions}; choose an id "
            "field with a value for every polygon.",
            n=len(missing), positions=_format_list(missing, 10),
        )
    groups = _groups(exact)
    dups = [g for g in groups.values() if len(g) > 1]
    if dups:
        shown = [f"{_show(layer_ids[g[0]])} (positions {_format_list(g, 5)})" for g in dups]
        raise InputDataError.coded(
            "duplicate_ids",
            "Duplicate region ids: {ids}. Each region must appear once; choose an id "
            "field with unique values.",
            ids=_format_list(shown),
        )
    if not normalise:
        return {k: g[0] for k, g in groups.items()}
    keys = _keys(layer_ids, normalise_id)
    groups = _groups(keys)
    bad = [g for g in groups.values() if len(g) > 1]
    if bad:
        shown = [
            " and ".join(_show(layer_ids[i]) for i in g)
            + f" ({'both' if len(g) == 2 else 'all'} {keys[g[0]]})"
            for g in bad
        ]
        raise InputDataError.coded(
            "normalised_id_collision",
            "Ignoring type and leading zeros makes some polygon ids equal: {ids}. "
            "Match the ids exactly, or give these polygons distinct ids.",
            ids=_format_list(shown),
        )
    return {k: g[0] for k, g in groups.items()}


def _groups(keys):
    """key -> list of positions, in first-seen order."""
    groups = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    return groups


# -- public -----------------------------------------------------------------------


def match_ids(layer_ids, table_ids, normalise=False):
    """The polygon of every table row, by region id.

    Parameters
    ----------
    layer_ids : (n,) sequence
        The polygons' ids, in layer order; unique and never missing.
    table_ids : (r,) sequence
        The region id of every table row (repeated in a long table).
    normalise : bool, optional
        False (default): compare :func:`exact_id`; True: compare
        :func:`normalise_id` (type and leading zeros ignored).

    Returns
    -------
    (r,) ndarray of int64
        For every table row the position of its polygon in ``layer_ids``,
        or -1 when it matches none (a missing table id matches none).

    Raises
    ------
    InputDataError
        A polygon has no id, two polygons have the same id, or -- with
        ``normalise=True`` -- two different polygon ids become equal (such
        as ``'01'`` and ``'1'``); the message names them.

    Notes
    -----
    Several table ids can reach the same polygon when normalising (``1`` and
    ``'01'``); checking that each (region, period) appears once in the table
    is left to the caller.

    Examples
    --------
    US state FIPS codes as text on the layer, as numbers in a spreadsheet:

    >>> match_ids(["01", "04", "05"], [1, 4, 5, 6]).tolist()
    [-1, -1, -1, -1]
    >>> match_ids(["01", "04", "05"], [1, 4, 5, 6], normalise=True).tolist()
    [0, 1, 2, -1]
    >>> match_ids(["01", "1"], [1], normalise=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regional_resilience.core.errors.InputDataError: Ignoring type and leading zeros makes some polygon ids equal: '01' and '1' (both 1). ...
    """
    index = _layer_index(layer_ids, normalise)
    keys = _keys(_as_list(table_ids), normalise_id if normalise else exact_id)
    return np.fromiter((index.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))


class IdMatchSuggestion(NamedTuple):
    """Whether table ids without a polygon would match after normalising.

    Attributes
    ----------
    n_unmatched : int
        Distinct table ids (by :func:`exact_id`; missing ones not counted)
        that match no polygon exactly.
    n_would_match : int
        How many of them match exactly one polygon after
        :func:`normalise_id`.
    examples : tuple of (table id, layer id)
        A few of those, as read (for the message).
    collisions : tuple of tuples
        A few groups of different polygon ids that normalising makes equal
        (``('01', '1')``); when there are any, normalised matching fails.
    """

    n_unmatched: int
    n_would_match: int
    examples: tuple
    collisions: tuple

    def sentence(self, table="table", option=None):
        """The advice as one English sentence, or None when there is none.

        Parameters
        ----------
        table : str, optional
            What to call the table (``"table"``).
        option : str, optional
            The label of the option that turns normalising on, to tell the
            user to tick it.

        Examples
        --------
        >>> s = suggest_id_matching(["01", "04", "05"], [1, 4, 5])
        >>> s.sentence(option="Match ids ignoring type and leading zeros")
        "3 ids of the table match no polygon, but would match after ignoring type and leading zeros (table 1 = layer '01', table 4 = layer '04', table 5 = layer '05'); tick 'Match ids ignoring type and leading zeros'."
        """
        if self.n_unmatched == 0 or self.n_would_match == 0:
            return None
        if self.n_unmatched == 1:
            text = f"1 id of the {table} matches no polygon, but would match"
        elif self.n_would_match == self.n_unmatched:
            text = f"{self.n_unmatched} ids of the {table} match no polygon, but would match"
        else:
            text = (
                f"{self.n_unmatched} ids of the {table} match no polygon; "
                f"{self.n_would_match} of them would match"
            )
        text += " after ignoring type and leading zeros"
        if self.examples:
            pairs = ", ".join(f"table {_show(t)} = layer {_show(g)}" for t, g in self.examples)
            text += f" ({pairs})"
        if self.collisions:
            groups = "; ".join(" and ".join(_show(v) for v in c) for c in self.collisions)
            return (
                text + ", but the layer has ids that would then be equal "
                f"({groups}), so give those polygons distinct ids first."
            )
        if option:
            return text + f"; tick '{option}'."
        return text + "."


def suggest_id_matching(layer_ids, table_ids, limit=3):
    """Would table ids that match no polygon match after normalising?

    Parameters
    ----------
    layer_ids : (n,) sequence
        The polygons' ids.
    table_ids : (r,) sequence
        The table's region ids (repeats allowed).
    limit : int, optional
        How many examples and collisions to keep (default 3).

    Returns
    -------
    IdMatchSuggestion
        A named tuple ``(n_unmatched, n_would_match, examples, collisions)``
        with :meth:`IdMatchSuggestion.sentence` for the message. Never
        raises for duplicate or missing ids (:func:`match_ids` reports them).

    Examples
    --------
    >>> suggest_id_matching(["01", "04", "05"], [1, 4, 5, 4, 9])[:3]
    (4, 3, ((1, '01'), (4, '04'), (5, '05')))
    >>> suggest_id_matching(["A01", "B02"], ["A1", "B2"])[:2]
    (2, 0)
    """
    layer_ids = _as_list(layer_ids)
    table_ids = _as_list(table_ids)
    layer_exact = _keys(layer_ids, exact_id)
    layer_norm = _keys(layer_ids, normalise_id)
    exact_set = set(layer_exact)
    # normalised key -> first layer value of each distinct exact key
    by_norm = {}
    for v, e, k in zip(layer_ids, layer_exact, layer_norm):
        if e is None:
            continue
        seen = by_norm.setdefault(k, {})
        seen.setdefault(e, v)
    collisions = tuple(
        tuple(seen.values()) for seen in by_norm.values() if len(seen) > 1
    )[:limit]

    table_exact = _keys(table_ids, exact_id)
    unmatched = {}
    for v, e in zip(table_ids, table_exact):
        if e is not None and e not in exact_set and e not in unmatched:
            unmatched[e] = v
    n_would = 0
    examples = []
    for v in unmatched.values():
        seen = by_norm.get(normalise_id(v))
        if seen is not None and len(seen) == 1:
            n_would += 1
            if len(examples) < limit:
                examples.append((v, next(iter(seen.values()))))
    return IdMatchSuggestion(len(unmatched), n_would, tuple(examples), collisions)
