"""Geometries as GeoPackage binary, for rows written with SQLite.

OGC 12-128r18, section 2.1.3 ("GeoPackageBinary"): the bytes ``GP``, a
version (0), a flags byte, the spatial reference id (int32), an optional
envelope, then the geometry as standard WKB. The flags byte here: bit 0 set
(little endian, as the WKB of the bulk reader), bits 1-3 = 1 (an envelope of
minx, maxx, miny, maxy, as GDAL writes for anything but points), and for an
empty geometry bit 4 set and no envelope. The envelope is the geometry's
bounding box as QGIS computes it; the same boxes go into the layer's R-tree.
"""
import struct

import numpy as np
from qgis.core import QgsGeometry

_ENVELOPE = struct.Struct("<4d")
_WKB_TYPE = {"POLYGON": 3, "MULTIPOLYGON": 6}


def same_type(wkbs, geometry_type):
    """True when every non-NULL WKB of ``wkbs`` (2D, little endian, as the
    bulk reader gives them) is of the column's ``geometry_type`` (a
    GeoPackage type name)."""
    code = _WKB_TYPE.get(str(geometry_type).upper())
    if code is None:
        return False
    present = [w for w in wkbs if w is not None]
    if not present:
        return True
    if any(len(w) < 5 or w[0] != 1 for w in present):
        return False
    types = np.frombuffer(b"".join(w[1:5] for w in present), dtype="<u4")
    return bool((types == code).all())


def blobs(wkbs, srs_id):
    """The GeoPackage binary of each WKB (``None`` stays NULL), and the
    positions and boxes (minx, maxx, miny, maxy) of those neither NULL nor
    empty."""
    srs = struct.pack("<i", int(srs_id))
    head, empty_head = b"GP\x00\x03" + srs, b"GP\x00\x11" + srs
    out, at, boxes = [], [], []
    geom = QgsGeometry()
    for k, wkb in enumerate(wkbs):
        if wkb is None:
            out.append(None)
            continue
        geom.fromWkb(wkb)
        if geom.isEmpty():
            out.append(empty_head + wkb)
            continue
        r = geom.boundingBox()
        box = (r.xMinimum(), r.xMaximum(), r.yMinimum(), r.yMaximum())
        out.append(head + _ENVELOPE.pack(*box) + wkb)
        at.append(k)
        boxes.append(box)
    return out, np.array(at, dtype=np.int64), np.array(boxes, dtype=np.float64).reshape(-1, 4)
