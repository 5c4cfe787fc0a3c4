"""The plugin object: it registers the Processing provider (and, in the QGIS
desktop, compiles the numba kernels in the background the first time)."""
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
        # Desktop only (qgis_process calls initProcessing alone): the first
        # start after installation compiles the permutation kernels in a
        # background thread (a few seconds, once), so that the first LISA
        # run does not pause for the compiler. Later starts load nothing
        # until a tool needs it.
        from .core import _kernels

        if _kernels.HAVE_NUMBA and not _kernels.kernels_cached():
            _kernels.warm_up(background=True)

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
