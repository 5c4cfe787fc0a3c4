"""Spatial panel regression: SAR, SEM and SDM with fixed effects, effects,
diagnostics, mediation and heterogeneity (pure numpy/scipy, no QGIS).

Modules
-------
within
    Balanced-panel checks, the within transformation, within OLS.
logdet
    Weights prepared once: log-determinants, rho interval, traces.
estimators
    ML SAR, SEM, SDM (Elhorst 2014), Lee-Yu bias correction.
effects
    LeSage-Pace direct, indirect and total effects with simulated inference.
diagnostics
    Moran's I of FE-OLS residuals, LM tests, LR/Wald SDM tests.
mediation
    Stepwise mediation with bootstrap CIs and Sobel tests.
heterogeneity
    One model per group or per side of a threshold.
analysis
    A study in one call: all regions and the groups, effects and tests;
    mediation per group.
tables
    Publication-style table rows.
simulate
    A seeded simulated city panel.

Arrays follow the core's axis order (regions, periods, variables): ``y`` is
``(n, t)``, ``X`` is ``(n, t, k)``, ``W`` an ``n x n`` scipy.sparse matrix
(or a core ``Weights``).

Examples
--------
>>> from regional_resilience.core.spatial_panel import (
...     coefficient_rows, effects, fit_sdm, prepare_weights, simulate_panel)
>>> sim = simulate_panel(n=80, t=10, seed=0)
>>> pw = prepare_weights(sim.W, ids=sim.ids)          # eigenvalues once per run
>>> sdm = fit_sdm(sim.y, sim.X, pw, fe="twoway", names=sim.names, periods=sim.periods)
>>> eff = effects(sdm, draws=200, seed=0)
>>> [row[0] for row in coefficient_rows(sdm)][:6]
['', 'x1', '', 'x2', '', 'W*x1']
>>> eff.estimate.shape
(2, 3)
"""
from ._base import FE_TYPES, EstimationError, SpatialPanelWarning, stars
from .analysis import MediationByGroup, SpatialAnalysis, mediation_by_group, spatial_analysis
from .diagnostics import (
    ComparisonResult,
    DiagnosticsResult,
    compare_models,
    spatial_diagnostics,
    specification_tests,
)
from .effects import EffectsResult, effects
from .estimators import MODELS, SpatialPanelResult, fit_sar, fit_sdm, fit_sem, fit_spatial_panel
from .heterogeneity import GroupedResult, by_group
from .logdet import LOGDET_METHODS, PreparedWeights, prepare_weights
from .mediation import MediationResult, mediation
from .simulate import SimulatedPanel, knn_weights, simulate_panel
from .tables import (
    coefficient_rows,
    diagnostics_rows,
    effects_rows,
    mediation_rows,
    mediation_table,
    spatial_table,
    tidy_coefficients,
    tidy_diagnostics,
    tidy_effects,
    tidy_mediation,
)
from .within import PanelData, WithinOLSResult, check_design, demean, fe_ols, log_variables, prepare_panel

__all__ = [
    "FE_TYPES",
    "MODELS",
    "LOGDET_METHODS",
    "EstimationError",
    "SpatialPanelWarning",
    "PanelData",
    "prepare_panel",
    "demean",
    "check_design",
    "WithinOLSResult",
    "fe_ols",
    "log_variables",
    "PreparedWeights",
    "prepare_weights",
    "SpatialPanelResult",
    "fit_sar",
    "fit_sem",
    "fit_sdm",
    "fit_spatial_panel",
    "EffectsResult",
    "effects",
    "DiagnosticsResult",
    "spatial_diagnostics",
    "ComparisonResult",
    "compare_models",
    "specification_tests",
    "MediationResult",
    "mediation",
    "GroupedResult",
    "by_group",
    "SpatialAnalysis",
    "spatial_analysis",
    "MediationByGroup",
    "mediation_by_group",
    "SimulatedPanel",
    "simulate_panel",
    "knn_weights",
    "stars",
    "coefficient_rows",
    "effects_rows",
    "mediation_rows",
    "diagnostics_rows",
    "spatial_table",
    "mediation_table",
    "tidy_coefficients",
    "tidy_effects",
    "tidy_diagnostics",
    "tidy_mediation",
]
