"""The home page's chapter map: one card per chapter of the notes.

A chapter with a page shows a thumbnail of that page's main visual, drawn by `core.thumbnails`
from the real core code and the shipped pretrained weights (once per server process, cached with
``st.cache_resource``), its title, a one-line teaser and a link to the page. A chapter whose page
is not built yet shows a muted card that says what is coming, taken from the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
COLUMNS = 3  # cards per row: ~300 px wide at 1366 px with the sidebar open


@dataclass(frozen=True)
class Chapter:
    """A chapter card: the notes' section and title, a one-line teaser, the page that covers it
    (its file in ``pages/``, planned names included: the card links it once the file exists) and
    its thumbnail (a key of `THUMBNAILS`). Until the page exists the teaser reads "Coming: …"."""

    section: str
    title: str
    teaser: str
    page: str
    thumbnail: str | None = None
    alt: str = ""  # what the thumbnail shows, for screen readers

    @property
    def built(self) -> bool:
        return (PAGES_DIR / self.page).exists()

    @property
    def coming(self) -> str:
        """The teaser as the end of "Coming: …" (a first word in lower case, acronyms kept)."""
        t = self.teaser
        return t[0].lower() + t[1:] if t[1:2].islower() else t

    @property
    def page_name(self) -> str:
        """The page's name as Streamlit shows it: ``02_Convolution_and_Upsampling.py`` ->
        ``Convolution and Upsampling``."""
        return Path(self.page).stem.partition("_")[2].replace("_", " ")


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "§1",
        "Neural networks",
        "Train a network live, step through backprop and check it against autograd and finite "
        "differences.",
        "01_Backpropagation.py",
        "backprop",
        "Decision boundary of a small tanh MLP trained on the two-spirals data.",
    ),
    Chapter(
        "§2–3",
        "Convolutional and fully convolutional networks",
        "Convolution on any image (stride, padding, dilation, the Toeplitz matrix, backprop), "
        "every upsampling method and a U-Net with and without skips.",
        "02_Convolution_and_Upsampling.py",
        "conv",
        "A photo and its correlation with the Sobel x kernel, side by side.",
    ),
    Chapter(
        "§4",
        "Recurrent neural networks",
        "An Elman RNN unrolled step by step, backpropagation through time, vanishing and "
        "exploding gradients you can bound, LSTM gates and gradient clipping.",
        "04_Recurrent_Networks.py",
        "rnn",
        "The LSTM's forget, input, write and output gates over time, one row per unit.",
    ),
    Chapter(
        "§5",
        "Generative models",
        "Every generative family of these notes side by side, sampled from its pretrained "
        "model in one click and scored by the same judge.",
        "05_Generative_Models.py",
        "generative",
        "samples of a VAE, the DCGAN and latent diffusion, side by side",
    ),
    Chapter(
        "§6",
        "Autoencoders",
        "Linear AE = PCA, latent maps, the reparameterisation trick and the β-VAE "
        "rate–distortion trade-off.",
        "06_Autoencoders_and_VAE.py",
        "vae",
        "Latent map of the 2-D VAE: held-out digits' codes coloured by class over the decoded "
        "manifold.",
    ),
    Chapter(
        "§7",
        "Autoregressive models",
        "FVSBN, NADE and MADE with exact chain-rule likelihoods, PixelCNN's masked "
        "convolutions and WaveNet's dilated stacks.",
        "07_Autoregressive_Models.py",
        "autoregressive",
        "Binarised digits drawn pixel by pixel by the pretrained PixelCNN (the samples that "
        "shipped with its manifest).",
    ),
    Chapter(
        "§7.7",
        "Transformers",
        "Self-attention as a soft dictionary lookup, the causal mask M and a small "
        "character-level model of Python's own documentation.",
        "07_Transformers.py",
        "transformer",
        "Attention maps of the tiny GPT's first two layers, every head, on a line of Python.",
    ),
    Chapter(
        "§8",
        "Normalizing flows",
        "Watch coupling layers warp a Gaussian; exact likelihoods, verified log-determinants.",
        "08_Normalizing_Flows.py",
        "flows",
        "Exact density of the pretrained RealNVP on the two-moons target.",
    ),
    Chapter(
        "§9",
        "Generative adversarial networks",
        "Mode collapse you can watch, measure and cure.",
        "09_GANs.py",
        "gan",
        "Digits sampled from the pretrained DCGAN.",
    ),
    Chapter(
        "§10",
        "Diffusion models",
        "Scrub real forward and reverse processes; DDPM, DDIM and classifier-free guidance.",
        "10_Diffusion.py",
        "diffusion",
        "Reverse process of the pretrained U-Net: four digits from pure noise to sample.",
    ),
    Chapter(
        "§11",
        "Reinforcement learning",
        "Value iteration you can step, policy iteration and TD learning on gymnasium environments.",
        "11_Gridworld_RL.py",
        "rl",
        "Optimal values and greedy policy of the slippery FrozenLake 8×8.",
    ),
    Chapter(
        "§11.3",
        "Deep reinforcement learning",
        "Deep Q-learning with a replay buffer and a target network, then policy gradients "
        "and actor–critic on CartPole.",
        "12_Deep_RL.py",
        "deep_rl",
        "The pretrained DQN's value V(s) = max_a Q(s, a) over the pole's angle θ (across) and "
        "angular velocity θ̇ (down), cart at rest.",
    ),
)


# ----------------------------------------------------------------------------- thumbnails
def _model(name: str):
    """A shared pretrained model on the CPU: the same cache entry the pages' `ui.pretrained`
    uses, so a page opened later on a CPU server finds it loaded."""
    from ui.pretrained import _load

    return _load(name, "cpu")[0]


def _vae_map() -> np.ndarray:
    import torch

    from core.data import mnist_split
    from core.thumbnails import vae_latent_map

    s = mnist_split()  # the held-out 500 of the fixed split, as on the page
    return vae_latent_map(_model("vae_2d"), torch.from_numpy(np.array(s.x_test)), s.y_test)


def _build(key: str) -> np.ndarray:
    from core import thumbnails as T
    from core.flows.pretrained import pretrained_name

    builders = {
        "backprop": T.backprop_boundary,
        "conv": T.conv_edges,
        "vae": _vae_map,
        "flows": lambda: T.flow_density(_model(pretrained_name("moons_density"))),
        "gan": lambda: T.gan_samples(_model("gan_mnist_dcgan")),
        "diffusion": lambda: T.diffusion_reverse(_model("diffusion_unet_mnist")),
        "rl": T.value_map,
        "generative": _families,
        "rnn": _rnn_gates,
        "transformer": _attention_thumb,
        "autoregressive": _pixelcnn_samples,
        "deep_rl": _dqn_values,
    }
    if key not in builders:
        raise ValueError(f"unknown thumbnail: {key!r}; choose from {', '.join(builders)}")
    return builders[key]()


THUMBNAILS = ("backprop", "conv", "generative", "vae", "flows", "gan", "diffusion", "rl", "rnn",
              "transformer", "autoregressive", "deep_rl")  # fmt: skip


def _dqn_values(n: int = 121) -> np.ndarray:
    """§11.3: the pretrained DQN's V = max_a Q over a (θ, θ̇) slice (the DQN view's heatmap)."""
    import torch

    from core import thumbnails as T
    from core.rl.cartpole import q_slice

    net = _model("rl_dqn_cartpole")
    with torch.inference_mode():
        sl = q_slice(lambda s: net(torch.from_numpy(s)).numpy(), n=n)
    v = sl["V"][::-1]  # rows: θ̇ from high to low, as the page draws it
    lo, hi = np.percentile(v, [2, 98])
    return T.fit(T.colourise(v, T.lut("Viridis"), float(lo), float(hi)), smooth=False)


def _pixelcnn_samples(rows: int = 4, cols: int = 6) -> np.ndarray:
    """§7: the PixelCNN's samples as they shipped in its manifest (packed bits: no sampling,
    which takes the model ~80 s for 16 on one core)."""
    from core import thumbnails as T
    from core.autoregressive.pretrained import hex_bits
    from core.pretrained import read_manifest

    m = read_manifest("ar_pixelcnn")
    x = hex_bits(m["samples_hex"], int(m["samples_n"]))[: rows * cols, 0]  # (n, 28, 28) {0, 1}
    return T.fit(T.ink_grid(x, cols))


def _attention_thumb() -> np.ndarray:
    """§7.7: the tiny GPT's attention maps (layers 1-2 × every head) on a line of Python."""
    from core.transformer.thumbnail import attention_grid

    return attention_grid(_model("gpt_char"))


