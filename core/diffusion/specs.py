"""Pretrained diffusion models registered with `core.pretrained` (notes §10)."""

from core.diffusion.latent import SPEC as LATENT_SPEC
from core.diffusion.mnist import SPEC as MNIST_SPEC

PRETRAINED = (MNIST_SPEC, LATENT_SPEC)
