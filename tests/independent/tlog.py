#!/usr/bin/env python3
"""Independent checker of ledger checkpoints, cosignatures, proofs and tiles.

A second implementation of docs/FORMAT.md section 15 (the Merkle tree, keys,
signed notes, checkpoints, cosignatures, proofs and tiles), written from that
text alone. The test suite runs it on what `ledger` produces and requires the
same verdicts. Ed25519 comes from the `cryptography` package; everything else
(RFC 9162 Merkle code, signed notes) is written here.

Usage:

    tlog.py checkpoint FILE --key VKEY... [--witness VKEY...] [--origin O]
    tlog.py root LEDGER [--size N]
    tlog.py proof PROOF --checkpoint FILE... --key VKEY...
    tlog.py tiles DIR --key VKEY...

Each prints one JSON object with `ok` (and what it found) and exits 0 when ok,
1 when a check fails, 2 on bad usage. A VKEY is a file holding a verifier key
or the key text.
"""

import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Fail(Exception):
    pass


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def b64(s):
    try:
        raw = base64.b64decode(s, validate=True)
    except Exception as e:
        raise Fail("bad base64: %r" % s) from e
    if base64.b64encode(raw).decode() != s:
        raise Fail("not canonical base64: %r" % s)
    return raw


# ---------------------------------------------------------------- 15.1 tree

EMPTY = sha256(b"")


def leaf_hash(data):
    return sha256(b"\x00", data)


