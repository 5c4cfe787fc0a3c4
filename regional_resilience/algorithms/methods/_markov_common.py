"""What the Markov chain tools share: the class options, the fields they
write, the transition map, the tables and the report blocks.

No Tool class here (the provider only registers modules that define one).
The numbers all come from :mod:`regional_resilience.core.markov`.
"""
import numpy as np
from qgis.core import QgsProcessingException

from ...core import markov
from ..inputs.options import Choice, Flag, Number, Text
from ..outputs import charts
from ..outputs.layer import NewField, period_field
from ..outputs.report import chart_block, heat_table_block, section, table_block, text_block
from ..outputs.styles import StyleSpec
from ..support import tr

OUTPUT = "OUTPUT"
TRANSITIONS = "TRANSITIONS"
CLASS_TABLE = "CLASS_TABLE"
CLASSES = "CLASSES"
#: not "K": the weights declare K (k nearest neighbours)
N_CLASSES = "N_CLASSES"
BREAKS = "BREAKS"
RELATIVE = "RELATIVE"
TIME_LAG = "TIME_LAG"

#: keys are stable (models store the index): only ever append
CLASS_CHOICES = (
    ("period", "Quantiles of each period"),
    ("pooled", "Quantiles of all periods pooled"),
    ("jenks", "Natural breaks (Fisher-Jenks) of all periods pooled"),
    ("jenks_period", "Natural breaks (Fisher-Jenks) of each period"),
    ("breaks", "User breaks"),
    ("codes", "Values are class codes (0, 1, 2, ...)"),
)
#: class choice -> (core classes scheme, core method)
SCHEMES = {"period": ("period", "quantiles"), "pooled": ("pooled", "quantiles"),
           "jenks": ("pooled", "fisher_jenks"), "jenks_period": ("period", "fisher_jenks")}

#: transition-type colours: grey stay, greens up, reds down
TYPE_COLOURS = {markov.STAY: "#d9d9d9", markov.UP: "#74c476", markov.JUMP_UP: "#006d2c",
                markov.DOWN: "#fc9272", markov.JUMP_DOWN: "#a50f15"}
#: legend and report order of the transition types
TYPE_ORDER = (markov.JUMP_UP, markov.UP, markov.STAY, markov.DOWN, markov.JUMP_DOWN)

TRANSITION_COLUMNS = [("variable", "string"), ("from_class", "int"), ("to_class", "int"),
                      ("count", "int"), ("probability", "double"), ("first_passage", "double")]
CLASS_COLUMNS = [("variable", "string"), ("class", "int"), ("upper_bound", "double"),
                 ("initial", "double"), ("steady_state", "double"), ("sojourn_time", "double")]
LAG_COLUMN = ("lag_class", "int")


def with_lag_column(columns):
    """The columns with ``lag_class`` after ``variable`` (the spatial chain)."""
    return [columns[0], LAG_COLUMN] + list(columns[1:])


CLASS_HELP = (
    "Classes (codes 0 = lowest .. k-1): quantiles of each period (default; as giddy's Markov "
    "examples) or of all periods pooled (giddy's Spatial_Markov default), Fisher-Jenks natural "
    "breaks pooled or per period, user breaks b_1 < ... < b_(k-1) (class c holds "
    "b_(c-1) < y <= b_c, the top class is open), or the values taken as class codes already "
    "computed (e.g. the gr_code fields of a grading tool; k = the largest code + 1). A value "
    "equal to a break goes to the class below, as in mapclassify.")


def class_options():
    """The class declarations both tools share (in this order)."""
    return (
        Choice(CLASSES, "Classes", CLASS_CHOICES, help=CLASS_HELP),
        Number(N_CLASSES, "Number of classes k", 4, integer=True, minimum=2, help=(
            "Classes for quantiles and natural breaks; ignored for user breaks (their count + 1) "
            "and class codes.")),
        Text(BREAKS, "User breaks (upper bounds, comma-separated)", help=(
            "With 'User breaks': strictly increasing upper bounds of the classes below the "
            "top one, e.g. '0.8, 0.9, 1, 1.2' gives 5 classes.")),
        Flag(RELATIVE, "Values relative to the period mean", False, help=(
            "Classify y / mean(y) of each period (relative incomes, Rey and Montouri 1999; "
            "giddy's rpci), so that pooled classes do not just follow growth. Per-period "
            "quantiles are the same either way.")),
        Number(TIME_LAG, "Step between the periods of a move", 1, integer=True, minimum=1,
               advanced=True, help="1: moves from each period to the next; 2: to the one after, ..."),
    )


