"""Permutation-inference and significance options shared by the
autocorrelation tools."""
from .options import Flag, Number

PERMUTATIONS = "PERMUTATIONS"
SEED = "SEED"
ALPHA = "ALPHA"
FDR = "FDR"


def permutation_options():
    return (
        Number(PERMUTATIONS, "Permutations", 999, minimum=0, maximum=99999, integer=True, help=(
            "Random permutations for the pseudo p-value (conditional randomisation). "
            "999 gives p-values down to 0.001. 0 skips the permutation test.")),
        Number(SEED, "Random seed", 12345, minimum=0, integer=True, advanced=True, help=(
            "Same seed, same data and weights: same p-values (equal to PySAL esda's with "
            "that seed).")),
    )


def significance_options():
    return (
        Number(ALPHA, "Significance level", 0.05, minimum=0.0001, maximum=0.5, help=(
            "Regions whose pseudo p-value is below this level are classed as clusters or "
            "outliers (strictly below, as esda: with 999 permutations p = 0.05 itself is "
            "not significant).")),
        Flag(FDR, "False discovery rate correction", False, advanced=True, help=(
            "Use the Benjamini-Hochberg false discovery rate threshold at the chosen level "
            "(as GeoDa's FDR option and esda.fdr) instead of the plain level.")),
    )
