"""Monkey V1 voltage-sensitive-dye imaging (VSDI) data: reading the recordings.

::

    from adexmf.vsdi import load_recording
    ds = load_recording("Monkey1/matx2_wa080208_NL_up_10050.mat")
    ds.both.sel(time=0.05, method="nearest")   # dF/F along x (m) for both stimuli
"""

from .io import load_recording, parse_file_name

__all__ = [
    "load_recording",
    "parse_file_name",
]
