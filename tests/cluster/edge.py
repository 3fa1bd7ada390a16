#!/usr/bin/env python3
"""The edge cache of a cluster with a closed catalog (tests/cluster/edge runs it against
scripts/cluster with anonymous_access off).

    edge.py URL INSTANCE_LOG... 

Checks, printing what it measured:
  1. a closed catalog stays closed at the edge: no token, a bad token, a logged-out
     token: the instance's JSON 401, for slices the edge holds too; a token (header or
     access_token) plays;
  2. ranges through the edge are byte-exact: the whole song's SHA-256 is its ETag, and
     random single, open, suffix and slice-crossing ranges match those bytes;
  3. a hot song comes from the edge: 200 plays of it by 50 listeners reach the
     instances as at most one request per 1 MiB slice (counted in their access logs);
  4. plays reported by the players (POST /v1/songs/{id}/plays) are counted and charted,
     though the edge answered their streams.
Exits non-zero on the first failed check."""

import hashlib
import http.client
import json
import random
import re
import sys
import time
import urllib.parse

url, logs = sys.argv[1], sys.argv[2:]
split = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(split.hostname, split.port, timeout=15)
SLICE = 1 << 20


def fail(message):
    sys.exit("edge: FAILED: " + message)


def call(method, path, body=None, headers=None):
    headers = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    return r.status, r.read(), r


def bearer(token, **more):
    return dict({"Authorization": "Bearer " + token}, **more)


def expect(status, want, what, body=b""):
    if status != want:
        fail("%s: %d, expected %d %s" % (what, status, want, body[:200]))


def refused(status, body, r, what):
    expect(status, 401, what, body)
    code = json.loads(body)["error"]["code"]
    if code != "unauthorized":
        fail("%s: error code %s" % (what, code))
    if len(r.headers.get_all("WWW-Authenticate") or []) != 1:
        fail("%s: WWW-Authenticate %s" % (what, r.headers.get_all("WWW-Authenticate")))


def login(name):
    password = "correct horse battery"
    status, body, _ = call("POST", "/v1/users", {"username": name, "password": password})
    expect(status, 201, "registration", body)
    status, body, _ = call("POST", "/v1/sessions", {"username": name, "password": password})
    expect(status, 201, "login", body)
    return json.loads(body)["token"]


def stream_requests(song):
    """Stream requests for `song` the instances answered (their access logs)."""
    pattern = re.compile(r'target="/v1/songs/%d/stream[?"]' % song)
    return sum(1 for f in logs for line in open(f, errors="replace") if " access " in line and pattern.search(line))


token = login("edge_listener")

# The largest song: the most slices.
status, body, _ = call("GET", "/v1/search?q=a&type=song&limit=50", headers=bearer(token))
expect(status, 200, "search", body)
sizes = {}
for item in json.loads(body)["songs"]["items"]:
    status, _, r = call("HEAD", "/v1/songs/%d/stream" % item["id"], headers=bearer(token))
    expect(status, 200, "HEAD of song %d" % item["id"])
    sizes[item["id"]] = int(r.headers["Content-Length"])
