"""§4 Recurrent networks: the Elman RNN and BPTT by hand, the gradient-spectrum analysis, the leaky
unit, the LSTM, gradient clipping, a long-range memory task and a char-level LSTM.

Each module is one concept of the notes (§4.1-§4.3); none imports Streamlit.
"""
