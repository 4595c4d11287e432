"""Views of the §4 Recurrent Networks page (one module per view)."""
