#!/usr/bin/env python3
"""Independent reference implementation of AWS Signature Version 4 (HMAC-SHA256).

Written from the published description of SigV4 (AWS General Reference /
IAM user guide "Create a signed AWS API request", and the Amazon S3 API
reference "Signature Calculations for the Authorization Header" and
"Authenticating Requests: Using Query Parameters"), using only the Python
standard library (hashlib, hmac).  It exists to check test vectors, not to be
used by Tonearm at run time.

Usage:
    python3 reference_sigv4.py aws-c-auth DIR
        Run every case in DIR (a checkout's tests/aws-signing-test-suite/v4 of
        github.com/awslabs/aws-c-auth; not kept in this repository) and
        compare all eight expected files of each case byte for byte.
    python3 reference_sigv4.py s3-doc [FILE]
        Recompute every example in FILE (default: s3-doc-examples.json next to
        this file) and compare canonical request, string to sign, signature,
        Authorization header / presigned URL.
    python3 reference_sigv4.py s3-applicability DIR
        Run every aws-c-auth case with path normalisation switched off (as an
        S3 signer does) and list which cases are still reproduced.
    python3 reference_sigv4.py            (s3-doc)

Exit status is 0 only when every compared value matches.

Model of the signer (the same inputs a C++ signer should take):
  * method                 -- e.g. "GET"
  * path                   -- the *unencoded* request path ("/test$file.text",
                              "/example space/", raw UTF-8 bytes).  It is
                              URI-encoded exactly once (RFC 3986 unreserved
                              characters and '/' are kept, everything else is
                              %XX with upper-case hex).
  * normalize              -- if true, remove '.', '..' and empty segments
                              before encoding (non-S3 services).  S3: false.
  * query                  -- list of (key, value) pairs, *unencoded*.  Each
                              key and value is URI-encoded (also '/', '=', '&',
                              ';', '+', ...) and the pairs are sorted by
                              encoded key, then encoded value.  A key with no
                              value is written "key=".
  * headers                -- list of (name, value) pairs in the order sent.
                              Canonical form: lower-case name, value trimmed
                              and inner whitespace runs collapsed to one space,
                              repeated names joined with ',' in sending order,
                              sorted by name.  All given headers are signed.
  * payload_hash           -- hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  * access key, secret key, optional session token, region, service,
    timestamp (YYYYMMDD'T'HHMMSS'Z').
"""

import hashlib
import hmac
import json
import os
import sys

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def to_bytes(s):
    return s if isinstance(s, bytes) else s.encode("utf-8")


def uri_encode(s, keep_slash):
    out = []
    for b in to_bytes(s):
        if b in UNRESERVED or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def uri_decode(s):
    """Percent-decoding only ('+' stays '+'), as aws-c-auth does."""
    b = to_bytes(s)
    hexdigits = b"0123456789abcdefABCDEF"
    out = bytearray()
    i = 0
    while i < len(b):
        if (b[i] == 0x25 and i + 2 < len(b)
                and b[i + 1] in hexdigits and b[i + 2] in hexdigits):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def normalize_path(path):
    """Remove '', '.' and '..' segments; keep a trailing '/' (as aws-c-auth)."""
    p = to_bytes(path)
    stack = []
    for seg in p.split(b"/"):
        if seg in (b"", b"."):
            continue
        if seg == b"..":
            if stack:
                stack.pop()
            continue
        stack.append(seg)
    out = b"/" + b"/".join(stack)
    if stack and p.endswith(b"/"):
        out += b"/"
    return out


def canonical_uri(path, normalize):
    p = normalize_path(path) if normalize else to_bytes(path)
    return uri_encode(p, keep_slash=True)


def canonical_query(pairs):
    enc = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in enc)


def canonical_value(v):
    # trim, then collapse runs of whitespace (incl. the CR/LF/SP of folded lines)
    return " ".join(to_bytes(v).decode("utf-8").split())


