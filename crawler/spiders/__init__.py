"""Spiders. ``finews`` walks any set of categories of a finews-style site; outlet spiders are
``finews`` configured for one category each."""
