"""The §6 page's views (pages/06_Autoencoders_and_VAE.py reads as their table of contents)."""
