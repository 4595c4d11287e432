"""The §8 page's views (pages/08_Normalizing_Flows.py reads as their table of contents)."""
