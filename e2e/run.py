"""Runs the browser suite: starts the server and Chromium once, then every
test_*.py module here with unittest. Exit status 0 when all pass.

    SPANDOJO_BIN=target/release/spandojo SPANDOJO_CHROMIUM=/usr/bin/chromium \
        ../.venv-e2e/bin/python run.py [-k PATTERN]
"""

import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def main():
    binary = os.environ.get("SPANDOJO_BIN", "../target/release/spandojo")
    chromium = os.environ.get("SPANDOJO_CHROMIUM", "/usr/bin/chromium")
    patterns = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None
    harness.start(binary, chromium)
    try:
        loader = unittest.TestLoader()
        if patterns:
            loader.testNamePatterns = [f"*{p}*" for p in patterns]
        suite = loader.discover(str(Path(__file__).resolve().parent), pattern="test_*.py")
        print(f"browser suite: {harness.Suite.server.url}, {suite.countTestCases()} tests", flush=True)
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    finally:
        harness.stop()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
