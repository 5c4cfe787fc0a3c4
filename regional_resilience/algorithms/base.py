"""The small base class every Regional Resilience algorithm derives from.

It gives stable ids, translation, the icon, and one place where the core's
domain errors become ``QgsProcessingException`` with the analyst's words.
Algorithms keep no run state on ``self``.
"""
import os

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .. import compat
from ..core.errors import Canceled, RRDataError

_ICON_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons")


def plugin_icon(name="icon.svg"):
    return QIcon(os.path.join(_ICON_DIR, name))


class RRAlgorithm(QgsProcessingAlgorithm):
    """Base class. Subclasses set the class attributes and implement
    ``initAlgorithm`` and ``processAlgorithm``."""

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


def run_core(function, *args, **kwargs):
    """Call a core function; turn its domain errors into Processing errors."""
    try:
        return function(*args, **kwargs)
    except Canceled:
        raise QgsProcessingException("Canceled by the user.") from None
    except RRDataError as err:
        raise QgsProcessingException(str(err)) from None


def core_callbacks(feedback, start=0.0, end=100.0):
    """``progress(fraction)`` and ``is_canceled()`` callables for the core,
    mapping the fraction onto ``start..end`` percent of ``feedback``."""

    def progress(fraction):
        if feedback is not None:
            feedback.setProgress(start + (end - start) * min(max(fraction, 0.0), 1.0))

    def is_canceled():
        return feedback is not None and feedback.isCanceled()

    return progress, is_canceled


def check_canceled(feedback):
    if feedback is not None and feedback.isCanceled():
        raise QgsProcessingException("Canceled by the user.")


def with_help(parameter, help_text, advanced=False):
    """Set a parameter's help (shown in the dialog and the docs) and flag it
    advanced when asked; returns the parameter."""
    if hasattr(parameter, "setHelp"):  # QGIS >= 3.16
        parameter.setHelp(help_text)
    if advanced:
        parameter.setFlags(parameter.flags() | compat.FLAG_ADVANCED)
    return parameter
