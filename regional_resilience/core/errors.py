"""Domain errors raised by the numerical core.

The core never knows about QGIS. It raises these exceptions with a sentence a
GIS analyst can act on (naming the field, region or period); the Processing
adapters turn them into ``QgsProcessingException``.
"""

__all__ = ["RRDataError", "InputDataError", "WeightsError"]


class RRDataError(ValueError):
    """Base class: the input data cannot be analysed as given."""


class InputDataError(RRDataError):
    """Values, ids or periods are missing, duplicated, constant or non-numeric."""


class WeightsError(RRDataError):
    """Spatial weights cannot be built or read, or do not fit the data."""


class Canceled(Exception):
    """The user canceled the run (raised when ``is_canceled()`` returns True)."""


__all__.append("Canceled")
