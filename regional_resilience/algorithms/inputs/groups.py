"""The group-of-regions input shared by the tools that work by group.

A field of the polygon layer names each region's group (east / central /
west / northeast, coastal / inland, a province code...). It is read in the
same pass as the panel and turned into
:class:`~regional_resilience.core.groups.Groups` with the rules of
:mod:`regional_resilience.core.groups` (no empty labels; groups ordered by
label).
"""
from qgis.core import QgsProcessingParameterField

from ... import compat
from ...core.groups import groups_from_labels
from ..support import run_core, tr, with_help
from .layer import INPUT

GROUP_FIELD = "GROUP_FIELD"


class GroupInput:
    """Declaration of the group field (optional unless ``optional=False``)."""

    key = "groups"

    def __init__(self, optional=True, min_size=1, help_text=None, label="Group field"):
        self.optional = optional
        self.min_size = min_size
        self.help_text = help_text
        self.label = label

    def add(self, alg):
        alg.addParameter(with_help(
            QgsProcessingParameterField(GROUP_FIELD, tr(self.label), parentLayerParameterName=INPUT,
                                        type=compat.FIELD_ANY, optional=self.optional),
            tr(self.help_text) if self.help_text else tr(
                "Group of each region (e.g. east / central / west / northeast). Every region needs "
                "a group: empty values are refused, naming the regions."),
        ))

    def plan(self, run, source, needs):
        name = run.string(GROUP_FIELD)
        if name and name not in needs.text_fields:
            needs.text_fields.append(name)

    def build(self, run, data, namespace):
        """The :class:`Groups` of the regions, or ``None`` without a group field."""
        name = run.string(GROUP_FIELD)
        if not name:
            return None
        return run_core(groups_from_labels, data.texts[name], ids=data.ids, field=name,
                        min_size=self.min_size)
