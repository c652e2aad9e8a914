#!/usr/bin/python3
"""oci_referrers_proxy.py - an OCI distribution 1.1 referrers API in front
of a registry that has none (the CNCF distribution registry 2.8, Debian's
docker-registry), for the tests of gpai push/pull (tests/cli/t6021-*).

    oci_referrers_proxy.py UPSTREAM_HOST:PORT PORT_FILE [LOG]

Listens on 127.0.0.1 (a port the kernel picks, written to PORT_FILE once it
accepts connections) and forwards every request, headers and body, to the
registry at UPSTREAM (plain http), and the answer back.  The Host header is
passed on unchanged, so the registry writes upload Locations that point at
the proxy.  On top of that, as the OCI distribution spec 1.1 says
(spec.md, "Pushing Manifests with Subject" and "Listing Referrers"):

- a manifest PUT whose body has a `subject` and that the registry accepted
  (201) is recorded as a referrer of that subject in its repository, and
  the answer carries `OCI-Subject: <subject digest>`;
- GET /v2/<name>/referrers/<digest>[?artifactType=T] answers 200 with an
  image index of the recorded referrers' descriptors (mediaType, digest,
  size, artifactType: the manifest's artifactType, else its config's
  mediaType, annotations), filtered by artifactType when asked, with
  `OCI-Filters-Applied: artifactType`; a subject with none gives an empty
  list, never 404;
- a manifest DELETE by digest that the registry accepted drops it from the
  lists.

The lists live in memory: referrers pushed around the proxy (straight to
the registry) are not in them.  Python standard library only (Debian's
/usr/bin/python3), no authentication of its own.  LOG, when given, gets
one line per request: METHOD PATH STATUS.
"""
import hashlib
import http.client
import http.server
import json
import os
import re
import sys
import threading
import urllib.parse

INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
MANIFEST_PATH = re.compile(r"^/v2/(.+)/manifests/([^/]+)$")
REFERRERS_PATH = re.compile(r"^/v2/(.+)/referrers/(sha256:[0-9a-f]{64})$")
# Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded; lengths are redone.
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
       "trailer", "upgrade", "content-length"}
UPSTREAM_TIMEOUT_S = 60

UPSTREAM = None
LOG = None
LOCK = threading.Lock()
# (repository, subject digest) -> [descriptor, ...] in push order
REFERRERS = {}


def log(line):
    if LOG:
        with LOCK:
            with open(LOG, "a") as f:
                f.write(line + "\n")


def descriptor(body, ctype):
    m = json.loads(body)
    d = {"mediaType": m.get("mediaType") or ctype,
         "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
         "size": len(body)}
    at = m.get("artifactType") or (m.get("config") or {}).get("mediaType")
    if at:
        d["artifactType"] = at
    if m.get("annotations"):
        d["annotations"] = m["annotations"]
    return m.get("subject", {}).get("digest"), d


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, headers, body, head=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not head or not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        log("%s %s %d" % (self.command, self.path, status))

    def referrers(self, repo, subject, query):
        want = urllib.parse.parse_qs(query).get("artifactType")
        with LOCK:
            lst = list(REFERRERS.get((repo, subject), []))
        headers = [("Content-Type", INDEX_TYPE)]
        if want:
            lst = [d for d in lst if d.get("artifactType") in want]
            headers.append(("OCI-Filters-Applied", "artifactType"))
        body = json.dumps({"schemaVersion": 2, "mediaType": INDEX_TYPE,
                           "manifests": lst}).encode()
        self.reply(200, headers, body)

    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        m = REFERRERS_PATH.match(url.path)
        if m and self.command == "GET":
            return self.referrers(m.group(1), m.group(2), url.query)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        conn = http.client.HTTPConnection(UPSTREAM, timeout=UPSTREAM_TIMEOUT_S)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        if body or self.command in ("PUT", "POST", "PATCH"):
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        rbody = r.read()
        out = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP]
        if self.command == "HEAD" and r.getheader("Content-Length") is not None:
            out.append(("Content-Length", r.getheader("Content-Length")))
        conn.close()
        mm = MANIFEST_PATH.match(url.path)
        if mm and self.command == "PUT" and r.status == 201:
            try:
                subject, d = descriptor(body, self.headers.get("Content-Type"))
            except (ValueError, AttributeError):
                subject = None
            if subject:
                with LOCK:
                    lst = REFERRERS.setdefault((mm.group(1), subject), [])
                    if d["digest"] not in [x["digest"] for x in lst]:
                        lst.append(d)
                out.append(("OCI-Subject", subject))
        if mm and self.command == "DELETE" and r.status == 202:
            with LOCK:
                for key, lst in REFERRERS.items():
                    if key[0] == mm.group(1):
                        lst[:] = [x for x in lst if x["digest"] != mm.group(2)]
        self.reply(r.status, out, rbody, head=self.command == "HEAD")

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward


def main():
    global UPSTREAM, LOG
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    UPSTREAM = sys.argv[1]
    LOG = sys.argv[3] if len(sys.argv) == 4 else None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
