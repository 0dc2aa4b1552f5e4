"""Presets: complete, named parameter sets (network, synapses, cells, transfer functions),
shipped as TOML files (package data ``adexmf/presets/*.toml``) or read from a user's file;
read and written through the checked file layer (:mod:`adexmf.store`)."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import ParameterError
from ..store import read_text, write_text
from .cell import Cell
from .mapping import from_mapping, to_mapping
from .network import Network
from .synapses import Synapses
from .transfer import TransferParams


@dataclass(frozen=True)
class Preset:
    """A complete, named parameter set: network, synapses, cells and transfer functions.

    Attributes
    ----------
    name : str
        Preset name (``"zerlaut2018"``, ``"corrected"``, or a user's).
    level : str
        Fidelity level, ``"reference"`` or ``"corrected"`` (SPEC 0).
    description : str
        Provenance in words.
    network : Network
    synapses : Synapses
    cells : dict of str to Cell
        At least the excitatory and inhibitory cells named by the network.
    transfer : dict of str to TransferParams
        Transfer-function coefficients by cell name.
    """

    name: str
    level: str
    description: str
    network: Network
    synapses: Synapses
    cells: dict[str, Cell]
    transfer: dict[str, TransferParams]

    def __post_init__(self) -> None:
        for cell in self.transfer:
            if cell not in self.cells:
                raise ParameterError(
                    f"preset {self.name!r}: [transfer.{cell}] has no matching [cells.{cell}] "
                    f"section; available: {', '.join(self.cells)}"
                )
        for role in ("excitatory_cell", "inhibitory_cell"):
            cell = getattr(self.network, role)
            if cell not in self.cells:
                raise ParameterError(
                    f"preset {self.name!r}: network.{role} = {cell!r} has no [cells.{cell}] "
                    f"section; available: {', '.join(self.cells)}"
                )

    @property
    def excitatory(self) -> Cell:
        """The excitatory cell model."""
        return self.cells[self.network.excitatory_cell]

    @property
    def inhibitory(self) -> Cell:
        """The inhibitory cell model."""
        return self.cells[self.network.inhibitory_cell]

    def transfer_params(self, cell: str) -> TransferParams:
        """Coefficients of the transfer function of ``cell`` (error if the preset has none)."""
        if cell not in self.transfer:
            raise ParameterError(
                f"preset {self.name!r} has no transfer function for cell {cell!r}; "
                f"available: {', '.join(self.transfer) or 'none'}"
            )
        return self.transfer[cell]

    def replace(self, **changes: Any) -> Preset:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_mapping(self) -> dict[str, Any]:
        """The preset as a TOML-friendly mapping."""
        return {
            "meta": {"name": self.name, "level": self.level, "description": self.description},
            "network": to_mapping(self.network),
            "synapses": to_mapping(self.synapses),
            "cells": {
                k: {kk: vv for kk, vv in to_mapping(c).items() if kk != "name"}
                for k, c in self.cells.items()
            },
            "transfer": {k: to_mapping(t) for k, t in self.transfer.items()},
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<mapping>") -> Preset:
        """Build a preset from a mapping (as read from TOML); errors name ``source``."""
        allowed = {"meta", "network", "synapses", "cells", "transfer"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ParameterError(
                f"{source}: unknown section(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        for key in ("meta", "network", "synapses", "cells"):
            if key not in data:
                raise ParameterError(f"{source}: missing section [{key}]")
        meta = dict(data["meta"])
        extra = sorted(set(meta) - {"name", "level", "description"})
        if extra:
            raise ParameterError(f"{source}: [meta] unknown key(s) {', '.join(extra)}")
        if "name" not in meta:
            raise ParameterError(f"{source}: [meta] missing key 'name'")
        level = meta.get("level", "corrected")
        if level not in ("reference", "corrected"):
            raise ParameterError(
                f"{source}: [meta] level = {level!r}; allowed: 'reference', 'corrected'"
            )
        try:
            return cls(
                name=str(meta["name"]),
                level=level,
                description=str(meta.get("description", "")),
                network=from_mapping(Network, data["network"], "network"),
                synapses=from_mapping(Synapses, data["synapses"], "synapses"),
                cells={
                    k: from_mapping(Cell, v, f"cells.{k}", name=k) for k, v in data["cells"].items()
                },
                transfer={
                    k: from_mapping(TransferParams, v, f"transfer.{k}")
                    for k, v in data.get("transfer", {}).items()
                },
            )
        except ParameterError as exc:
            raise ParameterError(f"{source}: {exc}") from None


def available_presets() -> list[str]:
    """Names of the presets shipped with the package."""
    root = resources.files("adexmf") / "presets"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_preset(name_or_path: str | Path) -> Preset:
    """Load a preset by name (shipped with the package) or from a TOML file path.

    Parameters
    ----------
    name_or_path : str or Path
        ``"zerlaut2018"``, ``"corrected"``, or the path of a TOML file.
    """
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or path.is_symlink():
        text = read_text(
            path, what="preset file", hint="give a shipped preset name "
            f"({', '.join(available_presets())}) or the path of a UTF-8 .toml file",
        )  # fmt: skip
        source = str(path)
    else:
        names = available_presets()
        if str(name_or_path) not in names:
            raise ParameterError(
                f"unknown preset {str(name_or_path)!r}; shipped presets: {', '.join(names)} "
                "(or give the path of a .toml file)"
            )
        text = (resources.files("adexmf") / "presets" / f"{name_or_path}.toml").read_text()
        source = f"preset {name_or_path!r}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{source}: invalid TOML: {exc}") from None
    return Preset.from_mapping(data, source)


def save_preset(preset: Preset, path: str | Path, *, option: str | None = None) -> Path:
    """Write a preset as TOML through the output layer (:func:`adexmf.store.write_text`:
    destination checked, atomic, no temporary file left behind).

    Raises
    ------
    OutputError
        If ``path`` cannot be written (a directory, a read-only folder...).
    """
    return write_text(tomli_w.dumps(preset.to_mapping()), path, option=option)
