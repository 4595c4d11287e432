"""Home page: the only controls are the global sidebar's."""

from benchmarks.harness import Interaction

PAGE = "app.py"
INTERACTIONS = [
    Interaction(
        "presentation mode toggle", lambda at, i: at.sidebar.toggle[0].set_value(i % 2 == 0)
    ),
    Interaction("global seed", lambda at, i: at.sidebar.number_input[0].set_value(i)),
]
