"""Settings of a ring or sheet run: the default scheme and step, the outputs, the VSD inputs
and the description of the geometry written into a result's attrs (the settings every
network of columns shares, scheme, steps and sample grid, are :mod:`adexmf.columns.network`'s).
SI units (s, m, m/s, Hz)."""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError
from ..params import Ring

#: Default scheme and step (s): the cheapest that meets the < 1 % convergence criterion.
DEFAULT_METHOD = "euler"
DEFAULT_DT = 5e-4
#: Quantities a run or a batch can return.
OUTPUTS = ("nu_aff", "nu_e", "nu_i", "nu", "mu_V", "vsd")
#: Inputs seen by the VSD-like signal: lateral only (the authors' signal) or the afferent
#: input included ("total", as the single column, SPEC 5.4).
VSD_INPUTS = ("lateral", "total")
#: The one default of the VSD-like signal, for the ring, the sheet, the batch, the stages,
#: the command line and the VSDi fit: lateral inputs only. With the afferent input the map is
#: dominated by a standing blob where the stimulus is (dV/V0 ~ 20 % at the stimulus for the
#: reference stimulus [code]), while the paper's maps and the data show a wave spreading from
#: it; the lateral signal also fits all ten recordings better (residuals 2-50 % lower,
#: :class:`adexmf.vsdi.scan.ScanSettings`).
DEFAULT_VSD_INPUT = "lateral"


def vsd_code(vsd_input: str) -> int:
    """The kernels' code of the VSD inputs (:data:`VSD_INPUTS`): 1 lateral only, 0 total."""
    if vsd_input not in VSD_INPUTS:
        raise ParameterError(
            f"vsd_input = {vsd_input!r}; allowed: 'lateral' (lateral inputs only, the "
            "authors' signal, default) or 'total' (afferent input included)"
        )
    return 1 if vsd_input == "lateral" else 0


def describe_ring(ring: Ring) -> dict[str, Any]:
    """The geometry, kernels, conduction velocity and drive of a ring or sheet as attrs,
    SI units in the names (``length_m``, ``v_c_m_per_s``, ``drive_Hz``)."""
    return {
        "length_m": ring.length,
        "n_units": ring.n_units,
        "l_exc_m": ring.l_exc,
        "l_inh_m": ring.l_inh,
        "v_c_m_per_s": ring.v_c,
        "drive_Hz": ring.drive,
    }
