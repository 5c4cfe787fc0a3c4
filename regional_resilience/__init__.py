"""Regional Resilience: a QGIS Processing provider for regional-resilience research."""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    """Entry point QGIS calls when it loads the plugin."""
    from .plugin import RegionalResiliencePlugin

    return RegionalResiliencePlugin(iface)
