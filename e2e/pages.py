"""The main pages the layout tests (phone width, axe) walk through."""

import re

from harness import Suite

PUBLIC = [
    "/",
    "/lessons",
    "/sim",
    "/sim/checkout",
    "/sim/checkout/1",
    "/sim/lab",
    "/sim/upload",
    "/tools/traceparent",
    "/tools/traceparent?traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
]

MEMBER = [
    "/practice",
    "/practice/beginner",
    "/practice/interview?level=senior",
    "/review",
    "/notes",
    "/notes/new",
    "/notes/search?q=trace",
    "/notes/trash",
    "/progress",
    "/group",
    "/traces",
    "/traces?min=fast",
    "/account",
    "/no-such-page",
]


def first_lesson(page):
    page.goto("/lessons")
    return page.locator("main a[href^='/lessons/']").first.get_attribute("href")


def member_pages(page):
    """Every main page for a logged-in member, with one of each kind of
    generated page (a lesson, a question, a note, a lab run, a session summary)."""
    pages = PUBLIC + MEMBER + [first_lesson(page)]
    page.goto("/sim/lab")
    preset = page.locator("a[href*='preset=']").first.get_attribute("href")
    pages.append(preset)
    # A note with a task list and a table.
    page.goto("/notes/new?blank=1")
    page.fill("input[name=title]", "Layout note")
    page.fill(
        "textarea[name=body]",
        "- [ ] a task\n- [x] done\n\n| a | b |\n|---|---|\n| `"
        + "x" * 120
        + "` | 2 |\n",
    )
    page.click("button[value=save]")
    page.wait_for_load_state()
    note = re.search(r"/notes/[0-9a-f]+", page.url).group(0)
    pages += [note, note + "/edit", note + "/history"]
    # A question in a running session, and its result.
    page.goto("/practice/intermediate")
    page.click("form[method=post][action='/practice/intermediate'] button[type=submit]")
    page.wait_for_load_state()
    question = re.search(r"/practice/s/\d+/q/\d+", page.url).group(0)
    pages.append(question)
    session = question.rsplit("/q/", 1)[0]
    pages.append(session + "/done")
    return pages
