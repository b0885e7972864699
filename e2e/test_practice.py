"""Practice at every level to the end, with the time taken right."""

import re
import unittest

from harness import Suite, member_page

LEVELS = ("beginner", "intermediate", "senior", "architect")


def elapsed_text(seconds):
    seconds = max(seconds, 0)
    return f"{seconds // 60}:{seconds % 60:02}"


class Practice(unittest.TestCase):
    def session_row(self, sid):
        with Suite.server.db() as db:
            return db.execute(
                "SELECT started_at, finished_at FROM practice_sessions WHERE id = ?", (sid,)
            ).fetchone()

    def play_to_the_end(self, page, level):
        page.goto(f"/practice/{level}")
        page.click(f"form[method=post][action='/practice/{level}'] button[type=submit]")
        page.wait_for_load_state()
        m = re.search(r"/practice/s/(\d+)/q/0$", page.url)
        self.assertTrue(m, page.url)
        sid = int(m.group(1))
        # Pretend the session began 73 s ago, so that the time taken is known
        # without waiting: it must come out as finish time minus this start.
        with Suite.server.db() as db:
            db.execute(
                "UPDATE practice_sessions SET started_at = started_at - 73 WHERE id = ?", (sid,)
            )
        total = int(re.search(r"of (\d+)", page.locator("p.meta").first.inner_text()).group(1))
        answered = 0
        while "/done" not in page.url:
            self.assertIsNone(
                self.session_row(sid)[1], f"{level}: finished after {answered} of {total}"
            )
            if page.locator("input[name=choice]").count() > 0:
                page.locator("input[name=choice]").first.check()
                page.click("form.stack button[type=submit]")
                page.wait_for_load_state()
                page.click("a.button:has-text('Next')")
            else:
                page.fill("textarea[name=answer]", "Spans, context, sampling.")
                page.click("form.stack button[type=submit]")
                page.wait_for_load_state()
                # Rating leads on to the next question, or to the summary.
                page.click("form.rate button[value='3']")
            page.wait_for_load_state()
            answered += 1
        self.assertEqual(answered, total, level)
        started, finished = self.session_row(sid)
        self.assertIsNotNone(finished, level)
        lead = page.locator("p.lead").inner_text()
        shown = re.search(r"Time taken: (\d+:\d\d)", lead).group(1)
        self.assertEqual(shown, elapsed_text(finished - started), level)
        self.assertGreaterEqual(finished - started, 73, level)

    def test_every_level_to_the_end(self):
        ctx, page, _ = member_page()
        for level in LEVELS:
            with self.subTest(level=level):
                self.play_to_the_end(page, level)
        self.assertEqual(ctx.errors, [])
        ctx.close()
