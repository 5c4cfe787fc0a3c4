"""Processing algorithm: the study report, one self-contained HTML file with
the maps, charts and tables of a whole study."""
import numpy as np
from qgis.core import QgsProcessingException, QgsProcessingParameterFeatureSource

from ... import compat
from ...core import coupling, moran
from ..base import Result, Tool
from ..inputs.groups import GroupInput
from ..inputs.layer import INPUT, LayerInput
from ..inputs.options import Number, Text
from ..inputs.weights import WeightsInput
from ..outputs import charts
from ..outputs.maps import render_map
from ..outputs.naming import fields_for_stem, parse_stems
from ..outputs.report import (
    ReportOutput,
    chart_block,
    heat_table_block,
    section,
    table_block,
)
from ..outputs.styles import grade_style, lisa_style
from ..support import tr, with_help

VARIABLE = "VARIABLE"
MAP_PERIODS = "MAP_PERIODS"
GRADES = "GRADES"
PERMUTATIONS = "PERMUTATIONS"
SEED = "SEED"
TABLES = {
    "MORAN_TABLE": "Global Moran's I table (globalmoran)",
    "DAGUM_TABLE": "Dagum Gini wide table (dagumgini)",
    "MARKOV_TABLE": "Markov transitions table (markovchain / spatialmarkov)",
    "WEIGHTS_TABLE": "Indicator weights table (indicatorweights / developmentindex)",
    "REGRESSION_TABLE": "Regression table (paneltobit / spatialpanel)",
}
GRADE_PAIRS = "gr_code:gr_label, cc_grade:cc_label"
LISA_CODES = {code: name for code, name in enumerate(
    ["Not significant", "High-High", "Low-High", "Low-Low", "High-Low", "No neighbours"])}


class _StudyLayer:
    """The study layer's fields, found by the writers' naming rule: the
    analysed variable (``<stem>_<period>``), LISA classes
    (``lisa_cl_<period>``) and grades (``<code stem>_<period>`` with
    ``<label stem>_<period>``)."""

    key = "study"

    def add(self, alg):
        for name, label in TABLES.items():
            alg.addParameter(with_help(
                QgsProcessingParameterFeatureSource(name, tr(label), [compat.SOURCE_VECTOR_ANY], optional=True),
                tr("Optional: the table that tool wrote; its numbers go into the report as charts "
                   "and tables."),
            ))

    def plan(self, run, source, needs):
        names = [f.name() for f in source.fields()]
        numeric = [f.name() for f in source.fields() if compat.field_is_numeric(f)]
        found = {"variable": fields_for_stem(numeric, run.string(VARIABLE) or "cc_d"),
                 "lisa": fields_for_stem(numeric, "lisa_cl"), "grades": []}
        for pair in parse_stems(run.string(GRADES)):
            code, _, label = pair.partition(":")
            codes = fields_for_stem(numeric, code.strip())
            labels = {p: f for _, p, f in fields_for_stem(names, label.strip())} if label else {}
            if codes:
                found["grades"].append((code.strip(), [(p, f, labels.get(p)) for _, p, f in codes]))
        run.memo[self.key] = found
        needs.value_fields.extend(f for _, _, f in found["variable"] + found["lisa"])
        for _, cells in found["grades"]:
            needs.value_fields.extend(f for _, f, _ in cells)
            needs.text_fields.extend(lab for _, _, lab in cells if lab)
        needs.geometry = True

    def build(self, run, data, namespace):
        found = run.memo[self.key]
        tables = {}
        for name in TABLES:
            table = run.source(name)
            if table is not None:
                fields = [f.name() for f in table.fields()]
                tables[name] = (fields, [list(f.attributes()) for f in table.getFeatures()])
        found["tables"] = tables
        return found


