"""Tests of the Python package against the CLI: the same bytes from ghirbal.run, from ghirbal.run_step in
slices, and from `ghirbal run`; errors as GhirbalError; the GIL released while Rust works."""

import json
import os
import random
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import ghirbal

BIN = os.environ.get("GHIRBAL_BIN", "ghirbal")
WORDS = ("قال وزير الخارجية إن المحادثات ستستأنف في الرياض الأسبوع المقبل بحضور ممثلين عن الدول الأعضاء "
         "وأضاف أن الاتفاق يشمل التعاون الاقتصادي والتجاري وتبادل الخبرات في مجالات الطاقة والتعليم").split()


def corpus(path: Path, n: int = 3000, seed: int = 7) -> Path:
    """Generated Arabic-word documents: one in ten an exact copy, one in ten a copy with one word changed."""
    rng = random.Random(seed)
    texts, lines = [], []
    for i in range(n):
        roll = rng.random()
        if texts and roll < 0.1:
            text = rng.choice(texts)
        elif texts and roll < 0.2:
            words = rng.choice(texts).split(" ")
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            text = " ".join(words)
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(60 + rng.randrange(60)))
        texts.append(text)
        lines.append(json.dumps({"id": f"d{i}", "text": text, "source": f"s{i % 3}"}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tree_bytes(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


CONFIG = "[input]\nshard_bytes = 200000\n\n[run]\npartitions = 3\n"


class RunTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.input = corpus(self.dir / "in.jsonl")
        self.config = self.dir / "cfg.toml"
        self.config.write_text(CONFIG)

    def tearDown(self):
        self.tmp.cleanup()

    def cli(self, out: Path) -> None:
        subprocess.run([BIN, "run", str(self.input), "-o", str(out), "-c", str(self.config), "-q"], check=True)

    def test_run_writes_the_cli_bytes_and_returns_the_stats(self):
        stats = ghirbal.run([self.input], self.dir / "py", config=self.config, threads=2)
        self.assertTrue(stats["conservation"]["holds"])
        self.assertEqual(stats["totals"]["docs_in"], 3000)
        removed = stats["totals"]["removed_by_reason"]
        self.assertGreater(removed.get("dedup.exact", 0), 100)
        self.assertGreater(removed.get("dedup.near", 0), 100)
        self.cli(self.dir / "cli")
        for sub in ("kept", "removed"):
            py, cli = tree_bytes(self.dir / "py" / sub), tree_bytes(self.dir / "cli" / sub)
            self.assertGreater(len(py), 1)
            self.assertEqual(py, cli, f"{sub}/ differs between ghirbal.run and the CLI")

    def test_steps_in_slices_give_the_same_bytes(self):
        out = self.dir / "steps"
        with self.assertRaisesRegex(ghirbal.GhirbalError, "--phase plan"):
            ghirbal.run_step("scan", [self.input], out, config=self.config)
        ghirbal.run_step("plan", [self.input], out, config=self.config)
        with self.assertRaisesRegex(ghirbal.GhirbalError, "step (lines|scan)"):
            ghirbal.run_step("write", [self.input], out, config=self.config)
        for step in ghirbal.STEPS[1:]:
            for i in (1, 0):
                report = ghirbal.run_step(step, [self.input], out, config=self.config, shard=f"{i}/2", threads=1)
                self.assertEqual(report["step"], step)
            self.assertEqual(report["pending"], 0, step)
        self.cli(self.dir / "cli")
        for sub in ("kept", "removed"):
            self.assertEqual(tree_bytes(out / sub), tree_bytes(self.dir / "cli" / sub), sub)

    def test_a_child_forked_after_a_run_runs_to_the_same_bytes(self):
        # The first run starts the process's syncing thread; a forked child has its channel but not the
        # thread, and must sync for itself instead of waiting on an answer that never comes.
        ghirbal.run([self.input], self.dir / "parent", config=self.config, threads=2)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                ghirbal.run([self.input], self.dir / "child", config=self.config, threads=2)
                code = 0
            finally:
                os._exit(code)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            self.fail("the forked child's run hung")
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, "the forked child's run failed")
        for sub in ("kept", "removed"):
            parent, child = tree_bytes(self.dir / "parent" / sub), tree_bytes(self.dir / "child" / sub)
            self.assertGreater(len(parent), 1)
            self.assertEqual(parent, child, f"{sub}/ differs in the forked child")

    def test_bad_config_and_bad_input_raise_ghirbal_errors(self):
        with self.assertRaisesRegex(ghirbal.GhirbalError, "unknown field|threshold"):
            ghirbal.run([self.input], self.dir / "bad", config="[dedup.near]\nthreshhold = 0.5\n")
        with self.assertRaisesRegex(ghirbal.GhirbalError, "not found"):
            ghirbal.run([self.dir / "missing.jsonl"], self.dir / "bad2")
        with self.assertRaisesRegex(ghirbal.GhirbalError, "shard"):
            ghirbal.run_step("scan", [self.input], self.dir / "bad3", shard="2/2")
        with self.assertRaisesRegex(ghirbal.GhirbalError, "preset"):
            ghirbal.signature("نص", preset="datatrove")

    def test_the_gil_is_released_while_rust_runs(self):
        ticks = []
        done = threading.Event()

        def tick():
            while not done.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)

        big = corpus(self.dir / "big.jsonl", n=20000, seed=3)
        t = threading.Thread(target=tick)
        t.start()
        start = time.perf_counter()
        ghirbal.run([big], self.dir / "gil", threads=1)
        end = time.perf_counter()
        done.set()
        t.join()
        during = [x for x in ticks if start < x < end]
        # With the GIL held for the whole call, the other thread could not tick at all in between.
        self.assertGreater(end - start, 0.2)
        self.assertGreater(len(during), 20, f"{len(during)} ticks in {end - start:.2f} s")


class TextTests(unittest.TestCase):
    def test_normalize_matches_the_cli(self):
        for text in ("ﺍﻟﺴﻼﻡ  عليـــكم\u200f", "إلى المدرسةِ، عام ٢٠١٥", "صَلَّى اللهُ ﷺ"):
            for profile in ("output", "key"):
                cli = subprocess.run([BIN, "normalize", "--profile", profile], input=text, text=True,
                                     capture_output=True, check=True).stdout.rstrip("\n")
                self.assertEqual(ghirbal.normalize(text, profile), cli, (text, profile))
        self.assertEqual(ghirbal.normalize("ﺍﻟﺴﻼﻡ  عليـــكم"), "السلام عليكم")
        self.assertEqual(ghirbal.normalize("إلى", "key"), ghirbal.normalize("الى", "key"))
        with self.assertRaises(ghirbal.GhirbalError):
            ghirbal.normalize("x", "nfkc")

    def test_signatures(self):
        a = " ".join(WORDS)
        sig = ghirbal.signature(a)
        self.assertEqual(len(sig), 14 * 8)
        self.assertEqual(sig, ghirbal.signature(a.replace("الخارجية", "الخارجيّة")), "harakat do not count")
        b = a.replace("الرياض", "جدة")
        same = sum(x == y for x, y in zip(sig, ghirbal.signature(b)))
        self.assertTrue(60 < same < 112, same)
        self.assertEqual(ghirbal.signature("... !!!"), [], "no words, no signature")
        small = ghirbal.signature(a, config="[dedup.near]\nbands = 4\nrows = 2\n")
        self.assertEqual(len(small), 8)


if __name__ == "__main__":
    unittest.main()
