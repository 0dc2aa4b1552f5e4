"""The external drive of the spiking network (SPEC 2.3): its plateau, ramp, model, events
per step and optional Ornstein-Uhlenbeck fluctuation, and the check of the rates that a
Bernoulli drive can deliver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import InputRangeError, ParameterError, check_range
from ..noise import DriveNoise
from ..stimuli import ramp

DriveModel = Literal["independent", "population"]
DRIVE_MODELS: tuple[str, ...] = ("independent", "population")
#: Event statistics of the "independent" drive per time step.
DRIVE_EVENTS: tuple[str, ...] = ("bernoulli", "poisson")


@dataclass(frozen=True)
class Drive:
    """External excitatory drive of both populations (SPEC 2.3).

    Attributes
    ----------
    rate : float
        Plateau rate nu_drive per synapse (Hz).
    ramp : float
        Duration of the linear ramp from 0 to ``rate`` (s); 0 for a step.
    model : {"independent", "population"}
        Drive model (see :mod:`adexmf.network.model`).
    events : {"bernoulli", "poisson"}
        "independent" model only: at most one event per step with probability
        ``dt K_e nu`` (``"bernoulli"``, the authors' code and the reference), or a Poisson
        number of events of mean ``dt K_e nu`` (``"poisson"``, the continuous-time Poisson
        train, which is what NEST's generators produce). The Bernoulli train has a variance
        smaller by ``1 - dt K_e nu`` (16 % at 4 Hz), hence slightly lower network rates.
    noise : DriveNoise, optional
        Ornstein-Uhlenbeck fluctuation added to the rate, negative rates set to 0
        (TVB-AdEx's noisy drive, :class:`adexmf.noise.DriveNoise`).
    """

    rate: float = 4.0
    ramp: float = 0.1
    model: DriveModel = "independent"
    events: str = "bernoulli"
    noise: DriveNoise | None = None

    def __post_init__(self) -> None:
        check_range("Drive.rate", self.rate, 0.0, 1000.0, unit="Hz")
        check_range("Drive.ramp", self.ramp, 0.0, 100.0, unit="s")
        if self.model not in DRIVE_MODELS:
            raise ParameterError(
                f"Drive.model = {self.model!r}; allowed: {', '.join(DRIVE_MODELS)}"
            )
        if self.events not in DRIVE_EVENTS:
            raise ParameterError(
                f"Drive.events = {self.events!r}; allowed: {', '.join(DRIVE_EVENTS)}"
            )

    def rate_at(self, times: np.ndarray) -> np.ndarray:
        """Drive rate per synapse at ``times``: linear ramp, then constant (SPEC 2.3).

        Parameters
        ----------
        times : ndarray
            Times (s), >= 0 on a simulation grid.

        Returns
        -------
        ndarray
            Rates (Hz), float64, shaped like ``times`` (:func:`adexmf.stimuli.ramp`, plus
            the noise where there is one).
        """
        rate = np.asarray(ramp(times, self.rate, self.ramp), dtype=np.float64)
        return rate if self.noise is None else self.noise.apply(rate, times)

    def parameters(self) -> dict[str, Any]:
        """The drive as a JSON-friendly mapping with units written out."""
        out: dict[str, Any] = {"rate": f"{self.rate:g} Hz", "ramp": f"{self.ramp * 1e3:g} ms",
                               "model": self.model, "events": self.events}  # fmt: skip
        if self.noise is not None:
            n = self.noise
            out["noise"] = {"sigma": f"{n.sigma:g} Hz", "tau": f"{n.tau * 1e3:g} ms",
                            "seed": n.seed}  # fmt: skip
        return out


def check_bernoulli_rates(rates: dict[str, np.ndarray], K_e: float, dt: float,
                          advice: str) -> None:  # fmt: skip
    """Refuse external rates (Hz per synapse) that a Bernoulli drive cannot deliver: one
    event per step of probability dt K_e nu allows at most 1/(K_e dt). ``advice`` ends the
    message (what the user can change)."""
    limit = 1.0 / (K_e * dt)
    for name, r in rates.items():
        if r.max(initial=0.0) > limit:
            raise InputRangeError(
                f"external rate on population {name!r} reaches {r.max():g} Hz per synapse; the "
                f"Bernoulli drive (one event per step of probability dt K_e nu) allows at most "
                f"1/(K_e dt) = {limit:g} Hz here; {advice}"
            )
