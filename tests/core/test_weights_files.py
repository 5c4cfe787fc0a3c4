"""GeoDa .gal/.gwt files: round trips, libpysal's files and reader, errors."""
from tests.references import reference
import csv
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.contiguity import contiguity_weights
from regional_resilience.core.distance_weights import distance_band_weights
from regional_resilience.core.errors import WeightsError
from regional_resilience.core.geometry import parse_wkb_polygons, polygon_centroids
from regional_resilience.core.weights import from_neighbor_pairs
from regional_resilience.core.weights_files import read_weights_file, write_gal, write_gwt
from tests.core._wkb_helpers import libpysal_example_wkb

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected"),
]

libpysal = reference("libpysal")


def _path(name):
    return libpysal.examples.get_path(name)


def _dbf_column(shp, field):
    db = libpysal.io.open(_path(shp.replace(".shp", ".dbf")))
    try:
        return db.by_col(field)
    finally:
        db.close()


def _libpysal_read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = libpysal.io.open(str(path))
        try:
            return f.read()
        finally:
            f.close()


def _sets_by_id(w, ids):
    """{id text: set of neighbour id texts} of our weights."""
    ids = [str(i) for i in ids]
    return {ids[i]: {ids[j] for j in s} for i, s in enumerate(w.neighbor_sets())}


def _libpysal_sets(ref):
    return {str(k): {str(j) for j in v} for k, v in ref.neighbors.items()}


def _values_by_id(w, ids):
    """{(id, neighbour id): weight} of our weights."""
    ids = [str(i) for i in ids]
    rows = np.repeat(np.arange(w.n), w.cardinalities)
    return {(ids[i], ids[j]): v for i, j, v in zip(rows, w.indices, w.weights)}


def _libpysal_values(ref):
    return {
        (str(i), str(j)): v
        for i in ref.neighbors
        for j, v in zip(ref.neighbors[i], ref.weights[i])
    }


@pytest.fixture(scope="module")
def columbus():
    _, wkbs = libpysal_example_wkb("columbus.shp")
    ps = parse_wkb_polygons(wkbs)
    return ps, _dbf_column("columbus.shp", "POLYID")


# -- round trips --------------------------------------------------------------------


def test_gal_round_trip(tmp_path, columbus):
    ps, ids = columbus
    w = contiguity_weights(ps, "queen")
    path = tmp_path / "columbus_q.gal"
    write_gal(path, w, ids, id_field="POLYID", shapefile="columbus")
    assert path.read_text().splitlines()[0] == "0 49 columbus POLYID"
    back = read_weights_file(path, ids)
    assert back.neighbor_sets() == w.neighbor_sets()
    assert back.kind == "file" and back.transform == "B"
    assert back.meta["format"] == "gal"
    assert back.meta["shapefile"] == "columbus" and back.meta["id_field"] == "POLYID"
    # libpysal reads our file the same way
    assert _libpysal_sets(_libpysal_read(path)) == _sets_by_id(w, ids)


def test_gal_round_trip_in_another_layer_order(tmp_path, columbus):
    ps, ids = columbus
    w = contiguity_weights(ps, "rook")
    path = tmp_path / "columbus_r.gal"
    write_gal(path, w, ids)
    assert path.read_text().splitlines()[0] == "49"
    perm = np.random.default_rng(1).permutation(len(ids))
    shuffled = [ids[p] for p in perm]
    back = read_weights_file(path, shuffled)
    assert _sets_by_id(back, shuffled) == _sets_by_id(w, ids)


def test_gwt_round_trip_keeps_values_exactly(tmp_path, columbus):
    ps, ids = columbus
    pts = polygon_centroids(ps)
    w = distance_band_weights(pts, 1.5, binary=False, alpha=-1.0)
    path = tmp_path / "columbus_d.gwt"
    write_gwt(path, w, ids, id_field="POLYID", shapefile="columbus")
    assert path.read_text().splitlines()[0] == "0 49 columbus POLYID"
    back = read_weights_file(path, ids)
    assert_array_equal(back.indptr, w.indptr)
    assert_array_equal(back.indices, w.indices)
    assert_array_equal(back.weights, w.weights)  # repr round-trips floats
    assert back.transform == "V" and back.kind == "file"
    ref = _libpysal_read(path)
    assert _libpysal_sets(ref) == _sets_by_id(w, ids)
    assert _values_by_id(back, ids) == _libpysal_values(ref)


