"""The data behind paper figures (Figs 2 and 3): protocols that compute and write Datasets.

Nothing here draws; the figures are drawn by :mod:`adexmf.figures` from what these return.
"""
