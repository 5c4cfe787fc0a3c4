"""Rows of a table or a layer appended to a GeoPackage with SQLite itself.

A GeoPackage is an SQLite database, and a table without geometry is a plain
SQLite table (OGC 12-128r18, section 2.4 "Attributes"); a layer's table
has one more column, its geometry as GeoPackage binary (section 2.1.3, see
:mod:`.gpkg_geometry`). QGIS creates the table through GDAL (with its
``fid`` key, column types, the ``gpkg_contents`` / ``gpkg_ogr_contents`` /
``gpkg_geometry_columns`` entries and the R-tree of a layer), and the rows
are then inserted with Python's ``sqlite3`` in one transaction: about three
times as fast as handing QGIS features one at a time (1 million rows of 6
columns: 5.4 s through QGIS's writer, 1.6 s here), with the same file as a
result.

GDAL keeps the feature count of a table in ``gpkg_ogr_contents`` with
triggers on insert and delete, and a layer's R-tree (section F.3, the
``gpkg_rtree_index`` extension) with triggers that call GDAL's own SQL
functions (``ST_MinX`` ...), which Python's SQLite does not have. Those
triggers are dropped while the rows go in and re-created from their own
SQL after; the count is set once, the R-tree filled with the boxes of the
geometries and the layer's extent written in ``gpkg_contents``.

:func:`destination` and :func:`empty_table` / :func:`empty_layer` say
whether an output can be written this way; anything else (a memory layer,
another format, an output appended to an existing layer with a field
mapping, a table that is not the empty one just created) is written
through QGIS as before.
"""
import os
from contextlib import closing
from dataclasses import dataclass

import numpy as np

from qgis.core import QgsProcessingException, QgsProcessingOutputLayerDefinition, QgsProviderRegistry

from ..support import canceled_error, tr

try:
    import sqlite3
except ImportError:  # a Python built without SQLite: every output goes through QGIS
    sqlite3 = None

_COUNT_TRIGGERS = "trigger_%_feature_count_%"
_RTREE_TRIGGERS = "rtree_%"


class Unavailable(Exception):
    """The GeoPackage could not be opened or locked: write through QGIS."""


class WriteFailed(Exception):
    """SQLite refused a row (or the commit); nothing was written."""


def destination(parameters, param_name, dest_id):
    """``(path, layer name)`` when the output ``dest_id`` is a GeoPackage on
    disk that QGIS writes afresh (not appended to with a field mapping),
    else ``None`` (always without Python's ``sqlite3``). The layer name is
    empty when the file's name gives it."""
    if sqlite3 is None:
        return None
    value = parameters.get(param_name)
    if isinstance(value, QgsProcessingOutputLayerDefinition) and value.useRemapping():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", str(dest_id))
    path = parts.get("path") or ""
    if not path.lower().endswith(".gpkg") or not os.path.isfile(path):
        return None
    return path, parts.get("layerName") or ""


def empty_table(path, layer_name, names):
    """The name of the table ``layer_name`` of the GeoPackage ``path`` when
    it is empty and its columns are ``fid`` and ``names``, else ``None``.
    Asked once QGIS has closed the file (GDAL may create a table only
    then)."""
    try:
        with closing(_connect(path)) as con:
            table = _table_name(con, layer_name)
            if table is None or not _empty_with(con, table, ["fid"] + list(names)):
                return None
            return table
    except sqlite3.Error:
        return None


@dataclass
class Layer:
    """A layer's table: its name, geometry column, the geometry type and
    spatial reference of that column, and its R-tree table (None without
    a spatial index)."""

    table: str
    column: str
    geometry_type: str
    srs_id: int
    rtree: object = None


def empty_layer(path, layer_name, names):
    """The :class:`Layer` ``layer_name`` of the GeoPackage ``path`` when it
    is empty, has one 2D geometry column and its columns are ``fid``, the
    geometry and ``names``; else ``None``."""
    try:
        with closing(_connect(path)) as con:
            table = _table_name(con, layer_name)
            if table is None:
                return None
            geometry = con.execute(
                "SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns "
                "WHERE lower(table_name) = lower(?)", (table,)).fetchall()
            if len(geometry) != 1 or geometry[0][3] or geometry[0][4]:
                return None
            column, type_name, srs_id = geometry[0][:3]
            if not _empty_with(con, table, ["fid", column] + list(names)):
                return None
            rtree = f"rtree_{table}_{column}"
            indexed = _has_table(con, "gpkg_extensions") and con.execute(
                "SELECT 1 FROM gpkg_extensions WHERE lower(table_name) = lower(?) AND lower(column_name) = lower(?) "
                "AND extension_name = 'gpkg_rtree_index'", (table, column)).fetchone() is not None
            return Layer(table, column, str(type_name).upper(), int(srs_id),
                         rtree if indexed and _has_table(con, rtree) else None)
    except sqlite3.Error:
        return None


