"""oci_token_server.py - a loopback token server for the OCI auth tests.

Run with Debian's /usr/bin/python3 (standard library only; the signature is
made by the `openssl` command line tool):

    oci_token_server.py PORTFILE LOGFILE USERS KEY.pem CERT.pem ISSUER

It implements the token endpoint of the distribution registry's token
authentication specification (distribution docs/spec/auth/token.md):

    GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...]
    Authorization: Basic base64(user:password)

answers 401 without valid Basic credentials, else 200 with a JSON Web Token
signed RS256 whose header carries the certificate in `x5c` (the registry
checks it against its `rootcertbundle`), with the claims the registry checks
(iss, aud = service, nbf, exp) and `access`: for each requested repository
scope, the requested actions the user may have.

USERS has one line per account: `user:password:actions:field:expires`, where
actions are the ones the user may get (e.g. `pull,push` or `pull`), field is
the JSON name the token comes in (`token` or `access_token`) and expires the
`expires_in` the answer gives (seconds; `-`: none).  The token itself is
valid for TOKEN_LIFETIME_S whatever expires_in says.

The server binds 127.0.0.1 on a port the kernel picks and writes it to
PORTFILE.  Each token request appends one line to LOGFILE:
`<status> <user or -> <scope> <scope> ...` (never a password or token;
the user is the one the credentials name, right or wrong).
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse

TOKEN_LIFETIME_S = 300


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_users(path):
    users = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line:
            user, password, actions, field, expires = line.split(":")
            users[user] = (password, set(actions.split(",")), field,
                           None if expires == "-" else int(expires))
    return users


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def log_request_line(self, status, user, scopes):
        with open(self.server.logfile, "a", encoding="utf-8") as f:
            f.write(" ".join([str(status), user or "-"] + scopes) + "\n")

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        scopes = [s for q in query.get("scope", []) for s in q.split(" ") if s]
        service = query.get("service", [""])[0]
        user, password_ok = self.basic_user()
        if url.path != "/token" or not password_ok:
            self.log_request_line(401, user, scopes)
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                         "message": "authentication required"}]},
                       [("WWW-Authenticate", 'Basic realm="gpai-test-token"')])
            return
        _, allowed, field, expires = self.server.users[user]
        access = []
        for s in scopes:
            kind, rest = s.split(":", 1)
            name, actions = rest.rsplit(":", 1)
            granted = [a for a in actions.split(",") if a in allowed]
            access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        claims = {"iss": self.server.issuer, "sub": user, "aud": service,
                  "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_S,
                  "jti": b64url(now.to_bytes(8, "big") + user.encode()),
                  "access": access}
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.server.cert_b64]}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.server.key],
                             input=signing_input.encode(), capture_output=True,
                             check=True).stdout
        token = signing_input + "." + b64url(sig)
        self.log_request_line(200, user, scopes)
        answer = {field: token, "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                            time.gmtime(now))}
        if expires is not None:
            answer["expires_in"] = expires
        self.reply(200, answer)

    def basic_user(self):
        """(user name of the Basic credentials or None, password right)."""
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None, False
        try:
            user, password = base64.b64decode(h[6:]).decode().split(":", 1)
        except (ValueError, UnicodeDecodeError):
            return None, False
        u = self.server.users.get(user)
        return user, bool(u) and u[0] == password


def main():
    portfile, logfile, users, key, cert, issuer = sys.argv[1:7]
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.logfile, srv.users, srv.key, srv.issuer = logfile, load_users(users), key, issuer
    srv.cert_b64 = base64.b64encode(der).decode()
    with open(portfile + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
