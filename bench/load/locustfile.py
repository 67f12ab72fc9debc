"""The HTTP load test's visitors (locust), against `make cluster` on 127.0.0.1 only (bench/load/run.py).

Endpoint classes (the `name` of each request, what the tables report):

- `baseline /healthz` — Django's floor on the same server: the whole middleware stack, no database, a
  tiny JSON answer. Every mix carries a share of it, so the ceiling is measured in the same run.
- `public page` (home, a package's guide), `search` (/search/?q=), `ask` (/ask/?q=, the question
  answering) — applicants browsing, anonymous; these are the reads listed for the replica.
- `officer inbox`, `officer case page` (a sub-case under review), `acceptance queue`, `lead dashboard` —
  staff signed in (demo logins; the cluster for the load test runs with ONEGO_STAFF_OTP=0).

The demo data (`DEMO=1 make cluster`) supplies the packages, staff and cases.
"""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, task

PACKAGES = [
    "open-restaurant",
    "newborn-birth",
    "retirement",
    "open-company",
    "disability-services",
    "school-enrolment",
]
QUERIES = ["开餐馆", "出生", "退休", "营业执照", "残疾人补贴", "我想给我妈办退休", "食品经营许可", "公积金"]
STAFF_PASSWORD = "onego-demo-staff"
SUBCASE = re.compile(r'href="/workbench/subcases/([0-9a-f-]{36})/"')


class Applicant(HttpUser):
    """Browses, searches and asks, as most visitors do (weight: the bulk of the traffic)."""

    weight = 6
    wait_time = between(0.5, 2.0)

    @task(4)
    def home(self) -> None:
        self.client.get("/", name="public page")

    @task(4)
    def guide(self) -> None:
        self.client.get(f"/packages/{random.choice(PACKAGES)}/", name="public page")

    @task(3)
    def search(self) -> None:
        self.client.get("/search/", params={"q": random.choice(QUERIES)}, name="search")

    @task(2)
    def ask(self) -> None:
        self.client.get("/ask/", params={"q": random.choice(QUERIES)}, name="ask")

    @task(2)
    def baseline(self) -> None:
        self.client.get("/healthz", name="baseline /healthz")


class Staff(HttpUser):
    """An officer working the inbox, a clerk looking at the acceptance queue, a lead's dashboard."""

    weight = 2
    wait_time = between(1.0, 3.0)
    username = "officer-market"

    def on_start(self) -> None:
        self.username = random.choice(
            ["officer-market", "officer-fire", "officer-health", "clerk", "lead-market"]
        )
        page = self.client.get("/workbench/login/", name="staff sign-in")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/workbench/login/",
            {"username": self.username, "password": STAFF_PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": page.url or ""},
            name="staff sign-in",
        )
        self.subcases: list[str] = []

    @task(4)
    def inbox(self) -> None:
        if self.username.startswith("officer"):
            page = self.client.get("/workbench/inbox/", name="officer inbox")
            self.subcases = SUBCASE.findall(page.text or "")[:20]
        elif self.username == "clerk":
            self.client.get("/workbench/queue/", name="acceptance queue")
        else:
            self.client.get("/workbench/lead/", name="lead dashboard")

    @task(3)
    def case_page(self) -> None:
        if self.subcases:
            self.client.get(f"/workbench/subcases/{random.choice(self.subcases)}/", name="officer case page")

    @task(1)
    def baseline(self) -> None:
        self.client.get("/healthz", name="baseline /healthz")