def node(left, right):
    return sha256(b"\x01", left, right)


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if not leaves:
        return EMPTY
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def root_iter(leaves):
    """The same root, without recursion (for big trees)."""
    stack = []  # (height, hash)
    for i, h in enumerate(leaves):
        cur = (0, h)
        while stack and stack[-1][0] == cur[0]:
            left = stack.pop()
            cur = (cur[0] + 1, node(left[1], cur[1]))
        stack.append(cur)
    if not stack:
        return EMPTY
    r = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        r = node(h, r)
    return r


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        raise Fail("index %d not below size %d" % (index, size))
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Fail("inclusion path too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Fail("inclusion proof does not lead to the root")


def verify_consistency(m, n, path, first, second):
    """RFC 9162 2.1.4.2, for 0 < m <= n."""
    if m == 0 or m > n:
        raise Fail("sizes %d, %d have no consistency proof" % (m, n))
    if m == n:
        if path or first != second:
            raise Fail("equal sizes need an empty proof and equal roots")
        return
    if not path:
        raise Fail("empty consistency proof")
    path = list(path)
    if m & (m - 1) == 0:
        path.insert(0, first)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Fail("consistency path too long")
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first or sr != second:
        raise Fail("consistency proof does not connect the roots")


# ---------------------------------------------------- 15.2 keys, 15.3 notes


def read_key(arg):
    text = open(arg).read() if os.path.isfile(arg) else arg
    text = text.strip()
    name, keyid, material = text.split("+", 2)
    raw = b64(material)
    if len(raw) != 33 or raw[0] not in (1, 4):
        raise Fail("unsupported key %r" % text)
    if sha256(name.encode(), b"\n", raw)[:4].hex() != keyid:
        raise Fail("key ID of %r is not its own" % text)
    return {"name": name, "id": keyid, "type": raw[0], "public": raw[1:]}


def ed25519_ok(public, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, msg)
        return True
    except InvalidSignature:
        return False


def open_note(data, keys):
    """Returns (text, [(key, timestamp or None)] verified)."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Fail("not UTF-8") from e
    if any(ord(c) < 0x20 and c != "\n" for c in s):
        raise Fail("control character")
    if not s.endswith("\n") or "\n\n" not in s:
        raise Fail("not a signed note")
    cut = s[:-1].rindex("\n\n")
    text, sigs = s[: cut + 1], s[cut + 2 : -1]
    verified = []
    for line in sigs.split("\n"):
        if not line.startswith("\u2014 "):
            raise Fail("bad signature line %r" % line)
        name, sig64 = line[2:].split(" ", 1)
        raw = b64(sig64)
        keyid, sig = raw[:4].hex(), raw[4:]
        for k in keys:
            if k["name"] != name or k["id"] != keyid:
                continue
            if k["type"] == 1:
                ok, t = ed25519_ok(k["public"], sig, text.encode()), None
            else:
                if len(sig) != 72:
                    raise Fail("cosignature of the wrong length")
                t = int.from_bytes(sig[:8], "big")
                msg = ("cosignature/v1\ntime %d\n" % t).encode() + text.encode()
                ok = t < 2**63 and ed25519_ok(k["public"], sig[8:], msg)
            if not ok:
                raise Fail("signature by %s+%s does not verify" % (name, keyid))
            verified.append((k, t))
    if not verified:
        raise Fail("no signature by a given key")
    return text, verified


def parse_checkpoint(text):
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise Fail("not a checkpoint")
    size = lines[1]
    if not size.isdigit() or (len(size) > 1 and size[0] == "0"):
        raise Fail("bad size")
    root = b64(lines[2])
    if len(root) != 32:
        raise Fail("bad root")
    return lines[0], int(size), root


def open_checkpoint(path, keys, witnesses=(), origin=None):
    text, verified = open_note(open(path, "rb").read(), list(keys) + list(witnesses))
    o, size, root = parse_checkpoint(text)
    if origin is not None and o != origin:
        raise Fail("origin %r, not %r" % (o, origin))
    signed = [k for k, _ in verified if k["type"] == 1]
    if not signed:
        raise Fail("not signed by a log key")
    cosigned = sorted({"%s+%s" % (k["name"], k["id"]) for k, _ in verified if k["type"] == 4})
    return {
        "origin": o,
        "size": size,
        "root": base64.b64encode(root).decode(),
        "signed_by": sorted({"%s+%s" % (k["name"], k["id"]) for k in signed}),
        "cosigned_by": cosigned,
        "_root": root,
    }


# ------------------------------------------------------------ ledger lines


def entry_hash_of_line(line):
    """FORMAT 4.2: the line without `,"hash":"<64 hex>"` is what is hashed."""
    at = line.index(',"hash":"')
    stored = line[at + 9 : at + 73]
    computed = hashlib.sha256((line[:at] + line[at + 74 :]).encode()).hexdigest()
    if stored != computed:
        raise Fail("the line's hash is not its own")
    return stored


def ledger_leaves(path):
    out = []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8").rstrip("\n")
            out.append(leaf_hash(bytes.fromhex(json.loads(line)["hash"])))
    return out


# ------------------------------------------------------------------ tiles


def index_path(n):
    parts = ["%03d" % (n % 1000)]
    n //= 1000
    while n:
        parts.append("x%03d" % (n % 1000))
        n //= 1000
    return "/".join(reversed(parts))


def tile_file(d, level, n, w):
    p = os.path.join(d, "tile", str(level), index_path(n))
    return p + (".p/%d" % w if w != 256 else "")


def check_tiles(d, keys):
    cp = open_checkpoint(os.path.join(d, "checkpoint"), keys)
    size = cp["size"]
    leaves = []
    for n in range((size + 255) // 256):
        w = min(256, size - 256 * n)
        data = open(tile_file(d, "entries", n, w), "rb").read()
        if len(data) != 34 * w:
            raise Fail("entry bundle %d has the wrong length" % n)
        for i in range(w):
            e = data[34 * i : 34 * i + 34]
            if e[:2] != b"\x00\x20":
                raise Fail("entry of the wrong length")
            leaves.append(leaf_hash(e[2:]))
    level, hashes, files = 0, leaves, 0
    while hashes:
        for n in range((len(hashes) + 255) // 256):
            chunk = hashes[256 * n : 256 * n + 256]
            data = open(tile_file(d, level, n, len(chunk)), "rb").read()
            files += 1
            if data != b"".join(chunk):
                raise Fail("tile %d of level %d differs" % (n, level))
        hashes = [root_iter(hashes[i : i + 256]) for i in range(0, len(hashes) - 255, 256)]
        level += 1
    if root_iter(leaves) != cp["_root"]:
        raise Fail("the tiles do not give the checkpoint's root")
    return {"size": size, "root": cp["root"], "tiles": files}


# ------------------------------------------------------------------- main


def args_of(argv, flags):
    pos, opts = [], {f: [] for f in flags}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in opts:
            opts[a].append(argv[i + 1])
            i += 2
        else:
            pos.append(a)
            i += 1
    return pos, opts


def main(argv):
    cmd, rest = argv[0], argv[1:]
    pos, o = args_of(rest, ["--key", "--witness", "--origin", "--checkpoint", "--size"])
    keys = [read_key(k) for k in o["--key"]]
    if cmd == "checkpoint":
        witnesses = [read_key(k) for k in o["--witness"]]
        cp = open_checkpoint(pos[0], keys, witnesses, (o["--origin"] or [None])[0])
        del cp["_root"]
        return cp
    if cmd == "root":
        leaves = ledger_leaves(pos[0])
        n = int(o["--size"][0]) if o["--size"] else len(leaves)
        if n > len(leaves):
            raise Fail("the ledger has %d entries" % len(leaves))
        return {"size": n, "root": base64.b64encode(root_iter(leaves[:n])).decode()}
    if cmd == "proof":
        p = json.load(open(pos[0]))
        cps = [open_checkpoint(c, keys) for c in o["--checkpoint"]]
        by_size = {c["size"]: c["_root"] for c in cps}
        path = [bytes.fromhex(h) for h in p["path"]]
        if any(len(h) != 32 for h in path):
            raise Fail("a path hash is not 32 bytes")
        if "seq" in p:
            if set(p) != {"seq", "tree_size", "line", "path"}:
                raise Fail("unexpected members")
            line = p["line"]
            if json.loads(line)["seq"] != p["seq"]:
                raise Fail("the line is another entry")
            h = entry_hash_of_line(line)
            if p["tree_size"] not in by_size:
                raise Fail("no checkpoint of size %d" % p["tree_size"])
            verify_inclusion(p["seq"], p["tree_size"], leaf_hash(bytes.fromhex(h)), path, by_size[p["tree_size"]])
            return {"kind": "inclusion", "seq": p["seq"], "hash": h}
        if set(p) != {"from", "to", "path"}:
            raise Fail("unexpected members")
        if p["from"] not in by_size or p["to"] not in by_size:
            raise Fail("missing a checkpoint")
        verify_consistency(p["from"], p["to"], path, by_size[p["from"]], by_size[p["to"]])
        return {"kind": "consistency", "from": p["from"], "to": p["to"]}
    if cmd == "tiles":
        return check_tiles(pos[0], keys)
    raise SystemExit(2)


if __name__ == "__main__":
    try:
        out = main(sys.argv[1:])
        out["ok"] = True
        code = 0
    except Fail as e:
        out, code = {"ok": False, "why": str(e)}, 1
    print(json.dumps(out, sort_keys=True))
    sys.exit(code)
