"""Pure torch/numpy core of the Machine Perception Playground.

Nothing in this package imports Streamlit, touches the network, or does work at import time.
"""
