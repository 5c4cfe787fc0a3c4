"""Every difference between QGIS versions lives here.

QGIS 3.22 (Debian 12) spells Processing enums as class attributes
(``QgsProcessing.TypeVectorPolygon``); QGIS 3.36+ moved them to scoped enums
on ``Qgis`` (``Qgis.ProcessingSourceType.VectorPolygon``) and QGIS 4 (Qt6)
drops the old names. Field types moved from ``QVariant`` to ``QMetaType`` in
3.38. The rest of the plugin imports the names below and reads the same on
every version.
"""
from qgis.core import (
    Qgis,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QMetaType, QVariant

QGIS_VERSION_INT = Qgis.versionInt() if hasattr(Qgis, "versionInt") else Qgis.QGIS_VERSION_INT


def _pick(new_owner, new_path, old_owner, old_path):
    """Return the scoped enum member when this QGIS has it, else the old one."""
    obj = new_owner
    try:
        for part in new_path.split("."):
            obj = getattr(obj, part)
        return obj
    except AttributeError:
        obj = old_owner
        for part in old_path.split("."):
            obj = getattr(obj, part)
        return obj


# Processing source types
SOURCE_POLYGON = _pick(Qgis, "ProcessingSourceType.VectorPolygon", QgsProcessing, "SourceType.TypeVectorPolygon")
SOURCE_VECTOR_ANY = _pick(Qgis, "ProcessingSourceType.Vector", QgsProcessing, "SourceType.TypeVector")

# Parameter flags and types
FLAG_ADVANCED = _pick(Qgis, "ProcessingParameterFlag.Advanced", QgsProcessingParameterDefinition, "Flag.FlagAdvanced")
FLAG_OPTIONAL = _pick(Qgis, "ProcessingParameterFlag.Optional", QgsProcessingParameterDefinition, "Flag.FlagOptional")
NUMBER_DOUBLE = _pick(Qgis, "ProcessingNumberParameterType.Double", QgsProcessingParameterNumber, "Type.Double")
NUMBER_INTEGER = _pick(Qgis, "ProcessingNumberParameterType.Integer", QgsProcessingParameterNumber, "Type.Integer")
FIELD_NUMERIC = _pick(Qgis, "ProcessingFieldParameterDataType.Numeric", QgsProcessingParameterField, "DataType.Numeric")
FIELD_ANY = _pick(Qgis, "ProcessingFieldParameterDataType.Any", QgsProcessingParameterField, "DataType.Any")
FILE_BEHAVIOR_FILE = _pick(Qgis, "ProcessingFileParameterBehavior.File", QgsProcessingParameterFile, "Behavior.File")

# Algorithm flags
ALG_NO_THREADING = _pick(Qgis, "ProcessingAlgorithmFlag.NoThreading", QgsProcessingAlgorithm, "Flag.FlagNoThreading")

# Geometry and sink
WKB_NO_GEOMETRY = _pick(Qgis, "WkbType.NoGeometry", QgsWkbTypes, "Type.NoGeometry")
WKB_POLYGON = _pick(Qgis, "WkbType.Polygon", QgsWkbTypes, "Type.Polygon")
GEOMETRY_POLYGON = _pick(Qgis, "GeometryType.Polygon", QgsWkbTypes, "GeometryType.PolygonGeometry")
SINK_FAST_INSERT = _pick(QgsFeatureSink, "Flag.FastInsert", QgsFeatureSink, "FastInsert")
REQUEST_NO_GEOMETRY = _pick(Qgis, "FeatureRequestFlag.NoGeometry", QgsFeatureRequest, "Flag.NoGeometry")
REQUEST_NO_FLAGS = _pick(Qgis, "FeatureRequestFlag", QgsFeatureRequest, "Flag")(0)
INVALID_GEOMETRY_NO_CHECK = _pick(
    Qgis, "InvalidGeometryCheck.NoCheck", QgsFeatureRequest, "InvalidGeometryCheck.GeometryNoCheck"
)

# Field types: QMetaType from QGIS 3.38 on, QVariant before.
_USE_METATYPE = QGIS_VERSION_INT >= 33800
if _USE_METATYPE:
    _FIELD_TYPES = {
        "double": QMetaType.Type.Double,
        "int": QMetaType.Type.Int,
        "string": QMetaType.Type.QString,
    }
else:
    _FIELD_TYPES = {
        "double": QVariant.Type.Double,
        "int": QVariant.Type.Int,
        "string": QVariant.Type.String,
    }


def make_field(name, kind, length=0, precision=0):
    """A ``QgsField`` of kind ``"double"``, ``"int"`` or ``"string"``."""
    return QgsField(name, _FIELD_TYPES[kind], len=length, prec=precision)


def field_is_numeric(field):
    """True when a ``QgsField`` holds numbers (any integer or real type)."""
    return field.isNumeric()


def parameter_as_fields(algorithm, parameters, name, context):
    """Field names chosen in a field parameter (``parameterAsStrings`` from
    QGIS 3.32 on; ``parameterAsFields`` before, deprecated since)."""
    if hasattr(algorithm, "parameterAsStrings"):
        return algorithm.parameterAsStrings(parameters, name, context)
    return algorithm.parameterAsFields(parameters, name, context)
