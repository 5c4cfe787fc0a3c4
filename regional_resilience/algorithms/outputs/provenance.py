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
from qgis.core import (
    Qgis,
    QgsLayerMetadata,
    QgsMapLayer,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProviderRegistry,
    QgsVectorLayer,
)

try:  # the separator of QgsDataProvider.subLayers() entries
    from qgis.core import QgsDataProvider

    QgsDataProviderSeparator = QgsDataProvider.sublayerSeparator()
except (ImportError, AttributeError):
    QgsDataProviderSeparator = "!!::!!"

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


def _parameter_value(value):
    """A parameter value as plain data that ``processing.run`` accepts again."""
    if isinstance(value, QgsMapLayer):
        return value.source()
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        return value.source.staticValue()
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        return value.sink.staticValue()
    return _plain(value)


def provenance(run, data):
    """A dict of everything needed to re-run the tool exactly: ``parameters``
    can be passed back to ``processing.run`` (outputs included)."""
    layer = getattr(data, "layer", None)
    return {
        "tool": f"regional_resilience:{run.alg.name()}",
        "plugin_version": plugin_version(),
        "parameters": {k: _parameter_value(v) for k, v in run.parameters.items()},
        "qgis": Qgis.QGIS_VERSION,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "input": getattr(layer, "source_name", "") if layer is not None else "",
        "values_sha256": values_checksum(data),
    }


def provenance_json(record):
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1)


def layer_metadata(record):
    """The record as QGIS layer metadata (Layer Properties > Metadata): the
    title names the tool, the abstract holds the record as JSON, the
    history one line per run."""
    meta = QgsLayerMetadata()
    meta.setTitle(f"{record['tool']} ({record['plugin_version']})")
    meta.setAbstract(provenance_json(record))
    meta.setHistory([f"{record['tool']} {record['plugin_version']}; QGIS {record['qgis']}, numpy "
                     f"{record['numpy']}, scipy {record['scipy']}; values sha256 {record['values_sha256']}"])
    meta.setKeywords({"regional_resilience": [record["tool"]]})
    return meta


def record_provenance(run, dest_id, record):
    """Attach ``record`` to the output ``dest_id``: on a temporary (memory)
    layer as its metadata, on a file written through OGR (GeoPackage...)
    saved into the file's own metadata tables. Returns True when recorded."""
    meta = layer_metadata(record)
    layer = run.context.getMapLayer(dest_id)
    if layer is not None:
        layer.setMetadata(meta)
        return True
    uri = str(dest_id)
    probe = QgsVectorLayer(uri, "provenance", "ogr")
    if not probe.isValid():
        return False
    source = probe.source()
    if "layername=" not in source:
        sub = probe.dataProvider().subLayers()
        if sub:
            source += "|layername=" + sub[0].split(QgsDataProviderSeparator)[1]
    del probe
    ok, _error = QgsProviderRegistry.instance().saveLayerMetadata("ogr", source, meta)
    return bool(ok)


def read_provenance(layer):
    """The record stored with an output layer (or None)."""
    text = layer.metadata().abstract()
    try:
        record = json.loads(text)
    except (TypeError, ValueError):
        return None
    return record if isinstance(record, dict) and "tool" in record else None
