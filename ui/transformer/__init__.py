"""The §7.7 Transformers page views (each an ``@st.fragment``)."""
