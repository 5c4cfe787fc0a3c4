"""Published-style regression tables: one column per fitted model.

Every regression of the plugin (the panel Tobit, the spatial panel models)
reports its estimates in the shape journals print: one column per model
(or per group of regions: all, east, central, west...), and for every term
the coefficient with significance stars, its standard error in brackets and,
when asked, the z-value and the p-value; then model statistics
(log-likelihood, sigma, N, tests) one row each::

    variable        All          east
    const           0.312***     0.288***
                    (0.041)      (0.066)
    ln(gdp_pc)      0.118**      0.097
                    (0.052)      (0.083)
    Log-likelihood  112.400      51.930
    N               248          80

The module knows nothing about a particular model. A *model* is any object
with ``names`` (the terms), ``coef`` and ``se`` (aligned arrays) and,
optionally, ``z``, ``p`` and ``stars``; missing ones are derived
(``z = coef / se``, two-sided normal ``p``, :func:`stars`). Statistics rows
are :class:`Stat` declarations that read an attribute, call a function or
look a value up per model, so each estimator says what it reports and
every table looks the same.

Stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1 (the convention of
Stata's ``esttab`` with ``star(* 0.10 ** 0.05 *** 0.01)``); other levels can
be given.

Examples
--------
>>> from types import SimpleNamespace
>>> m1 = SimpleNamespace(names=("const", "gdp"), coef=[0.31, 0.12], se=[0.04, 0.05], loglik=12.3)
>>> m2 = SimpleNamespace(names=("const", "gdp"), coef=[0.29, 0.09], se=[0.07, 0.08], loglik=5.1)
>>> t = regression_table({"All": m1, "east": m2}, stats=[Stat("Log-likelihood", "loglik")])
>>> t.columns
('variable', 'All', 'east')
>>> for row in t.rows:
...     print(row)
('const', '0.310***', '0.290***')
('', '(0.040)', '(0.070)')
('gdp', '0.120**', '0.090')
('', '(0.050)', '(0.080)')
('Log-likelihood', '12.300', '5.100')
>>> coefficient_rows({"All": m1})[1][:3]
('All', 'gdp', 0.12)
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

from .errors import InputDataError

__all__ = [
    "STAR_LEVELS",
    "stars",
    "Stat",
    "RegressionTable",
    "regression_table",
    "coefficient_rows",
    "as_named_models",
    "ROW_KINDS",
]

#: p-value thresholds of ``***``, ``**`` and ``*``
STAR_LEVELS = (0.01, 0.05, 0.1)
#: what a term can show, one row each, in this order of choice
ROW_KINDS = ("coef", "se", "z", "p")


def stars(p, levels=STAR_LEVELS, symbols=("***", "**", "*")):
    """Significance stars of p-values: ``***`` p < 0.01, ``**`` p < 0.05,
    ``*`` p < 0.1 (``levels`` ascending, one symbol each); NaN gets none.

    >>> stars([0.001, 0.02, 0.07, 0.5, float("nan")])
    ('***', '**', '*', '', '')
    >>> stars(0.03, levels=(0.05,), symbols=("+",))
    ('+',)
    """
    levels = tuple(float(v) for v in levels)
    symbols = tuple(symbols)
    if len(levels) != len(symbols) or list(levels) != sorted(levels):
        raise InputDataError(
            f"Star levels must be ascending with one symbol each; got {levels} and {symbols}."
        )
    out = []
    for v in np.atleast_1d(np.asarray(p, dtype=float)):
        mark = ""
        for level, symbol in zip(levels, symbols):
            if v < level:
                mark = symbol
                break
        out.append(mark)
    return tuple(out)


@dataclass(frozen=True)
class Stat:
    """One statistics row of a table.

    Parameters
    ----------
    label : str
        Text of the row (e.g. ``"Log-likelihood"``).
    value : str, callable or dict
        An attribute name of the model (``"loglik"``), a function
        ``model -> value``, or a dict ``model name -> value`` (for values
        that are not attributes, such as a test between two models).
    kind : {"float", "int", "text"}
        ``"float"``: ``digits`` decimals; ``"int"``: a whole number;
        ``"text"``: ``str(value)``. Missing values (None, NaN, absent
        attribute or name) give an empty cell.
    """

    label: str
    value: object
    kind: str = "float"

    def cell(self, name, model, digits):
        if isinstance(self.value, dict):
            v = self.value.get(name)
        elif callable(self.value):
            v = self.value(model)
        else:
            v = getattr(model, str(self.value), None)
        return _format(v, self.kind, digits)


def _format(v, kind, digits):
    if v is None:
        return ""
    if kind == "text":
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return ""
    if kind == "int":
        return str(int(round(f)))
    return f"{f:.{int(digits)}f}"


@dataclass(frozen=True)
class RegressionTable:
    """A rendered table: every cell is text.

    Attributes
    ----------
    columns : tuple of str
        ``"variable"``, then the kind column when asked, then one column per
        model.
    rows : tuple of tuple of str
    kinds : tuple of str
        Per row: ``"coef"``, ``"se"``, ``"z"``, ``"p"`` or ``"stat"``.
    terms : tuple of str
        Per row: the term (coefficient rows) or the statistic's label.
    kind_column : str or None
        Name of the column saying what each row holds, when there is one.
    """

    columns: tuple
    rows: tuple
    kinds: tuple
    terms: tuple
    kind_column: object = None

    @property
    def models(self):
        """The model column names."""
        return self.columns[2 if self.kind_column else 1:]

    def to_frame(self):
        """The table as a pandas DataFrame of strings."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))

    def display_rows(self):
        """Rows with the term written once (on its first row), as printed."""
        out, last = [], None
        for row, kind, term in zip(self.rows, self.kinds, self.terms):
            row = list(row)
            if kind != "stat" and term == last:
                row[0] = ""
            last = term if kind != "stat" else None
            out.append(row)
        return out


