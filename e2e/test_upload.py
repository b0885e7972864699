"""Uploads in a real browser: the CSRF token stays out of the address bar,
and the uploaded trace converts without the file chosen again."""

import json
import unittest

from harness import context


class Upload(unittest.TestCase):
    def test_upload_view_and_convert_without_choosing_again(self):
        ctx = context()
        page = ctx.new_page()
        # A generated trace, downloaded as Jaeger JSON, is the file to upload.
        jaeger = page.request.get("/sim/checkout/3/jaeger.json").text()
        spans = len(json.loads(jaeger)["data"][0]["spans"])
        page.goto("/sim/upload")
        page.set_input_files(
            "input[type=file][name=file]",
            files=[{"name": "mine.json", "mimeType": "application/json", "buffer": jaeger.encode()}],
        )
        page.click("form[action='/sim/upload'] button[type=submit]")
        page.wait_for_load_state()
        self.assertNotIn("csrf", page.url)
        self.assertTrue(page.url.endswith("/sim/upload"), page.url)
        self.assertIn("Read as Jaeger JSON", page.content())
        for output, marker in (("otlp", "resourceSpans"), ("zipkin", "localEndpoint")):
            with page.expect_download() as info:
                page.click(f"button[name=output][value={output}]")
            download = info.value
            self.assertTrue(download.suggested_filename.startswith("mine."), download.suggested_filename)
            self.assertTrue(download.suggested_filename.endswith(f".{output}.json"))
            text = open(download.path(), encoding="utf-8").read()
            self.assertIn(marker, text)
            if output == "zipkin":
                self.assertEqual(len(json.loads(text)), spans)
        self.assertNotIn("csrf", page.url)
        self.assertEqual(ctx.errors, [])
        ctx.close()
