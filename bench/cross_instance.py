#!/usr/bin/env python3
"""Cross-instance check for bench/run.sh --instances 2 (issue 12): a key
deactivated on one instance must be refused by the other within a second.
Black-box: it edits the key through instance A's back office (the edit
dialog's own form, as a browser submits it, with Active cleared, then the
confirmation's "Save anyway") and polls
instance B's verification endpoint until it refuses the key.

    cross_instance.py BASE_A BASE_B COOKIE CALLER_AUTH KEY_ID BODY_JSON

Prints one line: CROSS <ms until refused on B, or -1 after 5 s> <code>.
"""
import json
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser


class EditForm(HTMLParser):
    """The fields of the edit dialog's form, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.fields = []
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "method" in a and a["method"].lower() == "post" and not self.in_form:
            if "/refresh" in a.get("action", "") or "/delete" in a.get("action", ""):
                return
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            t = a.get("type", "text")
            if t in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif t not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = False


def request(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def main():
    base_a, base_b, cookie, caller_auth, key_id, body = sys.argv[1:7]
    # Given as the whole header line, as wrk takes it.
    caller_auth = caller_auth.removeprefix("Authorization:").strip()
    verify = {"Authorization": caller_auth, "Content-Type": "application/json"}

    def code_on_b():
        _, text = request(f"{base_b}/api/v1/keys/verify", body.encode(), verify)
        try:
            return json.loads(text).get("code", "?")
        except ValueError:
            return "not-json:" + text[:60].replace(" ", "_")

    before = code_on_b()
    if before != "valid":
        print(f"CROSS -1 not-valid-before:{before}")
        return 1
    path = f"/admin/api-keys/rest/{key_id}"
    status, page = request(base_a + path, headers={"Cookie": cookie})
    if status != 200:
        print(f"CROSS -1 edit-form:{status}")
        return 1
    form = EditForm()
    form.feed(page)
    fields = [(k, v) for k, v in form.fields if k != "active"]
    post = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    data = urllib.parse.urlencode(fields).encode()
    started = time.monotonic()
    status, answer = request(base_a + path, data, post)
    if status == 200 and 'name="confirm"' in answer:
        # Deactivating asks first, with what it will break; "Save anyway"
        # posts the same fields and the confirmation. The change is made by
        # that second post: the time runs from it.
        confirm = EditForm()
        confirm.feed(answer)
        started = time.monotonic()
        status, answer = request(base_a + path, urllib.parse.urlencode(confirm.fields).encode(), post)
    if status not in (200, 204, 303) or 'name="confirm"' in answer:
        print(f"CROSS -1 edit:{status}")
        return 1
    while time.monotonic() - started < 5:
        code = code_on_b()
        if code != "valid":
            print(f"CROSS {(time.monotonic() - started) * 1000:.0f} {code}")
            return 0
        time.sleep(0.02)
    print("CROSS -1 still-valid-after-5s")
    return 1


if __name__ == "__main__":
    import urllib.parse
    sys.exit(main())