def _rnn_gates() -> np.ndarray:
    """§4: the LSTM gates f, i, g, o over time (the page's "Leaky unit & LSTM" view)."""
    from core.rnn.thumbnail import lstm_gates

    return lstm_gates()


def _families() -> np.ndarray:
    """§5: recorded samples (python -m core.generative.measure) of a VAE, the GAN, diffusion."""
    from core import thumbnails as T
    from ui.generative.data import recorded_samples

    return T.families_side_by_side(
        recorded_samples(), ("vae_16d", "gan_mnist_dcgan", "diffusion_latent_mnist")
    )


@st.cache_resource(show_spinner=False)
def thumbnail(key: str) -> tuple[bytes | None, str]:
    """(PNG bytes, "") of one chapter's thumbnail, or (None, why it could not be drawn).

    Computed once per server process and shared by every session (bytes are immutable). A
    failure (e.g. missing pretrained weights) is kept too, so the home page never retries it on
    every visit; the pages themselves report the failure with the rebuild command.
    """
    from core.thumbnails import to_png

    try:
        return to_png(_build(key)), ""
    except Exception as e:  # a card must never take the home page down
        return None, f"{type(e).__name__}: {e}"


# ----------------------------------------------------------------------------- cards
_CSS = """
<style>
.mp-coming { aspect-ratio: 3 / 2; width: 100%; border-radius: 0.5rem; display: flex;
  flex-direction: column; align-items: center; justify-content: center; color: #8a919c;
  margin-bottom: 0.55rem;
  background: repeating-linear-gradient(135deg, #f3f4f6 0 14px, #eceef1 14px 28px); }
.mp-coming b { font-size: 2.4em; font-weight: 600; line-height: 1.1; }
.mp-coming span { font-size: 0.95em; letter-spacing: 0.08em; text-transform: uppercase; }
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] { height: auto; }
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] span,
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] p { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
</style>
"""