class StudyReportAlgorithm(Tool):
    ALGORITHM_ID = "studyreport"
    DISPLAY_NAME = "Study report (maps, charts and tables)"
    GROUP = "Study"
    GROUP_ID = "study"
    TAGS = "report,html,maps,charts,lisa map,grade map,moran scatter plot,study"
    HELP = (
        "One self-contained HTML report of a whole study, from the layer at the end of a chain "
        "of this provider's tools (it carries every field the tools wrote) and the tables they "
        "wrote.\n\n"
        "From the layer (fields found by their names): the analysed variable <stem>_<period> "
        "(default cc_d, the coupling coordination degree): Moran scatter plot per map period and "
        "Moran's I over time with its permutation significance (computed with the weights "
        "below, or taken from the Moran table), mean by group over time (with a group field); "
        "LISA cluster maps (lisa_cl_<period>) per map period, rendered by QGIS in GeoDa's "
        "colours with a legend, and LISA counts over time; grade maps (gr_code_<period> with "
        "gr_label_<period>, or cc_grade/cc_label) per map period.\n"
        "From the tables (optional): Dagum Gini components and contribution rates over time, "
        "Markov transition matrices as heat-tables, the indicator weights table, regression "
        "tables.\n\n"
        "Map periods: comma-separated (default: first and last). A period without results is "
        "refused with the periods that have them. The footer records how the report was made."
    )
    PHASES = (("read", 10), ("weights", 10), ("compute", 70), ("write", 10))
    INPUTS = (LayerInput(label="Study layer (the last tool's output layer)"), WeightsInput(), GroupInput(),
              _StudyLayer())
    OPTIONS = (
        Text(VARIABLE, "Variable (field stem)", "cc_d", help=(
            "Stem of the fields of the analysed variable, one per period: cc_d for cc_d_2013 ... "
            "(coupling coordination degree), topsis_c, idx...")),
        Text(MAP_PERIODS, "Map periods", "", help="Periods to map, comma-separated; empty: first and last."),
        Text(GRADES, "Grade fields (code stem:label stem)", GRADE_PAIRS, advanced=True, help=(
            "Pairs of field stems of grade codes and labels, comma-separated.")),
        Number(PERMUTATIONS, "Permutations for Moran's I", 999, minimum=0, integer=True, advanced=True,
               help="When no Moran table is given, Moran's I over time is computed with these."),
        Number(SEED, "Random seed", 12345, minimum=0, integer=True, advanced=True,
               help="Seed of the permutations (as the Moran tool)."),
    )
    OUTPUTS = (ReportOutput(title="Study report"),)

    def flags(self):
        # maps are rendered with QPainter: run on the main thread in the desktop
        return super().flags() | compat.ALG_NO_THREADING

    def compute(self, data, options, run):
        found = data.study
        layer = data.layer
        qlayer = _memory_copy(run)
        sections = []
        variable = [(p, f) for _, p, f in found["variable"]]
        periods = [p for p, _ in variable] or [p for _, p, _ in found["lisa"]]
        if not periods and not found["grades"] and not found["tables"]:
            raise QgsProcessingException(tr(
                "The layer has no field of the variable '{stem}', no LISA classes and no grades, "
                "and no table was given: nothing to report.").format(stem=options.variable))
        map_periods = _map_periods(options.map_periods, periods, found)
        if variable:
            sections += _variable_sections(run, options, layer, data, variable, map_periods)
        if found["lisa"]:
            sections += _lisa_sections(run, qlayer, layer, found["lisa"], map_periods)
        for code_stem, cells in found["grades"]:
            sections += _grade_sections(run, qlayer, layer, code_stem, cells, map_periods)
        sections += _table_sections(found["tables"])
        if not sections:
            raise QgsProcessingException(tr("Nothing to report."))
        return Result(report=sections)


def _memory_copy(run):
    layer = run.alg.parameterAsVectorLayer(run.parameters, INPUT, run.context)
    if layer is None:
        raise QgsProcessingException(tr("The study layer must be a vector layer."))
    return layer


def _map_periods(text, periods, found):
    available = list(dict.fromkeys(periods + [p for _, p, _ in found["lisa"]]
                                   + [p for _, cells in found["grades"] for p, _, _ in cells]))
    if not text:
        return [available[0], available[-1]] if len(available) > 1 else available
    asked = parse_stems(text)
    missing = [p for p in asked if p not in available]
    if missing:
        raise QgsProcessingException(tr(
            "No results for period(s) {missing} in the study layer; it has results for {have}."
        ).format(missing=", ".join(missing), have=", ".join(available) or "none"))
    return asked