def test_asymmetric_weights_and_islands_round_trip(tmp_path):
    ids = ["r1", "r2", "r3", "r4", "r5"]
    # asymmetric (r3 -> r2 only, r4 -> r3 only); r5 has no neighbour
    w = from_neighbor_pairs(5, [0, 1, 2, 3], [1, 0, 1, 2])
    for ext, writer in ((".gal", write_gal), (".gwt", write_gwt)):
        path = tmp_path / f"knn{ext}"
        writer(path, w, ids)
        back = read_weights_file(path, ids)
        assert back.neighbor_sets() == w.neighbor_sets()
        assert_array_equal(back.islands, [4])


def test_gal_island_lines(tmp_path):
    # GeoDa writes an empty line for a region without neighbours; some tools
    # leave it out. Both read.
    ids = [10, 20, 30]
    with_blank = "3\n10 1\n20\n20 1\n10\n30 0\n\n"
    without = "0 3 layer ID\n30 0\n10 1\n20\n20 1\n10\n"
    for text in (with_blank, without):
        path = tmp_path / "islands.gal"
        path.write_text(text)
        w = read_weights_file(path, ids)
        assert w.neighbor_sets() == [{1}, {0}, set()]


def test_ids_compare_as_text(tmp_path):
    path = tmp_path / "ids.gal"
    path.write_text("2\n1 1\n2\n2 1\n1\n")
    for ids in ([1, 2], ["1", "2"], [1.0, 2.0], [" 1", "2 "], [np.int64(1), np.float64(2)]):
        assert read_weights_file(path, ids).neighbor_sets() == [{1}, {0}]


def test_gwt_self_pairs_are_dropped_and_counted(tmp_path):
    path = tmp_path / "kernel.gwt"
    path.write_text("0 3 layer ID\na a 1.0\na b 0.5\nb a 0.5\nb b 1.0\nc c 1.0\n")
    w = read_weights_file(path, ["a", "b", "c"])
    assert w.neighbor_sets() == [{1}, {0}, set()]
    assert_allclose(w.weights, [0.5, 0.5])
    assert w.meta["n_self_pairs_dropped"] == 3


# -- libpysal's shipped files ---------------------------------------------------------


def _compare_with_libpysal_reader(name, layer_ids):
    ours = read_weights_file(_path(name), layer_ids)
    ref = _libpysal_read(_path(name))
    assert _sets_by_id(ours, layer_ids) == _libpysal_sets(ref)
    return ours


def test_columbus_gal_is_queen(columbus):
    ps, ids = columbus
    w = _compare_with_libpysal_reader("columbus.gal", ids)
    assert w.neighbor_sets() == contiguity_weights(ps, "queen").neighbor_sets()


def test_sids2_gal_is_rook():
    _, wkbs = libpysal_example_wkb("sids2.shp")
    ids = _dbf_column("sids2.shp", "FIPSNO")
    w = _compare_with_libpysal_reader("sids2.gal", ids)
    rook = contiguity_weights(parse_wkb_polygons(wkbs), "rook")
    assert w.neighbor_sets() == rook.neighbor_sets()


def test_states48_gal_is_queen_in_alphabetical_order():
    _, wkbs = libpysal_example_wkb("us48.shp")
    names = _dbf_column("us48.shp", "STATE_NAME")
    ids = np.argsort(np.argsort(names)).tolist()  # file id = alphabetical rank
    w = _compare_with_libpysal_reader("states48.gal", ids)
    queen = contiguity_weights(parse_wkb_polygons(wkbs), "queen")
    assert w.neighbor_sets() == queen.neighbor_sets()


def test_mexico_gal():
    _, wkbs = libpysal_example_wkb("mexicojoin.shp")
    codes = _dbf_column("mexicojoin.shp", "CODE")
    ids = np.argsort(np.argsort(codes)).tolist()  # file id = rank of CODE (csv order)
    with open(_path("mexico.csv")) as f:
        csv_names = [r["State"] for r in csv.DictReader(f)]
    assert csv_names[ids[0]] == "Baja California"  # first shapefile row
    w = _compare_with_libpysal_reader("mexico.gal", ids)
    queen = contiguity_weights(parse_wkb_polygons(wkbs), "queen")
    names = _dbf_column("mexicojoin.shp", "NAME")
    diff = {
        (names[i], names[j])
        for i, (a, b) in enumerate(zip(w.neighbor_sets(), queen.neighbor_sets()))
        for j in a ^ b
    }
    # The file joins Durango and Jalisco, whose outlines in mexicojoin.shp share
    # no vertex (the file was made from other boundaries); otherwise it is queen.
    assert diff == {("Durango", "Jalisco"), ("Jalisco", "Durango")}


