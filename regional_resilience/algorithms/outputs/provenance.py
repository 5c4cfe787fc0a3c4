"""What every output records about how it was made: tool, plugin version,
parameters (seed and permutations among them), versions of QGIS, numpy and
scipy, the input's name and a checksum of the values used."""
import configparser
import hashlib
import json
import os
import platform

import numpy as np
import scipy
from qgis.core import Qgis

_METADATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "metadata.txt")


def plugin_version():
    meta = configparser.ConfigParser()
    meta.read(_METADATA, encoding="utf-8")
    return meta["general"].get("version", "?")


def values_checksum(data):
    """SHA-256 of the ids and every value the tool read (panel and, when
    present, group labels), independent of the file format."""
    digest = hashlib.sha256()
    layer = getattr(data, "layer", None)
    if layer is not None:
        digest.update("\x1f".join(map(str, layer.ids)).encode("utf-8"))
    panel = getattr(data, "panel", None)
    if panel is not None:
        digest.update("\x1f".join(panel.periods).encode("utf-8"))
        for name in panel.variables:
            digest.update(str(name).encode("utf-8"))
            digest.update(np.ascontiguousarray(panel.values[name], dtype="<f8").tobytes())
    groups = getattr(data, "groups", None)
    if groups is not None:
        digest.update("\x1f".join(groups.labels).encode("utf-8"))
        digest.update(np.ascontiguousarray(groups.codes, dtype="<i8").tobytes())
    return digest.hexdigest()


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def provenance(run, data):
    """A dict of everything needed to re-run the tool exactly."""
    layer = getattr(data, "layer", None)
    return {
        "tool": f"regional_resilience:{run.alg.name()}",
        "plugin_version": plugin_version(),
        "parameters": {k: _plain(v) for k, v in run.parameters.items()},
        "qgis": Qgis.QGIS_VERSION,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "input": getattr(layer, "source_name", "") if layer is not None else "",
        "values_sha256": values_checksum(data),
    }


def provenance_json(record):
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1)
