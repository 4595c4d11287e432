"""The GAN page's views (pages/09_GANs.py reads as their table of contents)."""
