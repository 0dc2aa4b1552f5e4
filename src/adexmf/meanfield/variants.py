"""Named mean-field variants: the registry of the mean fields compared with the network.

A variant is a mean-field object: a preset, the adaptation variable on or off, the Markov
time constant T and, for one, a synaptic filter on the transfer functions' inputs
(:mod:`adexmf.meanfield.synaptic_filter`); the order is the protocol's (the paper used the
second order for Figs 4-5, the first for Figs 6-7). The comparison protocols
(:mod:`adexmf.compare`), the study and the command line all read this one registry.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from ..errors import ParameterError
from ..params import Preset, load_preset
from .analysis import MeanFieldModel
from .synaptic_filter import FilteredMeanFieldModel


@functools.cache
def shipped_preset(name: str) -> Preset:
    """A preset shipped with the package, loaded once per process (the files are package
    data and presets are immutable, so every variant and protocol shares one object)."""
    return load_preset(name)


@dataclass(frozen=True)
class Variant:
    """A mean-field variant: preset, adaptation variable on or off, what it is, its Markov
    time constant T (s; SPEC 5.1: 5 ms), for a preset calibrated on the network the (drive
    in Hz, b in A) points it was calibrated on (the validity map reports the others as held
    out), and the time constant (s) of a synaptic filter on its inputs (0: none)."""

    name: str
    preset: str
    adaptation: bool
    description: str
    T: float = 5e-3
    calibrated_on: tuple[tuple[float, float], ...] = ()
    synaptic_filter: float = 0.0

    @property
    def parameters(self) -> Preset:
        """The variant's preset (loaded once per process)."""
        return shipped_preset(self.preset)

    def model(self, order: int, n_total: int | None = None) -> MeanFieldModel:
        """The variant's model at ``order`` (a FilteredMeanFieldModel where it has a
        synaptic filter); ``n_total`` resizes the populations (finite-size term of the
        covariances) with the in-degrees kept, like a scaled-down network."""
        preset = self.parameters
        if n_total is not None and n_total != preset.network.n_total:
            net = preset.network
            p = net.connection_probability * net.n_total / n_total
            preset = dataclasses.replace(
                preset, network=net.replace(n_total=n_total, connection_probability=p)
            )
        if self.synaptic_filter > 0.0:
            return FilteredMeanFieldModel(preset, order=order, adaptation=self.adaptation,
                                          T=self.T, synaptic_filter=self.synaptic_filter)
        return MeanFieldModel(preset, order=order, adaptation=self.adaptation, T=self.T)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("reference", "zerlaut2018", False,
                "the paper's: published coefficients, the authors' formula slip"),
        Variant("corrected", "corrected", False,
                "the paper's formula, transfer functions refitted by adexmf"),
        Variant("adaptation", "corrected_adaptation", True,
                "corrected, with the adaptation current W of the RS population (SPEC 5.3)"),
        # T fitted to the 10,000-neuron network's frequency response of the population signal
        # nu (Fig. 6 protocol, paper scale, seeds 1-3, first order; refitted 2026-12-07 on
        # the current presets): `adexmf compare frequency --scale paper --out DIR`, then
        # `adexmf compare fit-time-constant DIR/frequency.nc --variant adaptation` -> 9.20 ms
        # (mismatch 0.92 -> 0.40; the fit on nu_e gave 9.18 ms). docs/paper-vs-code.md.
        Variant("adaptation-T", "corrected_adaptation", True,
                "adaptation, Markov time constant T = 9.2 ms fitted to the network's "
                "frequency response (5 ms in the others)", T=9.2e-3),
        Variant("adaptation-W", "corrected_w", True,
                "the adaptation current W with an RS transfer function fitted on clamped-W data "
                "(0-200 pA): one fit for every b"),
        # T fitted as for adaptation-T: fit-time-constant ... --variant adaptation-W -> 8.32 ms
        # (mismatch 0.78 -> 0.46; 8.63 ms on nu_e with corrected_w fitted on Euler 0.05 ms).
        Variant("adaptation-WT", "corrected_w", True,
                "adaptation-W with T = 8.3 ms fitted to the network's frequency response",
                T=8.3e-3),
        # adexmf compare calibrate on the even half of the validity map (header of
        # corrected_w_calibrated.toml): its 9 AI points, (drive Hz, b A).
        Variant("adaptation-cal", "corrected_w_calibrated", True,
                "adaptation-W with the threshold calibrated on the network's stationary rates "
                "(half of the validity map, b 0-60 pA)",
                calibrated_on=((2.0, 20e-12), (4.0, 0.0), (4.0, 40e-12), (6.0, 20e-12),
                               (6.0, 60e-12), (8.0, 0.0), (8.0, 40e-12), (10.0, 20e-12),
                               (10.0, 60e-12))),
        # T and tau_s fitted to the network's frequency response (Fig. 6 protocol, paper
        # scale, seeds 1-3, first order, simulated as the protocol does) on the grid T = 3,
        # 5, 8, 12 ms x tau_s = 0, 0.5, 1, 2, 3, 5 ms: `python docs/results.py --record
        # synaptic_filter` (examples/synaptic_filter_response.py) -> T = 8 ms, tau_s = 1 ms
        # (10-50 Hz phase error 0.146 rad, resonance 36 Hz; network 42 Hz). Never fitted on
        # the transient protocol. docs/paper-vs-code.md, "Transients on time".
        Variant("adaptation-WS", "corrected_w", True,
                "adaptation-W with a synaptic filter (tau_s = 1 ms) on the transfer functions' "
                "inputs and T = 8 ms, both fitted to the network's frequency response",
                T=8e-3, synaptic_filter=1e-3),
    )
}  # fmt: skip


#: The variants the column kernels (ring, sheet, brain) integrate: all but those with a
#: synaptic filter, which only their own single-column kernel has.
COLUMN_VARIANTS: tuple[str, ...] = tuple(n for n, v in VARIANTS.items() if not v.synaptic_filter)


def get_variant(name: str | Variant) -> Variant:
    """The variant called ``name`` (a Variant is returned as it is).

    Raises
    ------
    ParameterError
        Naming the allowed variants.
    """
    if isinstance(name, Variant):
        return name
    if name not in VARIANTS:
        raise ParameterError(f"variant = {name!r} is unknown; allowed: {', '.join(VARIANTS)}")
    return VARIANTS[name]
