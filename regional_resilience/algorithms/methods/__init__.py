"""One module per tool. :data:`ALGORITHMS` lists every :class:`~..base.Tool`
defined in the modules of this package (a new tool is a new module here;
nothing to register)."""
import importlib
import pkgutil

from ..base import RRAlgorithm


def _discover():
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, RRAlgorithm) and value.__module__ == module.__name__
                    and value.ALGORITHM_ID):
                found.append(value)
    return found


ALGORITHMS = _discover()