@pytest.mark.parametrize("name,n", [("juvenile.gwt", 168), ("baltim_k4.gwt", 211)])
def test_shipped_gwt_files(name, n):
    ref = _libpysal_read(_path(name))
    ids = [str(i) for i in ref.id_order]
    assert len(ids) == n
    w = read_weights_file(_path(name), ids)
    assert w.transform == "V" and w.n == n
    assert _sets_by_id(w, ids) == _libpysal_sets(ref)
    assert _values_by_id(w, ids) == _libpysal_values(ref)


# -- errors ------------------------------------------------------------------------------


def test_ids_missing_on_either_side_are_named(tmp_path):
    path = tmp_path / "w.gal"
    write_gal(path, from_neighbor_pairs(3, [0, 1], [1, 0]), ["a", "b", "c"])
    with pytest.raises(WeightsError) as info:
        read_weights_file(path, ["a", "b", "d"])
    msg = str(info.value)
    assert "in the layer but not in the file: d" in msg
    assert "in the file but not in the layer: c" in msg
    with pytest.raises(WeightsError, match="in the file but not in the layer: b, c"):
        read_weights_file(path, ["a"])


def test_gwt_header_count_must_match(tmp_path):
    path = tmp_path / "w.gwt"
    write_gwt(path, from_neighbor_pairs(3, [0, 1], [1, 0]), ["a", "b", "c"])
    assert read_weights_file(path, ["c", "b", "a"]).neighbor_sets() == [set(), {2}, {1}]
    with pytest.raises(WeightsError, match="announces 3 regions but the layer has 4"):
        read_weights_file(path, ["a", "b", "c", "d"])
    with pytest.raises(WeightsError, match="in the file but not in the layer: b"):
        path.write_text("0 2 x ID\na b 1\n")
        read_weights_file(path, ["a", "c"])


@pytest.mark.parametrize(
    "name,text,match",
    [
        ("bad.gal", "two\n", "first line"),
        ("bad.gal", "2\na 1\nb\nb x\na\n", "line 4: expected 'id number_of_neighbours'"),
        ("bad.gal", "2\na 2\nb\nb 1\na\n", "line 3: region a should list 2"),
        ("bad.gal", "3\na 1\nb\nb 1\na\n", "announces 3 regions but 2 are listed"),
        ("bad.gal", "2\na 1\nb\na 1\nb\n", "listed more than once: a"),
        ("bad.gal", "", "is empty"),
        ("bad.gwt", "0 2 x ID\na b\n", "line 2: expected 'id1 id2 weight'"),
        ("bad.gwt", "0 2 x ID\na b one\n", "not a number"),
        ("bad.gwt", "0 2 x ID\na b 1\na b 2\n", "pair a -> b is listed more than once"),
        ("bad.swm", "2\n", "unknown weights file type '.swm'"),
    ],
)
def test_malformed_files(tmp_path, name, text, match):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(WeightsError, match=match):
        read_weights_file(path, ["a", "b"])


def test_missing_file(tmp_path):
    with pytest.raises(WeightsError, match="cannot read"):
        read_weights_file(tmp_path / "nope.gal", ["a"])


def test_layer_ids_must_be_unique_and_writable(tmp_path):
    path = tmp_path / "w.gal"
    path.write_text("2\na 1\nb\nb 1\na\n")
    with pytest.raises(WeightsError, match="'a' occurs more than once"):
        read_weights_file(path, ["a", "a"])
    w = from_neighbor_pairs(2, [0, 1], [1, 0])
    with pytest.raises(WeightsError, match="white space"):
        write_gal(path, w, ["New York", "Ohio"])
    with pytest.raises(WeightsError, match="2 regions but 3 region ids"):
        write_gwt(path, w, ["a", "b", "c"])
    with pytest.raises(ValueError, match="white space"):
        write_gal(path, w, ["a", "b"], id_field="my id")
