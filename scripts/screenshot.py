#!/usr/bin/env python3
"""Screenshots of console pages through headless Chromium, signed in if asked.

Speaks the W3C WebDriver protocol to chromedriver with the standard library only, so it runs
on an offline machine with nothing but chromium and chromedriver installed.

Usage:
    python3 scripts/screenshot.py --base http://127.0.0.1:8099 --user admin --password Admin2026 \
        --out /tmp/shots /network?region=320903105 /stations/320903105-ST '/where?item=JS-14'

A page may carry its own window size after an '@': '/where?item=JS-14@390x844'.
--full captures the whole page height (up to 8000 px) instead of the first screen.
Each PNG is named after its path, e.g. network_region-320903105.png.
"""

import argparse
import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriver:
    def __init__(self, port):
        self.port = port
        self.session = None

    def call(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = json.loads(response.read().decode("utf-8") or "{}")
        conn.close()
        value = payload.get("value")
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {value}")
        return value

    def start(self, args, binary):
        options = {"args": args}
        if binary:
            options["binary"] = binary
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
        value = self.call("POST", "/session", caps)
        self.session = value["sessionId"]

    def s(self, path):
        return f"/session/{self.session}{path}"

    def get(self, url):
        self.call("POST", self.s("/url"), {"url": url})

    def find(self, css):
        value = self.call("POST", self.s("/element"), {"using": "css selector", "value": css})
        if not isinstance(value, dict) or ELEMENT not in value:
            raise RuntimeError(f"no element {css!r}: {value}")
        return value[ELEMENT]

    def type(self, css, text):
        element = self.find(css)
        self.call("POST", self.s(f"/element/{element}/clear"), {})
        self.call("POST", self.s(f"/element/{element}/value"), {"text": text})

    def click(self, css):
        self.call("POST", self.s(f"/element/{self.find(css)}/click"), {})

    def script(self, source, *args):
        return self.call("POST", self.s("/execute/sync"), {"script": source, "args": list(args)})

    def resize(self, width, height):
        self.call("POST", self.s("/window/rect"), {"width": width, "height": height})

    def screenshot(self):
        return base64.b64decode(self.call("GET", self.s("/screenshot")))

    def quit(self):
        if self.session:
            try:
                self.call("DELETE", self.s(""))
            except Exception:  # noqa: BLE001 - closing is best effort
                pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("chromedriver did not start")


def file_name(path):
    name = path.strip("/") or "index"
    name = name.replace("?", "_").replace("=", "-").replace("&", "_").replace("/", "_")
    name = urllib.parse.unquote(name)
    name = re.sub(r"[^\w.\-]+", "-", name)
    return name[:120] + ".png"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8099")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--size", default="1366x900", help="default window size WIDTHxHEIGHT")
    parser.add_argument("--full", action="store_true", help="capture the whole page height")
    parser.add_argument("--chromedriver", default="chromedriver")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    port = free_port()
    driver_log = open(os.path.join(tempfile.gettempdir(), "screenshot-chromedriver.log"), "w")
    driver_process = subprocess.Popen(
        [args.chromedriver, f"--port={port}"], stdout=driver_log, stderr=subprocess.STDOUT
    )
    profile = tempfile.mkdtemp(prefix="yibao-shot-")
    driver = WebDriver(port)
    try:
        wait_for(port)
        width, height = (int(n) for n in args.size.split("x"))
        driver.start(
            [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--lang=zh-CN",
            ],
            args.chromium,
        )
        if args.user:
            driver.get(args.base + "/login")
            driver.type("#username", args.user)
            driver.type("#password", args.password or "")
            driver.click("#login-submit")
            time.sleep(0.5)
            if "/login" in driver.script("return location.pathname;"):
                raise RuntimeError("sign-in failed: still on /login")
        for spec in args.paths:
            path, _, size = spec.partition("@")
            w, h = (int(n) for n in size.split("x")) if size else (width, height)
            driver.resize(w, h)
            driver.get(args.base + path)
            time.sleep(0.3)
            if args.full:
                full = driver.script("return Math.ceil(document.documentElement.scrollHeight);")
                driver.resize(w, min(max(int(full) + 120, h), 8000))
                time.sleep(0.2)
            png = driver.screenshot()
            name = file_name(path) if not size else file_name(path)[:-4] + f"@{w}x{h}.png"
            target = os.path.join(args.out, name)
            with open(target, "wb") as out:
                out.write(png)
            print(target)
    finally:
        driver.quit()
        driver_process.terminate()
        try:
            driver_process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver_process.kill()
        driver_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
