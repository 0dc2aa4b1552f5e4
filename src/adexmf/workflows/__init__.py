"""Workflows: the stages of the toolkit behind one contract, and the study that chains them.

- :mod:`.stage`: :class:`StageResult` (files, summary, warnings, data), :func:`run_stage`;
- :mod:`.config`: the typed study configuration (TOML in human units, SI inside);
- one module per stage family: :mod:`.singlecell`, :mod:`.transfer`, :mod:`.meanfield`,
  :mod:`.network`, :mod:`.compare`, :mod:`.ring`, :mod:`.vsdi`, :mod:`.build`;
- :mod:`.study`: :func:`run_study`, each stage cached by the hash of its inputs.

The command line, the study and ``adexmf build`` call the same stage functions.
"""
