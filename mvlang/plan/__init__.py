"""Stage plan: the timeline becomes a static graph of keyed tasks (`planner.py`)."""
