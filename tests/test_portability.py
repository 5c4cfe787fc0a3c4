"""Qt6 / QGIS 4 portability: no Qt5-only forms in the plugin or the tests.

Scans every ``.py`` file under ``regional_resilience/`` and ``tests/`` with
:mod:`ast` (so prose in docstrings and comments never counts) and fails with
``file:line`` for each of:

* direct ``PyQt5`` / ``PyQt6`` / ``sip`` imports (use ``qgis.PyQt``);
* ``exec_(`` (Qt6 has only ``exec()``) and ``QRegExp`` (gone in Qt6);
* unscoped Qt enums such as ``Qt.AlignLeft`` (Qt6: ``Qt.AlignmentFlag.AlignLeft``),
  from a curated list of the common ones;
* outside ``regional_resilience/compat.py``, where version differences live:
  ``QVariant`` field types (``QVariant.Int``, ``QVariant.Type.Double``, ...),
  ``QgsField(...)`` built with a ``QVariant`` type, QGIS 3 Processing enums
  (``QgsProcessing.TypeVectorPolygon``,
  ``QgsProcessingParameterDefinition.FlagAdvanced``/``FlagOptional``, ...)
  and the other QGIS 3 enums that compat.py already names.

It also checks that ``metadata.txt`` declares ``qgisMaximumVersion=4.99`` and
``supportsQt6=True``.
"""
import ast
import configparser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "regional_resilience"
SCANNED = (PLUGIN, REPO / "tests")
COMPAT = PLUGIN / "compat.py"

# Unscoped Qt enum member -> the scoped enum Qt6 requires (Qt.<Enum>.<member>).
QT_SCOPED = {}
for _enum, _members in {
    "AlignmentFlag": "AlignLeft AlignRight AlignCenter AlignHCenter AlignVCenter AlignTop AlignBottom AlignJustify",
    "CheckState": "Checked Unchecked PartiallyChecked",
    "ItemDataRole": (
        "UserRole DisplayRole EditRole ToolTipRole StatusTipRole DecorationRole CheckStateRole "
        "ForegroundRole BackgroundRole FontRole TextAlignmentRole SizeHintRole"
    ),
    "GlobalColor": (
        "red green blue black white gray darkGray lightGray yellow cyan magenta transparent "
        "darkRed darkGreen darkBlue darkYellow darkCyan darkMagenta"
    ),
    "ItemFlag": "ItemIsEnabled ItemIsSelectable ItemIsEditable ItemIsUserCheckable NoItemFlags",
    "Orientation": "Horizontal Vertical",
    "PenStyle": "NoPen SolidLine DashLine DotLine DashDotLine",
    "BrushStyle": "NoBrush SolidPattern",
    "AspectRatioMode": "KeepAspectRatio IgnoreAspectRatio",
    "TransformationMode": "SmoothTransformation FastTransformation",
    "CursorShape": "WaitCursor ArrowCursor BusyCursor",
    "MouseButton": "LeftButton RightButton",
    "KeyboardModifier": "NoModifier ShiftModifier ControlModifier AltModifier",
    "SortOrder": "AscendingOrder DescendingOrder",
    "CaseSensitivity": "CaseInsensitive CaseSensitive",
    "DateFormat": "ISODate TextDate",
    "WindowModality": "WindowModal ApplicationModal NonModal",
    "MatchFlag": "MatchExactly MatchContains MatchFixedString",
    "ScrollBarPolicy": "ScrollBarAlwaysOff ScrollBarAsNeeded",
    "TextFormat": "PlainText RichText",
}.items():
    for _member in _members.split():
        QT_SCOPED[_member] = _enum

QVARIANT_TYPES = set(
    "Invalid Bool Int UInt LongLong ULongLong Double String StringList Char Date Time DateTime "
    "Map List ByteArray".split()
)