def as_named_models(models, names=None):
    """``[(name, model)]`` from a dict, a list of ``(name, model)`` pairs or
    a list of models (named by ``names``, else ``(1)``, ``(2)``...)."""
    if isinstance(models, dict):
        pairs = [(str(k), v) for k, v in models.items()]
    else:
        models = list(models)
        if models and all(isinstance(m, tuple) and len(m) == 2 for m in models):
            pairs = [(str(k), v) for k, v in models]
        else:
            if names is None:
                names = [f"({i + 1})" for i in range(len(models))]
            names = [str(v) for v in names]
            if len(names) != len(models):
                raise InputDataError(f"{len(names)} names were given for {len(models)} models.")
            pairs = list(zip(names, models))
    if not pairs:
        raise InputDataError("There is no estimated model to tabulate.")
    seen = [k for k, _ in pairs]
    dup = sorted({k for k in seen if seen.count(k) > 1})
    if dup:
        raise InputDataError(f"Model names must be unique; repeated: {', '.join(dup)}.")
    return pairs


def _estimates(model):
    """(names, coef, se, z, p, stars) of a model, deriving what it lacks."""
    names = tuple(str(v) for v in model.names)
    coef = np.asarray(model.coef, dtype=float).reshape(-1)
    se = np.asarray(model.se, dtype=float).reshape(-1)
    if not (len(names) == coef.size == se.size):
        raise InputDataError(
            f"A model has {len(names)} term names, {coef.size} coefficients and {se.size} "
            "standard errors; they must be aligned."
        )
    z = getattr(model, "z", None)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = coef / se if z is None else np.asarray(z, dtype=float).reshape(-1)
    p = getattr(model, "p", None)
    p = 2.0 * _stats.norm.sf(np.abs(z)) if p is None else np.asarray(p, dtype=float).reshape(-1)
    st = getattr(model, "stars", None)
    st = stars(p) if st is None else tuple(st)
    return names, coef, se, z, p, st


