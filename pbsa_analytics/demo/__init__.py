"""Seeded, labelled synthetic data for demos and tests; never mixed with the programme's data."""
