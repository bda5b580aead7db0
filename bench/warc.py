"""bench/warc.sh's Python side (issue #14): builds the benchmark WARC and runs datatrove on it.

`build CORPUS WEB OUT.warc.gz N`: a Common-Crawl-shaped WARC of N Arabic news pages — one gzip member per
record, a `request` and a `response` per page, `WARC-Identified-Payload-Type: text/html` as Common Crawl
writes it. Each page is one of the two real Arabic news pages of WEB (CNN Arabic, Assabah: their menus,
scripts, sidebars and footers) with its article paragraphs, headline and <title> replaced by the next
SaudiNewsNet article of CORPUS. Every fourth page is served in windows-1256 with the charset in the HTTP
header only (its <meta> removed), as older Arabic sites do. Deterministic: the same inputs give the same
bytes.

`datatrove WARC OUT`: datatrove 0.10.1's WarcReader → Trafilatura (favour_precision, as FineWeb runs it)
→ GopherRepetitionFilter → FineWebQualityFilter → GopherQualityFilter with FineWeb-2's arb_Arab settings
(bench/parity_fineweb2.py) → JsonlWriter, one task, one worker. Prints the kept count.
"""

import copy
import gzip
import io
import json
import sys
import uuid

TEMPLATES = {
    # page file: the XPath of the container whose <p> children are the article's paragraphs
    "goose3-test_cnn_arabic.html": "//div[@class='cnn_strycntntrgt']",
    "trafilatura-assabah.com.tn.article.html": "//div[contains(@class,'field-item')][@property]",
}


def articles(corpus):
    f = io.TextIOWrapper(gzip.open(corpus), encoding="utf-8")
    for line in f:
        d = json.loads(line)
        paras = [p.strip() for p in d["text"].split("\n") if p.strip()]
        if not paras:
            continue
        title = d.get("title") or paras[0]
        if paras[0] == title:
            paras = paras[1:]  # SaudiNewsNet texts open with their title: the page's <h1> carries it
        if len(paras) >= 2:
            yield title, paras


def page(template, container_xpath, title, paras, cp1256):
    import lxml.html

    doc = copy.deepcopy(template)
    body = doc.xpath(container_xpath)[0]
    for child in [c for c in body if c.tag == "p"]:
        body.remove(child)
    for i, text in enumerate(paras):
        p = lxml.html.Element("p")
        p.text = text
        body.insert(i, p)
    for el in doc.xpath("//title") + doc.xpath("//h1"):
        for child in list(el):
            el.remove(child)
        el.text = title
    if cp1256:
        for meta in doc.xpath("//meta[@charset] | //meta[@http-equiv]"):
            meta.getparent().remove(meta)
        html = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
        return html.encode("cp1256", errors="xmlcharrefreplace"), "text/html; charset=windows-1256"
    html = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    return html.encode("utf-8"), "text/html; charset=utf-8"


def build(corpus, web, out, n):
    import lxml.html
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    templates = [(lxml.html.fromstring(open(f"{web}/{name}", "rb").read()), xpath)
                 for name, xpath in TEMPLATES.items()]
    ids = uuid.UUID(int=14)
    with open(out, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, (title, paras) in zip(range(n), articles(corpus)):
            template, xpath = templates[i % len(templates)]
            payload, ctype = page(template, xpath, title, paras, cp1256=i % 4 == 3)
            url = f"https://news{i % 7}.example.sa/article/{i}"
            date = f"2024-05-{1 + i % 28:02d}T12:00:00Z"
            req_id = f"<urn:uuid:{uuid.uuid5(ids, f'req{i}')}>"
            rec_id = f"<urn:uuid:{uuid.uuid5(ids, f'res{i}')}>"
            req = writer.create_warc_record(
                url, "request", http_headers=StatusAndHeaders(f"GET /article/{i} HTTP/1.1", [
                    ("Host", f"news{i % 7}.example.sa"), ("User-Agent", "bench")], is_http_request=True),
                warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": req_id})
            writer.write_record(req)
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(payload)))],
                                    protocol="HTTP/1.1")
            res = writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": rec_id, "WARC-Concurrent-To": req_id,
                                   "WARC-Identified-Payload-Type": "text/html"})
            writer.write_record(res)


def run_datatrove(warc, out):
    import os

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from parity_fineweb2 import filters

    pipeline = [WarcReader(os.path.dirname(warc), glob_pattern=os.path.basename(warc)),
                Trafilatura(favour_precision=True)]
    pipeline += [flt for _, flt in filters()]
    pipeline.append(JsonlWriter(f"{out}/kept", compression=None))
    LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=f"{out}/logs").run()
    kept = sum(1 for name in os.listdir(f"{out}/kept") for _ in open(f"{out}/kept/{name}", encoding="utf-8"))
    print(json.dumps({"kept": kept}))


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1] == "datatrove":
        run_datatrove(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
