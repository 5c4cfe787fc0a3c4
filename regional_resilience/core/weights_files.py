"""GeoDa weights files: ``.gal`` (neighbour lists) and ``.gwt`` (valued pairs).

Formats as written by GeoDa [Anselin2006]_ and read by PySAL [Rey2010]_:

``.gal``
    A header ``0 n shapefile id_field`` (or just ``n``), then two lines per
    region: ``id count`` and the ``count`` neighbour ids separated by
    spaces (an empty line for a region without neighbours).
``.gwt``
    A header ``0 n shapefile id_field``, then one ``i j w`` line per
    neighbour pair (regions without neighbours do not appear).

Ids are written as text and compared as text after stripping surrounding
white space, so the integer ``1``, the float ``1.0`` and the string
``"1"`` are the same id; ids may not contain white space.

References
----------
.. [Anselin2006] Anselin, L., Syabri, I. and Kho, Y. (2006). GeoDa: An
   introduction to spatial data analysis. *Geographical Analysis* 38(1),
   5-22. File formats: https://geodacenter.github.io/workbook/4a_contig_weights/lab4a.html
.. [Rey2010] Rey, S. J. and Anselin, L. (2010). PySAL: A Python library of
   spatial analytical methods. In *Handbook of Applied Spatial Analysis*,
   Springer, 175-193.
"""
import os

import numpy as np

from .errors import WeightsError
from .weights import Weights, from_neighbor_pairs

__all__ = ["write_gal", "write_gwt", "read_weights_file"]


def _id_text(value):
    """The text form of an id: floats that are integers lose their ``.0``."""
    if (
        isinstance(value, (float, np.floating))
        and np.isfinite(value)
        and float(value).is_integer()
    ):
        value = int(value)
    elif isinstance(value, bytes):
        value = value.decode("utf-8")
    return str(value).strip()


def _id_texts(ids, n=None, what="region ids"):
    texts = [_id_text(v) for v in ids]
    if n is not None and len(texts) != n:
        raise WeightsError(
            f"the weights describe {n} regions but {len(texts)} {what} were given"
        )
    seen = {}
    for pos, t in enumerate(texts):
        if t == "":
            raise WeightsError(f"the region id at position {pos} is empty")
        if any(c.isspace() for c in t):
            raise WeightsError(
                f"the region id {t!r} (position {pos}) contains white space, "
                "which GAL/GWT files cannot hold"
            )
        if t in seen:
            raise WeightsError(
                f"the region id {t!r} occurs more than once "
                f"(positions {seen[t]} and {pos}); ids must be unique"
            )
        seen[t] = pos
    return texts, seen


def _header_token(value, name):
    value = str(value).strip()
    if any(c.isspace() for c in value):
        raise ValueError(
            f"{name} {value!r} may not contain white space in a weights file header"
        )
    return value


def _header(n, shapefile, id_field):
    shp = _header_token(shapefile, "shapefile") or "unknown"
    var = _header_token(id_field, "id_field") or "unknown"
    return f"0 {n} {shp} {var}\n"


def write_gal(path, w, ids, id_field="", shapefile=""):
    """Write the neighbours of ``w`` as a GeoDa ``.gal`` file.

    Parameters
    ----------
    path : str or path-like
    w : Weights
        Only the neighbour lists are written (GAL has no weight values).
    ids : sequence
        Region ids in the order of ``w`` (unique, without white space).
    id_field : str, optional
        Name of the id field. When given (or with ``shapefile``) the GeoDa
        header ``0 n shapefile id_field`` is written, with ``unknown`` for a
        missing part; otherwise the plain header ``n``.
    shapefile : str, optional
        Layer name for the header (GeoDa writes the shapefile's base name).

    Examples
    --------
    >>> import os, tempfile
    >>> from .weights import from_neighbor_pairs
    >>> w = from_neighbor_pairs(3, [0, 1, 1, 2], [1, 0, 2, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "chain.gal")
    >>> write_gal(path, w, ["a", "b", "c"])
    >>> print(open(path).read().strip())
    3
    a 1
    b
    b 2
    a c
    c 1
    b
    >>> read_weights_file(path, ["c", "b", "a"]).neighbor_sets()
    [{1}, {0, 2}, {1}]
    """
    texts, _ = _id_texts(ids, w.n)
    lines = [_header(w.n, shapefile, id_field) if (id_field or shapefile) else f"{w.n}\n"]
    for i in range(w.n):
        nb = w.indices[w.indptr[i] : w.indptr[i + 1]]
        lines.append(f"{texts[i]} {len(nb)}\n")
        lines.append(" ".join(texts[j] for j in nb) + "\n")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)


