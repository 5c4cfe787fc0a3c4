"""Tables written to a GeoPackage get their rows through SQLite
(outputs/gpkg_rows.py): the same table as QGIS writes, a feature count GDAL
keeps up to date, cancel and fallbacks."""
import math
import sqlite3

import numpy as np
import pytest

from regional_resilience.algorithms.outputs import gpkg_rows
from regional_resilience.algorithms.outputs import table as out_table

from tests.helpers import layer

SPECS = [("region", "string"), ("year", "int"), ("value", "double")]


def plain(value):
    return None if value is None or value.__class__.__name__ == "QVariant" else value


def columns(n, seed=5):
    rng = np.random.default_rng(seed)
    region = np.array([f"区{k}" for k in rng.integers(0, 50, n)], dtype=object)  # non-ASCII text
    region[::13] = None
    value = rng.normal(size=n)
    value[::7] = np.nan
    return {"region": region, "year": rng.integers(1990, 2020, n), "value": value}


def expected_rows(cols):
    return [[r, int(y), None if math.isnan(v) else v]
            for r, y, v in zip(cols["region"].tolist(), cols["year"].tolist(), cols["value"].tolist())]


def write(provider, target, cols, feedback=None):
    """The shared writer on the table output of a real tool; (dest, context)."""
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from regional_resilience.algorithms import base

    alg = provider.algorithm("martinresilience").create()
    context = QgsProcessingContext()
    run = base.Run(alg, {"RESILIENCE_TABLE": target}, context, feedback or QgsProcessingFeedback(), alg.PHASES)
    return out_table.write_table(run, "RESILIENCE_TABLE", SPECS, cols), context


def read_back(dest):
    got = layer(dest)
    assert got.isValid()
    return got, [[plain(v) for v in f.attributes()[1:]] for f in got.getFeatures()]


@pytest.fixture
def appended(monkeypatch):
    """How many tables went in through SQLite."""
    calls = []
    real = gpkg_rows.append

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(gpkg_rows, "append", counting)
    monkeypatch.setattr(out_table, "BATCH", 1000)
    return calls


def test_sqlite_rows_equal_qgis_rows(provider, tmp_path, appended, monkeypatch):
    """The same rows, NULLs and text as QGIS's own writer (a memory layer
    and a GeoPackage written with features), GDAL's feature count right and
    its triggers back in place (a row deleted through QGIS is counted)."""
    cols = columns(4321)
    dest, _ = write(provider, str(tmp_path / "fast.gpkg"), cols)
    assert appended == ["fast"]
    memory, context = write(provider, "TEMPORARY_OUTPUT", cols)
    from_memory = [[plain(v) for v in f.attributes()] for f in context.getMapLayer(memory).getFeatures()]
    monkeypatch.setattr(gpkg_rows, "destination", lambda *a: None)
    slow, _ = write(provider, str(tmp_path / "slow.gpkg"), cols)
    assert appended == ["fast"]
    fast_layer, fast = read_back(dest)
    _, slow_rows = read_back(slow)
    assert fast == slow_rows == from_memory == expected_rows(cols)
    assert fast_layer.featureCount() == 4321
    validate = pytest.importorskip("osgeo_utils.samples.validate_gpkg")  # GDAL's GeoPackage validator
    validate.check(str(tmp_path / "fast.gpkg"), extra_checks=True, warning_as_error=True)
    assert [f.name() for f in fast_layer.fields()] == [f.name() for f in layer(slow).fields()]
    assert [f.type() for f in fast_layer.fields()] == [f.type() for f in layer(slow).fields()]
    with sqlite3.connect(tmp_path / "fast.gpkg") as con:
        assert con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'fast'").fetchone() == (4321,)
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    with sqlite3.connect(tmp_path / "slow.gpkg") as con:
        assert {t.replace("slow", "fast") for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                for t in r} == triggers
    assert fast_layer.dataProvider().deleteFeatures([1, 2])
    del fast_layer
    assert layer(dest).featureCount() == 4319


