"""Every sampling-lab preset runs and shows its table."""

import re
import unittest

from harness import context


class Lab(unittest.TestCase):
    def test_every_preset(self):
        ctx = context()
        page = ctx.new_page()
        page.goto("/sim/lab")
        presets = sorted(
            {
                re.search(r"preset=([a-z0-9-]+)", h).group(1)
                for h in page.eval_on_selector_all(
                    "a[href*='preset=']", "els => els.map(e => e.getAttribute('href'))"
                )
            }
        )
        self.assertGreaterEqual(len(presets), 6, presets)
        for preset in presets:
            with self.subTest(preset=preset):
                response = page.goto(f"/sim/lab?preset={preset}")
                self.assertEqual(response.status, 200)
                self.assertGreater(page.locator("table tbody tr").count(), 0)
        self.assertEqual(ctx.errors, [])
        ctx.close()
