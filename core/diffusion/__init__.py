"""Diffusion models (notes §10): schedules, forward process, posterior, samplers, models."""
