"""Home page of the Machine Perception Playground: the chapter map of the notes.

Navigation is Streamlit's own ``pages/`` discovery (no ``st.navigation``: on Streamlit 1.67 the
two combined break deep links on a fresh server's first load). A chapter links to its page when
the page file exists; chapters without a page are listed plainly.
"""

from pathlib import Path

import streamlit as st

import ui

PAGES_DIR = Path(__file__).parent / "pages"

# (number, title, teaser, page file) -- the notes' chapters 1-11.
CHAPTERS = [
    (
        1,
        "Neural networks",
        "Train a network live, step through backprop and check it against "
        "autograd and finite differences.",
        "01_Backpropagation.py",
    ),
    (
        2,
        "Convolutional neural networks",
        "Convolution computed on any image: stride, padding, "
        "dilation, the Toeplitz matrix and conv backprop.",
        "02_Convolution_and_Upsampling.py",
    ),
    (
        3,
        "Fully convolutional networks",
        "Every upsampling method, transposed-conv checkerboards "
        "and a U-Net with and without skips.",
        "02_Convolution_and_Upsampling.py",
    ),
    (4, "Recurrent neural networks", "Elman RNNs, LSTMs and gradient clipping.", None),
    (5, "Generative models", "The map of explicit and implicit density models.", None),
    (
        6,
        "Autoencoders",
        "Linear AE = PCA, latent maps, the reparameterisation trick and the "
        "β-VAE rate–distortion trade-off.",
        "06_Autoencoders_and_VAE.py",
    ),
    (7, "Autoregressive models", "FVSBN, NADE, MADE, PixelCNN and transformers.", None),
    (
        8,
        "Normalizing flows",
        "Watch coupling layers warp a Gaussian; exact likelihoods, verified log-determinants.",
        "08_Normalizing_Flows.py",
    ),
    (
        9,
        "Generative adversarial networks",
        "Mode collapse you can watch, measure and cure.",
        "09_GANs.py",
    ),
    (
        10,
        "Diffusion models",
        "Scrub real forward and reverse processes; DDPM, DDIM and classifier-free guidance.",
        "10_Diffusion.py",
    ),
    (
        11,
        "Reinforcement learning",
        "Value iteration you can step, policy iteration and TD learning on gymnasium environments.",
        "11_Gridworld_RL.py",
    ),
]

ui.page_config("Machine Perception Playground", "🧠", page_id="home")
ctx = ui.sidebar("home")

st.title("🧠 Machine Perception Playground")
ui.prose(
    "Live, visual companions to the *Machine Perception* course notes. Every page runs real "
    "PyTorch models (on a GPU when one is present), ships small pretrained weights for instant "
    "sampling, and **checks its own math** against a reference — autograd, "
    "`torch.nn.functional`, brute-force Jacobians, linear solves — and shows you the numbers."
)

st.subheader("Chapters")
for number, title, teaser, page_file in CHAPTERS:
    with st.container(border=True):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**§{number} {title}**  \n{teaser}")
        if page_file and (PAGES_DIR / page_file).exists():
            right.page_link(f"pages/{page_file}", label="Open page", icon="➡️")
        else:
            right.caption("page not built yet")

ui.prose(
    "Use the sidebar's **global seed** to make every sampler and training run reproducible, and "
    "**presentation mode** to hide the prose and enlarge the plots for a projector. Each page's "
    "controls are mirrored in the URL: bookmark a configured demo to reopen it as it was."
)
