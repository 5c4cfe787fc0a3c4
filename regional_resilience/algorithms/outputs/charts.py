"""Charts for the reports, as PNG images, drawn with matplotlib's Agg
backend (no window, safe in Processing's worker thread).

matplotlib ships with QGIS on every platform analysts use (the OSGeo4W and
standalone Windows installers, the macOS bundle, and Debian/Ubuntu, where
``python3-qgis`` depends on it), so the reports need nothing new. If it is
missing anyway, :func:`available` says so and :data:`MISSING_MESSAGE` says
how to install it; tables still go into the report.
"""
import io

MISSING_MESSAGE = (
    "Charts need the Python package matplotlib, which this QGIS's Python lacks. Install it in "
    "QGIS's Python: on Windows, in the OSGeo4W Shell: python -m pip install matplotlib; on "
    "macOS/Linux: the Python that QGIS uses (see QGIS > Plugins > Python Console: "
    "import sys; sys.executable) -m pip install matplotlib, or your distribution's package "
    "(Debian/Ubuntu: apt install python3-matplotlib)."
)


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def available():
    """True when matplotlib can be imported."""
    return _pyplot() is not None


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _colour_cycle(ax, k):
    """Distinct colours for up to 20 series (tab10, then tab20)."""
    if k > 10:
        from matplotlib import cm
        from cycler import cycler

        ax.set_prop_cycle(cycler(color=[cm.tab20(i % 20) for i in range(k)]))


def _ticks(ax, x_labels, max_ticks):
    """Label every k-th period so that at most ``max_ticks`` labels show."""
    x = list(range(len(x_labels)))
    step = max(1, -(-len(x) // max_ticks))
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(v) for v in x_labels][::step], rotation=45 if len(x[::step]) > 8 else 0)


def line_chart(x_labels, series, title="", y_label="", markers=None, size=(6.4, 3.6), max_ticks=16,
               zero_line=False):
    """PNG of lines over the periods ``x_labels``; ``series`` maps a name to
    values (one per period; NaN leaves a gap). ``markers`` maps a name to a
    list of booleans drawn as filled points (e.g. significant periods)."""
    Figure = _pyplot()
    if Figure is None:
        return None
    fig = Figure(figsize=size)
    ax = fig.add_subplot(111)
    _colour_cycle(ax, len(series))
    x = list(range(len(x_labels)))
    series = {k: v for k, v in series.items() if any(float(x_) == float(x_) for x_ in v)}
    for name, values in series.items():
        line, = ax.plot(x, list(values), marker="o", markersize=3, label=str(name))
        if markers and name in markers:
            sig = [i for i, flag in enumerate(markers[name]) if flag]
            ax.plot(sig, [list(values)[i] for i in sig], "o", color=line.get_color(), markersize=7,
                    markerfacecolor=line.get_color())
    if zero_line:
        ax.axhline(0, color="#999999", linewidth=0.8)
    _ticks(ax, x_labels, max_ticks)
    ax.set_title(title)
    ax.set_ylabel(y_label)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8, loc="best" if len(series) <= 6 else "upper left",
                  bbox_to_anchor=None if len(series) <= 6 else (1.01, 1.0))
    return _png(fig)


def bar_chart(x_labels, series, title="", y_label="", stacked=True, colors=None, size=(6.4, 3.6),
              max_ticks=16):
    """PNG of (stacked) bars per period; ``series`` maps a name to values."""
    Figure = _pyplot()
    if Figure is None:
        return None
    fig = Figure(figsize=size)
    ax = fig.add_subplot(111)
    _colour_cycle(ax, len(series))
    x = list(range(len(x_labels)))
    bottom = [0.0] * len(x)
    width = 0.8 if stacked else 0.8 / max(len(series), 1)
    for j, (name, values) in enumerate(series.items()):
        values = [float(v) for v in values]
        offset = [xi if stacked else xi - 0.4 + width * (j + 0.5) for xi in x]
        kwargs = {"color": colors[j]} if colors else {}
        ax.bar(offset, values, width=width, bottom=bottom if stacked else None, label=str(name), **kwargs)
        if stacked:
            bottom = [b + v for b, v in zip(bottom, values)]
    _ticks(ax, x_labels, max_ticks)
    ax.set_title(title)
    ax.set_ylabel(y_label)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)


def scatter_chart(x, y, title="", x_label="", y_label="", fit=True, size=(4.2, 4.2)):
    """PNG of a scatter plot with an optional least-squares line (the Moran
    scatter plot: standardised value against its spatial lag)."""
    Figure = _pyplot()
    if Figure is None:
        return None
    import numpy as np

    fig = Figure(figsize=size)
    ax = fig.add_subplot(111)
    ax.scatter(x, y, s=12, alpha=0.8)
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.axvline(0, color="#999999", linewidth=0.8)
    if fit and len(x) > 1:
        slope, intercept = np.polyfit(x, y, 1)
        xs = np.array([min(x), max(x)])
        ax.plot(xs, slope * xs + intercept, color="#d7191c")
        title = f"{title} (slope {slope:.3f})" if title else f"slope {slope:.3f}"
    ax.set_title(title)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    return _png(fig)


def figure():
    """A blank matplotlib ``Figure`` (for charts a tool draws itself), or None."""
    Figure = _pyplot()
    return None if Figure is None else Figure(figsize=(6.4, 4.8))


def figure_png(fig):
    return _png(fig)
