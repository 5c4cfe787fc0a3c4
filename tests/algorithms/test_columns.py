"""Result columns become the Python values QGIS writes (outputs/columns.py),
and a table given as columns is written as the same rows as given row by row."""
import math

import numpy as np
import pytest

from regional_resilience.algorithms.outputs.columns import ColumnTable, column_array, rows, text_of

from tests.helpers import layer


def plain(value):
    """QGIS's NULL as None."""
    return None if value is None or value.__class__.__name__ == "QVariant" else value


def written(kind, values):
    arr, nulls = column_array(kind, values)
    return [r[0] for r in rows([(arr, nulls)], 0, len(arr))]


def test_doubles_with_nan_are_null():
    out = written("double", np.array([1.5, np.nan, -2.0]))
    assert out == [1.5, None, -2.0] and type(out[0]) is float


def test_int_columns_from_ints_floats_with_nan_and_objects():
    assert written("int", np.array([3, -1, 7], dtype=np.int32)) == [3, -1, 7]
    out = written("int", np.array([2.0, np.nan, 5.0]))  # a code column with NULL as NaN
    assert out == [2, None, 5] and all(type(v) is int for v in (out[0], out[2]))
    assert written("int", np.array([1, None, 4], dtype=object)) == [1, None, 4]
    big = written("int", np.array([2.0 ** 63]))  # beyond int64: exact Python int
    assert big == [2 ** 63]


def test_text_columns():
    labels = np.array(["low", None, "high"], dtype=object)
    arr, _ = column_array("string", labels)
    assert arr is labels  # already text: used as it is
    assert written("string", np.array([1, 2])) == ["1", "2"]
    assert written("string", np.array(["a", "bc"])) == ["a", "bc"]
    assert written("string", np.array([1.5, None], dtype=object)) == ["1.5", None]


def test_batches_put_nulls_in_their_rows():
    values = np.array([np.nan, 1.0, np.nan, 3.0, 4.0, np.nan])
    cols = [column_array("double", values), column_array("int", np.arange(6))]
    got = rows(cols, 0, 2) + rows(cols, 2, 5) + rows(cols, 5, 6)
    assert got == [[None, 0], [1.0, 1], [None, 2], [3.0, 3], [4.0, 4], [None, 5]]


def test_text_of_codes():
    out = text_of(["a", "b", "c"], np.array([2, -1, 0, 1]))
    assert out.tolist() == ["c", None, "a", "b"]
    assert text_of(["x"], np.array([-1]), missing="none").tolist() == ["none"]


@pytest.mark.parametrize("n", [7, 12_345])
def test_table_from_columns_equals_table_from_rows(run_alg, provider, tmp_path, n, monkeypatch):
    """The shared table writer: columns, rows and a table built a batch at
    a time from two parts give the same table, across several batches (one
    of them across the parts), NULLs included."""
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from regional_resilience.algorithms import base
    from regional_resilience.algorithms.outputs import table as out_table

    rng = np.random.default_rng(3)
    ints, reals = rng.integers(-5, 5, n), rng.normal(size=n)
    reals[::7] = np.nan
    names = np.array([f"r{k}" for k in range(n)], dtype=object)
    names[::11] = None
    specs = [("name", "string"), ("code", "int"), ("value", "double")]
    columns = {"name": names, "code": ints, "value": reals}
    row_list = [[a, b, c] for a, b, c in zip(names.tolist(), ints.tolist(), reals.tolist())]
    alg = provider.algorithm("martinresilience").create()
    monkeypatch.setattr(out_table, "BATCH", 1000)
    tables = []
    half = n // 2
    halves = ColumnTable.concat([ColumnTable.of({k: v[:half] for k, v in columns.items()}),
                                 ColumnTable.of({k: v[half:] for k, v in columns.items()})])
    for tag, given in (("columns", columns), ("rows", row_list), ("halves", halves), ("memory", columns)):
        target = "TEMPORARY_OUTPUT" if tag == "memory" else str(tmp_path / f"{tag}.gpkg")
        context = QgsProcessingContext()
        run = base.Run(alg, {"RESILIENCE_TABLE": target}, context, QgsProcessingFeedback(), alg.PHASES)
        dest = out_table.write_table(run, "RESILIENCE_TABLE", specs, given)
        del run
        if tag == "memory":  # the features written are reused batch after batch: each row kept
            got = context.getMapLayer(dest)
            tables.append([[plain(v) for v in f.attributes()] for f in got.getFeatures()])
        else:
            tables.append([[plain(v) for v in f.attributes()[1:]] for f in layer(dest).getFeatures()])  # no fid
    a, b, c, d = tables
    expected = [[r[0], r[1], None if math.isnan(r[2]) else r[2]] for r in row_list]
    assert len(a) == n and a == b == c == d == expected
    first = a[0]
    assert first[0] is None and first[1] == int(ints[0]) and first[2] is None  # NULLs written as NULL
    assert math.isclose(a[1][2], reals[1])
