"""Generated polygon tessellations for the benchmark.

Voronoi cells of a jittered square lattice, each edge densified with 3
interior vertices (computed from the edge's endpoints in a fixed order, so
neighbouring cells share them exactly): about 6 neighbours and 25 vertices
per polygon, like real county boundaries. Ten periods of a spatially
autocorrelated variable (a smooth surface plus noise) are attached.
"""
import struct

import numpy as np
from scipy.spatial import Voronoi

DENSIFY = 3
PERIODS = [str(2011 + k) for k in range(10)]


def cells(n, seed=0):
    """Return (list of (k, 2) ring arrays, closed), (n, 2) generator points."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    m = side + 4
    gx, gy = np.meshgrid(np.arange(m, dtype=float), np.arange(m, dtype=float))
    pts = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-0.35, 0.35, (m * m, 2))
    pts *= 1000.0  # metres: a 1 km lattice
    vor = Voronoi(pts)
    inner = np.flatnonzero((gx.ravel() >= 2) & (gx.ravel() < 2 + side)
                           & (gy.ravel() >= 2) & (gy.ravel() < 2 + side))[:n]
    t = (np.arange(1, DENSIFY + 1) / (DENSIFY + 1.0))[:, None]
    verts = vor.vertices
    rings = []
    for i in inner:
        region = vor.regions[vor.point_region[i]]
        idx = np.asarray(region)
        a, b = idx, np.roll(idx, -1)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        parts = []
        for k in range(len(idx)):
            inter = verts[lo[k]] + (verts[hi[k]] - verts[lo[k]]) * t
            if a[k] > b[k]:
                inter = inter[::-1]
            parts.append(verts[a[k]][None, :])
            parts.append(inter)
        ring = np.vstack(parts + [verts[a[0]][None, :]])
        rings.append(ring)
    return rings, pts[inner]


def polygon_wkb(ring):
    return struct.pack("<bII", 1, 3, 1) + struct.pack("<I", len(ring)) + np.ascontiguousarray(ring).tobytes()


def values(points, seed=1):
    """(n, 10) autocorrelated values: a smooth surface that drifts by period, plus noise."""
    rng = np.random.default_rng(seed)
    x, y = points[:, 0] / 1000.0, points[:, 1] / 1000.0
    out = []
    for k in range(len(PERIODS)):
        surface = np.sin(x / 25.0 + k * 0.3) + np.cos(y / 17.0 - k * 0.2)
        out.append(100 + 10 * surface + rng.normal(0, 4, len(x)))
    return np.column_stack(out)


def write_gpkg(path, n, seed=0):
    """Write the tessellation with fields id, v2011 ... v2020 (needs QGIS running)."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransformContext,
        QgsFeature,
        QgsFields,
        QgsGeometry,
        QgsVectorFileWriter,
    )

    from regional_resilience import compat

    rings, pts = cells(n, seed)
    vals = values(pts)
    fields = QgsFields()
    fields.append(compat.make_field("rid", "int"))
    for p in PERIODS:
        fields.append(compat.make_field(f"v{p}", "double"))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "cells"
    writer = QgsVectorFileWriter.create(str(path), fields, compat.WKB_POLYGON,
                                        QgsCoordinateReferenceSystem("EPSG:3857"),
                                        QgsCoordinateTransformContext(), options)
    rows = vals.tolist()
    batch = 50000  # features are written in batches: 1,000,000 at once would hold GBs
    for start in range(0, len(rings), batch):
        feats = []
        for k in range(start, min(start + batch, len(rings))):
            f = QgsFeature(fields)
            g = QgsGeometry()
            g.fromWkb(polygon_wkb(rings[k]))
            f.setGeometry(g)
            f.setAttributes([k + 1] + rows[k])
            feats.append(f)
        writer.addFeatures(feats)
    del writer