def regression_table(models, names=None, *, rows=("coef", "se"), digits=3, brackets="()",
                     stats=(), kind_column=None, repeat_terms=False, terms=None):
    """Published-style table of fitted models, one column per model.

    Parameters
    ----------
    models : dict, list of (name, model) or list of models
        The models in column order (see the module notes for what a model
        is). A list of models is named by ``names`` (default ``(1)``,
        ``(2)``...).
    rows : sequence of {"coef", "se", "z", "p"}, default ("coef", "se")
        What each term shows, one row each: the coefficient with its stars,
        the standard error in ``brackets``, the z-value, the p-value.
    digits : int, default 3
    brackets : str, default "()"
        Two characters around the standard errors (``"[]"``...).
    stats : sequence of :class:`Stat`
        Statistics rows after the coefficients.
    kind_column : str, optional
        Name of a second column saying what each row holds (``coef``,
        ``se``, ``z``, ``p``; empty on statistics rows), e.g.
        ``"statistic"``: handy in an attribute table.
    repeat_terms : bool, default False
        Write the term on every one of its rows (for filtering), not only
        on the first (as printed).
    terms : sequence of str, optional
        Order of the terms (default: first appearance across the models);
        terms of the models not listed follow.

    Returns
    -------
    RegressionTable
        A term that a model does not have gets empty cells in its column.
    """
    if len(brackets) != 2:
        raise InputDataError(
            f"brackets must be two characters such as '()' or '[]'; got {brackets!r}."
        )
    rows = tuple(rows)
    bad = [r for r in rows if r not in ROW_KINDS]
    if bad or not rows or rows[0] != "coef" or len(set(rows)) != len(rows):
        raise InputDataError(
            f"The rows of a term are 'coef' first, then any of 'se', 'z', 'p' once; got {rows}."
        )
    try:
        digits = int(digits)
    except (TypeError, ValueError):
        digits = -1
    if not 0 <= digits <= 12:
        raise InputDataError(f"digits must be a whole number from 0 to 12; got {digits!r}.")
    pairs = as_named_models(models, names)
    est = [(label, _estimates(m)) for label, m in pairs]
    order = [str(t) for t in terms] if terms is not None else []
    for _, (nm, *_rest) in est:
        for t in nm:
            if t not in order:
                order.append(t)
    fmt = f"{{:.{digits}f}}"

    def num(v, missing=""):
        return fmt.format(v) if np.isfinite(v) else missing

    columns = ["variable"] + ([str(kind_column)] if kind_column else []) + [k for k, _ in pairs]
    out_rows, kinds, row_terms = [], [], []
    for term in order:
        for i, kind in enumerate(rows):
            cells = []
            for _, (nm, coef, se, z, p, st) in est:
                if term not in nm:
                    cells.append("")
                    continue
                j = nm.index(term)
                if kind == "coef":
                    cells.append(num(coef[j], ".") + (st[j] if np.isfinite(coef[j]) else ""))
                elif kind == "se":
                    cells.append(brackets[0] + num(se[j], ".") + brackets[1])
                elif kind == "z":
                    cells.append(num(z[j]))
                else:
                    cells.append(num(p[j]))
            label = term if (i == 0 or repeat_terms) else ""
            lead = [label] + ([kind] if kind_column else [])
            out_rows.append(tuple(lead + cells))
            kinds.append(kind)
            row_terms.append(term)
    for s in stats:
        if not isinstance(s, Stat):
            s = Stat(*s)
        cells = [s.cell(label, m, digits) for label, m in pairs]
        out_rows.append(tuple([s.label] + ([""] if kind_column else []) + cells))
        kinds.append("stat")
        row_terms.append(s.label)
    return RegressionTable(tuple(columns), tuple(out_rows), tuple(kinds), tuple(row_terms),
                           str(kind_column) if kind_column else None)


def coefficient_rows(models, names=None):
    """The long form: one tuple ``(model name, term, coef, se, z, p, stars)``
    per coefficient of every model, in column order."""
    out = []
    for label, m in as_named_models(models, names):
        nm, coef, se, z, p, st = _estimates(m)
        for j, term in enumerate(nm):
            out.append((label, term, float(coef[j]), float(se[j]), float(z[j]), float(p[j]), st[j]))
    return out
