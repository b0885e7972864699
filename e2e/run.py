"""Runs the browser suite: starts the server and Chromium once, then every
test_*.py module here with unittest. Exit status 0 when all pass.

    SPANDOJO_BIN=../target/release/spandojo SPANDOJO_CHROMIUM=/usr/bin/chromium \
        ../.venv-e2e/bin/python run.py [-k PATTERN]

The whole run has a budget (SPANDOJO_E2E_BUDGET seconds, 900 by default):
a test that hangs past it ends the run with exit status 1 and the name of
the test, rather than holding the rest of `cargo test` up.
"""

import faulthandler
import os
import sys
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


class Tracker(unittest.TextTestResult):
    """Remembers the test that is running, for the budget's message."""

    current = "setup"

    def startTest(self, test):
        Tracker.current = test.id()
        super().startTest(test)


def over_budget(budget):
    print(f"\nbrowser suite: over its {budget} s budget in {Tracker.current}", flush=True)
    faulthandler.dump_traceback(all_threads=True)
    harness.Suite.server and harness.Suite.server.proc.kill()
    os._exit(1)


def main():
    binary = os.environ.get("SPANDOJO_BIN", "../target/release/spandojo")
    budget = int(os.environ.get("SPANDOJO_E2E_BUDGET", "900"))
    threading.Timer(budget, over_budget, args=(budget,)).start()
    chromium = os.environ.get("SPANDOJO_CHROMIUM", "/usr/bin/chromium")
    patterns = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None
    harness.start(binary, chromium)
    try:
        loader = unittest.TestLoader()
        if patterns:
            loader.testNamePatterns = [f"*{p}*" for p in patterns]
        suite = loader.discover(str(Path(__file__).resolve().parent), pattern="test_*.py")
        print(f"browser suite: {harness.Suite.server.url}, {suite.countTestCases()} tests", flush=True)
        result = unittest.TextTestRunner(
            verbosity=2, stream=sys.stdout, resultclass=Tracker
        ).run(suite)
    finally:
        harness.stop()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # The budget's timer thread must not keep the process alive.
    os._exit(code)
