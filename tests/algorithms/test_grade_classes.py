"""Grade classes through Processing: breaks and codes against PySAL's
mapclassify on the Mexican states (per period and pooled), user thresholds
with labels, the categorized style once loaded, chaining after
entropy-TOPSIS, and bad input refused with clear messages."""
import numpy as np
import pytest
from qgis.core import QgsProcessingException

from regional_resilience.core.classify import classify
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows, study_provinces
from tests.references import reference

MEXICO = str(DATA / "mexico.gpkg")
YEARS = ["1940", "1950", "1960", "1970", "1980", "1990", "2000"]
FIELDS = [f"PCGDP{y}" for y in YEARS]
FIVE = ["low", "lower-middle", "middle", "upper-middle", "high"]
METHODS = {"fisher_jenks": (0, "FisherJenks"), "quantiles": (1, "Quantiles"),
           "equal_interval": (2, "EqualInterval")}


def mexico_values():
    lyr = layer(MEXICO)
    return np.column_stack([column(lyr, f) for f in FIELDS])


def run_grades(run_alg, **params):
    base = {"INPUT": MEXICO, "FIELDS": FIELDS, "OUTPUT": "TEMPORARY_OUTPUT", "BREAKS": "TEMPORARY_OUTPUT"}
    return run_alg("gradeclasses", dict(base, **params))


def gvf_by_hand(y, codes):
    sdam = ((y - y.mean()) ** 2).sum()
    sdcm = sum(((y[codes == c] - y[codes == c].mean()) ** 2).sum() for c in np.unique(codes))
    return 1 - sdcm / sdam


@pytest.mark.parametrize("method", list(METHODS))
def test_per_period_breaks_and_codes_equal_mapclassify(run_alg, method):
    mc = reference("mapclassify")
    index, cls = METHODS[method]
    res, log = run_grades(run_alg, METHOD=index, CLASSES=5, SCOPE=0)
    Y = mexico_values()
    out, table = res["OUTPUT"], rows(res["BREAKS"])
    assert {r["period"] for r in table} == set(YEARS)  # no pooled row
    core = classify(Y, method, 5)
    for k, year in enumerate(YEARS):
        ref = getattr(mc, cls)(Y[:, k], k=5)
        mine = [r for r in table if r["period"] == year]
        assert [r["class"] for r in mine] == [0, 1, 2, 3, 4]
        np.testing.assert_allclose([r["upper"] for r in mine], ref.bins, rtol=1e-12)
        np.testing.assert_allclose([r["lower"] for r in mine], [Y[:, k].min()] + list(ref.bins[:-1]),
                                   rtol=1e-12)
        assert [r["count"] for r in mine] == list(ref.counts)
        codes = column(out, f"gr_code_{year}")
        np.testing.assert_array_equal(codes, ref.yb)
        np.testing.assert_array_equal(codes, core.codes[:, k])
        assert mine[0]["gvf"] == pytest.approx(gvf_by_hand(Y[:, k], ref.yb), rel=1e-10)
        # default labels: the intervals of that period's breaks
        labels = column(out, f"gr_label_{year}")
        assert labels[codes == 0][0] == f"[{Y[:, k].min():g}, {ref.bins[0]:g}]"
        assert labels[codes == 4][0] == f"({ref.bins[3]:g}, {ref.bins[4]:g}]"
    assert "GVF" in log


