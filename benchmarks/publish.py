"""From "Approve and publish" to the public page showing the change (issue 16), on the real catalogue.

    .venv/bin/python benchmarks/publish.py      # part of `make bench`; PUBLISH_RUNS=5

Copies data/ into BENCH_DIR/publish, builds it, makes an editor and a reviewer of the passport's
institution, and serves it with `isoko serve` (defaults; ISOKO_SECURE_COOKIES=0 on loopback). Each
run: the editor changes the fee of the ordinary passport (with its source) and submits it through
the back office's forms over HTTP; then the reviewer approves it and the clock runs until the
public procedure page shows the new amount. Target (reported, never asserted): within 5 s.
Writes benchmarks/results/publish-<date>.json.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import BASE, ISOKO, RESULTS, ROOT, WORK, free_port, log, server  # noqa: E402

RUNS = int(os.environ.get("PUBLISH_RUNS", 5))
PROCEDURE, INSTITUTION = "ordinary-passport", "cgm"
PASSWORD = "bench-password-1"


class Person:
    """A browser-like client: cookies, the CSRF token of the page it last read, same-site Referer."""

    def __init__(self, site: str, email: str):
        self.site = site
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.page = self.get("/office/login")
        self.post("/office/login", {"email": email, "password": PASSWORD})

    def get(self, path: str) -> str:
        with self.opener.open(self.site + path, timeout=60) as answer:
            self.url = answer.url
            return answer.read().decode()

    def post(self, path: str, form: dict | list) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.page).group(1)
        items = (list(form.items()) if isinstance(form, dict) else form) + [("csrf_token", token)]
        request = urllib.request.Request(self.site + path, data=urllib.parse.urlencode(items).encode(),
                                         headers={"Referer": self.site + "/office/"})
        with self.opener.open(request, timeout=120) as answer:
            self.url = answer.url
            self.page = answer.read().decode()
            return self.page


def draft_form(html: str) -> list[tuple[str, str]]:
    form = re.findall(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', html)
    for name in re.findall(r'<select id="f-[^"]+" name="([^"]+)"', html):
        block = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        form += [(name, value) for value in re.findall(r'<option value="([^"]*)" selected>', block)]
    form += re.findall(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html)
    return [(k, v.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"')) for k, v in form]


def main() -> None:
    folder = WORK / "publish"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "data", folder / "data")
    env = {**os.environ, "ISOKO_DATA": str(folder / "data"), "ISOKO_VAR": str(folder / "var"), "ISOKO_BASE_IRI": BASE,
           "ISOKO_SECURE_COOKIES": "0", "ISOKO_NEW_PASSWORD": PASSWORD}
    env.pop("ISOKO_STORE", None)
    env.pop("ISOKO_DATABASE_URL", None)
    subprocess.run([str(ISOKO), "build"], env=env, check=True, capture_output=True)
    for email, role in (("editor@bench", "editor"), ("reviewer@bench", "reviewer")):
        subprocess.run([str(ISOKO), "user", "add", email], env=env, check=True, capture_output=True)
        subprocess.run([str(ISOKO), "user", "role", email, role, INSTITUTION], env=env, check=True, capture_output=True)
    port = free_port()
    command = [str(ISOKO), "serve", "--host", "127.0.0.1", "--port", str(port)]
    seconds = []
    with server(command, f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", "isoko serve", 120, env,
                folder / "serve.log"):
        site = f"http://127.0.0.1:{port}"
        editor, reviewer = Person(site, "editor@bench"), Person(site, "reviewer@bench")
        for run in range(RUNS):
            amount = 240000 + 1000 * run
            editor.page = editor.get(f"/office/entity/procedure/{PROCEDURE}")
            draft_html = editor.post(f"/office/entity/procedure/{PROCEDURE}", {})
            draft = urllib.parse.urlsplit(editor.url).path
            form = [(k, str(amount) if k == "fee_amount__0" else v + "\nhttps://example.org/bench-decree"
                     if k == "fee_source__0" else v) for k, v in draft_form(draft_html)]
            form += [("action", "submit"), ("comment", "bench")]
            editor.post(draft, form)
            reviewer.page = reviewer.get(draft)
            started = time.perf_counter()
            reviewer.post(draft + "/review", {"action": "approve"})
            shown = f"{amount:,}"
            while shown not in urllib.request.urlopen(f"{site}/id/procedure/{PROCEDURE}?lang=en", timeout=60).read().decode():
                time.sleep(0.05)
            seconds.append(round(time.perf_counter() - started, 3))
            log(f"publish: run {run + 1}: fee {amount} served {seconds[-1]} s after approval")
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "runs": seconds,
              "median_s": statistics.median(seconds), "max_s": max(seconds), "target_s": 5.0,
              "met": max(seconds) <= 5.0, "load_before": [round(x, 1) for x in os.getloadavg()],
              "command": "benchmarks/publish.py (real catalogue of data/, isoko serve defaults)"}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"publish-{datetime.now(timezone.utc):%Y-%m-%d}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
