"""The plugin object: it only registers the Processing provider."""
from qgis.core import QgsApplication

from .processing_provider.provider import RegionalResilienceProvider


class RegionalResiliencePlugin:
    """Adds the provider on load, removes it on unload."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS API name)
        if self.provider is None:
            self.provider = RegionalResilienceProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 (QGIS API name)
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
