"""The Processing provider ``regional_resilience``."""
from qgis.core import QgsProcessingProvider

from ..algorithms import ALGORITHMS
from ..algorithms.base import plugin_icon


class RegionalResilienceProvider(QgsProcessingProvider):
    """Registers every algorithm listed in :data:`algorithms.ALGORITHMS`."""

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
