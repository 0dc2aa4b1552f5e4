"""A network compiled once by Brian2's C++ standalone mode, rerun as Datasets.

:class:`Brian2Standalone` is the standalone engine's compiled project
(:class:`adexmf.engines.brian2_network.Brian2Compiled`: compile once, rerun with another seed
or other drive and afferent waveforms without recompiling) with :meth:`Brian2Standalone.run`,
which returns the Dataset of the data model. Typical use::

    with Brian2Standalone(model, 1.5) as sim:      # compile once (cached)
        runs = [sim.run(seed) for seed in (1, 2, 3)]
"""

from __future__ import annotations

import xarray as xr

from ..engines.brian2_network import Brian2Compiled
from ..stimuli import Waveform
from .dataset import dataset_from_recording


class Brian2Standalone(Brian2Compiled):
    """:class:`~adexmf.engines.brian2_network.Brian2Compiled` (its parameters and notes)
    whose :meth:`run` returns the Dataset of the data model."""

    def run(
        self,
        seed: int,
        *,
        drive: Waveform | None = None,
        afferent: Waveform | None = None,
    ) -> xr.Dataset:
        """Run the compiled simulation (no recompilation) and return its Dataset.

        Parameters
        ----------
        seed : int
            Seed of every random draw (connectivity, drive), in [0, 2**31 - 1).
        drive, afferent : Waveform, optional
            Drive and afferent waveforms per synapse (Hz) replacing the model's; arrays on
            the grid ``k dt`` or callables of t (s).

        Returns
        -------
        xarray.Dataset
            See :func:`adexmf.network.dataset.make_dataset`; ``timings`` holds
            ``construction_s`` (code generation and compilation, ~0 when nothing changed),
            ``simulation_s`` and ``simulation_cpu_s`` (wall and CPU time of the binary, which
            also builds the connectivity).
        """
        raw = self.record(seed, drive=drive, afferent=afferent)
        return dataset_from_recording(self.model, self.duration, raw, seed=seed)
