"""Handing features to a Processing sink a batch at a time (both writers)."""
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

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
    """Write ``batch`` to ``sink`` (a Processing sink or a layer's data
    provider, whose ``addFeatures`` answers ``(ok, features)``); a refused
    write is the sink's own error."""
    if not batch:
        return
    ok = sink.addFeatures(batch, compat.SINK_FAST_INSERT)
    if isinstance(ok, tuple):
        ok = ok[0]
    if not ok:
        raise QgsProcessingException(alg.writeFeatureError(sink, parameters, param_name))


def with_progress(feedback, span, n, batches):
    """``batches`` (lists of rows, ``n`` rows in all), the progress bar moved
    over ``span`` as each batch is taken (that is, once the one before is
    written); as they are without a span or a feedback."""
    if span is None or feedback is None or n == 0:
        yield from batches
        return
    done = 0
    for batch in batches:
        yield batch
        done += len(batch)
        feedback.setProgress(span[0] + (span[1] - span[0]) * done / n)


def reopened(alg, parameters, param_name, dest_id):
    """The output ``dest_id`` that QGIS has just created (and closed), open
    again as a layer, to add the features to: ``(layer, its provider)``."""
    written = QgsVectorLayer(dest_id, param_name, "ogr")
    if not written.isValid():
        raise QgsProcessingException(alg.invalidSinkError(parameters, param_name))
    return written, written.dataProvider()


def placer(fields, names):
    """A function laying a row of the values of ``names`` out on ``fields``
    (a provider's, which may have a ``fid`` field first), or None when the
    row already is in that layout."""
    at = [fields.indexOf(name) for name in names]
    width = fields.count()
    if at == list(range(width)):
        return None

    def place(values):
        row = [None] * width
        for i, v in zip(at, values):
            row[i] = v
        return row

    return place
