"""Web plumbing as the browser sees it: compressed pages, content-hashed
assets cached as immutable, private pages not stored."""

import re
import unittest

from harness import context, member_page


class Plumbing(unittest.TestCase):
    def test_compression_hashed_assets_and_no_store(self):
        ctx = context()
        page = ctx.new_page()
        assets = []
        page.on(
            "response",
            lambda r: assets.append(r) if "/static/" in r.url else None,
        )
        response = page.goto("/sim/large-estate/1?spans=2000")
        self.assertIn(response.headers.get("content-encoding"), ("br", "gzip"))
        page.wait_for_load_state("load")
        self.assertTrue(assets, "the page loads its assets")
        for r in assets:
            with self.subTest(url=r.url):
                self.assertRegex(r.url, r"/static/h/[0-9a-f]{16}/")
                self.assertIn("immutable", r.headers.get("cache-control", ""))
        self.assertIsNone(response.headers.get("cache-control"), "public pages may be cached")
        ctx.close()

        mctx, mpage, _ = member_page()
        for path in ("/practice", "/notes", "/account"):
            with self.subTest(path=path):
                r = mpage.goto(path)
                self.assertEqual(r.headers.get("cache-control"), "no-store")
        mctx.close()
