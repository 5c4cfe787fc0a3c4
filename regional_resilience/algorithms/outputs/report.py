"""The one report writer: a self-contained HTML file (charts embedded as
PNG data, no external files) from the sections a tool returns.

A tool builds sections with :func:`section` and blocks with
:func:`table_block`, :func:`heat_table_block`, :func:`chart_block`,
:func:`text_block`; the :class:`ReportOutput` declaration writes them with
the run's provenance in the footer. Every chart block must have data for
every period it names; an empty chart is refused when the report is built.
"""
import base64
import html
from dataclasses import dataclass, field

from qgis.core import QgsProcessingException, QgsProcessingParameterFileDestination

from ..support import tr
from . import charts
from .provenance import provenance_json

REPORT = "REPORT"


def report_wanted(run, name=REPORT):
    """True when the report output ``name`` was asked for."""
    return bool(run.alg.parameterAsFileOutput(run.parameters, name, run.context))


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)


def section(title, *blocks):
    return Section(title, list(blocks))


def text_block(text):
    return ("text", text)


def _fmt(value, digits=4):
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return "–"
        return f"{value:.{digits}f}" if abs(value) < 1e6 else f"{value:.4g}"
    return str(value)


def table_block(columns, rows, caption="", digits=4):
    """A table: ``columns`` names, ``rows`` lists of values."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v, digits))}</td>" for v in row) + "</tr>"
                   for row in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return ("html", f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def heat_table_block(row_labels, col_labels, values, caption="", digits=3):
    """A matrix as a table whose cells are shaded by value (0 white, the
    maximum dark): transition matrices."""
    flat = [float(v) for row in values for v in row if v == v]
    top = max(flat) if flat else 1.0
    top = top or 1.0
    head = "<th></th>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in col_labels)
    body = []
    for label, row in zip(row_labels, values):
        cells = []
        for v in row:
            share = 0.0 if v != v else float(v) / top
            colour = f"rgba(215,48,39,{0.85 * share:.3f})"
            ink = "#fff" if share > 0.6 else "#000"
            cells.append(f'<td style="background:{colour};color:{ink}">{_fmt(float(v), digits)}</td>')
        body.append(f"<tr><th>{html.escape(str(label))}</th>{''.join(cells)}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return ("html", f'<table class="heat">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def chart_block(png, caption=""):
    """A chart drawn by :mod:`.charts` (PNG bytes, or None when matplotlib is
    missing: the report then says what to install)."""
    return ("chart", png, caption)


def image_block(png, caption=""):
    return ("chart", png, caption)


_CSS = """
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}th{background:#f3f3f3}
caption{text-align:left;font-weight:bold;padding:.3em 0}
figure{margin:.8em 0}figcaption{font-size:.85em;color:#555}
.note{color:#a33}footer{margin-top:3em;font-size:.75em;color:#555;white-space:pre-wrap}
"""


def render_html(title, sections, record=None):
    """The report as one HTML string."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    for sec in sections:
        parts.append(f"<h2>{html.escape(sec.title)}</h2>")
        for block in sec.blocks:
            kind = block[0]
            if kind == "text":
                parts.append(f"<p>{html.escape(block[1])}</p>")
            elif kind == "html":
                parts.append(block[1])
            elif kind == "chart":
                png, caption = block[1], block[2]
                if png is None:
                    parts.append(f"<p class='note'>{html.escape(tr(charts.MISSING_MESSAGE))}</p>")
                    continue
                data = base64.b64encode(png).decode("ascii")
                parts.append(f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
                             f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    if record is not None:
        parts.append("<footer><b>" + html.escape(tr("How this report was made (re-run with these "
                                                       "parameters to reproduce it):")) + "</b>\n"
                     + html.escape(provenance_json(record)) + "</footer>")
    parts.append("</body></html>")
    return "".join(parts)


class ReportOutput:
    """An optional HTML report file made of ``Result.report`` sections."""

    needs_features = False

    def __init__(self, name=REPORT, label="Report (HTML)", title=None):
        self.name, self.label, self.title = name, label, title

    def add(self, alg):
        alg.addParameter(QgsProcessingParameterFileDestination(
            self.name, tr(self.label), fileFilter="HTML files (*.html)", optional=True,
            createByDefault=False))

    def wanted(self, run):
        """True when the user asked for the report (tools skip drawing
        charts nobody will see)."""
        return bool(run.alg.parameterAsFileOutput(run.parameters, self.name, run.context))

    def write(self, run, data, result):
        path = run.alg.parameterAsFileOutput(run.parameters, self.name, run.context)
        if not path:
            return {}
        if not result.report:
            raise QgsProcessingException(tr("The report has no content."))
        title = self.title or run.alg.displayName()
        text = render_html(title, result.report, run.provenance(data))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        run.info(tr("Report written to {path}").format(path=path))
        return {self.name: path}
