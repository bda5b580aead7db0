"""The Ray driver against the CLI: the same bytes from `python -m ghirbal.ray run`, a resumed driver submits
only what is left, and a failing task stops the driver with the engine's message."""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import ray

import ghirbal
import ghirbal.ray as gray
from test_ghirbal import BIN, CONFIG, corpus, tree_bytes


class RayTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)

    @classmethod
    def tearDownClass(cls):
        ray.shutdown()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.input = corpus(self.dir / "in.jsonl")
        self.config = self.dir / "cfg.toml"
        self.config.write_text(CONFIG + "\n[clean]\nsite_lines_min_docs = 3\n")
        self.cli = self.dir / "cli"
        subprocess.run([BIN, "run", str(self.input), "-o", str(self.cli), "-c", str(self.config), "-q"], check=True)

    def tearDown(self):
        self.tmp.cleanup()

    def assert_same_as_cli(self, out: Path):
        for sub in ("kept", "removed"):
            ours, cli = tree_bytes(out / sub), tree_bytes(self.cli / sub)
            self.assertGreater(len(cli), 2, "several parts")
            self.assertEqual(ours, cli, f"{sub}/ differs from the CLI's")

    def test_the_driver_gives_the_cli_bytes(self):
        log = []
        stats = gray.run([self.input], self.dir / "ray", config=self.config, log=log.append)
        self.assertTrue(stats["conservation"]["holds"])
        self.assert_same_as_cli(self.dir / "ray")
        steps = [line.split(":")[1].strip() for line in log]
        self.assertEqual(steps, ["scan", "lines-count", "scan-sited", "cluster", "near", "near-clusters", "story", "write"])

    def test_a_killed_driver_resumes_with_what_is_left(self):
        out = self.dir / "resumed"
        # What a driver killed during the scan leaves: the plan, half of the scan.
        for step, shard in [("plan", "0/1"), ("scan", "0/2")]:
            ghirbal.run_step(step, [self.input], out, config=self.config, shard=shard)
        left = ghirbal.pending_tasks("scan", [self.input], out, config=self.config)
        self.assertTrue(left and all(i % 2 == 1 for i in left), left)
        log = []
        gray.run([self.input], out, config=self.config, log=log.append)
        self.assertEqual(log[0].split(":")[1].strip(), "scan")
        self.assertIn(f"scan: {len(left)} task(s)", log[0])
        self.assert_same_as_cli(out)

    def test_batches_added_to_an_archive_through_ray_match_the_cli(self):
        lines = self.input.read_text(encoding="utf-8").splitlines(keepends=True)
        half = len(lines) // 2
        batches = [self.dir / "day1.jsonl", self.dir / "day2.jsonl"]
        batches[0].write_text("".join(lines[:half]), encoding="utf-8")
        batches[1].write_text("".join(lines[half:]), encoding="utf-8")
        for i, batch in enumerate(batches):
            subprocess.run([BIN, "run", str(batch), "-o", str(self.dir / f"cli-{i}"), "-c", str(self.config), "-q",
                            "--archive", str(self.dir / "cli-archive")], check=True)
            stats = gray.run([batch], self.dir / f"ray-{i}", config=self.config, log=lambda m: None,
                             archive=self.dir / "ray-archive")
            self.assertEqual(stats["archive"]["batch"], i)
            for sub in ("kept", "removed"):
                self.assertEqual(tree_bytes(self.dir / f"ray-{i}" / sub), tree_bytes(self.dir / f"cli-{i}" / sub), sub)
        ours, cli = tree_bytes(self.dir / "ray-archive"), tree_bytes(self.dir / "cli-archive")
        for files in (ours, cli):
            files.pop("ghirbal.lock", None)
        self.assertEqual(ours, cli, "the archives differ")
        removed = (self.dir / "ray-1" / "removed").rglob("*")
        self.assertTrue(any(p.is_file() for p in removed))
        self.assertGreater(stats["archive"]["duplicates_of_archive"], 0, "the second day has copies of the first")

    def test_a_task_whose_worker_dies_is_retried(self):
        flag = self.dir / "die-once"
        flag.write_text("")

        def dies_once_in_scan(step, *args):
            # The first scan task kills its worker process (as an OOM kill or a lost node would); Ray
            # starts the task again on another worker, where the flag is gone. Two scan tasks may run at
            # once: only the one whose removal of the flag succeeds dies (testing for the flag first, then
            # removing it, raced — the second task's removal found no file).
            if step == "scan":
                try:
                    os.remove(flag)
                except FileNotFoundError:
                    pass
                else:
                    os._exit(1)
            return gray._step_task(step, *args)

        gray.run([self.input], self.dir / "retried", config=self.config, log=lambda m: None,
                 step_task=dies_once_in_scan)
        self.assertFalse(flag.exists(), "the worker died once")
        self.assert_same_as_cli(self.dir / "retried")
        with self.assertRaises(Exception):
            flag.write_text("")
            gray.run([self.input], self.dir / "no-retry", config=self.config, log=lambda m: None,
                     step_task=dies_once_in_scan, max_retries=0)

    def test_the_module_command_line(self):
        out = self.dir / "cmd"
        env = dict(os.environ, RAY_ADDRESS=ray.get_runtime_context().gcs_address)
        cmd = [sys.executable, "-m", "ghirbal.ray", "run", str(self.input), "-o", str(out), "-c", str(self.config)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("3000 documents in", done.stderr)
        self.assert_same_as_cli(out)
        bad = self.dir / "bad.jsonl"
        bad.write_text('{"id": "a", "text": "نص"}\n{"id": "a", "text": "نص آخر مختلف"}\n')
        cmd = [sys.executable, "-m", "ghirbal.ray", "run", str(bad), "-o", str(self.dir / "bad")]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("duplicate document id", done.stderr)


if __name__ == "__main__":
    unittest.main()
