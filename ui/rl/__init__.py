"""The Gridworld RL page's views (pages/11_Gridworld_RL.py reads as their table of contents):
the environment controls and cached solves (``common``), the editable grid (``grid_editor``) and
one module per view, each view body an ``st.fragment`` so its own controls rerun only it."""
