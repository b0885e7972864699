"""What members expected: an unfinished session resumed from /practice,
rating an interview answer without losing one's place, peer comments on a
shared interview (with and without JavaScript), and no violations there."""

import re
import unittest

from harness import axe_violations, context, join, fresh_name, member_page


def run_interview(page):
    """Runs a senior interview to its summary; returns the session id."""
    page.goto("/practice/interview?level=senior")
    page.click("form[action='/practice/interview'] button[type=submit]")
    page.wait_for_load_state()
    sid = int(re.search(r"/practice/s/(\d+)/q/0$", page.url).group(1))
    while "/done" not in page.url:
        page.fill("textarea[name=answer]", "Spans, context and sampling.")
        page.click("form.stack button[type=submit]")
        page.wait_for_load_state()
        if "/done" not in page.url and not re.search(r"/q/\d+$", page.url):
            page.goto(f"/practice/s/{sid}")
    return sid


class Members(unittest.TestCase):
    def test_unfinished_session_is_listed_and_resumes(self):
        ctx, page, _ = member_page()
        page.goto("/practice/beginner")
        page.click("form[method=post][action='/practice/beginner'] button[type=submit]")
        page.wait_for_load_state()
        sid = int(re.search(r"/practice/s/(\d+)/q/0$", page.url).group(1))
        page.goto("/practice")
        page.click(f"a[href='/practice/s/{sid}']")
        page.wait_for_load_state()
        self.assertTrue(page.url.endswith(f"/practice/s/{sid}/q/0"), page.url)
        self.assertEqual(ctx.errors, [])
        ctx.close()

    def rate_keeps_place(self, js):
        ctx, page, _ = member_page(js=js)
        sid = run_interview(page)
        if not page.url.endswith("/done"):
            page.goto(f"/practice/s/{sid}/done")
        page.evaluate("() => { window.__kept = 1; }") if js else None
        page.click("#answer-3 form.rate button[value='3']")
        page.wait_for_load_state()
        # With JS the answer is replaced in place: wait for the new one.
        page.wait_for_selector("#answer-3 p.meta:has-text('Rated Good')")
        self.assertIn("Rated Good", page.locator("#answer-3").inner_text())
        if js:
            self.assertEqual(page.evaluate("() => window.__kept"), 1, "no reload with JS")
        self.assertTrue(page.url.endswith("#answer-3"), page.url)
        ctx.close()
        return sid

    def test_rating_keeps_the_place_with_and_without_js(self):
        self.rate_keeps_place(js=True)
        self.rate_keeps_place(js=False)

    def test_peer_comments_reach_the_author(self):
        for js in (True, False):
            with self.subTest(js=js):
                actx, author, _ = member_page(js=js, prefix="author")
                sid = run_interview(author)
                author.goto(f"/practice/s/{sid}/done")
                author.click(f"form[action='/practice/s/{sid}/share'] button[type=submit]")
                author.wait_for_load_state()

                rctx = context(js=js)
                reviewer = rctx.new_page()
                join(reviewer, fresh_name("peer"))
                reviewer.goto(f"/practice/s/{sid}/done")
                reviewer.fill("#comment-1", "Name the sampler that keeps errors.")
                reviewer.select_option("#peer-rating-1", "2")
                reviewer.click("#answer-1 .peer-form button[type=submit]")
                reviewer.wait_for_load_state()
                reviewer.wait_for_selector("#answer-1 .comment-body")
                self.assertIn("Name the sampler", reviewer.locator("#answer-1").inner_text())
                # axe-core runs as page script: only where scripts run.
                for scheme in ("light", "dark") if js else ():
                    reviewer.emulate_media(color_scheme=scheme)
                    self.assertEqual(axe_violations(reviewer), [], scheme)

                author.goto(f"/practice/s/{sid}/done")
                text = author.locator("#answer-1").inner_text()
                self.assertIn("Name the sampler", text)
                self.assertIn("Partly there", text)
                self.assertEqual(author.locator("text=Delete my comment").count(), 0)

                reviewer.click("#answer-1 button:has-text('Delete my comment')")
                reviewer.wait_for_load_state()
                reviewer.wait_for_selector("#answer-1 .comment-body", state="detached")
                self.assertNotIn("Name the sampler", reviewer.locator("#answer-1").inner_text())
                self.assertEqual(actx.errors + rctx.errors, [])
                actx.close()
                rctx.close()


if __name__ == "__main__":
    unittest.main()
