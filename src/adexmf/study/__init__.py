"""A study: every stage of the toolkit run from one configuration, cached, then reported.

- :mod:`adexmf.study.config`: defaults per scale, the TOML file, validation;
- :mod:`adexmf.study.stages`: one function per stage (transfer functions, mean field,
  network, comparisons, ring, VSDi fit);
- :mod:`adexmf.study.runner`: :func:`run_study`, stage caching by the hash of its inputs.
"""

from .config import config_toml, default_config, load_config
from .runner import StudyResult, run_study

__all__ = ["StudyResult", "config_toml", "default_config", "load_config", "run_study"]
