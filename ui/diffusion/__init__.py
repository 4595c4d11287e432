"""The views of pages/10_Diffusion.py (notes §10), one module each; the page is their table of
contents. Every view is an ``st.fragment``: its controls rerun only that view."""
