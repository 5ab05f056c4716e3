"""Page parsers: one class per page layout, one method per field.

A page class only *finds* raw values (strings, lists of HTML fragments); cleaning and typing is the
loader's job (``crawler.loaders``), so a tuner can see which selector produced what.
"""
