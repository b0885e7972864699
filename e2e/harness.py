"""The browser suite's harness: one spandojo server (the binary under test) on
127.0.0.1 with a port the system chooses and a temporary data directory,
one headless Chromium driven by Playwright, and helpers the tests share.

Environment: SPANDOJO_BIN (the binary), SPANDOJO_CHROMIUM (the browser).
"""

import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a long enough password"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Server:
    """A running spandojo: `url`, `data` (its data directory), `setup_url`."""

    def __init__(self, binary):
        self.binary = binary
        self.data = tempfile.mkdtemp(prefix="spandojo-e2e-")
        self.proc = subprocess.Popen(
            # No OTLP receivers: their fixed default ports (4317, 4318)
            # would collide with other servers the tests start at once.
            [binary, "serve", "--addr", "127.0.0.1:0", "--otlp-http-addr", "off",
             "--otlp-grpc-addr", "off", "--data", self.data],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.url = None
        self.setup_url = None
        for line in self.proc.stdout:
            m = re.search(r"running at (http://[0-9.:]+)/", line)
            if m:
                self.url = m.group(1)
            m = re.search(r"(http://\S+/setup\?token=\S+)", line)
            if m:
                self.setup_url = m.group(1)
                break
        if not (self.url and self.setup_url):
            raise RuntimeError("spandojo did not print its address and setup link")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def cli(self, *args):
        """Runs a spandojo subcommand against the same data directory."""
        out = subprocess.run(
            [self.binary, *args, "--data", self.data],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout

    def db(self):
        """A connection to the server's SQLite database (WAL: safe to share)."""
        conn = sqlite3.connect(os.path.join(self.data, "spandojo.db"), timeout=10)
        conn.execute("PRAGMA busy_timeout = 10000")
        return conn

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.data, ignore_errors=True)


class Suite:
    """The shared server and browser, set up once by run.py."""

    server = None
    browser = None
    admin = ("admin", PASSWORD)
    _names = itertools.count(1)


def start(binary, chromium):
    Suite.server = Server(binary)
    Suite._pw = sync_playwright().start()
    # Playwright gives every launch a fresh temporary profile directory.
    Suite.browser = Suite._pw.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_ARGS
    )
    setup_admin()


def setup_admin():
    """Follows the one-time setup link the server printed, as a host would."""
    ctx = context()
    page = ctx.new_page()
    page.goto(Suite.server.setup_url)
    page.fill("input[name=username]", Suite.admin[0])
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form[action='/setup'] button[type=submit]")
    page.wait_for_load_state()
    if page.locator("a[href='/admin']").count() != 1:
        raise RuntimeError(f"setup did not log the admin in: {page.url}")
    ctx.close()


def stop():
    if Suite.browser:
        Suite.browser.close()
    if getattr(Suite, "_pw", None):
        Suite._pw.stop()
    if Suite.server:
        Suite.server.stop()


def context(js=True, viewport=None, color_scheme="light"):
    """A fresh browser context (own cookies) on the server; collects page errors."""
    ctx = Suite.browser.new_context(
        base_url=Suite.server.url,
        java_script_enabled=js,
        viewport=viewport or DESKTOP,
        color_scheme=color_scheme,
    )
    ctx.errors = []
    ctx.on("weberror", lambda e: ctx.errors.append(str(e.error)))
    ctx.on(
        "console",
        lambda m: ctx.errors.append(m.text) if m.type == "error" else None,
    )
    return ctx


def fresh_name(prefix="member"):
    return f"{prefix}{next(Suite._names)}"


def login(page, username, password=PASSWORD):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def join(page, username, code=None):
    """Joins with a fresh invite code (from the CLI unless given)."""
    if code is None:
        code = invite_code()
    page.goto(f"/register?code={code}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form[action='/register'] button[type=submit]")
    page.wait_for_load_state()


def invite_code():
    out = Suite.server.cli("invite", "create")
    m = re.search(r"code=([A-Za-z0-9_-]+)", out) or re.search(r"([A-Za-z0-9_-]{12,})", out)
    if not m:
        raise RuntimeError(f"no invite code in: {out!r}")
    return m.group(1)


def member_page(js=True, viewport=None, color_scheme="light", prefix="member"):
    """A page logged in as a new member; returns (context, page, username)."""
    ctx = context(js=js, viewport=viewport, color_scheme=color_scheme)
    page = ctx.new_page()
    name = fresh_name(prefix)
    join(page, name)
    return ctx, page, name


def admin_page(js=True, viewport=None, color_scheme="light"):
    ctx = context(js=js, viewport=viewport, color_scheme=color_scheme)
    page = ctx.new_page()
    login(page, *Suite.admin)
    return ctx, page


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's violations of the given impacts on the current page."""
    # Evaluated through the DevTools protocol: the page's CSP stays as it is.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def sideways_overflow(page):
    """How many CSS pixels the page is wider than the viewport (0 when none)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