def parse_breaks(text, what="breaks"):
    """Numbers of a comma/semicolon/space-separated text; a clear error else."""
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise QgsProcessingException(tr(
            "Give the {what} as numbers separated by commas, e.g. '0.8, 1, 1.2'.").format(what=tr(what)))
    out = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            raise QgsProcessingException(tr(
                "The {what} must be numbers separated by commas; '{value}' is not a number."
            ).format(what=tr(what), value=p.strip())) from None
    return out


def class_arguments(options, run, values):
    """Keyword arguments of the core chain for the chosen classes."""
    choice = options.classes
    if choice == "codes":
        if options.relative:
            run.warn(tr("'Values relative to the period mean' does not apply to class codes; ignored."))
        return {"class_codes": values}
    relative = {"relative": True} if options.relative else {}
    if choice == "breaks":
        return {"breaks": parse_breaks(options.breaks), **relative}
    scheme, method = SCHEMES[choice]
    return {"classes": scheme, "method": method, "k": options.n_classes, **relative}


def type_names():
    return {code: tr(name) for code, name in markov.TRANSITION_NAMES.items()}


def chain_fields(periods, codes, types, lag, extra=""):
    """mk_class_P for every period, mk_type_P (English core name) for every
    end period P of a move; returns (fields, type field names)."""
    fields = [NewField(period_field("mk_class", extra + p), "int", codes[:, s])
              for s, p in enumerate(periods)]
    names = np.array([markov.TRANSITION_NAMES[c] for c in sorted(markov.TRANSITION_NAMES)], dtype=object)
    type_fields = []
    for s, p in enumerate(periods[lag:]):
        col = types[:, s]
        values = np.where(col >= 0, names[np.clip(col, 0, None)], None)
        type_fields.append(NewField(period_field("mk_type", extra + p), "string", values))
    return fields + type_fields, [f.name for f in type_fields]


def type_style(field_names):
    """Categorized map of transition-type fields (legend translated, values English)."""
    categories = [(markov.TRANSITION_NAMES[c], tr(markov.TRANSITION_NAMES[c]), TYPE_COLOURS[c])
                  for c in TYPE_ORDER]
    return StyleSpec("categorized", list(field_names), categories=categories, prefix="Transitions")


def _num(v):
    """A number for a table: NaN (empty row, no single steady state) and inf
    (a passage that may never happen, an absorbing class's sojourn) as NULL."""
    v = float(v)
    return None if not np.isfinite(v) else v


def _lead(variable, lag_class):
    return [variable] if lag_class is False else [variable, lag_class]


def transition_rows(variable, counts, p, fmpt, lag_class=False):
    """Long rows (from, to, count, probability, first passage); ``lag_class``
    False: no lag column (classic tool), None: NULL (all regions), else h."""
    k = counts.shape[0]
    return [_lead(variable, lag_class) + [i, j, int(counts[i, j]), _num(p[i, j]), _num(fmpt[i, j])]
            for i in range(k) for j in range(k)]


def class_rows(variable, steady, sojourn, initial=None, bounds=None, lag_class=False):
    k = len(steady)
    return [_lead(variable, lag_class)
            + [c, _num(bounds[c]) if bounds is not None and c < len(bounds) else None,
               _num(initial[c]) if initial is not None else None, _num(steady[c]), _num(sojourn[c])]
            for c in range(k)]


def shared_bounds(res):
    """Upper bounds of every class when one set of breaks serves every period
    (the top one the maximum of the values or open), else None."""
    b = np.asarray(res.breaks, dtype=float)
    if res.scheme in ("pooled", "breaks") and b.ndim == 1:
        return list(b) + [np.inf]
    return None


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
def _labels(k):
    return [str(c) for c in range(k)]


