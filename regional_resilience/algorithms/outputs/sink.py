"""Handing features to a Processing sink a batch at a time (both writers)."""
from qgis.core import QgsFeature, QgsProcessingException

from ... import compat


def reused_features(pool, fields, n):
    """``n`` features of ``fields`` from ``pool`` (grown as needed), reused
    batch after batch: sinks copy what they are given (QGIS features are
    implicitly shared, and setting attributes detaches), and building a
    feature costs more than setting its attributes."""
    while len(pool) < n:
        pool.append(QgsFeature(fields))
    return pool[:n]


def add_batch(sink, batch, alg, parameters, param_name):
    """Write ``batch`` to ``sink``; a refused write is the sink's own error."""
    if batch and not sink.addFeatures(batch, compat.SINK_FAST_INSERT):
        raise QgsProcessingException(alg.writeFeatureError(sink, parameters, param_name))