class Boxes:
    """The bounding boxes of a layer's geometries, gathered batch by batch
    while the rows are made: fids and (minx, maxx, miny, maxy), only for
    geometries that are neither NULL nor empty."""

    def __init__(self):
        self._fids, self._boxes = [], []

    def add(self, fids, boxes):
        self._fids.append(np.asarray(fids, dtype=np.int64))
        self._boxes.append(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))

    def arrays(self):
        if not self._fids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 4))
        return np.concatenate(self._fids), np.concatenate(self._boxes)


def append(path, table, names, batches, is_canceled=None, timeout=5.0, layer=None, boxes=None):
    """Insert the rows of ``batches`` (an iterable of lists of rows, each a
    sequence of Python values, ``None`` for NULL) into ``table``, all or
    nothing. Raises :class:`Unavailable` when the file cannot be locked
    (nothing was read from ``batches`` then) and :class:`WriteFailed` when
    SQLite refuses the rows; a cancel (``is_canceled()`` true after a
    batch) rolls back and returns False. ``timeout``: seconds to wait for
    another writer to finish.

    For a layer (``layer``: its :class:`Layer`), ``boxes`` is the
    :class:`Boxes` that making the batches fills: once the rows are in, the
    R-tree gets those boxes and ``gpkg_contents`` the layer's extent."""
    con = _connect(path, timeout)
    try:
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise Unavailable(str(err)) from err
        patterns = [_COUNT_TRIGGERS] + ([_RTREE_TRIGGERS] if layer is not None else [])
        triggers = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            f"AND ({' OR '.join(['name LIKE ?'] * len(patterns))})",
            (table, *patterns),
        ).fetchall()
        for name, _sql in triggers:
            con.execute(f"DROP TRIGGER {_quote(name)}")
        insert = (f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))}) "
                  f"VALUES ({', '.join('?' * len(names))})")
        for batch in batches:
            con.executemany(insert, batch)
            if is_canceled is not None and is_canceled():
                con.rollback()
                return False
        if layer is not None:
            _index(con, layer, boxes if boxes is not None else Boxes())
        for _name, sql in triggers:
            con.execute(sql)
        if _has_table(con, "gpkg_ogr_contents"):
            con.execute(
                f"UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM {_quote(table)}) "
                "WHERE lower(table_name) = lower(?)",
                (table,),
            )
        con.commit()
        return True
    except sqlite3.Error as err:
        if con.in_transaction:
            con.rollback()
        raise WriteFailed(str(err)) from err
    except BaseException:
        if con.in_transaction:
            con.rollback()
        raise
    finally:
        con.close()


def insert(feedback, path, table, names, batches, what="table", **layer):
    """:func:`append` as the writers use it: False (nothing taken from
    ``batches``) when the file is locked and QGIS must write the rows; a
    refused row or a cancel raise the ``QgsProcessingException`` the user
    sees. ``what``: "table" or "layer", for the message; ``layer``: the
    ``layer`` and ``boxes`` of a layer."""
    try:
        done = append(path, table, names, batches,
                      is_canceled=lambda: feedback is not None and feedback.isCanceled(), **layer)
    except Unavailable:
        return False
    except WriteFailed as err:
        raise QgsProcessingException(tr("Could not write the {what} {0} of {1}: {2}").format(
            table, path, err, what=tr(what)))
    if not done:
        raise canceled_error()
    return True


def _index(con, layer, boxes):
    """The layer's R-tree filled with the boxes, its extent in gpkg_contents."""
    fids, box = boxes.arrays()
    if layer.rtree is not None and len(fids):
        rows = [(fid, *b) for fid, b in zip(fids.tolist(), box.tolist())]
        con.executemany(f"INSERT INTO {_quote(layer.rtree)} VALUES (?, ?, ?, ?, ?)", rows)
    extent = [None] * 4
    if len(fids):
        extent = [float(box[:, 0].min()), float(box[:, 2].min()), float(box[:, 1].max()), float(box[:, 3].max())]
    con.execute(
        "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
        "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE lower(table_name) = lower(?)",
        (*extent, layer.table),
    )


def _connect(path, timeout=5.0):
    # isolation_level=None: transactions are begun and ended here, explicitly.
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


def _table_name(con, layer_name):
    """The table of ``gpkg_contents`` named ``layer_name`` (any case), or
    the only one when no name is given (a file written with one table)."""
    rows = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")]
    if layer_name:
        rows = [t for t in rows if t.lower() == layer_name.lower()]
    return rows[0] if len(rows) == 1 else None


def _empty_with(con, table, columns):
    """True when ``table`` has exactly ``columns`` and no row."""
    if _columns(con, table) != columns:
        return False
    return not con.execute(f"SELECT EXISTS (SELECT 1 FROM {_quote(table)})").fetchone()[0]


def _columns(con, table):
    return [r[1] for r in con.execute(f"PRAGMA table_info({_quote(table)})")]


def _has_table(con, name):
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _quote(name):
    return '"' + str(name).replace('"', '""') + '"'