@pytest.mark.parametrize("method", list(METHODS))
def test_pooled_breaks_equal_mapclassify_on_all_region_years(run_alg, method):
    mc = reference("mapclassify")
    index, cls = METHODS[method]
    res, _ = run_grades(run_alg, METHOD=index, CLASSES=4, SCOPE=1)
    Y = mexico_values()
    ref = getattr(mc, cls)(Y.ravel(), k=4)
    out, table = res["OUTPUT"], rows(res["BREAKS"])
    pooled = [r for r in table if r["period"] == "pooled"]
    np.testing.assert_allclose([r["upper"] for r in pooled], ref.bins, rtol=1e-12)
    assert [r["count"] for r in pooled] == list(ref.counts)
    assert pooled[0]["gvf"] == pytest.approx(gvf_by_hand(Y.ravel(), ref.yb), rel=1e-10)
    codes = np.column_stack([column(out, f"gr_code_{y}") for y in YEARS]).astype(int)
    np.testing.assert_array_equal(codes, ref.yb.reshape(Y.shape))
    # every period's rows use the shared breaks, with that period's counts and GVF
    for k, year in enumerate(YEARS):
        mine = [r for r in table if r["period"] == year]
        np.testing.assert_allclose([r["upper"] for r in mine], ref.bins, rtol=1e-12)
        assert [r["count"] for r in mine] == np.bincount(codes[:, k], minlength=4).tolist()
        assert mine[0]["gvf"] == pytest.approx(gvf_by_hand(Y[:, k], codes[:, k]), rel=1e-10)
    # one legend: the same label for the same code in every year
    labels = np.column_stack([column(out, f"gr_label_{y}") for y in YEARS])
    for c in range(4):
        assert len(set(labels[codes == c])) == 1


def test_user_thresholds_with_labels(run_alg):
    mc = reference("mapclassify")
    edges = [0, 3000, 6000, 10000, 20000, float("inf")]
    res, _ = run_grades(run_alg, METHOD=3, THRESHOLDS="0, 3000, 6000, 10000, 20000, inf",
                        LABELS=", ".join(FIVE))
    Y = mexico_values()
    out, table = res["OUTPUT"], rows(res["BREAKS"])
    for k, year in enumerate(YEARS):
        ref = mc.UserDefined(Y[:, k], bins=edges[1:])
        codes = column(out, f"gr_code_{year}")
        np.testing.assert_array_equal(codes, ref.yb)
        assert list(column(out, f"gr_label_{year}")) == [FIVE[c] for c in ref.yb]
        mine = [r for r in table if r["period"] == year]
        assert [r["label"] for r in mine] == FIVE
        assert [r["count"] for r in mine] == list(ref.counts)
        assert [r["lower"] for r in mine] == edges[:-1]
    pooled = [r for r in table if r["period"] == "pooled"]
    assert [r["count"] for r in pooled] == np.bincount(
        np.searchsorted(edges[1:-1], Y.ravel(), side="left"), minlength=5).tolist()
    # closed on the left: a value equal to a threshold goes up
    value = float(Y[0, 0])
    left, _ = run_grades(run_alg, FIELDS=[FIELDS[0]], METHOD=3, CLOSED=1,
                         THRESHOLDS=f"0, {value}, inf", LABELS="below; at or above")
    right, _ = run_grades(run_alg, FIELDS=[FIELDS[0]], METHOD=3,
                          THRESHOLDS=f"0, {value}, inf", LABELS="below; at or above")
    assert column(left["OUTPUT"], "gr_code_1940")[0] == 1
    assert column(right["OUTPUT"], "gr_code_1940")[0] == 0
    assert column(left["OUTPUT"], "gr_label_1940")[0] == "at or above"