song = max(sizes, key=sizes.get)
size = sizes[song]
path = "/v1/songs/%d/stream" % song
print("edge: song %d, %d bytes (%d slices of 1 MiB)" % (song, size, (size + SLICE - 1) // SLICE))

# 1. Closed at the edge, before and after the song's slices are cached.
refused(*call("GET", path, headers={"Range": "bytes=0-99"}), "a stream without a token")
status, whole, r = call("GET", path, headers=bearer(token))
expect(status, 200, "the whole song with a token")
refused(*call("GET", path, headers={"Range": "bytes=0-99"}), "a cached slice without a token")
refused(*call("GET", path, headers=bearer("not-a-token", Range="bytes=0-99")), "a cached slice with a bad token")
refused(*call("GET", path + "?access_token=not-a-token", headers={"Range": "bytes=0-99"}),
        "a cached slice with a bad access_token")
status, body, r = call("GET", path + "?access_token=" + urllib.parse.quote(token), headers={"Range": "bytes=0-99"})
expect(status, 206, "access_token in the URL")
if r.headers.get("X-Edge-Cache") != "HIT":
    fail("a cached slice was not an edge hit: %s" % r.headers.get("X-Edge-Cache"))

# 2. Byte-exact: the whole, then random ranges cut from the edge's slices.
etag = r.headers["ETag"].strip('"')
if hashlib.sha256(whole).hexdigest() != etag or len(whole) != size:
    fail("the whole song through the edge is not its content (sha256 != ETag)")
rng = random.Random(16)
checked = 0
for i in range(60):
    kind = i % 4
    if kind == 0:  # crossing a slice boundary
        edge = rng.randrange(1, max(2, size // SLICE)) * SLICE
        first, last = max(0, edge - rng.randrange(1, 5000)), min(size - 1, edge + rng.randrange(0, 5000))
        spec, want = "%d-%d" % (first, last), whole[first:last + 1]
    elif kind == 1:
        first = rng.randrange(size)
        last = min(size - 1, first + rng.randrange(1, 300000))
        spec, want = "%d-%d" % (first, last), whole[first:last + 1]
    elif kind == 2:
        first = rng.randrange(size)
        spec, want = "%d-" % first, whole[first:]
    else:
        n = rng.randrange(1, 200000)
        spec, want = "-%d" % n, whole[-n:]
    status, body, r = call("GET", path, headers=bearer(token, Range="bytes=" + spec))
    expect(status, 206, "range " + spec)
    if body != want:
        fail("range %s: %d bytes differ from the song's" % (spec, len(body)))
    checked += len(body)
print("edge: 60 random ranges byte-exact (%d bytes)" % checked)

# 3. A hot song: 200 plays by 50 listeners (each from byte 0, some seeking).
before = stream_requests(song)
hits = 0
for i in range(200):
    ua = "listener-%d" % (i % 50)
    status, body, r = call("GET", path, headers=bearer(token, Range="bytes=0-", **{"User-Agent": ua}))
    expect(status, 206, "a play of the hot song")
    if body != whole:
        fail("a play of the hot song is not byte-exact")
    hits += r.headers.get("X-Edge-Cache") == "HIT"
    call("POST", "/v1/songs/%d/plays" % song, headers=bearer(token, **{"User-Agent": ua}))
time.sleep(0.5)  # access log lines are written after the response
reached = stream_requests(song) - before
print("edge: 200 plays of the hot song: %d edge hits, %d requests reached the instances" % (hits, reached))
if reached > 0:
    fail("the hot song's slices were all cached, yet %d requests reached the instances" % reached)

# 4. The plays were reported, so the chart has them: 50 listeners, once each.
status, body, _ = call("GET", "/v1/charts/top?window=hour&limit=5", headers=bearer(token))
expect(status, 200, "charts", body)
items = json.loads(body)["items"]
top = items[0] if items else {}
if top.get("song", {}).get("id") != song or top.get("plays", 0) < 50:
    fail("the chart does not have the reported plays: %s" % json.dumps(items)[:300])
print("edge: the chart counts %d plays of the hot song (50 listeners reported theirs)" % top["plays"])

# 1 again: a logged-out token is refused at the edge too (within token_cache_seconds,
# set to 1 s for this test, plus the edge's 10 s).
status, _, _ = call("DELETE", "/v1/sessions/current", headers=bearer(token))
expect(status, 204, "logout")
start = time.time()
while True:
    status, body, r = call("GET", path, headers=bearer(token, Range="bytes=0-99"))
    if status == 401:
        refused(status, body, r, "a logged-out token")
        break
    expect(status, 206, "a logged-out token, before the edge forgets it")
    if time.time() - start > 20:
        fail("a logged-out token still plays at the edge after 20 s")
    time.sleep(0.25)
print("edge: a logged-out token is refused at the edge after %.1f s" % (time.time() - start))
print("edge: passed")
