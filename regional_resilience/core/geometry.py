"""Polygon rings from WKB, and their areas and centroids.

The Processing adapters hand the core one ``bytes`` object per feature, as
``QgsGeometry.asWkb()`` gives it. This module turns them into flat numpy
arrays (every ring vertex in one ``(m, 2)`` array plus offsets), the only
geometry the weights builders need. Nothing here knows about QGIS, GEOS or
GDAL.

WKB is the OGC Simple Features binary encoding [OGC2011]_: a byte-order
byte, a ``uint32`` geometry type, then counts and IEEE doubles. Accepted
types are Polygon (3) and MultiPolygon (6) in their 2D, Z (+1000), M (+2000)
and ZM (+3000) ISO forms and with the PostGIS EWKB flags (Z ``0x80000000``,
M ``0x40000000``, SRID ``0x20000000``); a CurvePolygon (10) whose rings are
all LineStrings and a MultiSurface (12) of Polygons are read too, since
QGIS may write those for linear data. Z and M values are dropped.

References
----------
.. [OGC2011] Open Geospatial Consortium (2011). *OpenGIS Implementation
   Standard for Geographic information - Simple feature access - Part 1:
   Common architecture*, version 1.2.1, OGC 06-103r4, section 8.2
   (Well-known Binary Representation for Geometry).
.. [Bourke1988] Bourke, P. (1988). *Calculating the area and centroid of a
   polygon*. https://paulbourke.net/geometry/polygonmesh/
"""
import struct
from dataclasses import dataclass

import numpy as np

from .errors import InputDataError

__all__ = ["PolygonSet", "parse_wkb_polygons", "polygon_areas", "polygon_centroids"]

_POINT, _LINESTRING, _POLYGON, _MULTIPOLYGON = 1, 2, 3, 6
_CURVEPOLYGON, _MULTISURFACE = 10, 12
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000

_U32 = {1: struct.Struct("<I"), 0: struct.Struct(">I")}
_F8 = {1: np.dtype("<f8"), 0: np.dtype(">f8")}

_TYPE_NAMES = {
    1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint",
    5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection",
    8: "CircularString", 9: "CompoundCurve", 10: "CurvePolygon",
    11: "MultiCurve", 12: "MultiSurface", 15: "PolyhedralSurface",
    16: "TIN", 17: "Triangle",
}


@dataclass(frozen=True)
class PolygonSet:
    """The rings of ``n`` polygon features as flat arrays.

    Rings are stored feature by feature, in input order; within a feature,
    part by part, each part's exterior ring first and then its holes.
    Features without geometry (``None``, empty bytes or an empty polygon)
    have no rings.

    Attributes
    ----------
    coords : (m, 2) float64
        x, y of every ring vertex, rings one after another (WKB rings are
        closed, so a ring's last vertex normally repeats its first).
    ring_offsets : (r + 1,) int64
        Ring ``k`` is ``coords[ring_offsets[k]:ring_offsets[k + 1]]``; no
        ring is empty.
    ring_polygon : (r,) int64
        The feature (0-based position in the input) each ring belongs to;
        non-decreasing.
    ring_is_exterior : (r,) bool
        True for the exterior ring of a part, False for a hole.
    part_counts : (n,) int64
        Number of non-empty polygon parts of every feature (0 = empty
        geometry, more than 1 = multipart).
    n : int
        Number of features.
    """

    coords: np.ndarray
    ring_offsets: np.ndarray
    ring_polygon: np.ndarray
    ring_is_exterior: np.ndarray
    part_counts: np.ndarray
    n: int

    @property
    def n_rings(self):
        """Number of rings."""
        return len(self.ring_polygon)

    @property
    def empty(self):
        """Positions of features without any ring (empty or missing geometry)."""
        return np.flatnonzero(self.part_counts == 0)

    @property
    def multipart(self):
        """Positions of features with more than one polygon part."""
        return np.flatnonzero(self.part_counts > 1)

    @property
    def vertex_polygon(self):
        """The feature of every vertex, shape (m,)."""
        return np.repeat(self.ring_polygon, np.diff(self.ring_offsets))


