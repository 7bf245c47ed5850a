"""Locust learners doing whole modules across several app hosts (run by bench/two_hosts.py).

Each simulated learner signs in, then plays a module as a person would: the module page and
its content warning, every scene page, a choice at each decision (and the feedback page after
it), a journal answer at some prompts, the debrief, the quiz (retaken up to twice if failed),
the final reflection, and the certificate when the module is complete. Every request goes to
the next host in turn, so a learner moves between hosts mid-module: the session is the signed
cookie, kept here in one jar for all hosts (a browser would have one site name in front), and
each learner has its own address in X-Forwarded-For, as a load balancer in front would set.

Every choice the server acknowledged (a 303 to that decision's feedback page) is appended to
CE_ACK_FILE as JSON, for two_hosts.py to find in the database exactly once.

Environment: CE_HOSTS (comma-separated base URLs), CE_EMAILS (a file of sign-in emails, one a
line), CE_PASSWORD, CE_MODULES (comma-separated slugs), CE_ACK_FILE, CE_THINK (min,max
seconds of reading after each page), CE_REQUEST_LOG (optional: every request's time).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

HOSTS = os.environ["CE_HOSTS"].split(",")
with open(os.environ["CE_EMAILS"]) as fh:
    _EMAILS = itertools.cycle([line.strip() for line in fh if line.strip()])
PASSWORD = os.environ["CE_PASSWORD"]
MODULES = os.environ["CE_MODULES"].split(",")
_ACKS = open(os.environ["CE_ACK_FILE"], "a", buffering=1)
_NUMBERS = itertools.count()
#: Every request as "end time, page type, milliseconds, failed" (CE_REQUEST_LOG), so that
#: two_hosts.py can also report the steady state, after the last learner has signed in.
_REQUESTS = open(os.environ["CE_REQUEST_LOG"], "a", buffering=1 << 16) if os.environ.get("CE_REQUEST_LOG") else None


@events.request.add_listener
def _log_request(request_type, name, response_time, response_length, exception=None, **_kw):
    if _REQUESTS is not None:
        _REQUESTS.write(f"{time.time():.3f},{name},{response_time:.1f},{int(exception is not None)}\n")


@events.quitting.add_listener
def _close_request_log(**_kw):
    if _REQUESTS is not None:
        _REQUESTS.close()

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HIDDEN = {name: re.compile(rf'name="{name}" value="([^"]*)"') for name in ("step", "scene")}
CHOICE = re.compile(r'name="choice" value="([^"]+)"')
JOURNAL = re.compile(r'action="(/attempts/\d+/journal/[^"]+)"')
RADIO = re.compile(r'<input type="(radio|checkbox)" id="q-[^"]*" name="(q-[^"]+)" value="([^"]*)"')
SELECT = re.compile(r'<select id="[^"]*" name="(q-[^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')
CERTIFICATE = re.compile(r'href="(/certificates/[^"]+)"')


class Learner(HttpUser):
    host = HOSTS[0]
    # Reading time between pages (seconds, min,max): CE_THINK from two_hosts.py --think.
    wait_time = between(*(float(x) for x in os.environ.get("CE_THINK", "0.5,2.0").split(",")))

    def on_start(self):
        self.email = next(_EMAILS)
        self.jar: dict[str, str] = {}
        self.turn = random.randrange(len(HOSTS))
        number = next(_NUMBERS)
        # The load balancer in front of the hosts reports each person's own address.
        self.client.headers["X-Forwarded-For"] = f"198.51.{100 + number // 250}.{number % 250 + 1}"
        page = self.call("GET", "/login", "login page")
        self.call("POST", "/login", "login", data={"email": self.email, "password": PASSWORD,
                                                  "csrf_token": _csrf(page.text)})

    def call(self, method: str, path: str, name: str, **kwargs):
        """One request to the next host, with the learner's one cookie jar; after a page (a GET
        answered 200) the learner reads it for ``wait_time`` before the next request.

        Locust applies ``wait_time`` only between tasks, and a whole module is one task: without
        this pause the learners sent their requests back to back (an earlier version did, so
        its "3-8 s between pages" was in fact between modules)."""
        base = HOSTS[self.turn % len(HOSTS)]
        self.turn += 1
        self.client.cookies.clear()  # requests keeps cookies per host; a site has one jar
        response = self.client.request(method, base + path, name=name, cookies=dict(self.jar),
                                       allow_redirects=False, **kwargs)
        for cookie in response.cookies:
            if cookie.value:
                self.jar[cookie.name] = cookie.value
            else:
                self.jar.pop(cookie.name, None)
        if method == "GET" and response.status_code == 200:
            self.wait()
        return response

    @task
    def whole_module(self):
        slug = random.choice(MODULES)
        page = self.call("GET", f"/modules/{slug}", "module page")
        started = self.call("POST", f"/modules/{slug}/start", "start",
                            data={"acknowledge": "y", "csrf_token": _csrf(page.text)})
        if started.status_code != 303:
            return
        attempt = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
        base = f"/attempts/{attempt}"
        for _ in range(60):
            scene = self.call("GET", base, "scene page")
            if scene.status_code == 302:  # to the debrief: the scenario is done
                break
            html = scene.text
            token = _csrf(html)
            step = _hidden(html, "step")
            if f'action="{base}/begin"' in html:
                self.call("POST", f"{base}/begin", "begin", data={"csrf_token": token, "step": step})
                continue
            for journal in JOURNAL.findall(html):
                if random.random() < 0.5:
                    self.call("POST", journal, "journal", data={
                        "csrf_token": token, "answer": "What I noticed about my own assumptions here."})
            choices = CHOICE.findall(html)
            scene_id = _hidden(html, "scene")
            if choices:
                choice = random.choice(choices)
                moved = self.call("POST", f"{base}/choose", "choice", data={
                    "csrf_token": token, "step": step, "scene": scene_id, "choice": choice})
                location = moved.headers.get("Location", "") if moved.status_code == 303 else ""
                if "/feedback/" in location:
                    _ACKS.write(json.dumps({"attempt": int(attempt), "step": int(step), "scene": scene_id,
                                            "choice": int(choice.rsplit(".", 1)[1])}) + "\n")
                    self.call("GET", location[location.index("/attempts/"):], "feedback page")
            elif f'action="{base}/continue"' in html:
                self.call("POST", f"{base}/continue", "continue", data={"csrf_token": token, "step": step,
                                                                       "scene": scene_id})
            else:
                break
        debrief = self.call("GET", f"{base}/debrief", "debrief")
        for _ in range(3):
            started = self.call("POST", f"{base}/quiz", "quiz start", data={"csrf_token": _csrf(debrief.text)})
            if started.status_code != 303 or "/quiz/" not in started.headers.get("Location", ""):
                break
            quiz_url = started.headers["Location"][started.headers["Location"].index("/attempts/"):]
            quiz = self.call("GET", quiz_url, "quiz page")
            answers = _answers(quiz.text)
            submitted = self.call("POST", quiz_url, "quiz submit", data=[
                ("csrf_token", _csrf(quiz.text)), ("action", "submit"), ("confirm_unanswered", "yes"), *answers])
            results = self.call("GET", f"{quiz_url}/results", "quiz results")
            if submitted.status_code != 303 or "Not passed" not in results.text:
                break
            debrief = results
        form = self.call("GET", f"{base}/reflection", "reflection page")
        done = self.call("POST", f"{base}/reflection", "reflection", data={
            "csrf_token": _csrf(form.text), "what_learned": "How silence about race shapes what is recorded.",
            "impact_on_practice": "I will ask about identity and experiences of racism in every assessment."})
        if done.status_code == 303 and done.headers.get("Location", "").endswith("/completed"):
            completed = self.call("GET", f"{base}/completed", "completed")
            link = CERTIFICATE.search(completed.text)
            if link:
                self.call("GET", link.group(1), "certificate")


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


def _hidden(html: str, name: str) -> str:
    match = HIDDEN[name].search(html)
    return match.group(1) if match else ""


def _answers(html: str) -> list[tuple[str, str]]:
    """A guess at every question: one option of each radio group, the first of each checkbox
    group, an option in every matching select."""
    groups: dict[str, list[str]] = {}
    for _kind, name, value in RADIO.findall(html):
        groups.setdefault(name, []).append(value)
    answers = [(name, random.choice(values)) for name, values in groups.items()]
    for name, options in SELECT.findall(html):
        values = OPTION.findall(options)
        if values:
            answers.append((name, random.choice(values)))
    return answers
