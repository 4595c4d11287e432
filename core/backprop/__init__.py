"""Notes §1 (neural networks): MLP, losses, backpropagation by hand, perceptron, universal
approximation. Pure numpy (float64) with torch only as the autograd reference; no Streamlit.

Modules: `features` (input features), `activations` (sigma, sigma'), `losses` (§1.2 + MAP
penalties), `mlp` (forward / hand backward, §1.3), `optim` (SGD, momentum, Adam), `datasets`,
`trainer` (the stepper), `verify` (autograd and finite-difference checks), `stepthrough`
(per-node chain-rule factors for one point), `perceptron` (§1.1, Novikoff), `universal` (§1.5),
`figures` (plotly).
"""
