"""HTTPS client for the supervisor and API (agents, joining servers, kubectl, etcd-snapshot)."""
import base64
import http.client
import json
import os
import ssl
import tempfile
import urllib.parse


class ClientError(Exception):
    pass


def context(ca_pem=None, cert_pem=None, key_pem=None, insecure=False, ca_file=None, cert_file=None,
            key_file=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if insecure or not (ca_pem or ca_file):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.check_hostname = True
        if ca_file:
            ctx.load_verify_locations(ca_file)
        else:
            ctx.load_verify_locations(cadata=ca_pem)
    if cert_file:
        ctx.load_cert_chain(cert_file, key_file)
    elif cert_pem:
        with tempfile.TemporaryDirectory() as tmp:
            c, k = os.path.join(tmp, "c"), os.path.join(tmp, "k")
            with open(c, "w") as f:
                f.write(cert_pem)
            fd = os.open(k, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(key_pem)
            ctx.load_cert_chain(c, k)
    return ctx


def request(base, method, path, body=None, headers=None, ctx=None, basic=None, bearer=None, timeout=15):
    """Returns (status, headers dict, body bytes); raises ClientError when unreachable."""
    u = urllib.parse.urlsplit(base)
    if u.scheme != "https":
        raise ClientError("unsupported protocol scheme %r" % u.scheme)
    conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ctx or context(insecure=True),
                                       timeout=timeout)
    hdrs = dict(headers or {})
    if basic:
        hdrs["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % basic).encode()).decode()
    if bearer:
        hdrs["Authorization"] = "Bearer " + bearer
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    except ssl.SSLCertVerificationError as e:
        raise ClientError("tls: failed to verify certificate: %s" % e.verify_message)
    except (OSError, http.client.HTTPException) as e:
        raise ClientError("dial tcp %s:%s: %s" % (u.hostname, u.port or 443, _reason(e)))
    finally:
        conn.close()


def _reason(e):
    if isinstance(e, ConnectionRefusedError):
        return "connect: connection refused"
    if isinstance(e, TimeoutError) or "timed out" in str(e):
        return "i/o timeout"
    if isinstance(e, OSError) and e.errno == 113:
        return "connect: no route to host"
    if isinstance(e, OSError) and e.errno == 101:
        return "connect: network is unreachable"
    return str(e) or e.__class__.__name__


def parse_token(token):
    """k3s tokens: `K10<ca sha256>::<user>:<password>` or a bare password. (hash, user, password)."""
    if token.startswith("K10") and "::" in token:
        h, _, creds = token[3:].partition("::")
        user, _, pw = creds.partition(":")
        return h, user, pw
    return None, None, token
