"""§7 Autoregressive models: p(x) = prod_i p(x_i | x_<i), exactly, on binarised MNIST.

- `data`: the shared 4,500 / 500 split binarised by a fixed threshold (x >= 0.5 -> 1).
- `base`: the chain-rule likelihood and the generic n-pass sampler every model shares.
- `fvsbn`: independent Bernoulli and the fully visible sigmoid belief network (§7.1).
- `nade`: NADE with the O(nd) recursion a_{i+1} = a_i + W_{:,i} x_i and its naive twin (§7.2).
- `made`: MADE's degrees, masks, orderings and the mask ensemble (§7.3).
- `pixelcnn`: masked convolutions A/B, PixelCNN and the gated PixelCNN (§7.4).
- `wavenet`: dilated causal 1-D convolutions and μ-law quantisation (§7.5).
- `trainer`: one stepper for all of them; `pretrained`: the measured ladder.
"""
