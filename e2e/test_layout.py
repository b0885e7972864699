"""Phone width without sideways scroll, the sticky header never covering
content, and axe-core with no serious or critical violations, light and dark."""

import unittest

from harness import PHONE, admin_page, axe_violations, member_page, sideways_overflow
from pages import member_pages


class Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ctx, page, _ = member_page()
        cls.pages = member_pages(page)
        ctx.close()

    def test_phone_width_has_no_sideways_scroll(self):
        ctx, page, _ = member_page(viewport=PHONE)
        for path in self.pages + ["/sim/lab?preset=head-vs-tail"]:
            page.goto(path)
            with self.subTest(path=path):
                self.assertLessEqual(sideways_overflow(page), 0)
        actx, admin = admin_page(viewport=PHONE)
        admin.goto("/admin")
        self.assertLessEqual(sideways_overflow(admin), 0, "/admin")
        ctx.close()
        actx.close()

    def test_header_never_covers_the_timeline_axis(self):
        for width in (375, 768, 1280):
            ctx, page, _ = member_page(viewport={"width": width, "height": 800})
            page.goto("/sim/checkout/1?spans=300")
            page.evaluate(
                "() => window.scrollTo(0, document.querySelector('.wf-rows').offsetTop + 400)"
            )
            covered = page.evaluate(
                """() => {
                  const head = document.querySelector('.wf-head');
                  const r = head.getBoundingClientRect();
                  if (r.bottom <= 0) return 'scrolled away';
                  const el = document.elementFromPoint(r.left + 10, r.top + r.height / 2);
                  return head.contains(el) ? '' : (el ? el.outerHTML.slice(0, 80) : 'nothing');
                }"""
            )
            with self.subTest(width=width):
                self.assertEqual(covered, "")
                header = page.evaluate(
                    "() => [getComputedStyle(document.querySelector('header.site')).position,"
                    " document.querySelector('header.site').offsetHeight]"
                )
                if header[0] == "sticky":
                    self.assertLessEqual(header[1], 64, f"a sticky header at {width} px")
            ctx.close()

    def check_axe(self, scheme):
        ctx, page, _ = member_page(color_scheme=scheme)
        found = {}
        for path in self.pages:
            page.goto(path)
            v = axe_violations(page)
            if v:
                found[path] = v
        actx, admin = admin_page(color_scheme=scheme)
        admin.goto("/admin")
        v = axe_violations(admin)
        if v:
            found["/admin"] = v
        # The viewer with script and an open span detail.
        page.goto("/sim/checkout/1")
        page.locator("ol.wf-rows a.sn").nth(1).click()
        v = axe_violations(page)
        if v:
            found["/sim/checkout/1 (detail open)"] = v
        self.assertEqual(found, {}, "\n".join(f"{p}: {v}" for p, v in found.items()))
        ctx.close()
        actx.close()

    def test_axe_light(self):
        self.check_axe("light")

    def test_axe_dark(self):
        self.check_axe("dark")
