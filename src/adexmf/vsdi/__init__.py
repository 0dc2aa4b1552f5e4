"""Monkey V1 voltage-sensitive-dye imaging (VSDI): reading the recordings, and fitting the
ring of mean-field columns to them (SPEC 9, Fig 10).

::

    from adexmf.vsdi import load_recording, run_scan, fit_recording
    rec = load_recording("Monkey1/matx2_wa080208_NL_up_10050.mat")
    fit = fit_recording(rec, run_scan())     # the 5^6 scan is computed once, then cached
    fit.value, fit.uncertainty               # SI, over dim "parameter"
"""

from .fit import FitSettings, fit_recording
from .io import load_recording, parse_file_name
from .preprocess import Preprocessing
from .scan import ScanSettings, run_scan
from .summary import fit_table, summarize

__all__ = [
    "FitSettings",
    "Preprocessing",
    "ScanSettings",
    "fit_recording",
    "fit_table",
    "load_recording",
    "parse_file_name",
    "run_scan",
    "summarize",
]
