"""A tiny, independent WKB encoder and test geometries.

Only ``struct`` and numpy: the tests must not load GDAL (QGIS's copy is in
the test process) and the encoder must not share code with the parser it
checks.
"""
import struct
import warnings

import numpy as np

from regional_resilience.core.geometry import PolygonSet, parse_wkb_polygons

POLYGON, MULTIPOLYGON = 3, 6


def _header(order, code):
    return struct.pack(order + "BI", 1 if order == "<" else 0, code)


def _type_code(base, dims, ewkb):
    if ewkb:
        code = base
        if "Z" in dims:
            code |= 0x80000000
        if "M" in dims:
            code |= 0x40000000
        return code
    return base + {"": 0, "Z": 1000, "M": 2000, "ZM": 3000}[dims]


def _ring_bytes(ring, order, dims):
    ring = np.asarray(ring, dtype=float)
    extra = len(dims)
    if extra:
        # Z = 100 + x, M = 200 + y: junk the parser must drop.
        cols = [ring[:, 0], ring[:, 1]]
        if "Z" in dims:
            cols.append(100.0 + ring[:, 0])
        if "M" in dims:
            cols.append(200.0 + ring[:, 1])
        ring = np.column_stack(cols)
    return struct.pack(order + "I", len(ring)) + ring.astype(order + "f8").tobytes()


def polygon_wkb(rings, order="<", dims="", ewkb=False):
    """WKB of one Polygon given as a list of rings ((k, 2) arrays)."""
    out = _header(order, _type_code(POLYGON, dims, ewkb))
    out += struct.pack(order + "I", len(rings))
    for ring in rings:
        out += _ring_bytes(ring, order, dims)
    return out


def multipolygon_wkb(polygons, order="<", dims="", ewkb=False, inner_order=None):
    """WKB of a MultiPolygon given as a list of polygons (lists of rings)."""
    out = _header(order, _type_code(MULTIPOLYGON, dims, ewkb))
    out += struct.pack(order + "I", len(polygons))
    for rings in polygons:
        out += polygon_wkb(rings, inner_order or order, dims, ewkb)
    return out


def square(x0, y0, size=1.0, ccw=True):
    """A closed square ring with lower-left corner (x0, y0)."""
    ring = np.array(
        [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    )
    return ring if ccw else ring[::-1]


def grid_wkb(nrows, ncols, size=1.0):
    """Unit squares row by row from the lower left (position = r * ncols + c)."""
    return [
        polygon_wkb([square(c * size, r * size, size)])
        for r in range(nrows)
        for c in range(ncols)
    ]


def _inside(pt, ring):
    """Even-odd ray casting: is ``pt`` inside the closed ``ring``?"""
    x, y = pt
    xs, ys = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(xs, -1), np.roll(ys, -1)
    crosses = (ys > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = xs + (y - ys) * (x2 - xs) / (y2 - ys)
    return bool(np.sum(crosses & (x < xint)) % 2)


def libpysal_polygon_wkb(poly):
    """WKB of a ``libpysal.cg.Polygon`` (holes go to the part containing them)."""
    parts = [np.asarray(p, dtype=float) for p in poly.parts if len(p)]
    holes = [np.asarray(h, dtype=float) for h in poly.holes if len(h)]
    rings = [[p] for p in parts]
    for h in holes:
        owner = next((k for k, p in enumerate(parts) if _inside(h[0], p)), 0)
        rings[owner].append(h)
    if len(rings) == 1:
        return polygon_wkb(rings[0])
    return multipolygon_wkb(rings)


def read_libpysal_polygons(name):
    """The libpysal polygons of an example shapefile (pure-python reader)."""
    import libpysal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        f = libpysal.io.open(libpysal.examples.get_path(name))
        try:
            return f.read()
        finally:
            f.close()


def libpysal_example_wkb(name):
    """(polygons, wkbs) of a libpysal example shapefile."""
    polys = read_libpysal_polygons(name)
    return polys, [libpysal_polygon_wkb(p) for p in polys]


def neighbor_sets_from_libpysal(w):
    """A libpysal W with ids 0..n-1 as a list of sets."""
    return [set(int(j) for j in w.neighbors[i]) for i in range(w.n)]


def voronoi_rings(n, seed=0, densify=3):
    """Closed rings of a Voronoi tessellation of about ``n`` cells.

    Jittered grid points in a square; only bounded cells whose vertices all
    lie inside the square are kept, so the result is a gap-free
    tessellation with a ragged outline. Every edge gets ``densify`` extra
    vertices, computed from the edge's two Voronoi vertices in a fixed order
    so that both cells sharing the edge get bit-identical coordinates
    (about 25 vertices per cell with ``densify=3``).
    """
    from scipy.spatial import Voronoi

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n * 1.08))) + 2
    gx, gy = np.meshgrid(np.arange(side, dtype=float), np.arange(side, dtype=float))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts += rng.uniform(-0.35, 0.35, pts.shape)
    vor = Voronoi(pts)
    verts = vor.vertices
    inside = np.all((verts > 0) & (verts < side - 1), axis=1)
    t = (np.arange(1, densify + 1) / (densify + 1))[:, None]
    rings = []
    for reg in vor.point_region:
        idx = vor.regions[reg]
        if not idx or -1 in idx or not inside[idx].all():
            continue
        idx = np.asarray(idx)
        c = verts[idx].mean(axis=0)
        ang = np.arctan2(verts[idx, 1] - c[1], verts[idx, 0] - c[0])
        idx = idx[np.argsort(ang)]
        ring = []
        for a, b in zip(idx, np.roll(idx, -1)):
            lo, hi = min(a, b), max(a, b)
            mid = verts[lo] + t * (verts[hi] - verts[lo])
            ring.append(verts[a][None, :])
            ring.append(mid if a == lo else mid[::-1])
        ring = np.concatenate(ring)
        rings.append(np.vstack([ring, ring[:1]]))
        if len(rings) == n:
            break
    return rings


def jittered_grid(nrows, ncols, jitter, seed=0):
    """Grid squares whose every copy of a corner is moved by up to ``jitter``."""
    rng = np.random.default_rng(seed)
    geoms = []
    for r in range(nrows):
        for c in range(ncols):
            ring = square(c, r)
            ring[:-1] += rng.uniform(-jitter, jitter, (4, 2))
            ring[-1] = ring[0]
            geoms.append(polygon_wkb([ring]))
    return parse_wkb_polygons(geoms)


def dense_grid(nrows, ncols, per_side=6):
    """Squares of a grid, every side split into ``per_side`` segments.

    Integer coordinates, so neighbouring squares share bit-identical
    vertices; ``4 * per_side + 1`` vertices per ring (25 by default).
    """
    k = np.arange(per_side)
    s = per_side
    ring = np.vstack(
        [
            np.column_stack([k, np.zeros(s)]),
            np.column_stack([np.full(s, s), k]),
            np.column_stack([s - k, np.full(s, s)]),
            np.column_stack([np.zeros(s), s - k]),
            [[0, 0]],
        ]
    ).astype(float)
    r, c = np.divmod(np.arange(nrows * ncols), ncols)
    coords = ring[None] + (np.column_stack([c, r]) * s)[:, None, :]
    nv = len(ring)
    return PolygonSet(
        coords=coords.reshape(-1, 2),
        ring_offsets=np.arange(nrows * ncols + 1, dtype=np.int64) * nv,
        ring_polygon=np.arange(nrows * ncols, dtype=np.int64),
        ring_is_exterior=np.ones(nrows * ncols, dtype=bool),
        part_counts=np.ones(nrows * ncols, dtype=np.int64),
        n=nrows * ncols,
    )
