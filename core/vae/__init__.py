"""Autoencoders and VAEs (notes §6): models, objectives, PCA, interpolation, steppers, figures.

Modules: `models` (linear AE, MLP AE / VAE), `objectives` (Bernoulli reconstruction, KL,
ELBO, β-ELBO), `pca` (PCA and principal angles), `interpolation` (linear / spherical paths),
`trainer` (steppers), `registry` (the pretrained models), `figures` (plotly figures).
"""