def canonical_headers(headers):
    """Returns (canonical header block incl. final '\\n', signed header list)."""
    merged = {}
    order = []
    for name, value in headers:
        n = name.lower()
        if n not in merged:
            merged[n] = []
            order.append(n)
        merged[n].append(canonical_value(value))
    names = sorted(merged)  # stable: values keep sending order
    block = "".join("%s:%s\n" % (n, ",".join(merged[n])) for n in names)
    return block, names


def hmac_sha256(key, msg):
    return hmac.new(key, to_bytes(msg), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = hmac_sha256(to_bytes("AWS4" + secret), date)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, service)
    return hmac_sha256(k, "aws4_request")


def compute(method, path, query, headers, payload_hash, secret, region, service,
            amz_date, normalize=False):
    """Core: returns dict with canonical_request, string_to_sign, signature, ..."""
    hblock, signed = canonical_headers(headers)
    signed_headers = ";".join(signed)
    creq = "\n".join([
        method,
        canonical_uri(path, normalize),
        canonical_query(query),
        hblock,
        signed_headers,
        payload_hash,
    ])
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    creq_hash = hashlib.sha256(to_bytes(creq)).hexdigest()
    sts = "\n".join([ALGORITHM, amz_date, scope, creq_hash])
    sig = hmac.new(signing_key(secret, amz_date[:8], region, service), to_bytes(sts),
                   hashlib.sha256).hexdigest()
    return {
        "canonical_request": creq,
        "canonical_request_sha256": creq_hash,
        "string_to_sign": sts,
        "signature": sig,
        "signed_headers": signed_headers,
        "scope": scope,
    }


def authorization(access_key, scope, signed_headers, signature, sep=", "):
    return "%s Credential=%s/%s%sSignedHeaders=%s%sSignature=%s" % (
        ALGORITHM, access_key, scope, sep, signed_headers, sep, signature)


def presign_params(access_key, scope, amz_date, signed_headers, expires, token=None):
    """The X-Amz-* query parameters added for a presigned request (unencoded)."""
    p = [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", "%s/%s" % (access_key, scope)),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", signed_headers),
    ]
    if token is not None:
        p.append(("X-Amz-Security-Token", token))
    return p


# --------------------------------------------------------------------------
# aws-c-auth test suite runner
# --------------------------------------------------------------------------

def parse_request_txt(data):
    """Parse request.txt the way aws-c-auth's tests/sigv4_signing_tests.c does.

    Split on '\\n'.  Line 0: METHOD SP URI SP HTTP/1.1 (the URI may contain
    spaces; strip the trailing " HTTP/1.1").  Then header lines NAME:VALUE
    (split at the first ':', value not trimmed) up to the first empty line; a
    line starting with whitespace continues the previous header (the value then
    spans the '\\n' and the continuation line).  Everything after the empty line
    is the body, byte for byte (no trailing newline in these files).
    """
    lines = data.split(b"\n")
    first = lines[0]
    method, rest = first.split(b" ", 1)
    assert rest.endswith(b" HTTP/1.1"), first
    uri = rest[:-len(b" HTTP/1.1")]
    headers = []      # [name, value] with raw values
    raw_header_lines = []
    i = 1
    while i < len(lines):
        line = lines[i]
        if line == b"":
            break
        raw_header_lines.append(line)
        if line[:1].isspace():
            headers[-1][1] += b"\n" + line
        else:
            name, value = line.split(b":", 1)
            headers.append([name, value])
        i += 1
    body = None
    if i + 1 < len(lines):
        body = b"\n".join(lines[i + 1:])
    return method.decode(), uri, [(n.decode(), v) for n, v in headers], raw_header_lines, body


def split_uri(uri):
    path, _, q = uri.partition(b"?")
    pairs = []
    if q:
        for part in q.split(b"&"):
            k, _, v = part.partition(b"=")
            pairs.append((uri_decode(k), uri_decode(v)))
    return path, q, pairs


def amz_date_from_iso(ts):
    # "2015-08-30T12:36:00Z" -> "20150830T123600Z"
    return ts.replace("-", "").replace(":", "")


