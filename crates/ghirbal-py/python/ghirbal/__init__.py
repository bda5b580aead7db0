"""ghirbal: Arabic-first corpus curation, from Python.

The work is done by the Rust engine the ``ghirbal`` command runs, with the GIL released:

- :func:`run` runs the whole job into ``out`` and returns ``stats.json`` as a dict;
- :func:`run_step` runs one step, or a slice of its tasks, as ``ghirbal run --phase STEP --shard i/N`` does
  (what a scheduler such as Ray or a job array calls; :data:`STEPS` lists the steps in order);
- :func:`normalize` and :func:`signature` give the text pieces: the output and key profiles, and the MinHash
  signature of near-duplicate removal.

``config`` is a path to a TOML file or TOML text (see ``ghirbal config``); ``preset`` is ``"ghirbal"`` or
``"fineweb2"``. Errors raise :class:`GhirbalError` with the engine's message.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, List, Optional, Union

from . import _ghirbal
from ._ghirbal import GhirbalError, __version__

PathLike = Union[str, "os.PathLike[str]"]

STEPS: List[str] = list(_ghirbal.steps())

__all__ = ["GhirbalError", "STEPS", "__version__", "normalize", "pending_tasks", "run", "run_step", "signature"]


def _config_text(config: Optional[PathLike]) -> Optional[str]:
    """TOML text from a path to a file, or the text itself."""
    if config is None:
        return None
    text = os.fspath(config)
    if "\n" not in text and os.path.isfile(text):
        with open(text, encoding="utf-8") as f:
            return f.read()
    return text


def _paths(inputs: Union[PathLike, Iterable[PathLike], None]) -> List[str]:
    if inputs is None:
        return []
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    return [os.fspath(p) for p in inputs]


def _archive(archive: Optional[PathLike]) -> Optional[str]:
    return None if archive is None else os.fspath(archive)


def run(inputs, out: PathLike, config: Optional[PathLike] = None, preset: Optional[str] = None,
        threads: int = 0, force: bool = False, archive: Optional[PathLike] = None) -> dict:
    """Runs the whole job (no inputs: the bundled example corpus); returns ``stats.json`` as a dict. With
    ``archive``, the inputs are deduplicated against that news archive and their kept documents added to it."""
    stats = _ghirbal.run(_paths(inputs), os.fspath(out), _config_text(config), preset, threads, force,
                         _archive(archive))
    return json.loads(stats)


def run_step(step: str, inputs, out: PathLike, config: Optional[PathLike] = None, preset: Optional[str] = None,
             shard: str = "0/1", threads: int = 0, force: bool = False,
             archive: Optional[PathLike] = None) -> dict:
    """Runs the tasks of ``step`` whose index is i modulo N (``shard="i/N"``); returns the step's task count
    (``total``) and how many of its tasks are still to run (``pending``)."""
    report = _ghirbal.run_step(step, _paths(inputs), os.fspath(out), _config_text(config), preset, shard,
                               threads, force, _archive(archive))
    return json.loads(report)


def pending_tasks(step: str, inputs, out: PathLike, config: Optional[PathLike] = None,
                  preset: Optional[str] = None, archive: Optional[PathLike] = None) -> List[int]:
    """The task indices of ``step`` not yet done in the run planned in ``out``: run each alone with
    ``run_step(step, ..., shard=f"{i}/{n}")`` where ``n`` is above every index."""
    return list(_ghirbal.pending_tasks(step, _paths(inputs), os.fspath(out), _config_text(config), preset,
                                       _archive(archive)))


def normalize(text: str, profile: str = "output") -> str:
    """The ``output`` profile (what ghirbal stores) or the ``key`` profile (what it compares) of ``text``."""
    return _ghirbal.normalize(text, profile)


def signature(text: str, config: Optional[PathLike] = None, preset: Optional[str] = None) -> List[int]:
    """The MinHash signature near-duplicate removal computes for ``text`` (bands × rows values)."""
    return list(_ghirbal.signature(text, _config_text(config), preset))
