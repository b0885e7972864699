"""Links where members expect them: level cards, the traceparent tool,
and what "Minimum spans" means."""

import unittest

from harness import member_page


class Links(unittest.TestCase):
    def test_level_cards_tool_link_and_minimum_spans(self):
        ctx, page, _ = member_page()
        page.goto("/")
        page.click("ul.levels a:has-text('Senior')")
        page.wait_for_load_state()
        self.assertTrue(page.url.endswith("/practice/senior"), page.url)
        page.click("nav a[href='/tools/traceparent']")
        page.wait_for_load_state()
        self.assertTrue(page.url.endswith("/tools/traceparent"), page.url)
        page.goto("/sim/checkout/1")
        spans = page.locator("input[name=spans]")
        self.assertIn("entry operation", page.locator("#" + spans.get_attribute("aria-describedby")).inner_text())
        ctx.close()
