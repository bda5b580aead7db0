"""Runs ghirbal on a Ray cluster: Ray as a scheduler only (DESIGN §3).

    python -m ghirbal.ray run INPUT... -o OUT [--config my.toml] [--address auto] [--task-cpus 2]

The driver makes the plan, then for each step submits one Ray task per shard or partition that has not run
yet (``ghirbal.pending_tasks``), waits for them all, and goes on; the tasks call ``ghirbal.run_step`` with a
slice that holds exactly their task, so the work, the files and the bytes are the CLI's. Ray retries a task
whose worker died (``--max-retries``); a task that fails with a ghirbal error (bad input, duplicate ids) is
not retried — it would fail again — and the driver stops with its message. A killed driver, run again with
the same arguments, resumes: finished tasks left markers in OUT and are not submitted again.

INPUT and OUT must be on a filesystem every node sees at the same path (NFS, Lustre, a mounted bucket);
the config travels with each task as text.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Callable, List, Optional

import ray

import ghirbal
from ghirbal import _config_text, _paths


def _step_task(step: str, inputs: List[str], out: str, config: Optional[str], preset: Optional[str], shard: str,
               threads: int, archive: Optional[str] = None) -> dict:
    return ghirbal.run_step(step, inputs, out, config=config, preset=preset, shard=shard, threads=threads,
                            archive=archive)


def run(inputs, out, config=None, preset: Optional[str] = None, task_cpus: int = 1, max_retries: int = 3,
        force: bool = False, log: Callable[[str], None] = print, step_task: Callable[..., dict] = _step_task,
        archive=None) -> dict:
    """Runs the whole job with one Ray task per shard or partition of each step (Ray must be initialised,
    or is started locally); returns ``stats.json`` as a dict. ``step_task`` is what each Ray task calls
    (``ghirbal.run_step`` with the task's slice); tests pass one that kills its worker."""
    inputs = [os.path.abspath(p) for p in _paths(inputs)]
    out = os.path.abspath(os.fspath(out))
    config = _config_text(config)
    # The news archive: looked up by the cluster and near tasks, added to by the finish step (here).
    archive = None if archive is None else os.path.abspath(os.fspath(archive))
    if not ray.is_initialized():
        ray.init()
    task = ray.remote(num_cpus=task_cpus, max_retries=max_retries, retry_exceptions=False)(step_task)
    ghirbal.run_step("plan", inputs, out, config=config, preset=preset, force=force, archive=archive)
    for step in ghirbal.STEPS[1:-1]:
        pending = ghirbal.pending_tasks(step, inputs, out, config, preset, archive=archive)
        if not pending:
            continue
        started = time.perf_counter()
        n = max(pending) + 1
        refs = [task.remote(step, inputs, out, config, preset, f"{i}/{n}", task_cpus, archive) for i in pending]
        # Every task of the step ends (or fails) before the first failure is raised: no task is left
        # writing into OUT behind a driver that has stopped.
        ray.wait(refs, num_returns=len(refs))
        ray.get(refs)
        log(f"ghirbal.ray: {step}: {len(pending)} task(s) in {time.perf_counter() - started:.1f} s")
    ghirbal.run_step("finish", inputs, out, config=config, preset=preset, archive=archive)
    with open(os.path.join(out, "stats.json"), encoding="utf-8") as f:
        return json.load(f)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ghirbal.ray", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run the whole job on Ray")
    p.add_argument("inputs", nargs="*", help="files, folders or globs (none: the bundled example corpus)")
    p.add_argument("-o", "--out", default="ghirbal-out", help="output directory, on a shared filesystem")
    p.add_argument("-c", "--config", help="configuration file (TOML)")
    p.add_argument("--preset", choices=["ghirbal", "fineweb2"])
    p.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS, else a local Ray)")
    p.add_argument("--task-cpus", type=int, default=1, help="CPUs (and ghirbal threads) per task")
    p.add_argument("--max-retries", type=int, default=3, help="retries of a task whose worker died")
    p.add_argument("--force", action="store_true", help="start over when OUT holds another run")
    p.add_argument("--archive", help="news archive to deduplicate against and add to (shared filesystem)")
    args = parser.parse_args(argv)
    try:
        ray.init(address=args.address)
        stats = run(args.inputs, args.out, config=args.config, preset=args.preset, task_cpus=args.task_cpus,
                    max_retries=args.max_retries, force=args.force, archive=args.archive,
                    log=lambda m: print(m, file=sys.stderr))
    except (ghirbal.GhirbalError, ray.exceptions.RayTaskError, OSError) as e:
        print(f"ghirbal.ray: error: {e}", file=sys.stderr)
        return 1
    t = stats["totals"]
    print(f"ghirbal.ray: {t['docs_in']} documents in, {t['docs_kept']} kept, {t['docs_removed']} removed; "
          f"stats: {os.path.join(args.out, 'stats.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