def load_styled(tmp_path, params):
    import processing
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProcessingUtils,
        QgsProject,
    )

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    results = processing.run("regional_resilience:gradeclasses", dict(
        {"INPUT": MEXICO, "FIELDS": FIELDS, "BREAKS": "TEMPORARY_OUTPUT",
         "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "grades.gpkg"), QgsProject.instance())},
        **params), context=context, feedback=feedback)
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    context.layerToLoadOnCompletionDetails(results["OUTPUT"]).postProcessor().postProcessLayer(
        lyr, context, feedback)
    return context.takeResultLayer(lyr.id()) or lyr


def legend(lyr, style):
    """The class field and the (code, label) categories of a named style;
    checks that every feature is drawn with the category of its label."""
    lyr.styleManager().setCurrentStyle(style)
    renderer = lyr.renderer()
    assert renderer.type() == "categorizedSymbol"
    attribute = renderer.classAttribute()
    categories = renderer.categories()
    label_field = attribute.replace("gr_code", "gr_label")
    for feature in lyr.getFeatures():
        index = renderer.categoryIndexForValue(feature[attribute])
        assert index >= 0 and categories[index].label() == feature[label_field]
    return attribute, [(int(c.value()), c.label()) for c in categories]


def test_style_pooled_one_legend_for_every_period(provider, tmp_path):
    lyr = load_styled(tmp_path, {"METHOD": 0, "SCOPE": 1, "LABELS": ", ".join(FIVE)})
    assert lyr.renderer().classAttribute() == "gr_code_2000"  # the last period active
    styles = lyr.styleManager().styles()
    for year in YEARS:
        attribute, categories = legend(lyr, f"Grades gr_code_{year}")
        assert attribute == f"gr_code_{year}"
        assert categories == list(enumerate(FIVE))
    colours = [c.symbol().color().name() for c in lyr.renderer().categories()]
    assert len(set(colours)) == 5
    assert len([s for s in styles if s.startswith("Grades ")]) == len(YEARS)


def test_style_per_period_legends_are_the_intervals(provider, tmp_path):
    lyr = load_styled(tmp_path, {"METHOD": 1, "SCOPE": 0, "CLASSES": 4})
    Y = mexico_values()
    for k, year in enumerate(("1940", "2000")):
        k = YEARS.index(year)
        _, categories = legend(lyr, f"Grades gr_code_{year}")
        bins = np.percentile(Y[:, k], [25, 50, 75, 100])
        assert [v for v, _ in categories] == [0, 1, 2, 3]
        assert categories[0][1] == f"[{Y[:, k].min():g}, {bins[0]:g}]"
        assert categories[3][1] == f"({bins[2]:g}, {bins[3]:g}]"
    _, first = legend(lyr, "Grades gr_code_1940")
    _, last = legend(lyr, "Grades gr_code_2000")
    assert first != last


def test_chained_after_entropy_topsis(run_alg):
    """TOPSIS closeness of China's provinces (synthetic panel 2013-2020),
    graded by name ('topsis_c'), no field picked."""
    mc = reference("mapclassify")
    provinces = study_provinces()
    topsis, _ = run_alg("entropytopsis", {
        "INPUT": provinces, "ID_FIELD": "code", "TABLE": str(DATA / "china_panel.gpkg"),
        "TABLE_ID_FIELD": "code", "TABLE_PERIOD_FIELD": "year",
        "TABLE_VALUE_FIELDS": ["fiber_km", "data_centres", "patents_5g", "gdp_pc", "unemployment",
                               "green_cover"],
        "NEGATIVE": "unemployment", "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    closeness_layer = topsis["OUTPUT"]
    years = [str(y) for y in range(2013, 2021)]
    C = np.column_stack([column(closeness_layer, f"topsis_c_{y}") for y in years])
    res, _ = run_alg("gradeclasses", {
        "INPUT": closeness_layer, "ID_FIELD": "code", "FIELD_PREFIX": "topsis_c", "METHOD": 3,
        "THRESHOLDS": "0, 0.2, 0.4, 0.6, 0.8, 1", "LABELS": ", ".join(FIVE),
        "OUTPUT": "TEMPORARY_OUTPUT", "BREAKS": "TEMPORARY_OUTPUT"})
    out = res["OUTPUT"]
    for k, year in enumerate(years):
        ref = mc.UserDefined(C[:, k], bins=[0.2, 0.4, 0.6, 0.8, 1.0])
        np.testing.assert_array_equal(column(out, f"gr_code_{year}"), ref.yb)
        assert list(column(out, f"gr_label_{year}")) == [FIVE[c] for c in ref.yb]
    assert {r["variable"] for r in rows(res["BREAKS"])} == {"topsis_c"}
    # pooled natural breaks of the same closeness
    jenks, _ = run_alg("gradeclasses", {
        "INPUT": closeness_layer, "FIELD_PREFIX": "topsis_c", "METHOD": 0, "CLASSES": 5,
        "OUTPUT": "TEMPORARY_OUTPUT", "BREAKS": "TEMPORARY_OUTPUT"})
    core = classify(C, "fisher_jenks", 5, pooled=True)
    pooled = [r for r in rows(jenks["BREAKS"]) if r["period"] == "pooled"]
    np.testing.assert_allclose([r["upper"] for r in pooled], core.breaks, rtol=1e-12)
    np.testing.assert_allclose([r["upper"] for r in pooled], mc.FisherJenks(C.ravel(), k=5).bins,
                               rtol=1e-6)
    codes = np.column_stack([column(jenks["OUTPUT"], f"gr_code_{y}") for y in years])
    np.testing.assert_array_equal(codes, core.codes)


def test_report_has_table_and_chart(run_alg, tmp_path):
    report = tmp_path / "grades.html"
    _, log = run_grades(run_alg, METHOD=0, SCOPE=1, LABELS=", ".join(FIVE), REPORT=str(report),
                        THRESHOLDS="0, 1, 2")
    assert "Thresholds are used only with the method 'User thresholds'; ignored." in log
    text = report.read_text(encoding="utf-8")
    assert text.count("<img") == 1
    assert "upper-middle" in text and "pooled" in text and "1940" in text


def few_values_layer(values):
    return grid_layer(3, 3, fields="v:double", values=[[v] for v in values])


@pytest.mark.parametrize("params,message", [
    ({"METHOD": 0, "CLASSES": 5}, r"Only 3 distinct value\(s\) in period 'v' for 5 Fisher-Jenks "
                                  r"classes; choose at most 3 classes"),
    ({"METHOD": 1, "CLASSES": 5}, r"Only \d distinct quantile value\(s\) in period 'v'"),
    ({"METHOD": 3, "THRESHOLDS": "0, 0.5, 0.4, 5"},
     r"strictly increasing; threshold 3 \(0.4\) is not larger than threshold 2 \(0.5\)"),
    ({"METHOD": 3, "THRESHOLDS": "0, 1, 2, 5", "LABELS": "low, high"},
     r"2 label\(s\) were given for 3 classes"),
    ({"METHOD": 0, "CLASSES": 3, "LABELS": "low, mid, low"}, "repeated: low"),
    ({"METHOD": 3, "THRESHOLDS": "0, one, 5"}, "Threshold 'one' is not a number"),
    ({"METHOD": 3}, "'User thresholds' needs the class edges"),
    ({"METHOD": 3, "THRESHOLDS": "0, 1, 2"}, r"outside the thresholds \[0, 2\].*region '\d' in period 'v'"),
])
def test_bad_input_is_refused_clearly(run_alg, params, message):
    lyr = few_values_layer([1, 1, 2, 2, 3, 3, 3, 1, 2])
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("gradeclasses", dict({"INPUT": lyr, "FIELDS": ["v"], "OUTPUT": "TEMPORARY_OUTPUT",
                                      "BREAKS": "TEMPORARY_OUTPUT"}, **params))


def test_constant_and_missing_values(run_alg):
    base = {"FIELDS": ["v"], "OUTPUT": "TEMPORARY_OUTPUT", "BREAKS": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=r"All values in period 'v' are equal \(4\)"):
        run_alg("gradeclasses", dict(base, INPUT=few_values_layer([4] * 9), METHOD=0, CLASSES=2))
    # user thresholds grade a constant period (every region in one grade)
    res, _ = run_alg("gradeclasses", dict(base, INPUT=few_values_layer([4] * 9), METHOD=3,
                                          THRESHOLDS="0, 5, 10", LABELS="low, high"))
    assert list(column(res["OUTPUT"], "gr_label_v")) == ["low"] * 9
    with pytest.raises(QgsProcessingException, match="Missing"):
        run_alg("gradeclasses", dict(base, INPUT=few_values_layer([1, 2, None, 4, 5, 6, 7, 8, 9]),
                                     METHOD=0, CLASSES=2))
