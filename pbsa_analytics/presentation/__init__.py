"""Decks for learning events: slide files in data/decks/, read and checked here."""
