"""The trainer's panel read at a glance, in Debian's Chromium: who needs the trainer now (and
acknowledging from there), a client's charts and frozen program, a session's paired sides; no link
that leads to a 403 or 404; no sideways scrolling at phone width. Screenshots of each page at
1366 px and 390 px go to test-artifacts/<database>/ (trainer_home-<page>-<width>.png)."""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

from django.urls import reverse

from sessions.models import Alert
from tests.sessions.panel_world import PASSWORD, build_panel_world

from .conftest import browser_db, chromium_page, needs_chromium

pytestmark = [needs_chromium, browser_db]

WIDTHS = (1366, 390)
OVERFLOW = "() => { const c = document.querySelector('#content'); return [c.scrollWidth, c.clientWidth]; }"
LINKS = "() => Array.from(document.querySelectorAll('#container a[href]'), a => a.getAttribute('href'))"


def test_a_trainer_reads_the_panel_at_a_glance(live_server, screenshot):
    world = build_panel_world()
    pages = {
        "home": reverse("admin:index"),
        "client": reverse("admin:stretch_sessions_user_change", args=[world.ben.pk]),
        "session": reverse("admin:stretch_sessions_stretchsession_change", args=[world.ben_session.pk]),
        "frozen-client": reverse("admin:stretch_sessions_user_change", args=[world.ana.pk]),
    }
    overflow, broken, crawled = {}, [], set()

    with chromium_page() as page:  # no database access inside: see chromium_page
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("#id_username", world.trainer.email)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + pages["home"])

        # Every page at both widths: a screenshot, and the main content's overflow.
        for name, path in pages.items():
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(live_server.url + path)
                screenshot(page, f"{name}-{width}")
                overflow[(name, width)] = page.evaluate(OVERFLOW)
            # Crawl every link of the page (the session's own pages, the catalog, the docs, the lists).
            for href in page.evaluate(LINKS):
                target = urljoin(live_server.url + path, href)
                if urlparse(target).netloc != urlparse(live_server.url).netloc or target in crawled:
                    continue
                crawled.add(target)
                status = page.request.get(target).status
                if status in (403, 404):
                    broken.append((name, href, status))
        page.set_viewport_size({"width": 1366, "height": 900})

        # Home: the escalation first, with its one line.
        page.goto(live_server.url + pages["home"])
        cards = page.locator("#attention-alerts article.card")
        first = cards.first
        home_order = [cards.nth(i).get_attribute("data-client") for i in range(cards.count())]
        first_text = first.inner_text()
        dropped = page.locator("#attention-adherence article").first.get_attribute("data-client")

        # Client page: charts with data for both sides; the program's frozen reason (Ana's).
        page.goto(live_server.url + pages["client"])
        sides = {
            side: [int(n) for n in page.eval_on_selector_all(
                f"#client-charts svg g[data-series={side}]", "gs => gs.map(g => g.dataset.points)"
            )]
            for side in ("left", "right")
        }  # fmt: skip
        page.goto(live_server.url + pages["frozen-client"])
        frozen = page.locator("#frozen-reason").inner_text()

        # Session page: left and right side by side in each row.
        page.goto(live_server.url + pages["session"])
        row = page.locator("#session-holds tr.pair").first
        paired = [row.locator("td[data-side=left]").count(), row.locator("td[data-side=right]").count()]
        row_text = row.inner_text()

        # Acknowledge Ana's escalation from the home page, with a note.
        page.goto(live_server.url + pages["home"])
        page.fill(f"#attention-alerts article[data-client='{world.ana.email}'] textarea", "Called her; rest two days.")
        page.click(f"#attention-alerts article[data-client='{world.ana.email}'] button[type=submit]")
        page.wait_for_selector("ul.messagelist")
        screenshot(page, "home-acknowledged-1366")
        after = page.eval_on_selector_all("#attention-alerts article.card", "as => as.map(a => a.dataset.client)")

    assert home_order == ["ana@example.com", "cleo@example.com", "ben@example.com"]
    assert "escalation" in first_text
    assert "right side, sharp pain, pain 8/10, continued through it" in first_text
    assert dropped == "dan@example.com"
    assert min(sides["left"]) > 0 and min(sides["right"]) > 0 and len(sides["left"]) >= 3
    assert frozen.startswith("progression frozen Frozen: the escalation on assisted-lying-hamstring-stretch (right)")
    assert paired == [1, 1]
    assert "40 s" in row_text and "20 s" in row_text and "pain 7/10" in row_text
    assert len(crawled) >= 10
    assert broken == []
    assert {key: sizes for key, sizes in overflow.items() if sizes[0] > sizes[1]} == {}
    assert after == ["cleo@example.com", "ben@example.com"]
    assert set(Alert.objects.filter(client=world.ana).values_list("note", flat=True)) == {"Called her; rest two days."}
