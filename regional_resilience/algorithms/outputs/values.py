"""Outputs that are not layers or tables: numbers and files."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFileDestination,
)

from ..support import tr


class ValueOutput:
    """A number (or text) in the results dict, from ``Result.values[name]``."""

    needs_features = False

    def __init__(self, name, label, kind="number"):
        self.name, self.label, self.kind = name, label, kind

    def add(self, alg):
        cls = QgsProcessingOutputNumber if self.kind == "number" else QgsProcessingOutputString
        alg.addOutput(cls(self.name, tr(self.label)))

    def write(self, run, data, result):
        return {self.name: result.values.get(self.name)}


class FileOutput:
    """A file the tool writes itself (``run.alg.parameterAsFileOutput``);
    its path comes back in the results."""

    needs_features = False

    def __init__(self, name, label, file_filter, optional=False):
        self.name, self.label, self.file_filter, self.optional = name, label, file_filter, optional

    def add(self, alg):
        alg.addParameter(QgsProcessingParameterFileDestination(
            self.name, tr(self.label), fileFilter=self.file_filter, optional=self.optional))

    def path(self, run):
        return run.alg.parameterAsFileOutput(run.parameters, self.name, run.context)

    def write(self, run, data, result):
        path = result.values.get(self.name)
        return {self.name: path} if path else {}