class _Reader:
    """Collects rings while walking one WKB buffer after another."""

    def __init__(self):
        self.chunks = []  # float64 arrays, (npts, 2) each
        self.lengths = []
        self.feature = []
        self.exterior = []

    # -- primitives -----------------------------------------------------
    @staticmethod
    def header(buf, off):
        """Byte order, base type, dimension, offset after the header, ISO code."""
        order = buf[off]
        if order not in (0, 1):
            raise ValueError(f"invalid byte-order byte {order} at offset {off}")
        (code,) = _U32[order].unpack_from(buf, off + 1)
        off += 5
        if code & _EWKB_SRID:
            off += 4
        has_z, has_m = bool(code & _EWKB_Z), bool(code & _EWKB_M)
        code &= 0x0FFFFFFF
        iso, base = divmod(code, 1000)
        if iso > 3:
            raise _UnknownType(code)
        has_z |= iso in (1, 3)
        has_m |= iso in (2, 3)
        return order, base, 2 + has_z + has_m, off, base + 1000 * (has_z + 2 * has_m)

    def ring(self, buf, off, order, dim, feature, exterior):
        """Read one ring (point count + points); return the offset after it."""
        (npts,) = _U32[order].unpack_from(buf, off)
        off += 4
        nbytes = 8 * dim * npts
        if off + nbytes > len(buf):
            raise ValueError(f"ring of {npts} points runs past the end of the data")
        if npts:
            xy = np.frombuffer(buf, _F8[order], count=dim * npts, offset=off)
            xy = xy.reshape(npts, dim)
            self.chunks.append(xy[:, :2] if dim > 2 else xy)
            self.lengths.append(npts)
            self.feature.append(feature)
            self.exterior.append(exterior)
        return off + nbytes, npts

    def polygon_body(self, buf, off, order, dim, feature):
        """Rings of one Polygon; return (offset, 1 if the part is non-empty)."""
        (nrings,) = _U32[order].unpack_from(buf, off)
        off += 4
        part = 0
        for k in range(nrings):
            if k == 0:
                off, npts = self.ring(buf, off, order, dim, feature, True)
                part = 1 if npts else 0
            elif part:
                off, _ = self.ring(buf, off, order, dim, feature, False)
            else:  # holes of an empty exterior carry no area: skip them
                (npts,) = _U32[order].unpack_from(buf, off)
                off += 4 + 8 * dim * npts
        return off, part

    def curve_polygon_body(self, buf, off, order, dim, feature):
        """A CurvePolygon whose rings are all LineStrings."""
        (nrings,) = _U32[order].unpack_from(buf, off)
        off += 4
        part = 0
        for k in range(nrings):
            sub_order, base, sub_dim, off, full = self.header(buf, off)
            if base != _LINESTRING:
                raise _CurvedType(full)
            if k == 0:
                off, npts = self.ring(buf, off, sub_order, sub_dim, feature, True)
                part = 1 if npts else 0
            elif part:
                off, _ = self.ring(buf, off, sub_order, sub_dim, feature, False)
            else:
                (npts,) = _U32[sub_order].unpack_from(buf, off)
                off += 4 + 8 * sub_dim * npts
        return off, part

    def geometry(self, buf, off, feature, allowed):
        """Read one geometry of a type in ``allowed``; return (offset, parts)."""
        order, base, dim, off, full = self.header(buf, off)
        if base not in allowed:
            raise _UnknownType(full)
        if base == _POLYGON:
            return self.polygon_body(buf, off, order, dim, feature)
        if base == _CURVEPOLYGON:
            return self.curve_polygon_body(buf, off, order, dim, feature)
        # MultiPolygon / MultiSurface: a count, then complete geometries.
        (nparts,) = _U32[order].unpack_from(buf, off)
        off += 4
        inner = (_POLYGON,) if base == _MULTIPOLYGON else (_POLYGON, _CURVEPOLYGON)
        parts = 0
        for _ in range(nparts):
            off, p = self.geometry(buf, off, feature, inner)
            parts += p
        return off, parts


