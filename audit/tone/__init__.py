"""Tone: how loaded a text's wording is, with the words that show it (signals from the lexicon in rules/tone/)."""