# QGIS 3 enums (gone in QGIS 4) that must come from regional_resilience.compat.
QGIS3_ENUMS = {
    "QgsProcessingParameterDefinition": ("FlagAdvanced FlagOptional FlagHidden FlagIsModelOutput", "FLAG_*"),
    "QgsProcessingParameterNumber": ("Double Integer", "NUMBER_*"),
    "QgsProcessingParameterField": ("Numeric String Any DateTime", "FIELD_*"),
    "QgsProcessingParameterFile": ("File Folder", "FILE_BEHAVIOR_*"),
    "QgsFeatureSink": ("FastInsert RegeneratePrimaryKey", "SINK_*"),
    "QgsFeatureRequest": ("NoGeometry NoFlags SubsetOfAttributes GeometryNoCheck GeometrySkipInvalid", "REQUEST_* / INVALID_GEOMETRY_*"),
    "QgsWkbTypes": (
        "NoGeometry Unknown Point MultiPoint LineString MultiLineString Polygon MultiPolygon "
        "PointGeometry LineGeometry PolygonGeometry NullGeometry UnknownGeometry",
        "WKB_* / GEOMETRY_*",
    ),
}
QGIS3_ENUMS = {owner: (set(names.split()), hint) for owner, (names, hint) in QGIS3_ENUMS.items()}
QGIS3_ENUM_SCOPES = {"Flag", "Type", "DataType", "Behavior", "Flags", "InvalidGeometryCheck", "GeometryType"}


def _dotted(node):
    """``Qt.AlignmentFlag.AlignLeft`` for an Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _mentions_qvariant(node):
    return any(
        (isinstance(n, ast.Name) and n.id == "QVariant") or (isinstance(n, ast.Attribute) and n.attr == "QVariant")
        for n in ast.walk(node)
    )


def scan_source(source, filename="<string>", in_compat=False):
    """Problems in one file's source, as ``(line, message)`` pairs."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [(exc.lineno or 0, f"does not parse: {exc.msg}")]
    problems = []

    def add(node, msg):
        problems.append((node.lineno, msg))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in ("PyQt5", "PyQt6", "sip"):
                    add(node, f"'import {alias.name}': import Qt through qgis.PyQt (e.g. 'from qgis.PyQt import sip')")
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if node.level == 0 and top in ("PyQt5", "PyQt6", "sip"):
                add(node, f"'from {node.module} import ...': import Qt through qgis.PyQt")
            if any(alias.name == "QRegExp" for alias in node.names):
                add(node, "QRegExp is gone in Qt6: use QRegularExpression")
        elif isinstance(node, ast.Attribute):
            if node.attr == "exec_":
                add(node, "'exec_(' is Qt5-only: use exec()")
                continue
            if node.attr == "parameterAsFields" and not in_compat:
                add(node, "parameterAsFields is deprecated from QGIS 3.32: use compat.parameter_as_fields")
                continue
            dotted = _dotted(node)
            if dotted is None:
                continue
            parts = dotted.split(".")
            # Qt.<member> directly (Qt.AlignLeft), not Qt.<Enum>.<member>.
            if len(parts) >= 2 and parts[-2] == "Qt" and parts[-1] in QT_SCOPED:
                add(node, f"unscoped Qt enum {dotted}: Qt6 needs Qt.{QT_SCOPED[parts[-1]]}.{parts[-1]}")
            if in_compat:
                continue
            if "QVariant" in parts[:-1] and parts[-1] in QVARIANT_TYPES:
                add(node, f"{dotted}: field types come from regional_resilience.compat (make_field), not QVariant")
            if "QgsProcessing" in parts[:-1] and (parts[-1].startswith("Type") or "SourceType" in parts):
                add(node, f"{dotted}: QGIS 3 Processing source type; use regional_resilience.compat (SOURCE_*)")
            for i, part in enumerate(parts[:-1]):
                if part in QGIS3_ENUMS:
                    names, hint = QGIS3_ENUMS[part]
                    rest = parts[i + 1 :]
                    if rest and rest[0] in QGIS3_ENUM_SCOPES:
                        rest = rest[1:]
                    if len(rest) == 1 and rest[0] in names:
                        add(node, f"{dotted}: QGIS 3 enum (removed in QGIS 4); use regional_resilience.compat ({hint})")
                    break
        elif isinstance(node, ast.Call) and not in_compat:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name == "QgsField" and any(
                _mentions_qvariant(arg) for arg in list(node.args) + [k.value for k in node.keywords]
            ):
                add(node, "QgsField(...) with a QVariant type: use regional_resilience.compat.make_field")
        elif isinstance(node, ast.Name) and node.id == "QRegExp":
            add(node, "QRegExp is gone in Qt6: use QRegularExpression")
    return sorted(set(problems))


