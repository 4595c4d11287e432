"""§4 home-page thumbnail: the LSTM's forget, input, write and output gates over time.

The same `core.rnn.leaky.run_cell` the page's "Leaky unit & LSTM" view draws (default config,
a pulse input): four bands of units × time, viridis for the gates in [0, 1], RdBu for g.
"""

from __future__ import annotations

import numpy as np

from core import thumbnails as T
from core.rnn.leaky import FlowConfig, run_cell


def lstm_gates(T_steps: int = 60, d: int = 9) -> np.ndarray:
    """(240, 360, 4) uint8 RGBA: f, i, g, o stacked, white gaps between the bands."""
    r = run_cell("lstm", FlowConfig(T=T_steps, d=d, inputs="sine", forget_bias=1.0))
    vir, rdbu = T.lut("Viridis"), T.lut("RdBu")[::-1]
    bands = []
    for k in ("f", "i", "g", "o"):
        z = r[k].numpy().T  # (d, T)
        rgb = T.colourise(z, rdbu, -1, 1) if k == "g" else T.colourise(z, vir, 0, 1)
        bands += [rgb, np.full((1, T_steps, 3), 255, np.uint8)]
    img = np.concatenate(bands[:-1], 0)  # (4d + 3, T, 3)
    img = np.repeat(np.repeat(img, 10, 0), 10, 1)  # crisp cells before the fit
    return T.fit(img, smooth=False)
