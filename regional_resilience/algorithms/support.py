"""What every part of the algorithm layer shares: translation, the error
funnel from the core, progress phases and cancel, parameter help.

Shared strings are translated in one fixed context, ``RegionalResilience``
(templates are translated first, then filled: ``tr("{n} regions").format(n=5)``),
so that ``pylupdate`` extracts them once. The strings that are class
attributes of an algorithm (its name, group, help and tags) are translated
when shown, in the algorithm class's own context (``RRAlgorithm.tr``); they
are not marked for ``pylupdate`` yet (there are no translations yet either).
"""
from qgis.core import QgsProcessingException
from qgis.PyQt.QtCore import QCoreApplication

from .. import compat
from ..core.errors import Canceled, RRDataError

CONTEXT = "RegionalResilience"


def tr(text, context=CONTEXT):
    """``text`` translated in the shared context (a template: fill it after)."""
    return QCoreApplication.translate(context, text)


def canceled_error():
    return QgsProcessingException(tr("Canceled by the user."))


def core_error_text(err):
    """The analyst's sentence for a core domain error: its template
    translated, then filled with its ids/periods; the English text else."""
    template = getattr(err, "template", None)
    if template:
        try:
            return tr(template).format(**err.params)
        except (KeyError, IndexError, ValueError):
            pass
    return str(err)


def run_core(function, *args, **kwargs):
    """Call a core function; turn its domain errors into Processing errors."""
    try:
        return function(*args, **kwargs)
    except Canceled:
        raise canceled_error() from None
    except RRDataError as err:
        raise QgsProcessingException(core_error_text(err)) from None


def check_canceled(feedback):
    if feedback is not None and feedback.isCanceled():
        raise canceled_error()


def with_help(parameter, help_text, advanced=False):
    """Set a parameter's help (shown in the dialog and the docs) and flag it
    advanced when asked; returns the parameter."""
    if hasattr(parameter, "setHelp"):  # QGIS >= 3.16
        parameter.setHelp(help_text)
    if advanced:
        parameter.setFlags(parameter.flags() | compat.FLAG_ADVANCED)
    return parameter


class Steps:
    """Named phases of a run on one progress bar.

    ``phases`` is a sequence of ``(name, weight)``; :meth:`callbacks` gives
    the core its ``progress(fraction)`` and ``is_canceled()`` for one
    phase, :meth:`done` moves the bar to a phase's end. Every tool has the
    same phases (read, weights, compute, write), so progress is never a
    magic number in a tool.
    """

    DEFAULT = (("read", 15), ("weights", 10), ("compute", 60), ("write", 15))

    def __init__(self, feedback, phases=DEFAULT):
        self.feedback = feedback
        total = float(sum(w for _, w in phases))
        self.ranges = {}
        start = 0.0
        for name, weight in phases:
            end = start + 100.0 * weight / total
            self.ranges[name] = (start, end)
            start = end

    def span(self, name, part=0, parts=1):
        """``(start, end)`` percent of the ``part``-th of ``parts`` equal
        slices of phase ``name``."""
        lo, hi = self.ranges[name]
        step = (hi - lo) / max(parts, 1)
        return lo + step * part, lo + step * (part + 1)

    def callbacks(self, name, part=0, parts=1):
        start, end = self.span(name, part, parts)
        feedback = self.feedback

        def progress(fraction):
            if feedback is not None:
                feedback.setProgress(start + (end - start) * min(max(fraction, 0.0), 1.0))

        def is_canceled():
            return feedback is not None and feedback.isCanceled()

        return progress, is_canceled

    def done(self, name):
        check_canceled(self.feedback)
        if self.feedback is not None:
            self.feedback.setProgress(self.ranges[name][1])
