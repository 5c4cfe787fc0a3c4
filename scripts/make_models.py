"""Write the bundled study models, ``regional_resilience/models/*.model3``.

The models are built here with QGIS's model API (not drawn by hand in the
modeler), so that what each one does is readable in one place and the
files are reproducible: ``.venv/bin/python scripts/make_models.py``. The
provider lists every ``.model3`` of that folder in the toolbox; they open in
the graphical modeler like any model.

(a) study_infrastructure: indicators -> combined weights -> two development
    indices -> coupling coordination and grades -> Dagum Gini by region ->
    global and local Moran of D -> classic and spatial Markov of D -> report.
(b) study_agglomeration: HHI / LQ -> Martin resilience -> coupling
    coordination of agglomeration and resilience -> Moran -> panel Tobit of D
    by region group -> report.
(c) study_border_cities: indicators -> entropy-TOPSIS -> pooled natural
    breaks grades -> trend surface per period.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "regional_resilience" / "models"
GROUP = "Study models"


def _qgis():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    return app


class Builder:
    """A thin layer over QgsProcessingModelAlgorithm: ``param`` adds an
    input, ``step`` a tool with its parameters (static values, ``P(name)``
    for a model input, ``C(child, output)`` for an earlier step's output),
    ``output`` exposes a step's output as a model output."""

    def __init__(self, name, title, help_text):
        from qgis.core import QgsProcessingModelAlgorithm

        self.model = QgsProcessingModelAlgorithm(title, GROUP, "")
        self.model.setName(name)
        self.model.setHelpContent({"ALG_DESC": help_text, "ALG_CREATOR": "Regional Resilience"})
        self.children = {}
        self.y = 0

    def param(self, definition):
        from qgis.core import QgsProcessingModelParameter

        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(_point(80, 60 + 60 * len(self.model.parameterComponents())))
        self.model.addModelParameter(definition, component)
        return definition.name()

    def step(self, child_id, alg_id, description, params, outputs=None):
        from qgis.core import QgsProcessingModelChildAlgorithm, QgsProcessingModelChildParameterSource as S

        child = QgsProcessingModelChildAlgorithm(f"regional_resilience:{alg_id}" if ":" not in alg_id else alg_id)
        child.setChildId(child_id)
        child.setDescription(description)
        self.y += 1
        child.setPosition(_point(420, 60 + 110 * self.y))
        for name, value in params.items():
            if isinstance(value, P):
                source = S.fromModelParameter(value.name)
            elif isinstance(value, C):
                source = S.fromChildOutput(value.child, value.output)
            elif isinstance(value, E):
                source = S.fromExpression(value.expression)
            else:
                source = S.fromStaticValue(value)
            child.addParameterSources(name, [source])
        model_outputs = {}
        for output_name, (child_output, title) in (outputs or {}).items():
            from qgis.core import QgsProcessingModelOutput

            out = QgsProcessingModelOutput(output_name, title)
            out.setChildOutputName(child_output)
            out.setChildId(child_id)
            out.setMandatory(False)
            out.setDefaultValue("TEMPORARY_OUTPUT")
            model_outputs[output_name] = out
        child.setModelOutputs(model_outputs)
        self.model.addChildAlgorithm(child)
        self.children[child_id] = child
        return child_id

    def save(self):
        path = OUT / f"{self.model.name()}.model3"
        if not self.model.toFile(str(path)):
            raise SystemExit(f"could not write {path}")
        print(path)
        return path


class P:
    def __init__(self, name):
        self.name = name


class C:
    def __init__(self, child, output="OUTPUT"):
        self.child, self.output = child, output


class E:
    """A QGIS expression over the model's inputs (``@name``)."""

    def __init__(self, expression):
        self.expression = expression


def _point(x, y):
    from qgis.PyQt.QtCore import QPointF

    return QPointF(x, y)


def _common_inputs(b, table_label="Indicator table (region, year, one column per indicator)"):
    from qgis.core import (
        QgsProcessingParameterFeatureSource,
        QgsProcessingParameterField,
        QgsProcessingParameterString,
    )

    from regional_resilience import compat

    b.param(QgsProcessingParameterFeatureSource("regions", "Regions (polygons)", [compat.SOURCE_POLYGON]))
    b.param(QgsProcessingParameterField("region_id", "Region id field", parentLayerParameterName="regions"))
    b.param(QgsProcessingParameterField("group_field", "Region group field (e.g. east/central/west)",
                                        parentLayerParameterName="regions", optional=True))
    b.param(QgsProcessingParameterFeatureSource("indicators", table_label, [compat.SOURCE_VECTOR_ANY]))
    b.param(QgsProcessingParameterField("indicators_id", "Indicator table: region id field",
                                        parentLayerParameterName="indicators"))
    b.param(QgsProcessingParameterField("indicators_year", "Indicator table: year field",
                                        parentLayerParameterName="indicators"))
    return QgsProcessingParameterString, QgsProcessingParameterField


def _table(prefix="indicators"):
    return {"TABLE": P(prefix), "TABLE_ID_FIELD": P(f"{prefix}_id"), "TABLE_PERIOD_FIELD": P(f"{prefix}_year")}


def model_border_cities():
    b = Builder("study_border_cities", "Study (c): border-city resilience (TOPSIS, grades, trend surface)", (
        "Entropy-TOPSIS closeness of every region and year from the indicator table, five natural-breaks "
        "grades pooled over all years (maps comparable across years), and trend-surface analysis of the "
        "closeness per year (west-east and south-north polynomial trends)."))
    String, Field = _common_inputs(b)
    b.param(Field("indicator_fields", "Indicators", parentLayerParameterName="indicators", allowMultiple=True))
    b.param(String("negative", "Negative (cost) indicators, comma-separated", defaultValue="", optional=True))
    b.step("topsis", "entropytopsis", "Entropy-TOPSIS", dict(
        INPUT=P("regions"), ID_FIELD=P("region_id"), TABLE_VALUE_FIELDS=P("indicator_fields"),
        NEGATIVE=P("negative"), **_table()),
        {"weights": ("WEIGHTS_TABLE", "Indicator weights")})
    b.step("grades", "gradeclasses", "Five natural-breaks grades, pooled", dict(
        INPUT=C("topsis"), ID_FIELD=P("region_id"), FIELD_PREFIX="topsis_c", METHOD=0, CLASSES=5, SCOPE=1,
        LABELS="low; lower-middle; middle; upper-middle; high"),
        {"grade_map": ("OUTPUT", "Resilience grades"), "breaks": ("BREAKS", "Grade breaks")})
    b.step("trend", "trendsurface", "Trend surface per year", dict(
        INPUT=C("grades"), ID_FIELD=P("region_id"), FIELD_PREFIX="topsis_c", ORDER=2, COORDINATES=1),
        {"trend_table": ("OUTPUT", "Trend surface"), "trend_report": ("REPORT", "Trend surface report")})
    return b.save()


def model_infrastructure():
    b = Builder("study_infrastructure", "Study (a): new infrastructure x regional resilience", (
        "Combined entropy-CRITIC weights of the indicators of two subsystems, their development indices, "
        "the coupling coordination degree D with its ten grades, the Dagum Gini decomposition of D by "
        "region group, global and local Moran's I of D, classic and spatial Markov chains of D (quartile "
        "types of each year), and the study report with the LISA and grade maps."))
    String, Field = _common_inputs(b)
    b.param(Field("indicator_fields", "Indicators", parentLayerParameterName="indicators", allowMultiple=True))
    b.param(String("negative", "Negative (cost) indicators, comma-separated", defaultValue="", optional=True))
    b.param(String("subsystems", "The two subsystems and their indicators",
                   defaultValue="infrastructure: fiber_km, data_centres, patents_5g; "
                                "resilience: gdp_pc, unemployment, green_cover"))
    indicators = dict(INPUT=P("regions"), ID_FIELD=P("region_id"), TABLE_VALUE_FIELDS=P("indicator_fields"),
                      NEGATIVE=P("negative"), SUBSYSTEMS=P("subsystems"), OBJECTIVE=[0, 2], **_table())
    b.step("weights", "indicatorweights", "Combined weights (entropy and CRITIC)", indicators,
           {"weights": ("WEIGHTS_TABLE", "Indicator weights")})
    b.step("index", "developmentindex", "Development index of each subsystem", indicators)
    b.step("coupling", "couplingcoordination", "Coupling coordination degree and grades", dict(
        INPUT=C("index"), ID_FIELD=P("region_id"), FIELD_PREFIX="idx_*", GROUP_FIELD=P("group_field")),
        {"coupling_summary": ("SUMMARY", "Coupling coordination summary")})
    stem = dict(ID_FIELD=P("region_id"), FIELD_PREFIX="cc_d")
    b.step("dagum", "dagumgini", "Dagum Gini decomposition of D by group", dict(
        INPUT=C("coupling"), GROUP_FIELD=P("group_field"), **stem), {"dagum": ("OUTPUT", "Dagum Gini of D")})
    b.step("moran", "globalmoran", "Global Moran's I of D", dict(INPUT=C("coupling"), **stem),
           {"moran": ("OUTPUT", "Moran's I of D")})
    b.step("lisa", "localmoran", "Local Moran's I of D", dict(INPUT=C("coupling"), **stem),
           {"lisa_summary": ("SUMMARY", "LISA counts")})
    b.step("markov", "markovchain", "Markov chain of D (quartile types)", dict(
        INPUT=C("lisa"), CLASSES=0, N_CLASSES=4, **stem), {"markov": ("TRANSITIONS", "Markov transitions")})
    b.step("spatial_markov", "spatialmarkov", "Spatial Markov chain of D", dict(
        INPUT=C("lisa"), CLASSES=0, N_CLASSES=4, **stem),
        {"study_layer": ("OUTPUT", "Study layer (all fields)"),
         "spatial_markov": ("TRANSITIONS", "Spatial Markov transitions"),
         "homogeneity": ("HOMOGENEITY", "Spatial Markov homogeneity tests")})
    b.step("report", "studyreport", "Study report", dict(
        INPUT=C("spatial_markov"), ID_FIELD=P("region_id"), GROUP_FIELD=P("group_field"), VARIABLE="cc_d",
        MORAN_TABLE=C("moran"), DAGUM_TABLE=C("dagum"), MARKOV_TABLE=C("markov", "TRANSITIONS"),
        WEIGHTS_TABLE=C("weights", "WEIGHTS_TABLE")),
        {"report": ("REPORT", "Study report")})
    return b.save()


def model_agglomeration():
    b = Builder("study_agglomeration", "Study (b): industrial agglomeration x economic resilience", (
        "Herfindahl index and location quotients from employment by industry, Martin's resilience index of "
        "total employment, development indices of agglomeration (location quotients) and of resilience "
        "(indicators), their coupling coordination degree D, Moran's I of D, and a panel Tobit of D on "
        "agglomeration by region group, with the study report."))
    from qgis.core import QgsProcessingParameterFeatureSource

    from regional_resilience import compat

    String, Field = _common_inputs(b, "Resilience indicator table (region, year, one column per indicator)")
    b.param(Field("resilience_fields", "Resilience indicators", parentLayerParameterName="indicators",
                  allowMultiple=True))
    b.param(String("negative", "Negative resilience indicators, comma-separated", defaultValue="", optional=True))
    b.param(QgsProcessingParameterFeatureSource("employment", "Employment by industry (region, year, industry, "
                                                "jobs)", [compat.SOURCE_VECTOR_ANY]))
    for name, label in (("employment_id", "region id"), ("employment_year", "year"),
                        ("employment_industry", "industry"), ("employment_value", "employment")):
        b.param(Field(name, f"Employment table: {label} field", parentLayerParameterName="employment"))
    b.param(QgsProcessingParameterFeatureSource("total", "Total employment or GDP (region, year, value)",
                                                [compat.SOURCE_VECTOR_ANY]))
    for name, label in (("total_id", "region id"), ("total_year", "year"), ("total_value", "value")):
        b.param(Field(name, f"Total table: {label} field", parentLayerParameterName="total"))
    b.param(String("agglomeration_fields", "Agglomeration indicators (field stems of the location quotients)",
                   defaultValue="lq_manufacturing, lq_digital, lq_services"))
    b.param(String("tobit_regressors", "Regressors of the Tobit model of D (field stems)",
                   defaultValue="hhi, lq_manufacturing, lq_digital"))
    b.step("agglomeration", "agglomeration", "HHI and location quotients", dict(
        INPUT=P("regions"), ID_FIELD=P("region_id"), TABLE=P("employment"), TABLE_ID_FIELD=P("employment_id"),
        TABLE_PERIOD_FIELD=P("employment_year"), TABLE_INDUSTRY_FIELD=P("employment_industry"),
        TABLE_VALUE_FIELDS=P("employment_value"), OUTPUT="TEMPORARY_OUTPUT"))
    b.step("martin", "martinresilience", "Martin resilience index", dict(
        INPUT=C("agglomeration"), ID_FIELD=P("region_id"), TABLE=P("total"), TABLE_ID_FIELD=P("total_id"),
        TABLE_PERIOD_FIELD=P("total_year"), TABLE_VALUE_FIELDS=P("total_value"), GROUP_FIELD=P("group_field"),
        OUTPUT="TEMPORARY_OUTPUT", RESILIENCE_TABLE="TEMPORARY_OUTPUT"),
        {"martin_table": ("RESILIENCE_TABLE", "Martin resilience index")})
    b.step("agglo_index", "developmentindex", "Agglomeration index (location quotients)", dict(
        INPUT=C("martin"), ID_FIELD=P("region_id"), FIELD_PREFIX=P("agglomeration_fields"),
        SUBSYSTEMS="agglomeration: *"))
    b.step("resil_index", "developmentindex", "Resilience index (indicators)", dict(
        INPUT=C("agglo_index"), ID_FIELD=P("region_id"), TABLE_VALUE_FIELDS=P("resilience_fields"),
        NEGATIVE=P("negative"), SUBSYSTEMS="resilience: *", **_table()),
        {"weights": ("WEIGHTS_TABLE", "Resilience indicator weights")})
    b.step("coupling", "couplingcoordination", "Coupling coordination of agglomeration and resilience", dict(
        INPUT=C("resil_index"), ID_FIELD=P("region_id"), FIELD_PREFIX="idx_agglomeration, idx_resilience",
        GROUP_FIELD=P("group_field")), {"study_layer": ("OUTPUT", "Study layer (all fields)"),
                                        "coupling_summary": ("SUMMARY", "Coupling coordination summary")})
    b.step("moran", "globalmoran", "Global Moran's I of D", dict(
        INPUT=C("coupling"), ID_FIELD=P("region_id"), FIELD_PREFIX="cc_d"), {"moran": ("OUTPUT", "Moran's I of D")})
    b.step("tobit", "paneltobit", "Panel Tobit of D by region group", dict(
        INPUT=C("coupling"), ID_FIELD=P("region_id"), GROUP_FIELD=P("group_field"), DEPENDENT="cc_d",
        REGRESSORS=P("tobit_regressors"), FIELD_PREFIX=E("'cc_d, ' || @tobit_regressors")),
        {"tobit": ("OUTPUT", "Panel Tobit of D")})
    b.step("report", "studyreport", "Study report", dict(
        INPUT=C("coupling"), ID_FIELD=P("region_id"), GROUP_FIELD=P("group_field"), VARIABLE="cc_d",
        MORAN_TABLE=C("moran"), REGRESSION_TABLE=C("tobit"), WEIGHTS_TABLE=C("resil_index", "WEIGHTS_TABLE")),
        {"report": ("REPORT", "Study report")})
    return b.save()


def main():
    app = _qgis()
    sys.path.insert(0, str(ROOT))
    from qgis.core import QgsApplication

    from regional_resilience.processing_provider.provider import RegionalResilienceProvider

    provider = RegionalResilienceProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    OUT.mkdir(parents=True, exist_ok=True)
    model_infrastructure()
    model_agglomeration()
    model_border_cities()
    QgsApplication.processingRegistry().removeProvider(provider)
    del app


if __name__ == "__main__":
    main()
