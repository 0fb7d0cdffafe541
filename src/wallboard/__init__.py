"""Wallboard: real-time monitoring for text-channel contact centers."""

__version__ = "0.1.0"