def write_gwt(path, w, ids, id_field="", shapefile=""):
    """Write ``w`` as a GeoDa ``.gwt`` file (one ``i j w`` line per pair).

    Parameters
    ----------
    path : str or path-like
    w : Weights
        Weight values are written as they are (shortest text that reads back
        to the same float).
    ids : sequence
        Region ids in the order of ``w`` (unique, without white space).
    id_field, shapefile : str, optional
        Header fields ``0 n shapefile id_field``; ``unknown`` when empty
        (PySAL needs all four).
    """
    texts, _ = _id_texts(ids, w.n)
    lines = [_header(w.n, shapefile, id_field)]
    rows = np.repeat(np.arange(w.n), w.cardinalities)
    for i, j, v in zip(rows.tolist(), w.indices.tolist(), w.weights.tolist()):
        lines.append(f"{texts[i]} {texts[j]} {v!r}\n")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)


def _parse_header(line, path):
    tokens = line.split()
    try:
        if len(tokens) == 1:
            return int(tokens[0]), "", ""
        if len(tokens) >= 2:
            return (
                int(tokens[1]),
                tokens[2] if len(tokens) > 2 else "",
                tokens[3] if len(tokens) > 3 else "",
            )
    except ValueError:
        pass
    raise WeightsError(
        f"{os.path.basename(path)}: the first line should be 'n' or "
        f"'0 n shapefile id_field', found {line.strip()!r}"
    )


def _read_gal(lines, path):
    """(source ids, target ids) of every neighbour pair, and all record ids."""
    name = os.path.basename(path)
    k = 1
    records, src, dst = [], [], []
    while k < len(lines):
        line = lines[k]
        if not line.strip():
            k += 1
            continue
        tok = line.split()
        if len(tok) != 2 or not tok[1].lstrip("+").isdigit():
            raise WeightsError(
                f"{name}, line {k + 1}: expected 'id number_of_neighbours', "
                f"found {line.strip()!r}"
            )
        rid, count = tok[0], int(tok[1])
        records.append(rid)
        k += 1
        if count == 0:
            # GeoDa writes an empty line; tolerate its absence.
            if k < len(lines) and not lines[k].strip():
                k += 1
            continue
        nb = lines[k].split() if k < len(lines) else []
        if len(nb) != count:
            raise WeightsError(
                f"{name}, line {k + 1}: region {rid} should list {count} "
                f"neighbour(s) but {len(nb)} are given"
            )
        src.extend([rid] * count)
        dst.extend(nb)
        k += 1
    return records, src, dst


def _read_gwt(lines, path):
    name = os.path.basename(path)
    src, dst, val = [], [], []
    for k in range(1, len(lines)):
        tok = lines[k].split()
        if not tok:
            continue
        if len(tok) != 3:
            raise WeightsError(
                f"{name}, line {k + 1}: expected 'id1 id2 weight', "
                f"found {lines[k].strip()!r}"
            )
        try:
            v = float(tok[2])
        except ValueError:
            raise WeightsError(
                f"{name}, line {k + 1}: the weight {tok[2]!r} is not a number"
            ) from None
        src.append(tok[0])
        dst.append(tok[1])
        val.append(v)
    return src, dst, val


