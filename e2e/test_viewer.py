"""The trace viewer: collapse and expand, with and without script."""

import unittest

from harness import context

TRACE = "/sim/checkout/1"


def visible_rows(page):
    return page.locator("ol.wf-rows > li.r:visible").count()


class Viewer(unittest.TestCase):
    def test_collapse_and_expand_with_script(self):
        ctx = context()
        page = ctx.new_page()
        page.goto(TRACE)
        total = visible_rows(page)
        root = page.locator("ol.wf-rows > li.r").first
        root.locator(".tg").click()
        self.assertEqual(visible_rows(page), 1)
        self.assertEqual(root.locator(".tg").get_attribute("aria-expanded"), "false")
        self.assertEqual(page.url.endswith(TRACE), True, "no page load")
        root.locator(".tg").click()
        self.assertEqual(visible_rows(page), total)
        page.click("button:has-text('Collapse all')")
        self.assertLess(visible_rows(page), total)
        page.click("button:has-text('Expand all')")
        self.assertEqual(visible_rows(page), total)
        self.assertEqual(ctx.errors, [])
        ctx.close()

    def test_collapse_and_expand_without_script(self):
        ctx = context(js=False)
        page = ctx.new_page()
        page.goto(TRACE)
        total = visible_rows(page)
        self.assertGreater(total, 2)
        root = page.locator("ol.wf-rows > li.r").first
        root.locator("a.tg").click()
        page.wait_for_load_state()
        self.assertIn("collapse=", page.url)
        self.assertEqual(visible_rows(page), 1)
        page.locator("ol.wf-rows > li.r").first.locator("a.more").click()
        page.wait_for_load_state()
        self.assertNotIn("collapse=", page.url)
        self.assertEqual(visible_rows(page), total)
        ctx.close()
