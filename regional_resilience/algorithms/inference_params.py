"""Permutation-inference parameters shared by the autocorrelation tools."""
from qgis.core import QgsProcessingParameterBoolean, QgsProcessingParameterNumber

from .. import compat
from .base import with_help

PERMUTATIONS = "PERMUTATIONS"
SEED = "SEED"
ALPHA = "ALPHA"
FDR = "FDR"


def add_permutation_parameters(alg, significance=False):
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(PERMUTATIONS, alg.tr("Permutations"), type=compat.NUMBER_INTEGER,
                                     defaultValue=999, minValue=0, maxValue=99999),
        alg.tr("Random permutations for the pseudo p-value (conditional randomisation). "
               "999 gives p-values down to 0.001. 0 skips the permutation test."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(SEED, alg.tr("Random seed"), type=compat.NUMBER_INTEGER,
                                     defaultValue=12345, minValue=0),
        alg.tr("Same seed, same data and weights: same p-values (equal to PySAL esda's with "
               "that seed)."),
        advanced=True,
    ))
    if significance:
        alg.addParameter(with_help(
            QgsProcessingParameterNumber(ALPHA, alg.tr("Significance level"), type=compat.NUMBER_DOUBLE,
                                         defaultValue=0.05, minValue=0.0001, maxValue=0.5),
            alg.tr("Regions whose pseudo p-value is below this level are classed as clusters or "
                   "outliers (strictly below, as esda: with 999 permutations p = 0.05 itself is "
                   "not significant)."),
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterBoolean(FDR, alg.tr("False discovery rate correction"), defaultValue=False),
            alg.tr("Use the Benjamini-Hochberg false discovery rate threshold at the chosen level "
                   "(as GeoDa's FDR option and esda.fdr) instead of the plain level."),
            advanced=True,
        ))


def read_permutation_parameters(alg, parameters, context):
    return (
        alg.parameterAsInt(parameters, PERMUTATIONS, context),
        alg.parameterAsInt(parameters, SEED, context),
    )
