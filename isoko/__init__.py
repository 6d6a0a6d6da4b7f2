"""Isôko Linked Data: composition package (configuration, app factory, command line)."""

__version__ = "0.1.0"
