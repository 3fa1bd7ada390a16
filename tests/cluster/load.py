#!/usr/bin/env python3
"""Load for the failover tests: clients of a tonearm cluster (through nginx) that
stream, browse and register until stopped, and say what failed.

    load.py URL OUT.json [--streamers N] [--browsers N] [--writers N] [--listers N]

Runs until SIGTERM or SIGINT, then writes OUT.json:
    {"streams": {"ok": n, "failed": [...]}, "api": {...}, "writes": {...},
     "written": ["user names answered 201", ...],
     "playlists": {"id": {"answered": n, "attempted": m}, ...}, "seconds": how long it ran}
Times are seconds since the epoch. Streamers fetch random ranges of every song of the
catalog and compare them byte for byte with the whole files fetched at the start
(a wrong byte is a failure like an error status); browsers fetch songs and search;
writers register new users (POST /v1/users); listers each add songs one at a time to
a playlist of their own (POST /v1/playlists/{id}/items), counting the additions
answered 200 and those attempted (a failed one may still have been committed). Writes
of both kinds count as "writes". Every client keeps one
keep-alive connection, as players do, and opens a new one after an error."""

import http.client
import json
import random
import signal
import sys
import threading
import time
import urllib.parse

url, out = sys.argv[1], sys.argv[2]
opts = dict(zip(sys.argv[3::2], sys.argv[4::2]))
split = urllib.parse.urlsplit(url)
host, port = split.hostname, split.port
stop = threading.Event()
lock = threading.Lock()
results = {kind: {"ok": 0, "failed": []} for kind in ("streams", "api", "writes")}
written = []
playlists = {}  # id -> {"answered": n, "attempted": m}


def connect():
    return http.client.HTTPConnection(host, port, timeout=10)


def request(conn, method, path, body=None, headers=None):
    headers = dict(headers or {})
    if body is not None:
        body = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, r.read(), r


def record(kind, ok, what=""):
    with lock:
        if ok:
            results[kind]["ok"] += 1
        else:
            results[kind]["failed"].append({"at": time.time(), "what": what})


def catalog():
    conn = connect()
    status, body, _ = request(conn, "GET", "/v1/search?q=a&type=song&limit=50")
    if status != 200:
        sys.exit("search answered %d" % status)
    songs = {}
    for item in json.loads(body)["songs"]["items"][:12]:
        status, data, _ = request(conn, "GET", "/v1/songs/%d/stream" % item["id"])
        if status != 200:
            sys.exit("stream of %d answered %d" % (item["id"], status))
        songs[item["id"]] = data
    return songs


def client(kind, work):
    conn = connect()
    while not stop.is_set():
        try:
            ok, what = work(conn)
        except Exception as e:  # a reset, a refused connection, a timeout
            ok, what = False, "%s: %s" % (type(e).__name__, e)
        if not ok:
            conn.close()
            conn = connect()
        record(kind, ok, what)


def streamer(songs, rng):
    ids = list(songs)

    def work(conn):
        song = rng.choice(ids)
        data = songs[song]
        first = rng.randrange(len(data))
        last = min(len(data) - 1, first + rng.randrange(1, 256 * 1024))
        status, body, r = request(conn, "GET", "/v1/songs/%d/stream" % song, headers={"Range": "bytes=%d-%d" % (first, last)})
        if status != 206:
            return False, "stream %d: %d" % (song, status)
        if body != data[first:last + 1]:
            return False, "stream %d bytes %d-%d: wrong bytes (%d received)" % (song, first, last, len(body))
        return True, ""
    return work


def browser(songs, rng):
    ids = list(songs)
    queries = ["radiohead", "bjork", "nirvana", "kar", "a", "love"]

    def work(conn):
        choice = rng.random()
        if choice < 0.5:
            path = "/v1/songs/%d" % rng.choice(ids)
        else:
            path = "/v1/search?q=%s" % rng.choice(queries)
        status, _, _ = request(conn, "GET", path)
        return status == 200, "GET %s: %d" % (path, status)
    return work


def writer(n):
    counter = [0]

    def work(conn):
        counter[0] += 1
        name = "load-%d-%d-%d" % (n, int(time.time() * 1000), counter[0])
        # Each registration from a client of its own (nginx appends the address it sees,
        # 127.0.0.1, which the instances trust): the per-address limit is not what
        # this load tests.
        client = "198.%d.%d.%d" % (51 + n, counter[0] // 250 % 250, counter[0] % 250 + 1)
        status, body, _ = request(conn, "POST", "/v1/users", {"username": name, "password": "correct horse battery " + name},
                                  headers={"X-Forwarded-For": client})
        if status == 201:
            with lock:
                written.append(name)
            return True, ""
        time.sleep(0.1)
        return False, "POST /v1/users: %d %s" % (status, body[:120].decode(errors="replace"))
    return work


def lister(n, songs, rng):
    """A listener who keeps adding songs to a playlist of their own."""
    conn = connect()
    name = "lister-%d-%d" % (n, int(time.time() * 1000))
    password = "correct horse battery " + name
    headers = {"X-Forwarded-For": "198.%d.0.1" % (61 + n)}
    status, body, _ = request(conn, "POST", "/v1/users", {"username": name, "password": password}, headers)
    if status != 201:
        sys.exit("lister registration: %d %s" % (status, body[:120]))
    status, body, _ = request(conn, "POST", "/v1/sessions", {"username": name, "password": password}, headers)
    if status != 201:
        sys.exit("lister login: %d %s" % (status, body[:120]))
    auth = dict(headers, Authorization="Bearer " + json.loads(body)["token"])
    status, body, _ = request(conn, "POST", "/v1/playlists", {"name": "load %d" % n}, auth)
    if status != 201:
        sys.exit("lister playlist: %d %s" % (status, body[:120]))
    pid = str(json.loads(body)["id"])
    playlists[pid] = {"answered": 0, "attempted": 0}
    ids = list(songs)

    def work(conn):
        with lock:
            playlists[pid]["attempted"] += 1
        status, body, _ = request(conn, "POST", "/v1/playlists/%s/items" % pid, {"song_ids": [rng.choice(ids)]}, auth)
        if status == 200:
            with lock:
                playlists[pid]["answered"] += 1
            return True, ""
        time.sleep(0.1)
        return False, "POST /v1/playlists/%s/items: %d %s" % (pid, status, body[:120].decode(errors="replace"))
    return work


def main():
    songs = catalog()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = []
    for i in range(int(opts.get("--streamers", 4))):
        threads.append(threading.Thread(target=client, args=("streams", streamer(songs, random.Random(i)))))
    for i in range(int(opts.get("--browsers", 2))):
        threads.append(threading.Thread(target=client, args=("api", browser(songs, random.Random(100 + i)))))
    for i in range(int(opts.get("--writers", 0))):
        threads.append(threading.Thread(target=client, args=("writes", writer(i))))
    for i in range(int(opts.get("--listers", 0))):
        threads.append(threading.Thread(target=client, args=("writes", lister(i, songs, random.Random(200 + i)))))
    for t in threads:
        t.start()
    started = time.time()
    print("load running", flush=True)
    while not stop.is_set():
        stop.wait(0.2)
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump(dict(results, written=written, playlists=playlists, seconds=time.time() - started), f)


main()