def run_aws_c_auth_case(case_dir, force_normalize=None):
    def rd(name):
        with open(os.path.join(case_dir, name), "rb") as f:
            return f.read()

    ctx = json.loads(rd("context.json"))
    method, uri, headers, raw_header_lines, body = parse_request_txt(rd("request.txt"))
    path, raw_query, query = split_uri(uri)
    cred = ctx["credentials"]
    ak, sk = cred["access_key_id"], cred["secret_access_key"]
    token = cred.get("token")
    omit = ctx.get("omit_session_token", False)
    region, service = ctx["region"], ctx["service"]
    amz_date = amz_date_from_iso(ctx["timestamp"])
    normalize = ctx["normalize"] if force_normalize is None else force_normalize
    if ctx["sign_body"]:
        payload_hash = hashlib.sha256(body or b"").hexdigest()
    else:
        payload_hash = EMPTY_SHA256  # aws-c-auth: signed_body_value = empty sha256
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)

    results = {}

    # ---- header (Authorization) signing ----
    added = []  # headers the signer adds, in the order aws-c-auth emits them
    if token is not None:
        added.append(("X-Amz-Security-Token", token))
    added.append(("X-Amz-Date", amz_date))
    if ctx["sign_body"]:
        added.append(("x-amz-content-sha256", payload_hash))
    to_sign = list(headers) + [
        h for h in added if not (omit and h[0] == "X-Amz-Security-Token")]
    r = compute(method, path, query, to_sign, payload_hash, sk, region, service,
                amz_date, normalize)
    auth = authorization(ak, scope, r["signed_headers"], r["signature"])
    signed_req = method.encode() + b" " + uri + b" HTTP/1.1\n"
    signed_req += b"".join(l + b"\n" for l in raw_header_lines)
    signed_req += b"".join(("%s:%s\n" % h).encode() for h in added)
    signed_req += ("Authorization:%s\n" % auth).encode() + b"\n" + (body or b"")
    results["header-canonical-request.txt"] = r["canonical_request"].encode()
    results["header-string-to-sign.txt"] = r["string_to_sign"].encode()
    results["header-signature.txt"] = r["signature"].encode()
    results["header-signed-request.txt"] = signed_req

    # ---- query (presigned) signing ----
    _, signed_names = canonical_headers(headers)
    signed_headers = ";".join(signed_names)
    params = presign_params(ak, scope, amz_date, signed_headers, ctx["expiration_in_seconds"],
                            None if (token is None or omit) else token)
    r = compute(method, path, query + params, headers, payload_hash, sk, region, service,
                amz_date, normalize)
    # order of the parameters appended to the URL by aws-c-auth
    url_params = [("X-Amz-Algorithm", ALGORITHM),
                  ("X-Amz-Credential", "%s/%s" % (ak, scope)),
                  ("X-Amz-Date", amz_date),
                  ("X-Amz-SignedHeaders", signed_headers),
                  ("X-Amz-Expires", str(ctx["expiration_in_seconds"]))]
    if token is not None:
        url_params.append(("X-Amz-Security-Token", token))
    url_params.append(("X-Amz-Signature", r["signature"]))
    q = "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in url_params)
    new_uri = path + b"?" + (raw_query + b"&" if raw_query else b"") + q.encode()
    signed_req = method.encode() + b" " + new_uri + b" HTTP/1.1\n"
    signed_req += b"".join(l + b"\n" for l in raw_header_lines) + b"\n" + (body or b"")
    results["query-canonical-request.txt"] = r["canonical_request"].encode()
    results["query-string-to-sign.txt"] = r["string_to_sign"].encode()
    results["query-signature.txt"] = r["signature"].encode()
    results["query-signed-request.txt"] = signed_req

    mismatches = []
    for name, got in sorted(results.items()):
        if got != rd(name):
            mismatches.append(name)
    return mismatches


def list_cases(root):
    return sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))


def run_s3_applicability(root):
    """Run every case as an S3 signer would (no path normalisation) and list
    the cases whose expected files are still reproduced."""
    same, differ = [], []
    for c in list_cases(root):
        with open(os.path.join(root, c, "context.json"), "rb") as f:
            declared = json.load(f)["normalize"]
        mm = run_aws_c_auth_case(os.path.join(root, c), force_normalize=False)
        (differ if mm else same).append((c, declared))
    for c, declared in same:
        print("s3-ok    %-40s (context normalize=%s)" % (c, str(declared).lower()))
    for c, declared in differ:
        print("s3-no    %-40s (context normalize=%s; expected values need path normalisation)"
              % (c, str(declared).lower()))
    print("with normalize forced to false: %d cases still match, %d need normalisation"
          % (len(same), len(differ)))
    return True