def test_named_table_in_a_geopackage_with_other_layers(provider, tmp_path, appended, data_copy):
    """A table added to an existing GeoPackage (``ogr:dbname=... table=...``)
    goes into its own table; the file's other layers are untouched."""
    gpkg = data_copy("china_provinces.gpkg")
    before = [layer(f"{gpkg}|layername={name}").featureCount() for name in ("china_provinces",)]
    cols = columns(300)
    dest, _ = write(provider, f"ogr:dbname='{gpkg}' table=\"resilience\" (geom)", cols)
    assert appended == ["resilience"]
    _, got = read_back(dest)
    assert got == expected_rows(cols)
    assert [layer(f"{gpkg}|layername={name}").featureCount() for name in ("china_provinces",)] == before


def test_cancel_leaves_no_rows(provider, tmp_path, appended):
    """Canceled while the rows go in: the error Processing shows, and the
    transaction rolled back."""
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="[Cc]ancel"):
        write(provider, str(tmp_path / "canceled.gpkg"), columns(5000), feedback)
    assert appended == ["canceled"]
    with sqlite3.connect(tmp_path / "canceled.gpkg") as con:
        assert con.execute('SELECT count(*) FROM "canceled"').fetchone() == (0,)


def test_unexpected_table_is_written_by_qgis(provider, tmp_path, appended, monkeypatch):
    """When the table is not the one expected (here: as if its columns
    differed) the rows are written through QGIS into the file already made."""
    monkeypatch.setattr(gpkg_rows, "empty_table", lambda *a: None)
    cols = columns(2500)
    dest, _ = write(provider, str(tmp_path / "other.gpkg"), cols)
    assert appended == []
    got_layer, got = read_back(dest)
    assert got == expected_rows(cols) and got_layer.featureCount() == 2500


def test_empty_table_checks_columns_and_rows(tmp_path):
    path = tmp_path / "t.gpkg"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
        con.executemany("INSERT INTO gpkg_contents VALUES (?)", [("a",), ("b",)])
        con.execute('CREATE TABLE a ("fid" INTEGER PRIMARY KEY, "x" REAL)')
        con.execute('CREATE TABLE b ("fid" INTEGER PRIMARY KEY, "x" REAL)')
        con.execute("INSERT INTO b VALUES (1, 2.0)")
    assert gpkg_rows.empty_table(str(path), "A", ["x"]) == "a"  # layer names match in any case
    assert gpkg_rows.empty_table(str(path), "a", ["y"]) is None  # other columns
    assert gpkg_rows.empty_table(str(path), "b", ["x"]) is None  # not empty
    assert gpkg_rows.empty_table(str(path), "", ["x"]) is None  # two tables, none named
    assert gpkg_rows.empty_table(str(tmp_path / "none.gpkg"), "a", ["x"]) is None


def test_locked_file_is_unavailable_and_nothing_taken(tmp_path):
    """Another writer holding the file: Unavailable before a row is taken
    (so QGIS can still write them all)."""
    path = tmp_path / "locked.gpkg"
    with sqlite3.connect(path) as con:
        con.execute('CREATE TABLE t ("fid" INTEGER PRIMARY KEY, "x" REAL)')
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    taken = []

    def batches():
        taken.append(1)
        yield [[1.0]]

    try:
        with pytest.raises(gpkg_rows.Unavailable):
            gpkg_rows.append(str(path), "t", ["x"], batches(), timeout=0.1)
    finally:
        holder.rollback()
        holder.close()
    assert taken == []


def test_refused_row_rolls_back(tmp_path):
    path = tmp_path / "refused.gpkg"
    with sqlite3.connect(path) as con:
        con.execute('CREATE TABLE t ("fid" INTEGER PRIMARY KEY, "x" REAL NOT NULL)')
    with pytest.raises(gpkg_rows.WriteFailed, match="NOT NULL"):
        gpkg_rows.append(str(path), "t", ["x"], iter([[[1.0], [2.0]], [[None]]]))
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
