"""Declarations of a tool's own parameters.

Each declaration adds one Processing parameter and reads it back typed:
``Choice`` gives the stable key of the chosen option (models store the
index, so options are only ever appended, never reordered), ``Number`` a
float or int, ``Distance`` a length in layer units, ``Text`` a string,
``Flag`` a bool, ``FieldOption`` field name(s) of the input layer. The
value is ``options.<key>`` in :meth:`Tool.compute`, where ``key`` is the
parameter name in lower case.
"""
from qgis.core import (
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ... import compat
from ..support import tr, with_help
from .layer import INPUT


class _Option:
    def __init__(self, name, label, help, advanced=False):
        self.name = name
        self.key = name.lower()
        self.label = label
        self.help = help
        self.advanced = advanced

    def add(self, alg):
        alg.addParameter(with_help(self.parameter(), tr(self.help), advanced=self.advanced))


class Choice(_Option):
    """An enum; ``options`` is a sequence of ``(key, label)``."""

    def __init__(self, name, label, options, default=0, help="", advanced=False, multiple=False,
                 optional=False):
        super().__init__(name, label, help, advanced)
        self.options = tuple(options)
        self.default = default
        self.multiple = multiple
        self.optional = optional

    @property
    def keys(self):
        return [k for k, _ in self.options]

    def parameter(self):
        return QgsProcessingParameterEnum(self.name, tr(self.label), [tr(lab) for _, lab in self.options],
                                          allowMultiple=self.multiple, defaultValue=self.default,
                                          optional=self.optional)

    def read(self, run):
        if self.multiple:
            return [self.keys[i] for i in run.enums(self.name)]
        return self.keys[run.enum(self.name)]


class Number(_Option):
    def __init__(self, name, label, default, help="", minimum=None, maximum=None, integer=False,
                 advanced=False, optional=False):
        super().__init__(name, label, help, advanced)
        self.default, self.minimum, self.maximum = default, minimum, maximum
        self.integer = integer
        self.optional = optional

    def parameter(self):
        kind = compat.NUMBER_INTEGER if self.integer else compat.NUMBER_DOUBLE
        kwargs = {"type": kind, "defaultValue": self.default, "optional": self.optional}
        if self.minimum is not None:
            kwargs["minValue"] = self.minimum
        if self.maximum is not None:
            kwargs["maxValue"] = self.maximum
        return QgsProcessingParameterNumber(self.name, tr(self.label), **kwargs)

    def read(self, run):
        if self.optional:
            if self.name not in run.parameters:
                return self.default
            if not run.is_set(self.name):
                return None
        return run.int(self.name) if self.integer else run.double(self.name)


class Distance(Number):
    """A length in the units of the input layer (``QgsProcessingParameterDistance``)."""

    def __init__(self, name, label, default=0.0, help="", minimum=0.0, advanced=False, parent=INPUT):
        super().__init__(name, label, default, help, minimum=minimum, advanced=advanced)
        self.parent = parent

    def parameter(self):
        p = QgsProcessingParameterDistance(self.name, tr(self.label), defaultValue=self.default,
                                           parentParameterName=self.parent, minValue=self.minimum)
        return p


class Text(_Option):
    def __init__(self, name, label, default="", help="", advanced=False, optional=True):
        super().__init__(name, label, help, advanced)
        self.default = default
        self.optional = optional

    def parameter(self):
        return QgsProcessingParameterString(self.name, tr(self.label), defaultValue=self.default,
                                            optional=self.optional)

    def read(self, run):
        return run.string(self.name).strip()


class Flag(_Option):
    def __init__(self, name, label, default=False, help="", advanced=False):
        super().__init__(name, label, help, advanced)
        self.default = default

    def parameter(self):
        return QgsProcessingParameterBoolean(self.name, tr(self.label), defaultValue=self.default)

    def read(self, run):
        return run.bool(self.name)


class FieldOption(_Option):
    """Field(s) of the input layer (or of ``parent``)."""

    def __init__(self, name, label, help="", numeric=False, multiple=False, optional=True,
                 advanced=False, parent=INPUT):
        super().__init__(name, label, help, advanced)
        self.numeric, self.multiple, self.optional, self.parent = numeric, multiple, optional, parent

    def parameter(self):
        return QgsProcessingParameterField(
            self.name, tr(self.label), parentLayerParameterName=self.parent,
            type=compat.FIELD_NUMERIC if self.numeric else compat.FIELD_ANY,
            allowMultiple=self.multiple, optional=self.optional)

    def read(self, run):
        return run.fields(self.name) if self.multiple else run.string(self.name)
