#!/usr/bin/env python3
"""Checks one rendering of report.html by headless Chromium (scripts/report-browser.sh).

usage: report_check.py DOM_FILE PNG_FILE STDERR_FILE WIDTH
       report_check.py --crop PNG_IN PNG_OUT WIDTH      (keeps the left WIDTH pixels of a screenshot)

DOM_FILE holds the page as Chromium left it (--dump-dom), with the JSON verdict that the injected checker
script appended (<pre id="report-check">); PNG_FILE the screenshot at WIDTH; STDERR_FILE Chromium's log,
where console errors appear. Exits 1, printing why, when the page is blank or broken: a section missing,
a chart of (near) zero size, the page wider than the screen, Arabic not set right-to-left, a console or
script error, or a screenshot that is (almost) one colour. Standard library only.
"""
import html
import json
import re
import struct
import sys
import zlib

SECTIONS = ["run", "funnel", "removals", "repairs", "sources", "lengths", "language", "duplicates", "examples"]


def verdict(dom_path):
    dom = open(dom_path, encoding="utf-8").read()
    m = re.search(r'<pre id="report-check">(.*?)</pre>', dom, re.S)
    if not m:
        return None, "the checker script left no verdict (the page did not load, or scripts did not run)"
    return json.loads(html.unescape(m.group(1))), None


def png_pixels(path):
    """(width, height, rows of RGBA bytes) of an 8-bit RGB/RGBA PNG, the filters undone."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                raise ValueError(f"unexpected PNG format: depth {depth}, colour type {color}")
            bpp = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def ink_share(path):
    """Share of sampled pixels that are not the background colour, and the number of distinct colours."""
    width, height, bpp, rows = png_pixels(path)
    background = rows[0][:3]
    seen, ink, total = set(), 0, 0
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            px = row[x * bpp:x * bpp + 3]
            seen.add(px)
            total += 1
            ink += px != background
    return ink / max(total, 1), len(seen)


def crop(src, dst, keep):
    """Writes the left `keep` columns of `src` as a new PNG (headless Chromium's window is never narrower
    than 500 px, so a phone-width page is drawn in a frame and cut out of the screenshot)."""
    width, height, bpp, rows = png_pixels(src)
    keep = min(keep, width)
    raw = b"".join(b"\x00" + row[:keep * bpp] for row in rows)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", keep, height, 8, 6 if bpp == 4 else 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(dst, "wb").write(png)


def main():
    if sys.argv[1] == "--crop":
        crop(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    dom_path, png_path, log_path, width = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    problems = []
    v, err = verdict(dom_path)
    if err:
        problems.append(err)
    else:
        if v["missing"]:
            problems.append(f"sections missing: {v['missing']}")
        if v["charts"] < 2:
            problems.append(f"only {v['charts']} charts (the funnel and the lengths are always drawn)")
        if v["empty_sections"]:
            problems.append(f"sections with no height: {v['empty_sections']}")
        if v["zero"]:
            problems.append(f"{v['zero']} chart(s) of (near) zero size")
        if v["overflow"]:
            problems.append(f"the page is wider ({v['scrollWidth']}px) than the screen ({v['width']}px)")
        if v["not_rtl"]:
            problems.append(f"{v['not_rtl']} Arabic element(s) not set right-to-left")
        if v["errors"]:
            problems.append(f"script errors: {v['errors']}")
        if v["examples"] < 1:
            problems.append("no examples")
        if v["width"] != width:
            problems.append(f"rendered at {v['width']}px, not {width}px")
    log = open(log_path, encoding="utf-8", errors="replace").read()
    console = [l for l in log.splitlines() if "CONSOLE" in l and ("Uncaught" in l or "rror" in l)]
    if console:
        problems.append(f"console errors: {console[:3]}")
    share, colours = ink_share(png_path)
    if share < 0.03 or colours < 8:
        problems.append(f"the screenshot is nearly blank ({share:.1%} ink, {colours} colours)")
    name = f"{png_path} ({width}px)"
    if problems:
        print(f"FAIL {name}:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"ok   {name}: {v['charts']} charts, {v['examples']} examples, {share:.0%} ink, page {v['height']}px high")


if __name__ == "__main__":
    main()