class _UnknownType(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class _CurvedType(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _type_name(code):
    base, iso = code % 1000, code // 1000
    name = _TYPE_NAMES.get(base, f"type code {code}")
    if base in _TYPE_NAMES and 1 <= iso <= 3:
        name += ("Z", "M", "ZM")[iso - 1]
    return name


def _feature_error(position, message):
    err = InputDataError(f"feature at position {position}: {message}")
    err.position = position
    return err


def parse_wkb_polygons(wkbs):
    """Read polygon WKB into flat ring arrays.

    Parameters
    ----------
    wkbs : sequence of bytes-like or None
        One WKB (ISO or EWKB, either byte order) per feature, e.g. the
        ``QgsGeometry.asWkb()`` of every feature of a polygon layer. ``None``
        or empty bytes mean a feature without geometry.

    Returns
    -------
    PolygonSet
        The rings with their feature, kind and offsets; Z and M dropped.

    Raises
    ------
    InputDataError
        A feature is not a (multi)polygon, is truncated or corrupt, or has a
        non-finite coordinate. The message names the feature's 0-based
        position, also available as the exception's ``position`` attribute.

    Notes
    -----
    Point data are read with one ``np.frombuffer`` per ring; only features
    and rings are visited in Python, never vertices. Rings are taken as
    given: orientation is not checked and unclosed rings are not closed.
    See [OGC2011]_ for the encoding.

    Examples
    --------
    >>> import struct
    >>> square = struct.pack("<BIII10d", 1, 3, 1, 5,
    ...                      0, 0, 1, 0, 1, 1, 0, 1, 0, 0)
    >>> ps = parse_wkb_polygons([square, None])
    >>> ps.n, ps.n_rings, ps.part_counts.tolist()
    (2, 1, [1, 0])
    >>> polygon_areas(ps).tolist()
    [1.0, 0.0]
    """
    reader = _Reader()
    part_counts = np.zeros(len(wkbs), dtype=np.int64)
    allowed = (_POLYGON, _MULTIPOLYGON, _CURVEPOLYGON, _MULTISURFACE)
    for i, g in enumerate(wkbs):
        if g is None:
            continue
        if not isinstance(g, (bytes, bytearray, memoryview)):
            try:
                g = bytes(g)
            except Exception:  # noqa: BLE001 - any failure means "not WKB"
                raise _feature_error(
                    i, f"expected WKB bytes, got {type(g).__name__}"
                ) from None
        if len(g) == 0:
            continue
        try:
            _, part_counts[i] = reader.geometry(g, 0, i, allowed)
        except _UnknownType as e:
            raise _feature_error(
                i,
                f"unsupported WKB geometry type {_type_name(e.code)}; "
                "only polygons and multipolygons can be used",
            ) from None
        except _CurvedType as e:
            raise _feature_error(
                i,
                f"curved ring ({_type_name(e.code)}); segmentize the layer "
                "(e.g. Processing 'Segmentize by maximum angle') first",
            ) from None
        except (struct.error, ValueError, IndexError) as e:
            raise _feature_error(i, f"invalid or truncated WKB ({e})") from None

    lengths = np.asarray(reader.lengths, dtype=np.int64)
    ring_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ring_offsets[1:])
    if reader.chunks:
        coords = np.concatenate(reader.chunks).astype(np.float64, copy=False)
    else:
        coords = np.zeros((0, 2))
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        ring = np.searchsorted(ring_offsets, np.argmin(finite), side="right") - 1
        raise _feature_error(
            reader.feature[ring], "the geometry has a NaN or infinite coordinate"
        )
    return PolygonSet(
        coords=np.ascontiguousarray(coords),
        ring_offsets=ring_offsets,
        ring_polygon=np.asarray(reader.feature, dtype=np.int64),
        ring_is_exterior=np.asarray(reader.exterior, dtype=bool),
        part_counts=part_counts,
        n=len(wkbs),
    )


def _ring_moments(ps):
    """Signed-by-role area and first moments of every ring.

    Returns ``(area, mx, my, ref)``: per ring, the area counted positive for
    exterior rings and negative for holes whatever the ring orientation, the
    matching first moments about the feature's reference point ``ref``
    (its first vertex, subtracted for numerical accuracy with large
    projected coordinates).
    """
    n, r = ps.n, ps.n_rings
    ref = np.zeros((n, 2))
    if r == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0), ref
    starts = ps.ring_offsets[:-1]
    has = np.bincount(ps.ring_polygon, minlength=n) > 0
    first_ring = np.searchsorted(ps.ring_polygon, np.flatnonzero(has))
    ref[has] = ps.coords[starts[first_ring]]
    vpoly = ps.vertex_polygon
    x = ps.coords[:, 0] - ref[vpoly, 0]
    y = ps.coords[:, 1] - ref[vpoly, 1]
    nxt = np.arange(1, len(x) + 1)
    nxt[ps.ring_offsets[1:] - 1] = starts  # wrap: the closing edge of every ring
    xn, yn = x[nxt], y[nxt]
    cross = x * yn - xn * y
    a2 = np.add.reduceat(cross, starts)  # twice the signed area
    mx6 = np.add.reduceat((x + xn) * cross, starts)
    my6 = np.add.reduceat((y + yn) * cross, starts)
    role = np.where(ps.ring_is_exterior, 1.0, -1.0) * np.sign(a2)
    return role * a2 / 2.0, role * mx6 / 6.0, role * my6 / 6.0, ref


