"""The declarative base every Regional Resilience algorithm derives from.

A tool declares what it reads and writes; the base does the rest::

    class CouplingCoordination(Tool):
        ALGORITHM_ID = "couplingcoordination"
        ...
        INPUTS = (LayerInput(), PanelInput(role="variables", min_variables=2), GroupInput())
        OPTIONS = (Choice(VARIANT, "Coupling degree", (("standard", "Standard"), ...)),)
        OUTPUTS = (LayerOutput(OUTPUT, "Coupling coordination"), TableOutput(SUMMARY, "Summary"))

        def compute(self, data, options, run):
            res = run.core(coupling.coupling_coordination, data.panel.stacked(), ...)
            return Result(fields=[...], styles=[...], tables={SUMMARY: rows})

:meth:`Tool.processAlgorithm` reads the layer once with everything every
input needs (values, group labels, geometry), builds each input (panel,
groups, weights), calls :meth:`compute`, then writes the outputs and
attaches their styles. Parameter names are the module constants of the
declarations; no helper looks up a name it did not declare. Algorithms keep
no run state on ``self``: a :class:`Run` carries it.
"""
import os
from dataclasses import dataclass, field
from types import SimpleNamespace

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingFeatureSourceDefinition
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .. import compat
from .support import Steps, check_canceled, run_core

_ICON_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons")


def plugin_icon(name="icon.svg"):
    return QIcon(os.path.join(_ICON_DIR, name))


class RRAlgorithm(QgsProcessingAlgorithm):
    """Identity, translation, help and icon of every algorithm."""

    #: stable lower-case id (never translated; models and scripts use it)
    ALGORITHM_ID = ""
    #: user words shown in the toolbox
    DISPLAY_NAME = ""
    GROUP = ""
    GROUP_ID = ""
    #: method, formula source, assumptions, outputs (help is part of the API)
    HELP = ""
    TAGS = ""

    def tr(self, text):
        return QCoreApplication.translate(type(self).__name__, text)

    def createInstance(self):  # noqa: N802 (QGIS API name)
        return type(self)()

    def name(self):
        return self.ALGORITHM_ID

    def displayName(self):  # noqa: N802
        return self.tr(self.DISPLAY_NAME)

    def group(self):
        return self.tr(self.GROUP)

    def groupId(self):  # noqa: N802
        return self.GROUP_ID

    def shortHelpString(self):  # noqa: N802
        return self.tr(self.HELP)

    def tags(self):
        return [t.strip() for t in self.tr(self.TAGS).split(",") if t.strip()]

    def icon(self):
        return plugin_icon()

    def addParameter(self, definition, createOutput=True):  # noqa: N802, N803 (QGIS API names)
        """As QGIS's, but a name declared twice is a programming error, not a
        parameter silently dropped (QGIS returns False and keeps the first)."""
        if self.parameterDefinition(definition.name()) is not None:
            raise ValueError(f"{self.ALGORITHM_ID}: parameter {definition.name()} is declared twice")
        return super().addParameter(definition, createOutput)


class Run:
    """One execution of a tool: its parameters, context, feedback and
    progress phases, with typed readers for the declarations."""

    def __init__(self, alg, parameters, context, feedback, phases=Steps.DEFAULT):
        self.alg = alg
        self.parameters = parameters
        self.context = context
        self.feedback = feedback
        self.steps = Steps(feedback, phases)
        self.memo = {}
        #: (start, end) percent of the output being written (set by Tool)
        self.output_span = None

    # typed parameter readers ------------------------------------------------
    def string(self, name):
        return self.alg.parameterAsString(self.parameters, name, self.context)

    def enum(self, name):
        return self.alg.parameterAsEnum(self.parameters, name, self.context)

    def enums(self, name):
        return self.alg.parameterAsEnums(self.parameters, name, self.context)

    def bool(self, name):
        return self.alg.parameterAsBool(self.parameters, name, self.context)

    def double(self, name):
        return self.alg.parameterAsDouble(self.parameters, name, self.context)

    def int(self, name):
        return self.alg.parameterAsInt(self.parameters, name, self.context)

    def fields(self, name):
        return compat.parameter_as_fields(self.alg, self.parameters, name, self.context)

    def file(self, name):
        return self.alg.parameterAsFile(self.parameters, name, self.context)

    def source(self, name):
        return self.alg.parameterAsSource(self.parameters, name, self.context)

    def layer_behind(self, name):
        """The ``QgsVectorLayer`` behind the source parameter ``name`` and
        its ``QgsProcessingFeatureSourceDefinition`` (None when the value is
        a plain layer or path): what the bulk reader needs to know. The
        layer is None when it cannot be had (then QGIS's iterator reads)."""
        value = self.parameters.get(name)
        definition = value if isinstance(value, QgsProcessingFeatureSourceDefinition) else None
        if definition is not None:
            value = definition.source
        try:
            layer = self.alg.parameterAsVectorLayer(dict(self.parameters, **{name: value}), name, self.context)
        except Exception:  # noqa: BLE001 - any failure: read with QGIS's iterator
            layer = None
        return layer, definition

    def is_set(self, name):
        value = self.parameters.get(name)
        return value is not None and value != ""

    # messages -----------------------------------------------------------
    def info(self, text):
        self.feedback.pushInfo(text)

    def warn(self, text):
        self.feedback.reportError(text, False)

    def core(self, function, *args, **kwargs):
        """Call a core function; its domain errors become Processing errors."""
        return run_core(function, *args, **kwargs)

    def check_canceled(self):
        check_canceled(self.feedback)

    def provenance(self, data):
        """The run's record (tool, versions, parameters, checksum), made once."""
        if "provenance" not in self.memo:
            from .outputs.provenance import provenance

            self.memo["provenance"] = provenance(self, data)
        return self.memo["provenance"]