def _placeholder(section: str, note: str) -> None:
    """A muted 3:2 tile with the section number, where a thumbnail would be."""
    st.markdown(
        f'<div class="mp-coming"><b>{section}</b><span>{note}</span></div>',
        unsafe_allow_html=True,
    )


def card(ch: Chapter, png: bytes | None, why: str, teaser: bool = True) -> None:
    """One chapter card (inside the current column); ``teaser=False`` (presentation mode)
    leaves out the one-line teaser, so the projected map is thumbnails, titles and links."""
    with st.container(border=True, height="stretch"):
        if not ch.built:
            _placeholder(ch.section, "coming")
            st.markdown(f"**:gray[{ch.section} {ch.title}]**")
            if teaser:
                st.caption(f"Coming: {ch.coming}")
            return
        if png is not None:
            st.image(png, width="stretch", alt=ch.alt or None)
        else:
            _placeholder(ch.section, "")
            if why:
                st.caption(f":material/image_not_supported: No thumbnail: {why}")
        st.markdown(f"**{ch.section} {ch.title}**")
        if teaser:
            st.caption(ch.teaser)
        st.page_link(
            f"pages/{ch.page}",
            label=ch.page_name,
            icon=":material/arrow_forward:",
        )


def chapter_map(
    chapters: tuple[Chapter, ...] = CHAPTERS, columns: int = COLUMNS, teasers: bool = True
) -> None:
    """The grid of chapter cards; the thumbnails are drawn first (a spinner on a fresh server)."""
    st.markdown(_CSS, unsafe_allow_html=True)
    keys = [c.thumbnail for c in chapters if c.built and c.thumbnail]
    with st.spinner("Drawing each chapter's thumbnail from its models (once per server)…"):
        thumbs = {k: thumbnail(k) for k in keys}
    for i in range(0, len(chapters), columns):
        cols = st.columns(columns)
        for col, ch in zip(cols, chapters[i : i + columns], strict=False):
            with col:
                png, why = thumbs.get(ch.thumbnail, (None, ""))
                card(ch, png, why, teaser=teasers)
