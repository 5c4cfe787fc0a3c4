"""Groups of regions: east / central / west / northeast, coastal / inland.

Several methods work by group of regions: the Dagum Gini decomposition and the
Theil index split inequality into within- and between-group parts, Martin's
resilience index can use the group's total as the reference economy, panel
regressions are estimated per group, and summaries are reported per group.
The group of each region comes from a field of the polygon layer; this module
turns those labels into one :class:`Groups` object that every method uses.

Rules (one place, so every tool behaves the same):

* A label is text; numbers are labels too (``1`` and ``1.0`` both become
  ``"1"``), surrounding blanks are removed.
* A missing label (``None``, NaN, empty or blank text) is refused, naming
  the regions: a region left out of every group would silently change every
  share and total.
* Groups are ordered by their labels: numerically when every label is a
  number, otherwise alphabetically. Methods that need another order (the
  Dagum pairs are ordered by mean) say so and do it themselves.
* ``min_size`` (default 1) refuses groups with fewer regions, naming them.

Examples
--------
>>> from regional_resilience.core.groups import groups_from_labels
>>> g = groups_from_labels(["west", "east", "west", "central"])
>>> g.labels
('central', 'east', 'west')
>>> g.codes.tolist(), g.sizes.tolist()
([2, 1, 2, 0], [1, 1, 2])
>>> groups_from_labels([3, 1.0, 2, 10]).labels
('1', '2', '3', '10')
"""
import math
from dataclasses import dataclass

import numpy as np

from .errors import InputDataError
from .panel import format_list

__all__ = ["Groups", "groups_from_labels", "as_groups", "label_text"]


@dataclass(frozen=True)
class Groups:
    """Group membership of ``n`` regions.

    Attributes
    ----------
    labels : tuple of str
        The distinct group labels, in the documented order.
    codes : (n,) int64 array
        ``labels[codes[i]]`` is the group of region ``i``.
    field : str
        Where the labels came from (for messages), e.g. the field name.
    """

    labels: tuple
    codes: np.ndarray
    field: str = "group"

    @property
    def k(self):
        """Number of groups."""
        return len(self.labels)

    @property
    def n(self):
        """Number of regions."""
        return len(self.codes)

    @property
    def sizes(self):
        """(k,) number of regions in each group."""
        return np.bincount(self.codes, minlength=self.k)

    def members(self, group):
        """Indices of the regions of ``group`` (a label or a code)."""
        code = self.labels.index(group) if isinstance(group, str) else int(group)
        return np.flatnonzero(self.codes == code)

    def subset(self, mask):
        """The groups of the regions selected by a boolean ``mask``, with the
        same labels (a group may then be empty)."""
        return Groups(self.labels, self.codes[np.asarray(mask, dtype=bool)], self.field)


def label_text(value):
    """A group label as text, or ``None`` when missing.

    >>> label_text(2.0), label_text(" east "), label_text(float("nan")), label_text("  ")
    ('2', 'east', None, None)
    """
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    text = str(value).strip()
    return text or None


def _order(labels):
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def groups_from_labels(values, ids=None, field="group", min_size=1):
    """Build :class:`Groups` from one label per region.

    Parameters
    ----------
    values : sequence
        One label per region (text or numbers; ``None``/NaN/blank = missing).
    ids : sequence, optional
        Region ids, for messages (default: positions 1..n).
    field : str
        Name of the labels' source, for messages.
    min_size : int
        Smallest allowed number of regions in a group.

    Raises
    ------
    InputDataError
        A missing label (naming the regions) or a group smaller than
        ``min_size`` (naming the groups and their sizes).
    """
    texts = [label_text(v) for v in values]
    n = len(texts)
    names = [str(x) for x in ids] if ids is not None else [str(k + 1) for k in range(n)]
    missing = [names[k] for k, t in enumerate(texts) if t is None]
    if missing:
        raise InputDataError(
            f"The group field '{field}' is empty for {len(missing)} region(s): "
            f"{format_list(missing)}. Give every region a group."
        )
    labels = tuple(_order(set(texts)))
    index = {label: k for k, label in enumerate(labels)}
    codes = np.fromiter((index[t] for t in texts), dtype=np.int64, count=n)
    groups = Groups(labels, codes, field)
    small = [f"{label} ({size})" for label, size in zip(labels, groups.sizes) if size < min_size]
    if small:
        raise InputDataError(
            f"Groups of '{field}' with fewer than {min_size} regions: {format_list(small)}."
        )
    return groups


def as_groups(groups, n, ids=None, field="group", order=None):
    """The :class:`Groups` of ``n`` regions from a ``Groups`` or from labels.

    What every core function that takes ``groups=`` calls, so labels are
    read by one rule everywhere.

    Parameters
    ----------
    groups : Groups or sequence
        A ready :class:`Groups` (groups without regions are dropped), or
        one label per region (see :func:`groups_from_labels`).
    n : int
        Number of regions expected.
    ids : sequence, optional
        Region ids, for messages.
    field : str
        Name of the labels' source, for messages.
    order : sequence, optional
        The group labels in the order the results should use (every group
        exactly once); default: the documented order of :class:`Groups`.

    Examples
    --------
    >>> g = as_groups(["b", "a", "b"], 3, order=["b", "a"])
    >>> g.labels, g.codes.tolist()
    (('b', 'a'), [0, 1, 0])
    """
    if isinstance(groups, Groups):
        g = groups
    else:
        labels = np.asarray(groups, dtype=object)
        if labels.ndim != 1:
            raise InputDataError(
                f"The group labels must be one value per region; got shape {labels.shape}."
            )
        g = groups_from_labels(labels.tolist(), ids=ids, field=field)
    if g.n != n:
        raise InputDataError(f"{g.n} group labels were given for {n} regions; give one per region.")
    sizes = g.sizes
    if (sizes == 0).any():  # a subset of regions: keep the groups that have some
        keep = np.flatnonzero(sizes > 0)
        recode = np.full(g.k, -1, dtype=np.int64)
        recode[keep] = np.arange(len(keep))
        g = Groups(tuple(g.labels[j] for j in keep), recode[g.codes], g.field)
    if order is None:
        return g
    wanted = [label_text(x) for x in order]
    if len(set(wanted)) != len(wanted) or None in wanted:
        raise InputDataError(f"The group order repeats or leaves empty a group: {format_list(order)}.")
    missing = [lab for lab in g.labels if lab not in wanted]
    extra = [lab for lab in wanted if lab not in g.labels]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"misses the group(s) {format_list(missing)} found in the labels")
        if extra:
            parts.append(f"lists {format_list(extra)}, which no region has")
        raise InputDataError(
            "The group order must list every group exactly once; it " + " and ".join(parts) + "."
        )
    position = np.array([wanted.index(lab) for lab in g.labels], dtype=np.int64)
    return Groups(tuple(wanted), position[g.codes], g.field)