def polygon_areas(ps):
    """Planar area of every feature (holes subtracted).

    Parameters
    ----------
    ps : PolygonSet

    Returns
    -------
    (n,) float64
        Shoelace area [Bourke1988]_ in squared map units; exterior rings
        count positive and holes negative whatever their orientation. Empty
        features have area 0.

    Examples
    --------
    >>> import struct
    >>> sq = struct.pack("<BIII10d", 1, 3, 1, 5, 0, 0, 2, 0, 2, 2, 0, 2, 0, 0)
    >>> polygon_areas(parse_wkb_polygons([sq])).tolist()
    [4.0]
    """
    area, _, _, _ = _ring_moments(ps)
    return np.bincount(ps.ring_polygon, weights=area, minlength=ps.n).astype(float)


def polygon_centroids(ps, rtol=1e-12):
    """Area-weighted centroid of every feature.

    Parameters
    ----------
    ps : PolygonSet
    rtol : float, optional
        A feature whose area is at most ``rtol`` times the square of its
        extent (largest distance of a vertex from its first vertex along x
        or y) counts as degenerate (zero area).

    Returns
    -------
    (n, 2) float64
        Centroids from the shoelace moments [Bourke1988]_ summed over all
        parts (holes subtract). Degenerate features get the mean of their
        vertices; empty features get NaN.

    Examples
    --------
    >>> import struct
    >>> sq = struct.pack("<BIII10d", 1, 3, 1, 5, 0, 0, 2, 0, 2, 2, 0, 2, 0, 0)
    >>> polygon_centroids(parse_wkb_polygons([sq])).tolist()
    [[1.0, 1.0]]
    """
    n = ps.n
    out = np.full((n, 2), np.nan)
    if ps.n_rings == 0:
        return out
    area, mx, my, ref = _ring_moments(ps)
    a = np.bincount(ps.ring_polygon, weights=area, minlength=n)
    sx = np.bincount(ps.ring_polygon, weights=mx, minlength=n)
    sy = np.bincount(ps.ring_polygon, weights=my, minlength=n)
    vpoly = ps.vertex_polygon
    counts = np.bincount(vpoly, minlength=n)
    has = counts > 0
    rel = np.abs(ps.coords - ref[vpoly]).max(axis=1)
    extent = np.zeros(n)
    extent[has] = np.maximum.reduceat(rel, np.searchsorted(vpoly, np.flatnonzero(has)))
    good = has & (a > rtol * extent**2) & (a > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[good, 0] = sx[good] / a[good] + ref[good, 0]
        out[good, 1] = sy[good] / a[good] + ref[good, 1]
    bad = has & ~good
    if bad.any():
        mean_x = np.bincount(vpoly, weights=ps.coords[:, 0], minlength=n)
        mean_y = np.bincount(vpoly, weights=ps.coords[:, 1], minlength=n)
        out[bad, 0] = mean_x[bad] / counts[bad]
        out[bad, 1] = mean_y[bad] / counts[bad]
    return out