def python_files():
    for top in SCANNED:
        for path in sorted(top.rglob("*.py")):
            if "__pycache__" not in path.parts:
                yield path


def test_scanned_tree_is_not_empty():
    files = list(python_files())
    assert any(p.is_relative_to(PLUGIN) for p in files), "no .py file found under regional_resilience/"


def test_no_qt5_only_forms():
    found = []
    for path in python_files():
        source = path.read_text(encoding="utf-8")
        for line, msg in scan_source(source, str(path), in_compat=path.resolve() == COMPAT.resolve()):
            found.append(f"{path.relative_to(REPO)}:{line}: {msg}")
    assert not found, "Qt5-only / QGIS 3-only forms (see tests/test_portability.py):\n" + "\n".join(found)


def test_metadata_declares_qgis4_and_qt6():
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt", encoding="utf-8")
    general = meta["general"]
    assert general.get("qgisMaximumVersion", "").strip() == "4.99", "metadata.txt: qgisMaximumVersion must be 4.99"
    assert general.get("supportsQt6", "").strip().lower() == "true", "metadata.txt: supportsQt6 must be True"


# The scanner itself: each bad form is caught, each good form is not.
@pytest.mark.parametrize(
    "source, expected",
    [
        ("from PyQt5.QtCore import Qt\n", "qgis.PyQt"),
        ("import PyQt6.QtCore\n", "qgis.PyQt"),
        ("import sip\n", "qgis.PyQt"),
        ("from sip import wrapinstance\n", "qgis.PyQt"),
        ("dialog.exec_()\n", "exec_"),
        ("x = Qt.AlignLeft | Qt.AlignVCenter\n", "Qt.AlignmentFlag.AlignLeft"),
        ("item.setData(Qt.UserRole, 1)\n", "Qt.ItemDataRole.UserRole"),
        ("s = Qt.Checked\n", "Qt.CheckState.Checked"),
        ("c = QtCore.Qt.red\n", "Qt.GlobalColor.red"),
        ("t = QVariant.Double\n", "make_field"),
        ("t = QVariant.Type.LongLong\n", "make_field"),
        ("f = QgsField('a', QVariant.Int)\n", "make_field"),
        ("f = QgsField(\n    'a',\n    type=QVariant.String,\n)\n", "make_field"),
        ("t = [QgsProcessing.TypeVectorPolygon]\n", "SOURCE_"),
        ("t = QgsProcessing.SourceType.TypeFile\n", "SOURCE_"),
        ("p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)\n", "FLAG_"),
        ("o = QgsProcessingParameterDefinition.Flag.FlagOptional\n", "FLAG_"),
        ("n = QgsProcessingParameterNumber.Double\n", "NUMBER_"),
        ("r = QRegExp('a')\n", "QRegularExpression"),
        ("f = self.parameterAsFields(parameters, 'F', context)\n", "parameter_as_fields"),
    ],
)
def test_scanner_catches(source, expected):
    problems = scan_source(source)
    assert problems, f"not caught: {source!r}"
    assert any(expected in msg for _, msg in problems), problems


@pytest.mark.parametrize(
    "source",
    [
        "from qgis.PyQt.QtCore import Qt, QVariant\nfrom qgis.PyQt import sip\n",
        "x = Qt.AlignmentFlag.AlignLeft\ny = Qt.ItemDataRole.UserRole\n",
        "dialog.exec()\n",
        '"""Docs may mention Qt.AlignLeft, QVariant.Int and exec_( freely."""\n',
        "# QgsProcessing.TypeVectorPolygon in a comment\n",
        "v = QVariant()\nf = make_field('a', 'double')\n",
        "t = Qgis.ProcessingSourceType.VectorPolygon\n",
        "g = QgsWkbTypes.geometryType(w)\n",
        "from .compat import FLAG_OPTIONAL\n",
    ],
)
def test_scanner_allows(source):
    assert scan_source(source) == []


def test_compat_may_hold_version_differences():
    source = "t = QVariant.Type.Double\nf = QgsField('a', QVariant.Int)\nq = QgsProcessing.TypeVectorPolygon\n"
    assert scan_source(source, in_compat=True) == []
    # ... but Qt5-only forms are not allowed even there.
    assert scan_source("import PyQt5\n", in_compat=True)
