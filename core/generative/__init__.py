"""Every generative family side by side (notes §5): registry, sampling, metrics, bounds."""
