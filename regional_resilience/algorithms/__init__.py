"""Processing algorithms: thin adapters from layers to the numerical core."""
from .build_weights import BuildWeightsAlgorithm
from .development_index import DevelopmentIndexAlgorithm
from .entropy_topsis import EntropyTopsisAlgorithm
from .environmental_damage import EnvironmentalDamageAlgorithm
from .global_moran import GlobalMoranAlgorithm
from .indicator_weighting import IndicatorWeightsAlgorithm
from .local_moran import LocalMoranAlgorithm

ALGORITHMS = [
    BuildWeightsAlgorithm,
    GlobalMoranAlgorithm,
    LocalMoranAlgorithm,
    IndicatorWeightsAlgorithm,
    DevelopmentIndexAlgorithm,
    EntropyTopsisAlgorithm,
    EnvironmentalDamageAlgorithm,
]
