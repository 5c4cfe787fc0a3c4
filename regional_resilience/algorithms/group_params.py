"""The group-of-regions parameter shared by the algorithms that work by group.

A field of the polygon layer names each region's group (east / central /
west / northeast, coastal / inland, a province code...). The field is read in
the same pass as the panel (``read_panel(..., text_fields=group_fields(...))``)
and turned into :class:`~regional_resilience.core.groups.Groups` here, with
the rules of :mod:`regional_resilience.core.groups` (no empty labels; groups
ordered by label).
"""
from qgis.core import QgsProcessingParameterField

from .. import compat
from ..core.groups import groups_from_labels
from .base import run_core, with_help
from .panel_params import INPUT

GROUP_FIELD = "GROUP_FIELD"


def add_group_parameter(alg, optional=True, help_text=None, parent=INPUT):
    """Add the group field parameter (any field type) to ``alg``."""
    alg.addParameter(with_help(
        QgsProcessingParameterField(GROUP_FIELD, alg.tr("Group field"),
                                    parentLayerParameterName=parent, type=compat.FIELD_ANY,
                                    optional=optional),
        help_text or alg.tr(
            "Group of each region (e.g. east / central / west / northeast). Every region needs "
            "a group: empty values are refused, naming the regions."),
    ))


def group_fields(alg, parameters, context):
    """``[field]`` when a group field is chosen, else ``[]`` (for ``text_fields``)."""
    name = alg.parameterAsString(parameters, GROUP_FIELD, context)
    return [name] if name else []


def read_groups(alg, parameters, context, data, min_size=1):
    """The :class:`Groups` of the regions read into ``data``, or ``None`` when
    no group field is chosen."""
    name = alg.parameterAsString(parameters, GROUP_FIELD, context)
    if not name:
        return None
    return run_core(groups_from_labels, data.texts[name], ids=data.ids, field=name,
                    min_size=min_size)
