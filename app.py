"""Home page of the Machine Perception Playground: the chapter map of the notes.

Navigation is Streamlit's own ``pages/`` discovery (no ``st.navigation``: on Streamlit 1.67 the
two combined break deep links on a fresh server's first load). Each chapter is a card
(`ui.home`): a thumbnail of its page's main visual, drawn once per server from the real models,
and a link to the page; chapters without a page yet say what is coming.
"""

import streamlit as st

import ui
from ui.home import chapter_map

ui.page_config("Machine Perception Playground", "🧠", page_id="home")
ctx = ui.sidebar("home")

st.title("Machine Perception Playground")  # no emoji: projector PCs may lack the font
ui.prose(
    "Live, visual companions to the *Machine Perception* course notes. Every page runs real "
    "PyTorch models (on a GPU when one is present), ships small pretrained weights for instant "
    "sampling, and **checks its own math** against a reference — autograd, "
    "`torch.nn.functional`, brute-force Jacobians, linear solves — and shows you the numbers."
)

chapter_map(teasers=not ctx.presentation)  # presentation mode: no prose

ui.prose(
    "Use the sidebar's **global seed** to make every sampler and training run reproducible, and "
    "**presentation mode** to hide the prose and enlarge the plots for a projector. Each page's "
    "controls are mirrored in the URL: bookmark a configured demo to reopen it as it was."
)
