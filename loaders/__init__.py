"""Loaders: read data/ sources, map them to RDF, validate with shapes/, write an immutable build."""