def scheme_text(scheme, method):
    """Words for how classes were made (core scheme and method names)."""
    method = {"quantiles": tr("quantiles"), "fisher_jenks": tr("natural breaks (Fisher-Jenks)")}.get(
        method, "")
    return {
        "period": tr("{method} of each period").format(method=method),
        "pooled": tr("{method} of all periods pooled").format(method=method),
        "breaks": tr("user breaks"),
        "codes": tr("class codes given"),
        "categories": tr("class codes given"),
        "categorical": tr("the most common class among the neighbours"),
    }.get(scheme, scheme)


def classes_section(title, res, periods, warnings):
    """Classes: scheme, breaks, shares per period (a chart with every period)."""
    blocks = [text_block(tr("{k} classes (0 = lowest) by {scheme}; {n} moves with a step of {lag} "
                            "period(s).").format(k=res.k, scheme=scheme_text(res.scheme, res.method),
                                                 n=res.n_transitions, lag=res.lag))]
    b = np.asarray(res.breaks, dtype=float)
    if b.size and b.ndim == 2:
        head = [tr("period")] + [tr("upper bound {c}").format(c=c) for c in range(b.shape[1])]
        blocks.append(table_block(head, [[p] + [float(x) for x in row] for p, row in zip(periods, b)],
                                  caption=tr("Class breaks of each period")))
    elif b.size:
        blocks.append(table_block([tr("upper bound {c}").format(c=c) for c in range(len(b))],
                                  [[float(x) for x in b]], caption=tr("Class breaks")))
    if res.scheme == "period":
        blocks.append(text_block(tr("Classes of each period: every period has the same shares of "
                                    "regions per class by construction.")))
    else:
        shares = res.class_counts / res.class_counts.sum(axis=1, keepdims=True)
        blocks.append(chart_block(charts.line_chart(
            periods, {tr("class {c}").format(c=c): shares[:, c] for c in range(res.k)},
            title=tr("Share of regions in each class"), y_label=tr("share")),
            tr("Share of regions in each class and period")))
    blocks += [text_block(w) for w in warnings]
    return section(title, *blocks)


def chain_blocks(counts, p, steady, fmpt, sojourn, initial=None, caption=""):
    """Heat-tables of P, the counts and the passage times, and the distributions."""
    k = counts.shape[0]
    labels = _labels(k)
    suffix = f" ({caption})" if caption else ""
    blocks = [
        heat_table_block(labels, labels, p.tolist(), digits=3, caption=tr(
            "Transition probabilities P (rows: class at the start, columns: class at the end)") + suffix),
        heat_table_block(labels, labels, counts.tolist(), digits=0, caption=tr("Transition counts") + suffix),
    ]
    head = [tr("class")] + ([tr("initial")] if initial is not None else []) + [tr("steady state"),
                                                                             tr("sojourn time")]
    rows = [[c] + ([float(initial[c])] if initial is not None else []) + [float(steady[c]), float(sojourn[c])]
            for c in range(k)]
    blocks.append(table_block(head, rows, caption=tr("Distributions and sojourn times") + suffix))
    finite = np.where(np.isfinite(fmpt), fmpt, np.nan)
    blocks.append(heat_table_block(labels, labels, finite.tolist(), digits=2, caption=tr(
        "Mean first passage times (periods; '–': may never arrive)") + suffix))
    return blocks


def types_blocks(periods, lag, type_counts):
    """Moves by type: a chart over every move (labelled by its end period)
    and the table."""
    names = type_names()
    moves = [f"{periods[s]} - {periods[s + lag]}" for s in range(len(periods) - lag)]
    chart = charts.line_chart(list(periods[lag:]), {names[c]: type_counts[:, c] for c in TYPE_ORDER},
                              title=tr("Regions by type of move"), y_label=tr("regions"))
    rows = [[m] + [int(type_counts[s, c]) for c in TYPE_ORDER] for s, m in enumerate(moves)]
    return [chart_block(chart, tr("Regions by type of move, at the end period of each move")),
            table_block([tr("move")] + [names[c] for c in TYPE_ORDER], rows,
                        caption=tr("Regions by type of move"))]