def _variable_sections(run, options, layer, data, variable, map_periods):
    periods = [p for p, _ in variable]
    Y = np.column_stack([layer.columns[f] for _, f in variable])
    if np.isnan(Y).any():
        raise QgsProcessingException(tr("The variable has missing values; the report needs them all."))
    w = data.weights
    progress, is_canceled = run.steps.callbacks("compute", 0, 3)
    res = run.core(moran.moran_global, Y, w, permutations=options.permutations, seed=options.seed,
                   progress=progress, is_canceled=is_canceled)
    stem = options.variable
    blocks = [chart_block(charts.line_chart(periods, {"Moran's I": res.I}, title=tr("Moran's I of {v} over time").format(v=stem),
                                            y_label="I", markers={"Moran's I": list(res.p_sim < 0.05)}),
                          tr("Large points: pseudo p < 0.05 ({n} permutations).").format(n=options.permutations)),
              table_block(["period", "I", "E[I]", "z", "p_sim"],
                          [[p, float(res.I[k]), float(res.EI[k]), float(res.z_rand[k]), float(res.p_sim[k])]
                           for k, p in enumerate(periods)])]
    for p in map_periods:
        if p not in periods:
            continue
        k = periods.index(p)
        y = Y[:, k]
        z = (y - y.mean()) / y.std()
        blocks.append(chart_block(charts.scatter_chart(z, w.lag(z), title=f"{stem} {p}",
                                                       x_label=tr("standardised {v}").format(v=stem),
                                                       y_label=tr("spatial lag")),
                                  tr("Moran scatter plot, {p}").format(p=p)))
    out = [section(tr("Spatial autocorrelation of {v}").format(v=stem), *blocks)]
    groups = data.groups
    if groups is not None:
        series = {label: Y[groups.codes == g].mean(axis=0) for g, label in enumerate(groups.labels)}
        series[tr("all regions")] = Y.mean(axis=0)
        out.append(section(tr("{v} by group over time").format(v=stem),
                           chart_block(charts.line_chart(periods, series, title=tr("Mean {v} by {g}").format(
                               v=stem, g=groups.field), y_label=stem)),
                           table_block(["group"] + periods, [[k] + [float(x) for x in v] for k, v in series.items()])))
    return out


def _lisa_sections(run, qlayer, layer, cells, map_periods):
    periods = [p for _, p, _ in cells]
    counts = {p: np.bincount(layer.columns[f].astype(int), minlength=6) for _, p, f in cells}
    blocks = []
    for p in map_periods:
        if p in periods:
            field = dict((pp, f) for _, pp, f in cells)[p]
            by_label = {tr(LISA_CODES[c]): int(counts[p][c]) for c in range(6)}
            blocks.append(chart_block(render_map(qlayer, lisa_style([field]), field,
                                                 tr("LISA cluster map, {p}").format(p=p), counts=by_label),
                                      tr("LISA clusters {p}").format(p=p)))
            run.check_canceled()
    names = [LISA_CODES[c] for c in (1, 3, 2, 4)]
    series = {tr(n): [int(counts[p][c]) for p in periods] for n, c in zip(names, (1, 3, 2, 4))}
    blocks.append(chart_block(charts.line_chart(periods, series, title=tr("LISA classes over time"),
                                                y_label=tr("regions"))))
    blocks.append(table_block(["period"] + [tr(LISA_CODES[c]) for c in range(6)],
                              [[p] + [int(x) for x in counts[p]] for p in periods]))
    return [section(tr("Local clusters (LISA)"), *blocks)]


def _grade_names(labels, k):
    """The names of grade codes 0, 1, ...: the labels the layer holds
    (``labels``: code -> label), and when they are those of a scheme of the
    coupling coordination tool (ten or three levels), that scheme's labels
    in full, so that a grade no region reached still has its name and its
    place in the legend."""
    for scheme in (coupling.TEN_LEVEL_LABELS, coupling.THREE_LEVEL_LABELS):
        if labels and max(labels) < len(scheme) and all(scheme[c] == lab for c, lab in labels.items()):
            return list(scheme)
    return [labels.get(c, f"class {c}") for c in range(k)]


