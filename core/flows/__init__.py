"""Normalizing flows (notes §8): invertible layers, composite 2-D flows, exact densities.

- `layers`: AdditiveCoupling (NICE), Scaling, AffineCoupling (RealNVP), ActNorm and
  InvertibleLinear (Glow), Permute; each ``forward(x) -> (z, log_det_jacobian)`` and ``inverse``;
- `models`: FlowConfig, Flow, the registry ``FLOW_BUILDERS`` (nice / realnvp / glow);
- `density`: log p_X on grids, warps through steps 1..m, the live self-checks;
- `trainer`: FlowTrainer, the maximum-likelihood stepper (train / held-out NLL);
- `one_d`: §8.1 change of variables for monotone 1-D maps;
- `image_masks`: RealNVP checkerboard / channel masks and the squeeze (§8.5);
- `pretrained`: one fitted RealNVP per toy target; `figures`: plotly figures.
"""

from core.flows.models import FLOW_BUILDERS, Flow, FlowConfig, build_flow
from core.flows.trainer import BEST_NLL, FlowTrainer, TrainConfig, nll

__all__ = [
    "FLOW_BUILDERS",
    "Flow",
    "FlowConfig",
    "build_flow",
    "BEST_NLL",
    "FlowTrainer",
    "TrainConfig",
    "nll",
]
