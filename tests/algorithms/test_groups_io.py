"""The group field read through QGIS, in the same pass as the panel."""
import pytest
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

from regional_resilience.algorithms.inputs.layer import read_polygons
from regional_resilience.core.errors import InputDataError
from regional_resilience.core.groups import groups_from_labels

from tests.helpers import layer


def test_mexico_regions_from_a_numeric_field(data_copy):
    lyr = layer(data_copy("mexico.gpkg"))
    data = read_polygons(lyr, ["PCGDP1940"], "CODE", text_fields=["HANSON03"])
    g = groups_from_labels(data.texts["HANSON03"], ids=data.ids, field="HANSON03")
    assert g.n == 32 and g.k == 6
    assert g.labels == tuple(str(k) for k in range(1, 7))
    # Baja California Norte (MX02) is in Hanson's region 1
    assert g.labels[g.codes[list(data.ids).index("MX02")]] == "1"
    assert g.sizes.sum() == 32


def test_us_sub_regions_from_a_text_field(data_copy):
    lyr = layer(data_copy("us48.gpkg"))
    data = read_polygons(lyr, [], "STATE_NAME", text_fields=["SUB_REGION"])
    g = groups_from_labels(data.texts["SUB_REGION"], ids=data.ids, field="SUB_REGION")
    assert g.k == 9
    assert g.labels[g.codes[list(data.ids).index("Washington")]] == "Pacific"


def test_null_group_is_refused_naming_the_region():
    lyr = QgsVectorLayer("Polygon?crs=EPSG:3857&field=id:string&field=grp:string", "g", "memory")
    feats = []
    for k, grp in enumerate(["east", None, "west"]):
        f = QgsFeature(lyr.fields())
        f.setAttributes([f"r{k}", grp])
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    data = read_polygons(lyr, [], "id", text_fields=["grp"])
    assert data.texts["grp"] == ["east", None, "west"]
    with pytest.raises(InputDataError, match="'grp' is empty for 1 region.*r1"):
        groups_from_labels(data.texts["grp"], ids=data.ids, field="grp")


def test_unknown_group_field_is_named(data_copy):
    lyr = layer(data_copy("mexico.gpkg"))
    with pytest.raises(QgsProcessingException, match="NOREGION"):
        read_polygons(lyr, [], "CODE", text_fields=["NOREGION"])