def _grade_sections(run, qlayer, layer, stem, cells, map_periods):
    labels = {}
    for p, code_field, label_field in cells:
        codes = layer.columns[code_field]
        if label_field and layer.texts and label_field in layer.texts:
            for c, lab in zip(codes, layer.texts[label_field]):
                if c == c and lab is not None:
                    labels.setdefault(int(c), str(lab))
    k = int(max(labels) + 1) if labels else int(np.nanmax([np.nanmax(layer.columns[f]) for _, f, _ in cells]) + 1)
    names = _grade_names(labels, k)
    k = len(names)
    blocks = []
    for p, code_field, _ in cells:
        if p in map_periods:
            cnt = np.bincount(layer.columns[code_field][np.isfinite(layer.columns[code_field])].astype(int), minlength=k)
            blocks.append(chart_block(render_map(qlayer, grade_style([code_field], names), code_field,
                                                 tr("Grades, {p}").format(p=p),
                                                 counts={n: int(cnt[c]) for c, n in enumerate(names)}),
                                      tr("Grade map {p}").format(p=p)))
            run.check_canceled()
    periods = [p for p, _, _ in cells]
    table = [[p] + list(np.bincount(layer.columns[f][np.isfinite(layer.columns[f])].astype(int), minlength=k)[:k])
             for p, f, _ in cells]
    blocks.append(chart_block(charts.bar_chart(periods, {n: [row[1 + c] for row in table] for c, n in enumerate(names)},
                                               title=tr("Regions per grade"), y_label=tr("regions"))))
    blocks.append(table_block(["period"] + names, table))
    return [section(tr("Grades ({stem})").format(stem=stem), *blocks)]


def _table_sections(tables):
    out = []
    if "MORAN_TABLE" in tables:
        fields, rows = tables["MORAN_TABLE"]
        out.append(section(tr("Global Moran's I (table)"), table_block(fields, rows)))
    if "DAGUM_TABLE" in tables:
        out.append(_dagum_section(*tables["DAGUM_TABLE"]))
    if "MARKOV_TABLE" in tables:
        out.append(_markov_section(*tables["MARKOV_TABLE"]))
    for name, title in (("WEIGHTS_TABLE", "Indicator weights"), ("REGRESSION_TABLE", "Regression")):
        if name in tables:
            fields, rows = tables[name]
            out.append(section(tr(title), table_block(fields, rows)))
    return out


def _column(fields, rows, *names):
    lower = [f.lower() for f in fields]
    for name in names:
        if name.lower() in lower:
            i = lower.index(name.lower())
            return [r[i] for r in rows]
    return None


def _dagum_section(fields, rows):
    periods = [str(p) for p in (_column(fields, rows, "period") or range(len(rows)))]
    series = {}
    for name in ("G", "Gw", "Gnb", "Gt"):
        col = _column(fields, rows, name, name.lower(), f"g_{name[1:].lower()}" if len(name) > 1 else "g")
        if col is not None:
            series[name] = [float(v) for v in col]
    shares = {}
    for name in ("Gw", "Gnb", "Gt"):
        col = _column(fields, rows, f"{name}_share", f"{name}_pct", f"{name}_rate", f"c_{name[1:].lower()}",
                      f"{name.lower()}_contribution", f"contrib_{name[1:].lower()}")
        if col is not None:
            shares[name] = [float(v) for v in col]
    blocks = []
    if series:
        blocks.append(chart_block(charts.line_chart(periods, series, title=tr("Dagum Gini components"),
                                                    y_label="Gini")))
    if shares:
        blocks.append(chart_block(charts.bar_chart(periods, shares, title=tr("Contribution rates"))))
    blocks.append(table_block(fields, rows))
    return section(tr("Regional disparity (Dagum Gini)"), *blocks)


def _markov_section(fields, rows):
    frm = _column(fields, rows, "from", "from_class", "i")
    to = _column(fields, rows, "to", "to_class", "j")
    prob = _column(fields, rows, "probability", "p")
    lag = _column(fields, rows, "lag_class", "lag")
    if frm is None or to is None or prob is None:
        return section(tr("Markov chain"), table_block(fields, rows))
    blocks = []
    lags = sorted(set(lag)) if lag is not None else [None]
    for lg in lags:
        sel = [k for k in range(len(rows)) if lag is None or lag[k] == lg]
        labels = list(dict.fromkeys(str(frm[k]) for k in sel))
        cols = list(dict.fromkeys(str(to[k]) for k in sel))
        matrix = [[np.nan] * len(cols) for _ in labels]
        for k in sel:
            matrix[labels.index(str(frm[k]))][cols.index(str(to[k]))] = float(prob[k]) if prob[k] is not None else np.nan
        caption = tr("Transition probabilities") + ("" if lg is None else tr(", neighbours' class {c}").format(c=lg))
        blocks.append(heat_table_block(labels, cols, matrix, caption=caption))
    return section(tr("Markov chain"), *blocks)