def _id_list(ids, limit=10):
    shown = ", ".join(sorted(ids, key=lambda t: (len(t), t))[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def read_weights_file(path, ids):
    """Read a GeoDa ``.gal`` or ``.gwt`` file, aligned to the layer's ids.

    Parameters
    ----------
    path : str or path-like
        A ``.gal`` or ``.gwt`` file (chosen by the extension).
    ids : sequence
        The region ids of the layer, in the layer's order; the result's
        position ``i`` is ``ids[i]``.

    Returns
    -------
    Weights
        ``kind`` ``"file"``; binary (``"B"``) from a GAL file, the file's
        values (``"V"``) from a GWT file. ``meta`` holds ``path``,
        ``format``, the header's ``shapefile`` and ``id_field``, and
        ``n_self_pairs_dropped`` (GeoDa kernel GWT files list ``i i w``
        lines, which the core's weights cannot hold).

    Raises
    ------
    WeightsError
        Unknown extension or malformed file (the line is named); ids in the
        layer but not in a GAL file, ids in the file but not in the layer
        (both are listed); a GWT file whose header count differs from the
        layer's number of regions; duplicated records or pairs; ids in the
        layer that are not unique.

    Notes
    -----
    Ids are compared as text after stripping (see the module notes). A GAL
    file lists every region, so a layer region missing from it is an error.
    A GWT file leaves out regions without neighbours, so there layer regions
    absent from the file are islands, provided the header's count equals
    the number of regions. Asymmetric files (e.g. k-nearest neighbours) are
    kept asymmetric.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    name = os.path.basename(path)
    if ext not in (".gal", ".gwt"):
        raise WeightsError(
            f"{name}: unknown weights file type {ext!r}; use a .gal or .gwt file"
        )
    try:
        with open(path, encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise WeightsError(f"cannot read the weights file {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise WeightsError(f"{name} is not a text weights file") from None
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise WeightsError(f"{name} is empty")
    n_file, shapefile, id_field = _parse_header(lines[0], path)
    texts, pos = _id_texts(ids, what="ids")
    n = len(texts)
    meta = {"path": path, "format": ext[1:], "shapefile": shapefile, "id_field": id_field}

    if ext == ".gal":
        records, src, dst = _read_gal(lines, path)
        val = None
        if len(records) != n_file:
            raise WeightsError(
                f"{name}: the header announces {n_file} regions but {len(records)} are listed"
            )
        if len(set(records)) != len(records):
            seen, dup = set(), set()
            for r in records:
                (dup if r in seen else seen).add(r)
            raise WeightsError(f"{name}: regions listed more than once: {_id_list(dup)}")
        file_ids = set(records) | set(dst)
        missing = set(texts) - set(records)
    else:
        src, dst, val = _read_gwt(lines, path)
        file_ids = set(src) | set(dst)
        missing = set()
        if n_file != n:
            raise WeightsError(
                f"{name}: the header announces {n_file} regions but the layer has {n}"
            )
    extra = file_ids - set(texts)
    if extra or missing:
        parts = []
        if missing:
            parts.append(f"ids in the layer but not in the file: {_id_list(missing)}")
        if extra:
            parts.append(f"ids in the file but not in the layer: {_id_list(extra)}")
        raise WeightsError(
            f"{name} does not match the layer's ids ({'; '.join(parts)}); "
            "check that the file was made for this layer and the same id field"
        )
    i = np.fromiter((pos[t] for t in src), dtype=np.int64, count=len(src))
    j = np.fromiter((pos[t] for t in dst), dtype=np.int64, count=len(dst))
    self_pairs = i == j
    meta["n_self_pairs_dropped"] = int(self_pairs.sum())
    code = i * max(n, 1) + j
    if len(np.unique(code)) != len(code):
        u, c = np.unique(code, return_counts=True)
        a, b = divmod(int(u[c > 1][0]), max(n, 1))
        raise WeightsError(
            f"{name}: the pair {texts[a]} -> {texts[b]} is listed more than once"
        )
    if ext == ".gal":
        w = from_neighbor_pairs(n, i, j, kind="file")
        w = Weights(w.indptr, w.indices, np.ones(w.nnz), "B", "file", meta)
    else:
        w = from_neighbor_pairs(n, i, j, np.asarray(val, dtype=float), kind="file")
        w = Weights(w.indptr, w.indices, w.weights, "V", "file", meta)
    return w
