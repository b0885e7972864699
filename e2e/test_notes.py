"""Notes: write, preview (with and without script), history, trash, search,
export and import."""

import re
import tempfile
import unittest
import zipfile
from pathlib import Path

from harness import member_page

BODY = "## Key learnings\n\n- **traceparent** carries the context\n- [ ] try tail sampling\n"


class Notes(unittest.TestCase):
    def write(self, page, title, body=BODY, tags="w3c"):
        page.goto("/notes/new?blank=1")
        page.fill("input[name=title]", title)
        page.fill("input[name=tags]", tags)
        page.fill("textarea[name=body]", body)
        page.click("button[value=save]")
        page.wait_for_load_state()
        m = re.search(r"/notes/([0-9a-f]+)", page.url)
        self.assertTrue(m, page.url)
        return m.group(1)

    def test_preview_without_script_renders_on_the_server(self):
        ctx, page, _ = member_page(js=False)
        page.goto("/notes/new?blank=1")
        self.assertTrue(page.locator("#note-preview").is_hidden())
        page.fill("input[name=title]", "No script")
        page.fill("textarea[name=body]", BODY)
        page.click("button[value=preview]")
        page.wait_for_load_state()
        self.assertEqual(page.locator(".preview-body strong").inner_text(), "traceparent")
        self.assertEqual(page.locator("textarea[name=body]").input_value().strip(), BODY.strip())
        ctx.close()

    def test_live_preview_with_script(self):
        ctx, page, _ = member_page()
        page.goto("/notes/new?blank=1")
        page.fill("textarea[name=body]", "**live** text")
        page.wait_for_selector(".preview-body strong:has-text('live')")
        self.assertEqual(ctx.errors, [])
        ctx.close()

    def test_write_edit_history_trash_search_export_import(self):
        ctx, page, _ = member_page()
        nid = self.write(page, "Propagation notes")
        self.assertEqual(page.locator("main strong").first.inner_text(), "traceparent")
        # A first save has no history; an edit keeps the previous version.
        page.goto(f"/notes/{nid}/edit")
        page.fill("textarea[name=body]", BODY + "\nSecond thoughts on baggage.\n")
        page.click("button[value=save]")
        page.wait_for_load_state()
        page.goto(f"/notes/{nid}/history")
        self.assertEqual(page.locator(f"a[href^='/notes/{nid}/history/']").count(), 1)
        page.locator("form[action$='/restore'] button").first.click()
        page.wait_for_load_state()
        self.assertNotIn("baggage", page.locator("main").inner_text())

        # Search finds it by a word of the body.
        page.goto("/notes")
        page.fill("input[name=q]", "traceparent")
        page.click("form.notes-search button")
        page.wait_for_load_state()
        self.assertIn("Propagation notes", page.locator("main").inner_text())

        # Export all notes as a zip.
        page.goto("/notes")
        with page.expect_download() as dl:
            page.click("a[href='/notes/export.zip']")
        zpath = Path(tempfile.mkdtemp()) / "notes.zip"
        dl.value.save_as(zpath)
        with zipfile.ZipFile(zpath) as z:
            self.assertEqual(len(z.namelist()), 1)

        # Trash, then restore.
        page.goto(f"/notes/{nid}")
        page.click(f"form[action='/notes/{nid}/delete'] button")
        page.wait_for_load_state()
        page.goto("/notes/trash")
        self.assertIn("Propagation notes", page.locator("main").inner_text())
        page.click(f"form[action='/notes/{nid}/restore'] button")
        page.wait_for_load_state()
        page.goto("/notes")
        self.assertIn("Propagation notes", page.locator("main").inner_text())

        # Import into another member's notes.
        ctx2, other, _ = member_page()
        other.goto("/notes")
        other.set_input_files("input[type=file][name=file]", str(zpath))
        other.click("form[action^='/notes/import'] button[type=submit]")
        other.wait_for_load_state()
        self.assertIn("Propagation notes", other.locator("main").inner_text())
        self.assertEqual(ctx.errors + ctx2.errors, [])
        ctx.close()
        ctx2.close()
