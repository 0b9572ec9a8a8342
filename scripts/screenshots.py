#!/usr/bin/env python3
"""Screenshots of the main pages for the README, taken from a live server with demo data.

    .venv/bin/python scripts/screenshots.py            # temporary SQLite database
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python scripts/screenshots.py

It upgrades a fresh database, runs `seed demo`, serves the app like `make run` (jobs inline) on a free
port, logs in as each demo role with Playwright driving Debian's chromium (/usr/bin/chromium, or
CHROMIUM_PATH), and saves PNGs into docs/screenshots/: each role's home page, every page of its main
navigation (so new module pages show up by themselves), a phone-sized view and the public pages.
Then it rewrites the gallery between the screenshot markers of README.md.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
ROLES = [
    ("admin", "admin@presidio.example.it"),
    ("operator", "operatore@presidio.example.it"),
    ("finance", "ragioneria@presidio.example.it"),
    ("referente", "referente@presidio.example.it"),
]
TITLES = {"admin": "Amministratore", "operator": "Operatore", "finance": "Ragioneria", "referente": "Referente"}
MAX_NAV_PAGES = 6  # per role, to keep the repository small


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 - local server
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"server at {url} did not start")


def slug(text: str) -> str:
    text = text.lower().strip()
    for a, b in (("à", "a"), ("è", "e"), ("é", "e"), ("ì", "i"), ("ò", "o"), ("ù", "u")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "pagina"


def shoot(page, name: str, shots: list[tuple[str, str]], title: str) -> None:
    page.wait_for_load_state("networkidle")
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    shots.append((path.name, title))
    print(f"  {path.relative_to(ROOT)}")


def take(base_url: str, password: str) -> list[tuple[str, str]]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    shots: list[tuple[str, str]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        ctx = browser.new_context(base_url=base_url, locale="it-IT", viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        page.goto("/login")
        shoot(page, "login", shots, "Accesso")
        page.goto("/assistenza")
        if page.url.endswith("/assistenza") and page.locator("form").count():
            shoot(page, "assistenza-pubblica", shots, "Richiesta di assistenza pubblica (senza login)")
        ctx.close()
        for role, email in ROLES:
            ctx = browser.new_context(base_url=base_url, locale="it-IT", viewport={"width": 1366, "height": 900})
            page = ctx.new_page()
            page.goto("/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.get_by_role("button", name="Accedi").click()
            page.wait_for_load_state()
            if "/login" in page.url:
                print(f"  (no {role} demo login)")
                ctx.close()
                continue
            home = page.url
            shoot(page, f"{role}-home", shots, f"{TITLES[role]}: pagina iniziale")
            links = page.eval_on_selector_all(
                "nav[aria-label='Menu principale'] a.nav-link, nav[aria-label='Menu principale'] a.dropdown-item",
                "els => els.map(e => [e.textContent.trim(), e.getAttribute('href')])",
            )
            seen = {home.replace(base_url, "")}
            count = 0
            for text, href in links:
                if not href or not href.startswith("/") or href in seen or count >= MAX_NAV_PAGES:
                    continue
                seen.add(href)
                page.goto(href)
                if page.url.replace(base_url, "") in seen - {href}:
                    continue
                count += 1
                shoot(page, f"{role}-{slug(text or href)}", shots, f"{TITLES[role]}: {text}")
            if role == "admin":
                for href, name, title in (
                    ("/admin/audit", "admin-registro-modifiche", "Registro delle modifiche"),
                    ("/admin/jobs?status=all", "admin-job", "Attività in background"),
                ):
                    page.goto(href)
                    shoot(page, name, shots, f"{TITLES[role]}: {title}")
            if role == "referente":
                mobile = browser.new_context(
                    base_url=base_url, locale="it-IT", viewport={"width": 390, "height": 844}, is_mobile=True
                )
                mobile.add_cookies(ctx.cookies())
                mpage = mobile.new_page()
                mpage.goto(home)
                shoot(mpage, "referente-smartphone", shots, "Referente: la stessa pagina su uno smartphone")
                mobile.close()
            ctx.close()
        browser.close()
    return shots


def update_readme(shots: list[tuple[str, str]]) -> None:
    readme = ROOT / "README.md"
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = "<!-- screenshots:start -->", "<!-- screenshots:end -->"
    if start not in text or end not in text:
        return
    rows = [f"| {title} | ![{title}](docs/screenshots/{name}) |" for name, title in shots]
    gallery = "\n".join(["| pagina | schermata |", "| --- | --- |", *rows])
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(f"{before}{start}\n{gallery}\n{end}{after}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    tmp = tempfile.mkdtemp(prefix="presidio-shots-")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp}/presidio.sqlite3")
    env.update(
        SECRET_KEY="screenshots",
        ATTACHMENTS_DIR=f"{tmp}/attachments",
        LOG_JSON="0",
        PYTHONPATH=str(ROOT),
    )
    env["PATH"] = f"{Path(PYTHON).parent}:{env.get('PATH', '')}"
    print("upgrading and seeding", env["DATABASE_URL"])
    flask(env, "db", "upgrade")
    flask(env, "seed", "demo")
    from app.demo import DEMO_PASSWORD

    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload"],
        cwd=ROOT,
        env={**env, "PRESIDIO_INLINE_SCHEDULER": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base)
        shots = take(base, DEMO_PASSWORD)
    finally:
        server.terminate()
        server.wait(timeout=10)
    update_readme(shots)
    print(f"{len(shots)} screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