def run_aws_c_auth(root):
    cases = list_cases(root)
    bad = 0
    for c in cases:
        mm = run_aws_c_auth_case(os.path.join(root, c))
        if mm:
            bad += 1
            print("FAIL %-40s %s" % (c, ", ".join(mm)))
        else:
            print("ok   %-40s all 8 files match" % c)
    print("aws-c-auth: %d/%d cases reproduced byte for byte" % (len(cases) - bad, len(cases)))
    return bad == 0


# --------------------------------------------------------------------------
# S3 documentation examples
# --------------------------------------------------------------------------

def run_s3_doc(json_path):
    with open(json_path, "rb") as f:
        doc = json.load(f)
    c = doc["common"]
    ok_all = True
    for ex in doc["examples"]:
        query = [tuple(kv) for kv in ex["query"]]
        headers = [tuple(h) for h in ex["headers"]]
        if "payload" in ex and ex["payload"] is not None:
            ph = hashlib.sha256(ex["payload"].encode()).hexdigest()
            if ph != ex["payload_hash"]:
                print("FAIL %s payload_hash" % ex["name"])
                ok_all = False
        ph = ex["payload_hash"]
        checks = {}
        if ex["signing"] == "authorization-header":
            r = compute(ex["method"], ex["path"], query, headers, ph, c["secret_access_key"],
                        c["region"], c["service"], c["timestamp"])
            checks["authorization"] = authorization(c["access_key_id"], r["scope"],
                                                    r["signed_headers"], r["signature"], sep=",")
        else:
            _, names = canonical_headers(headers)
            params = presign_params(c["access_key_id"], "%s/%s/%s/aws4_request" % (
                c["timestamp"][:8], c["region"], c["service"]), c["timestamp"],
                ";".join(names), ex["expires"])
            r = compute(ex["method"], ex["path"], query + params, headers, ph,
                        c["secret_access_key"], c["region"], c["service"], c["timestamp"])
            host = dict((k.lower(), v) for k, v in headers)["host"]
            checks["canonical_query_string"] = canonical_query(query + params)
            checks["presigned_url"] = "https://%s%s?%s&X-Amz-Signature=%s" % (
                host, canonical_uri(ex["path"], False), canonical_query(query + params),
                r["signature"])
        checks["canonical_uri"] = canonical_uri(ex["path"], False)
        checks["canonical_request"] = r["canonical_request"]
        checks["canonical_request_sha256"] = r["canonical_request_sha256"]
        checks["string_to_sign"] = r["string_to_sign"]
        checks["signature"] = r["signature"]
        checks["signed_headers"] = r["signed_headers"]
        bad = [k for k, v in sorted(checks.items()) if ex.get(k) != v]
        if bad:
            ok_all = False
            print("FAIL %-22s %s" % (ex["name"], ", ".join(bad)))
            for k in bad:
                print("   expected %r\n   computed %r" % (ex.get(k), checks[k]))
        else:
            print("ok   %-22s %s" % (ex["name"], ", ".join(sorted(checks))))
    return ok_all


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    mode = argv[1] if len(argv) > 1 else "all"
    ok = True
    if mode in ("aws-c-auth", "s3-applicability") and len(argv) < 3:
        print("usage: reference_sigv4.py %s DIR (aws-c-auth's tests/aws-signing-test-suite/v4)" % mode)
        return 2
    if mode == "aws-c-auth":
        ok &= run_aws_c_auth(argv[2])
    if mode == "s3-applicability":
        run_s3_applicability(argv[2])
    if mode in ("all", "s3-doc"):
        ok &= run_s3_doc(argv[2] if mode == "s3-doc" and len(argv) > 2
                         else os.path.join(here, "s3-doc-examples.json"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
