"""Developer helpers: tiny random-weight model folders for tests, docs and demos."""
