"""The views of the §1 Backpropagation page (pages/01_Backpropagation.py is their table of
contents): the playground with live training, the backprop step-through, the perceptron and
universal approximation. Each view's body is an ``st.fragment``: its controls rerun only it."""
