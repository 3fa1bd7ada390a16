#!/usr/bin/env python3
"""Writes the seeds of the FuzzedDataProvider targets (wire_head, search_index) into
corpus/<target>/: FuzzedDataProvider takes strings from the front of the input and
integers from the back, so these are easier made than typed. Run from anywhere:
    python3 tests/fuzz/fdp_seeds.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


class FDP:
    def __init__(self):
        self.front = bytearray()
        self.back = []  # bytes in the order they are consumed

    def string(self, s):  # ConsumeRandomLengthString: '\\' + other char ends it
        b = s.encode() if isinstance(s, str) else s
        self.front += b.replace(b"\\", b"\\\\") + b"\\x"

    def in_range(self, lo, hi, value):  # ConsumeIntegralInRange
        r, n = hi - lo, 0
        while n < 8 and (r >> (8 * n)) > 0:
            n += 1
        v = value - lo
        self.back += [(v >> (8 * (n - 1 - i))) & 0xFF for i in range(n)]

    def boolean(self, b):
        self.back.append(1 if b else 0)

    def bytes(self):
        return bytes(self.front) + bytes(reversed(self.back))


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for i, f in enumerate(seeds, 1):
        with open(os.path.join(d, "seed-%02d" % i), "wb") as out:
            out.write(f.bytes())


def wire(status, keep_alive, body, client_id, fields, stream_size=None):
    f = FDP()
    f.in_range(0, 1000, status)
    f.boolean(keep_alive)
    f.boolean(stream_size is not None)
    if stream_size is not None:
        f.back += list(stream_size.to_bytes(8, "big"))
    else:
        f.string(body)
    f.string(client_id)
    for name, value, add in fields:
        f.string(name)
        f.string(value)
        f.boolean(add)
    return f


def signed64(f, v):
    f.back += list((v - (-(1 << 63))).to_bytes(8, "big"))  # ConsumeIntegral<int64_t>


def index_seed(docs, queries):
    f = FDP()
    f.in_range(0, 40, len(docs))
    for id_, pop, title, genre, year, country, tsv in docs:
        signed64(f, id_)
        signed64(f, pop)
        f.string(title)
        f.string(genre)
        f.boolean(True)
        f.in_range(1990, 1999, year)
        f.string(country)
        f.string(tsv)
    for words, genre, years, country, whole, limit, offset in queries:
        f.in_range(0, 4, len(words))
        for lexeme, weights, corrections in words:
            f.string(lexeme)
            f.back.append(weights)
            f.in_range(0, 2, len(corrections))
            for c in corrections:
                f.string(c)
        f.boolean(genre is not None)
        if genre is not None:
            f.string(genre)
        f.boolean(years is not None)
        if years is not None:
            f.in_range(1000, 9999, years[0])
            f.in_range(years[0], 9999, years[1])
        f.boolean(country is not None)
        if country is not None:
            f.string(country)
        f.string(whole)
        f.in_range(1, 50, limit)
        f.boolean(True)
        f.in_range(0, 3, offset)
    return f


def main():
    write("wire_head", [
        wire(200, True, '{"items":[]}', "abc-123", [("Content-Type", "application/json", True),
                                                    ("Cache-Control", "no-store", True)]),
        wire(206, True, "", "", [("Content-Type", "audio/mpeg", True), ("Content-Range", "bytes 0-499/5242880", True),
                                 ("Accept-Ranges", "bytes", True), ("ETag", '"9f86d08"', True)], stream_size=500),
        wire(304, False, "", "x" * 130, [("ETag", '"abc"', False), ("Connection", "close", True)]),
        wire(404, True, '{"error":{}}', "r:1.2_3", [("Location", "/v1/x\r\nSet-Cookie: a=b", True),
                                                    ("content-length", "99", True)]),
        wire(416, True, "", "id with space", [("Content-Range", "bytes */1000", True), ("X-Empty", "", False)]),
    ])

    docs = [
        (1, 900, "joga", "electronic", 1997, "IS", "'bjork':1B 'joga':2A 'homogen':3C"),
        (2, 50, "hyperballad", "electronic", 1995, "IS", "'bjork':1B 'hyperballad':2A 'post':3C"),
        (3, 700, "karma police", "rock", 1997, "GB", "'karma':1A 'polic':2A 'radiohead':3B 'ok':4C 'comput':5C"),
        (4, 700, "hoppipolla", "post-rock", 1999, "IS", "'sigur':1B 'ros':2B 'hoppipolla':3A 'takk':4C"),
        (5, 3, "jóga", "", 1990, "", "'jóga':1A 'it''s':2 'o\\'k':3D"),
    ]
    write("search_index", [
        index_seed(docs, [([("jog", 0, [])], None, None, None, "joga", 10, 0),
                          ([("bjo", 2, []), ("hyper", 1, [])], "electronic", (1990, 1999), "IS", "", 20, 0)]),
        index_seed(docs, [([("jgoa", 0, ["joga"])], None, None, None, "jgoa", 1, 1),
                          ([("ra", 0, ["rock"]), ("ok", 4, [])], None, (1997, 1997), None, "karma police", 5, 0)]),
        index_seed(docs[:3], [([], "rock", None, "GB", "", 50, 3), ([("", 0, [])], None, None, None, "", 2, 1)]),
    ])


if __name__ == "__main__":
    main()
