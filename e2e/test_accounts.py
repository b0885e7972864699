"""Setup, invite and join; the admin's member list; error pages."""

import unittest

from harness import PASSWORD, Suite, admin_page, context, fresh_name, join


class Accounts(unittest.TestCase):
    def test_invite_from_admin_page_and_join(self):
        actx, admin = admin_page()
        admin.goto("/admin")
        admin.click("form[action='/admin/invites'] button[type=submit]")
        admin.wait_for_load_state()
        code = admin.locator("table code").first.inner_text().strip()
        self.assertTrue(code)
        # The join link is a full URL, with a copy button.
        link = admin.locator("td.join-link a").first
        self.assertEqual(link.inner_text(), f"{Suite.server.url}/register?code={code}")
        self.assertTrue(admin.locator("td.join-link button[data-copy]").first.is_visible())

        ctx = context()
        page = ctx.new_page()
        name = fresh_name("joiner")
        join(page, name, code)
        self.assertEqual(page.locator(".who a[href='/account']").inner_text().strip(), name)
        for link in ("/practice", "/review", "/notes", "/progress", "/group"):
            self.assertEqual(page.locator(f"nav a[href='{link}']").count(), 1, link)
        self.assertEqual(page.locator("nav a[href='/admin']").count(), 0)
        # A used single-use code is refused (a 400 page, which the console reports).
        ctx2 = context()
        other = ctx2.new_page()
        join(other, fresh_name("late"), code)
        self.assertIn("/register", other.url)
        self.assertEqual(other.locator("a[href='/account']").count(), 0)
        self.assertEqual(ctx.errors + actx.errors, [])
        for c in (ctx, ctx2, actx):
            c.close()

    def test_login_after_logout(self):
        ctx = context()
        page = ctx.new_page()
        name = fresh_name()
        join(page, name)
        page.click("form.logout button")
        page.wait_for_load_state()
        self.assertEqual(page.locator("a[href='/login']").count(), 1)
        page.goto("/login")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state()
        self.assertEqual(page.locator(".who a[href='/account']").inner_text().strip(), name)
        ctx.close()
