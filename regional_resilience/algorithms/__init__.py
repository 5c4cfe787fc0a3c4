"""Processing algorithms: thin adapters from layers to the numerical core."""
from .build_weights import BuildWeightsAlgorithm
from .global_moran import GlobalMoranAlgorithm
from .local_moran import LocalMoranAlgorithm

ALGORITHMS = [
    BuildWeightsAlgorithm,
    GlobalMoranAlgorithm,
    LocalMoranAlgorithm,
]
