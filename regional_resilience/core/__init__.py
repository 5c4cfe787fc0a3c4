"""Numerical core of Regional Resilience.

Pure numpy/scipy code: arrays in, small result dataclasses out. Nothing here
imports ``qgis``; every formula lives here once, with its source, and is
tested without QGIS.
"""
