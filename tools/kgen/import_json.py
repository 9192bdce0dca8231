#!/usr/bin/env python3
"""Drafts a .kspec from one of Apache Kafka's JSON message definitions.

A maintenance aid only (the build never runs it): it reads the facts (fields, types,
version ranges) from Kafka's request and response JSON, keeps only what falls inside
the version range samsa serves, and prints our own format. Review the output by hand
before committing it; the .kspec files under spec/ are the source of truth.

usage: import_json.py KEY SNAKE_NAME MIN MAX REQUEST.json RESPONSE.json > spec/KEY_SNAKE_NAME.kspec
"""
import json
import re
import sys


def strip_comments(text):
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def parse_range(text):
    text = str(text).strip()
    if text == "none":
        return None
    if text.endswith("+"):
        return (int(text[:-1]), 32767)
    if "-" in text:
        lo, hi = text.split("-")
        return (int(lo), int(hi))
    return (int(text), int(text))


def clip(rng, lo, hi):
    if rng is None:
        return None
    a, b = max(rng[0], lo), min(rng[1], hi)
    return (a, b) if a <= b else None


def fmt_range(rng, hi):
    if rng is None:
        return "none"
    if rng[1] >= hi:
        return f"{rng[0]}+"
    if rng[0] == rng[1]:
        return f"{rng[0]}"
    return f"{rng[0]}-{rng[1]}"


MAX_HI = [0]  # the message's highest served version: "N+" means up to it


def fmt_default(value):
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if text == "" or " " in text:
        return '"' + text + '"'
    return text


def emit_fields(out, fields, lo, hi, depth):
    """Children inherit their parent's range, so (lo, hi) here is the parent's."""
    for f in fields:
        versions = clip(parse_range(f.get("versions", "0+")), lo, hi)
        tagged = clip(parse_range(f["taggedVersions"]), lo, hi) if "tag" in f else None
        if versions is None or ("tag" in f and tagged is None):
            continue
        attrs = []
        if versions != (lo, hi):
            attrs.append("versions=" + fmt_range(versions, MAX_HI[0]))
        nullable = clip(parse_range(f.get("nullableVersions", "none")), *versions)
        if nullable is not None:
            attrs.append("nullable=" + fmt_range(nullable, MAX_HI[0]))
        if "tag" in f:
            attrs.append(f"tag={f['tag']}")
            attrs.append("tagged=" + fmt_range(tagged, MAX_HI[0]))
        if "default" in f:
            attrs.append("default=" + fmt_default(f["default"]))
        line = "  " * depth + f"{snake(f['name'])}: {f['type']}"
        if attrs:
            line += "  " + " ".join(attrs)
        out.append(line)
        if "fields" in f:
            emit_fields(out, f["fields"], versions[0], versions[1], depth + 1)


def emit_message(out, msg, lo, hi):
    out.append(f"{msg['type']} {msg['name']}")
    for common in msg.get("commonStructs", []):
        out.append(f"  struct {common['name']}")
        emit_fields(out, common["fields"], lo, hi, 2)
    emit_fields(out, msg["fields"], lo, hi, 1)


def main():
    key, snake_name, lo, hi, req_path, resp_path = sys.argv[1:7]
    lo, hi = int(lo), int(hi)
    MAX_HI[0] = hi
    req = json.loads(strip_comments(open(req_path).read()))
    resp = json.loads(strip_comments(open(resp_path).read()))
    flex = clip(parse_range(req.get("flexibleVersions", "none")), lo, hi)
    name = req["name"][: -len("Request")]
    out = [f"# {name}: key {key}, served v{lo}-v{hi}.", "", f"api {key} {name}",
           f"versions {lo}-{hi}", f"flexible {fmt_range(flex, hi)}", ""]
    emit_message(out, req, lo, hi)
    out.append("")
    emit_message(out, resp, lo, hi)
    print("\n".join(out))


if __name__ == "__main__":
    main()
