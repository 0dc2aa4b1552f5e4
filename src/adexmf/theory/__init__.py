"""Analytic theory: shot-noise membrane statistics and the transfer-function template."""
