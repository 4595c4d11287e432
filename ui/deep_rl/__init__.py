"""The Deep RL page's views (pages/12_Deep_RL.py reads as their table of contents): one module
per view, each view body an ``st.fragment`` so its own controls rerun only it; ``common`` holds
the cached loads (pretrained agent, precomputed curves) and the recorded episodes."""