@dataclass
class Result:
    """What :meth:`Tool.compute` returns.

    fields : list of :class:`outputs.layer.NewField`, for the layer output
    styles : list of :class:`outputs.styles.StyleSpec`, applied on load
    tables : dict output name -> list of rows (columns declared on the output)
    values : dict output name -> a plain value (numbers, file paths)
    report : list of report sections (:mod:`outputs.report`)
    """

    fields: list = field(default_factory=list)
    styles: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    report: list = field(default_factory=list)


def output_spans(run, outputs, data, result):
    """The write phase of the progress bar shared among ``outputs`` by the
    values each writes (``out.size(run, data, result)``: rows x columns;
    0 for what takes no time, or is not asked for)."""
    sizes = [max(float(getattr(out, "size", lambda *a: 0)(run, data, result) or 0), 0.0) for out in outputs]
    lo, hi = run.steps.span("write")
    total = sum(sizes)
    spans, at = [], lo
    for size in sizes:
        width = (hi - lo) * (size / total if total > 0 else 1.0 / max(len(outputs), 1))
        spans.append((at, at + width))
        at += width
    return spans


class Tool(RRAlgorithm):
    """A tool made of declarations: ``INPUTS`` (the layer first, then panel,
    groups, weights...), ``OPTIONS`` (the tool's own parameters),
    ``OUTPUTS`` (layers, tables, values, report), ``PHASES`` (progress)."""

    INPUTS = ()
    OPTIONS = ()
    OUTPUTS = ()
    PHASES = Steps.DEFAULT

    def initAlgorithm(self, config=None):  # noqa: N802
        for item in (*self.INPUTS, *self.OPTIONS, *self.OUTPUTS):
            item.add(self)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        run = Run(self, parameters, context, feedback, self.PHASES)
        try:
            data = read_inputs(run, self.INPUTS, keep_features=any(o.needs_features for o in self.OUTPUTS))
            options = SimpleNamespace(**{o.key: o.read(run) for o in self.OPTIONS})
            check_canceled(feedback)
            result = self.compute(data, options, run)
            run.steps.done("compute")
            outputs = {}
            for out, span in zip(self.OUTPUTS, output_spans(run, self.OUTPUTS, data, result)):
                run.output_span = span
                outputs.update(out.write(run, data, result))
            run.output_span = None
            run.steps.done("write")
            return outputs
        finally:
            # QGIS objects of this run (feature sources of tables...) must not
            # outlive it through a traceback: a source freed after its layer,
            # or after QGIS has exited, crashes the process
            run.memo.clear()

    def compute(self, data, options, run):
        """Arrays in (``data.panel``, ``data.weights``...), a :class:`Result` out."""
        raise NotImplementedError


def read_inputs(run, inputs, keep_features=False):
    """Read the layer once with what every declared input needs, then build
    each input in order. Returns a namespace: ``layer`` (the
    :class:`inputs.layer.LayerData`) and one attribute per input key."""
    if not inputs:
        return SimpleNamespace()
    layer_input, others = inputs[0], inputs[1:]
    source = layer_input.source(run)
    needs = SimpleNamespace(value_fields=[], text_fields=[], geometry=False)
    for item in others:
        item.plan(run, source, needs)
    data = layer_input.read(run, source, needs, keep_features=keep_features)
    run.steps.done("read")
    namespace = SimpleNamespace(layer=data)
    for item in others:
        setattr(namespace, item.key, item.build(run, data, namespace))
    run.steps.done("weights")
    return namespace


def require(condition, message):
    """Raise a Processing error with ``message`` unless ``condition``."""
    if not condition:
        raise QgsProcessingException(message)
