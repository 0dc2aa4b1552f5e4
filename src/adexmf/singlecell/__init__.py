"""Single cells: compiled simulation, transfer-function characterisation and fitting."""

from .simulate import CurrentStep, SimulationResult, derive_seeds, simulate_cells

__all__ = ["CurrentStep", "SimulationResult", "derive_seeds", "simulate_cells"]
