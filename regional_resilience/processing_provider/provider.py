"""The Processing provider ``regional_resilience``: the tools, and the
bundled study models (``models/*.model3``, shipped in the plugin and listed
in the toolbox from there, never copied into the user's profile)."""
import os

from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingProvider

from ..algorithms import ALGORITHMS
from ..algorithms.base import plugin_icon

MODELS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "models")


def bundled_model_files():
    if not os.path.isdir(MODELS_DIR):
        return []
    return sorted(os.path.join(MODELS_DIR, n) for n in os.listdir(MODELS_DIR) if n.endswith(".model3"))


class RegionalResilienceProvider(QgsProcessingProvider):
    """Registers every algorithm listed in :data:`algorithms.ALGORITHMS` and
    every bundled model."""

    def id(self):
        return "regional_resilience"

    def name(self):
        return "Regional Resilience"

    def longName(self):  # noqa: N802 (QGIS API name)
        return "Regional Resilience (regional-resilience and coupling-coordination methods)"

    def icon(self):
        return plugin_icon()

    def loadAlgorithms(self):  # noqa: N802 (QGIS API name)
        for algorithm_class in ALGORITHMS:
            self.addAlgorithm(algorithm_class())
        for path in bundled_model_files():
            model = QgsProcessingModelAlgorithm()
            if model.fromFile(path):
                model.setSourceFilePath(path)
                self.addAlgorithm(model)
                # adding re-initialises the model: its outputs become parameters again
                model.updateDestinationParameters()
