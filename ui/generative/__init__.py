"""Views of the §5 page (pages/05_Generative_Models.py)."""
