"""Build spatial weights through Processing; compare with libpysal and GeoDa files."""
import libpysal
import numpy as np
import pytest
from qgis.core import QgsProcessingException

from tests.conftest import DATA
from tests.helpers import column, grid_layer


def neighbour_sets(w, order):
    """libpysal W -> list of neighbour-id sets in the given id order."""
    return [set(map(str, w.neighbors[i])) for i in order]


def read_gal_sets(path):
    w = libpysal.io.open(str(path)).read()
    return {str(k): set(map(str, v)) for k, v in w.neighbors.items()}


def test_columbus_queen_equals_shipped_gal(run_alg, tmp_path):
    gal = tmp_path / "columbus.gal"
    res, log = run_alg("buildweights", {
        "INPUT": str(DATA / "columbus.gpkg"), "ID_FIELD": "POLYID", "WEIGHTS": 0,
        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_OUTPUT": str(gal)})
    ours = read_gal_sets(gal)
    shipped = read_gal_sets(libpysal.examples.get_path("columbus.gal"))
    assert ours == shipped
    nb = column(res["OUTPUT"], "nb_count")
    ids = column(res["OUTPUT"], "POLYID")
    assert [len(shipped[str(int(i))]) for i in ids] == nb.astype(int).tolist()
    assert res["MEAN_NEIGHBOURS"] == pytest.approx(np.mean(nb))
    assert res["ISLAND_COUNT"] == 0
    assert "Weights (queen): 49 regions" in log


@pytest.mark.parametrize("rule,index", [("queen", 0), ("rook", 1)])
def test_sids_contiguity_equals_libpysal(run_alg, tmp_path, rule, index):
    gal = tmp_path / "sids.gal"
    run_alg("buildweights", {"INPUT": str(DATA / "sids2.gpkg"), "WEIGHTS": index,
                             "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_OUTPUT": str(gal)})
    cls = libpysal.weights.Queen if rule == "queen" else libpysal.weights.Rook
    ref = cls.from_shapefile(libpysal.examples.get_path("sids2.shp"))
    # feature ids are 1-based in the GeoPackage; libpysal ids are 0-based positions
    expected = {str(i + 1): {str(j + 1) for j in ref.neighbors[i]} for i in range(ref.n)}
    assert read_gal_sets(gal) == expected


def test_knn_gwt_and_reading_weights_back(run_alg, tmp_path):
    gwt = tmp_path / "knn.gwt"
    lyr = grid_layer(5, 5, fields="name:string,v:double",
                     values=[[f"c{k}", float((k * 13) % 7)] for k in range(25)])
    run_alg("buildweights", {"INPUT": lyr, "ID_FIELD": "name", "WEIGHTS": 2, "K": 4,
                             "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_OUTPUT": str(gwt)})
    text = gwt.read_text().splitlines()
    assert len(text) == 1 + 25 * 4
    # LISA with the file equals LISA with knn built on the fly
    common = {"INPUT": lyr, "ID_FIELD": "name", "FIELDS": ["v"], "PERMUTATIONS": 199,
              "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"}
    from_file, _ = run_alg("localmoran", dict(common, WEIGHTS=4, WEIGHTS_FILE=str(gwt)))
    built, _ = run_alg("localmoran", dict(common, WEIGHTS=2, K=4))
    np.testing.assert_allclose(column(from_file["OUTPUT"], "lisa_i_v"), column(built["OUTPUT"], "lisa_i_v"))
    np.testing.assert_array_equal(column(from_file["OUTPUT"], "lisa_p_v"), column(built["OUTPUT"], "lisa_p_v"))


def test_weights_file_with_other_ids_is_refused(run_alg, tmp_path):
    gal = tmp_path / "other.gal"
    gal.write_text("3\n1 1\n2\n2 2\n1 3\n3 1\n2\n")
    lyr = grid_layer(3, 3, values=[[float(k)] for k in range(9)])
    with pytest.raises(QgsProcessingException, match="not in the"):
        run_alg("localmoran", {"INPUT": lyr, "FIELDS": ["v"], "WEIGHTS": 4, "WEIGHTS_FILE": str(gal),
                               "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"})


def test_second_order_and_snapping(run_alg):
    # a 4x4 grid whose column 2 is shifted by 0.5 m: no exact shared vertices across the gap
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    lyr = QgsVectorLayer("Polygon?crs=EPSG:3857&field=v:double", "g", "memory")
    feats = []
    for j in range(4):
        for i in range(4):
            dx = 0.5 if i >= 2 else 0.0
            x0, y0 = i * 1000 + dx, j * 1000
            f = QgsFeature(lyr.fields())
            f.setGeometry(QgsGeometry.fromWkt(
                f"POLYGON(({x0} {y0},{x0 + 1000} {y0},{x0 + 1000} {y0 + 1000},{x0} {y0 + 1000},{x0} {y0}))"))
            f.setAttributes([float(i + j)])
            feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    params = {"INPUT": lyr, "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS": 1}
    exact, _ = run_alg("buildweights", params)
    snapped, _ = run_alg("buildweights", dict(params, SNAP_TOLERANCE=1.0))
    nb_exact = column(exact["OUTPUT"], "nb_count")
    nb_snap = column(snapped["OUTPUT"], "nb_count")
    assert nb_exact[1] == 2 and nb_snap[1] == 3  # bottom row, column 1: right neighbour only with snapping
    assert nb_snap.tolist() == [2, 3, 3, 2, 3, 4, 4, 3, 3, 4, 4, 3, 2, 3, 3, 2]
    second, _ = run_alg("buildweights", dict(params, SNAP_TOLERANCE=1.0, ORDER=2))
    # rook order <= 2 of a corner cell in a 4x4 grid: 2 first-order + 3 second-order
    assert column(second["OUTPUT"], "nb_count")[0] == 5
