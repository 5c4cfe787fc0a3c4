"""Processing algorithms: thin declarations on :mod:`.base`, one file per
tool in :mod:`.methods`, reading through :mod:`.inputs` and writing through
:mod:`.outputs`."""
from .methods import ALGORITHMS

__all__ = ["ALGORITHMS"]
