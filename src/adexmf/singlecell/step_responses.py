"""Responses of isolated cells to a current step (Fig. 2 A, B of Zerlaut et al. 2018).

The cells receive no synaptic input: only the step current drives them. The figure is drawn
by :func:`adexmf.figures.fig2_single_cells.plot_figure2`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from ..params import Cell, Synapses
from ..store import provenance
from .simulate import CurrentStep, simulate_cells


def step_responses(
    cells: Mapping[str, Cell],
    synapses: Synapses,
    *,
    amplitude: float = 200e-12,
    rest: float = 0.1,
    step: float = 0.4,
    after: float = 0.1,
    dt: float = 5e-5,
) -> xr.Dataset:
    """Responses of isolated cells (no synaptic input) to a current step.

    Parameters
    ----------
    cells : mapping of str to Cell
        Cells to stimulate, by name.
    synapses : Synapses
        Unused by the protocol (no input), required by the simulator.
    amplitude : float
        Step amplitude (A); Fig. 2: 200 pA.
    rest, step, after : float
        Durations before, during and after the step (s).
    dt : float
        Time step (s).

    Returns
    -------
    xarray.Dataset
        ``V`` and ``w`` (cell, time) in V and A, ``spike`` (cell, time) markers, ``current``
        (time) in A.
    """
    duration = rest + step + after
    V, w, spikes = [], [], []
    for cell in cells.values():
        res = simulate_cells(
            cell, synapses, 0.0, 0.0, duration=duration, dt=dt, record=[0],
            current_steps=[CurrentStep(rest, rest + step, amplitude)],
        )  # fmt: skip
        V.append(res.V[0])
        w.append(res.w[0])
        spikes.append(res.spikes[0])
        time = res.time
    current = np.where((time >= rest) & (time < rest + step), amplitude, 0.0)
    return xr.Dataset(
        {
            "V": (("cell", "time"), np.array(V), {"units": "V"}),
            "w": (("cell", "time"), np.array(w), {"units": "A"}),
            "spike": (("cell", "time"), np.array(spikes)),
            "current": (("time",), current, {"units": "A"}),
        },
        coords={"cell": list(cells), "time": time},
        attrs={**provenance(), "protocol": f"{amplitude * 1e12:g} pA step, {step * 1e3:g} ms"},
    )


__all__ = ["step_responses"]
