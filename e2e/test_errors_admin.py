"""Error pages keep the member's navigation; removing a member needs a
confirmation; a blank problem report comes back as the form."""

import re
import unittest

from harness import admin_page, context, member_page


class ErrorsAndAdmin(unittest.TestCase):
    def test_error_pages_look_logged_in(self):
        ctx, page, name = member_page()
        for path, status in (
            ("/no-such-page", 404),
            ("/admin", 403),
            ("/sim/checkout/notanumber", 400),
        ):
            with self.subTest(path=path):
                response = page.goto(path)
                self.assertEqual(response.status, status)
                self.assertEqual(page.locator("nav a[href='/notes']").count(), 1)
                self.assertEqual(page.locator(".who a[href='/account']").inner_text(), name)
                self.assertEqual(page.locator("a[href='/login']").count(), 0)
                self.assertRegex(page.locator("footer").inner_text(), r"spandojo \d+\.\d+\.\d+")
        ctx.close()
        anon = context()
        page = anon.new_page()
        page.goto("/no-such-page")
        self.assertEqual(page.locator("a[href='/login']").count(), 1)
        self.assertRegex(page.locator("footer").inner_text(), r"spandojo \d+\.\d+\.\d+")
        anon.close()

    def test_remove_member_asks_for_confirmation(self):
        mctx, _, name = member_page(prefix="leaver")
        mctx.close()
        ctx, page = admin_page()
        page.goto("/admin")
        row = page.locator("tr", has_text=f"@{name}")
        # The form is folded away; a click on Remove… only opens it.
        self.assertFalse(row.locator("input[name=confirm_username]").is_visible())
        row.locator("summary:has-text('Remove')").click()
        row.locator("input[name=confirm_username]").fill("someone-else")
        row.locator("form[action$='/remove'] button").click()
        page.wait_for_load_state()
        self.assertIn("Nobody was removed", page.locator("main").inner_text())
        row = page.locator("tr", has_text=f"@{name}")
        self.assertEqual(row.count(), 1)
        row.locator("summary:has-text('Remove')").click()
        row.locator("input[name=confirm_username]").fill(name)
        row.locator("form[action$='/remove'] button").click()
        page.wait_for_load_state()
        self.assertIn("Member removed", page.locator("main").inner_text())
        self.assertEqual(page.locator("tr", has_text=f"@{name}").count(), 0)
        ctx.close()
