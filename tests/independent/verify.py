#!/usr/bin/env python3
"""Independent verifier for ledger files (formats 1 and 2).

This is a second implementation of the verification algorithm, written from
docs/FORMAT.md alone (sections 2 to 8 and 10.2), without looking at the
program's source. Its purpose is to test that the document is sufficient:
the test suite runs it next to `ledger verify --format json` and requires
the two to agree.

Usage:

    python3 tests/independent/verify.py LEDGER.jsonl [--anchor SEQ:HASH]... [--max-errors N]

It prints one JSON object on standard output with the members of
`ledger verify --format json` (FORMAT.md 10.2): ok, path, lines, entries,
head, error_count, errors (line, seq, kind, message, column, help), plus
`hashes`: the hash computed (4.2) for every line understood as an entry, in
file order. Exit status: 0 valid, 1 problems found, 2 usage or I/O error.

Standard library only.

Where FORMAT.md left a choice open, the reading taken here is marked
"READING:" in the code; the list is gathered in a comment at the end.
"""

import hashlib
import json
import re
import sys

ZERO_HASH = "0" * 64
MAX_DEPTH = 127
TWO_53 = 2 ** 53
I64_MIN = -(2 ** 63)
U64_MAX = 2 ** 64 - 1
U32_MAX = 4294967295


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------


class Problem:
    __slots__ = ("kind", "line", "seq", "message", "column", "help")

    def __init__(self, kind, line, seq, message, column=None, help=None):
        self.kind = kind
        self.line = line
        self.seq = seq
        self.message = message
        self.column = column
        self.help = help

    def as_json(self):
        return {
            "line": self.line,
            "seq": self.seq,
            "kind": self.kind,
            "message": self.message,
            "column": self.column,
            "help": self.help,
        }


class LineIssue:
    """A problem found while reading one line (7.4), before line/seq are known."""

    __slots__ = ("kind", "message", "column")

    def __init__(self, kind, message, column=None):
        self.kind = kind
        self.message = message
        self.column = column


# ---------------------------------------------------------------------------
# Strict JSON reading (3.1, 3.3)
# ---------------------------------------------------------------------------


class JsonNumber:
    """A parsed number: its double value, and whether the token was an integer
    token (no '.', no exponent)."""

    __slots__ = ("value", "integer_token", "token")

    def __init__(self, value, integer_token, token):
        self.value = value
        self.integer_token = integer_token
        self.token = token


class ReadError(Exception):
    def __init__(self, kind, pos, message):
        Exception.__init__(self, message)
        self.kind = kind
        self.pos = pos
        self.message = message


_WS = " \t\r\n"
_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_HEX = "0123456789abcdefABCDEF"
_PLAIN_RUN = re.compile(r'[^"\\\x00-\x1f]*')


class StrictReader:
    """Recursive-descent reader. Stops at the first problem in reading order."""

    def __init__(self, text):
        self.t = text
        self.i = 0
        self.depth = 0

    def fail(self, message, pos=None, kind="syntax"):
        raise ReadError(kind, self.i if pos is None else pos, message)

    def skip_ws(self):
        t, i, n = self.t, self.i, len(self.t)
        while i < n and t[i] in _WS:
            i += 1
        self.i = i

    def document(self):
        self.skip_ws()
        value = self.value()
        self.skip_ws()
        if self.i != len(self.t):
            self.fail("unexpected characters after the JSON value")
        return value

    def value(self):
        if self.i >= len(self.t):
            self.fail("unexpected end of line, expected a value")
        c = self.t[self.i]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            return self.string()
        if c == "-" or "0" <= c <= "9":
            return self.number()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.t.startswith(word, self.i):
                self.i += len(word)
                return val
        self.fail("expected a JSON value")

    def open_container(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail("nesting deeper than %d levels" % MAX_DEPTH)
        self.i += 1

    def obj(self):
        self.open_container()
        members = {}
        self.skip_ws()
        if self.i < len(self.t) and self.t[self.i] == "}":
            self.i += 1
            self.depth -= 1
            return members
        while True:
            self.skip_ws()
            if self.i >= len(self.t) or self.t[self.i] != '"':
                self.fail("expected a member name")
            key_pos = self.i
            key = self.string()
            # READING: the duplicate is reported as soon as the second name
            # has been read (before its ':' and value).
            if key in members:
                self.fail("duplicate member name %s" % json.dumps(key), key_pos, "duplicate-key")
            self.skip_ws()
            if self.i >= len(self.t) or self.t[self.i] != ":":
                self.fail("expected ':'")
            self.i += 1
            self.skip_ws()
            members[key] = self.value()
            self.skip_ws()
            if self.i < len(self.t) and self.t[self.i] == ",":
                self.i += 1
                continue
            if self.i < len(self.t) and self.t[self.i] == "}":
                self.i += 1
                self.depth -= 1
                return members
            self.fail("expected ',' or '}'")

    def arr(self):
        self.open_container()
        items = []
        self.skip_ws()
        if self.i < len(self.t) and self.t[self.i] == "]":
            self.i += 1
            self.depth -= 1
            return items
        while True:
            self.skip_ws()
            items.append(self.value())
            self.skip_ws()
            if self.i < len(self.t) and self.t[self.i] == ",":
                self.i += 1
                continue
            if self.i < len(self.t) and self.t[self.i] == "]":
                self.i += 1
                self.depth -= 1
                return items
            self.fail("expected ',' or ']'")

    def hex4(self):
        t, i = self.t, self.i
        if i + 4 > len(t) or any(ch not in _HEX for ch in t[i:i + 4]):
            self.fail("invalid \\u escape")
        self.i = i + 4
        return int(t[i:i + 4], 16)

    def string(self):
        t = self.t
        n = len(t)
        self.i += 1  # opening quote
        out = []
        while True:
            run = _PLAIN_RUN.match(t, self.i)
            if run.end() > self.i:
                out.append(run.group(0))
                self.i = run.end()
            if self.i >= n:
                self.fail("unterminated string")
            c = t[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                esc_pos = self.i
                self.i += 1
                if self.i >= n:
                    self.fail("unterminated escape")
                e = t[self.i]
                if e in _SIMPLE_ESCAPES:
                    out.append(_SIMPLE_ESCAPES[e])
                    self.i += 1
                elif e == "u":
                    self.i += 1
                    cp = self.hex4()
                    if 0xD800 <= cp <= 0xDBFF:
                        if t.startswith("\\u", self.i):
                            self.i += 2
                            lo = self.hex4()
                            if 0xDC00 <= lo <= 0xDFFF:
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                            else:
                                self.fail("lone surrogate in \\u escape", esc_pos)
                        else:
                            self.fail("lone surrogate in \\u escape", esc_pos)
                    elif 0xDC00 <= cp <= 0xDFFF:
                        self.fail("lone surrogate in \\u escape", esc_pos)
                    out.append(chr(cp))
                else:
                    self.fail("invalid escape")
                continue
            if ord(c) < 0x20:
                self.fail("raw control character in string")
            out.append(c)
            self.i += 1

    def number(self):
        t, n = self.t, len(self.t)
        start = self.i
        i = start
        if t[i] == "-":
            i += 1
        if i < n and t[i] == "0":
            i += 1
        elif i < n and "1" <= t[i] <= "9":
            while i < n and "0" <= t[i] <= "9":
                i += 1
        else:
            self.i = i
            self.fail("invalid number")
        integer_token = True
        if i < n and t[i] == ".":
            integer_token = False
            i += 1
            if not (i < n and "0" <= t[i] <= "9"):
                self.i = i
                self.fail("invalid number: digit expected after '.'")
            while i < n and "0" <= t[i] <= "9":
                i += 1
        if i < n and t[i] in "eE":
            integer_token = False
            i += 1
            if i < n and t[i] in "+-":
                i += 1
            if not (i < n and "0" <= t[i] <= "9"):
                self.i = i
                self.fail("invalid number: digit expected in exponent")
            while i < n and "0" <= t[i] <= "9":
                i += 1
        token = t[start:i]
        self.i = i
        if token == "-0":
            # FORMAT.md 3.3: the token -0 denotes the double -0, not an integer.
            integer_token = False
        return JsonNumber(number_value(token, integer_token, start), integer_token, token)


def number_value(token, integer_token, pos):
    """The double a number token denotes (3.3), or ReadError."""
    if integer_token:
        v = int(token)
        if abs(v) <= TWO_53:
            return float(v)
        d = float(token)  # correctly rounded, ties to even
        if d in (float("inf"), float("-inf")):
            raise ReadError("syntax", pos, "number too large for a double")
        if I64_MIN <= v <= U64_MAX:
            if d == v or es_number(d) == token:
                return d
            raise ReadError(
                "number-range", pos, "integer %s cannot be carried exactly by a double" % token
            )
        return d
    d = float(token)
    if d in (float("inf"), float("-inf")):
        raise ReadError("syntax", pos, "number too large for a double")
    return d


# ---------------------------------------------------------------------------
# Canonical writing (3.2, 3.3)
# ---------------------------------------------------------------------------


def es_number(x):
    """ECMAScript Number.prototype.toString of a finite double."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    # repr() gives the shortest digit string that reads back as x (closest
    # to x when several do).
    mant, _, exp = repr(x).partition("e")
    exp = int(exp) if exp else 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = ip + fp
    point = len(ip) + exp
    while digits.startswith("0"):
        digits = digits[1:]
        point -= 1
    digits = digits.rstrip("0")
    k = len(digits)
    n = point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return head + "e" + ("+" if e >= 0 else "-") + str(abs(e))


_NAMED = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


_MUST_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape(m):
    c = m.group(0)
    return _NAMED.get(c) or "\\u%04x" % ord(c)


def canon_string(s):
    return '"' + _MUST_ESCAPE.sub(_escape, s) + '"'


def utf16_key(name):
    return name.encode("utf-16-be")


def canon(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, JsonNumber):
        return es_number(v.value)
    if isinstance(v, str):
        return canon_string(v)
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        names = sorted(v, key=utf16_key)
        return "{" + ",".join(canon_string(k) + ":" + canon(v[k]) for k in names) + "}"
    raise TypeError(type(v))


def entry_hash(obj):
    body = {k: val for k, val in obj.items() if k != "hash"}
    return hashlib.sha256(canon(body).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# Shapes (4.1, 4.3, section 5)
# ---------------------------------------------------------------------------


class Bad(Exception):
    """A body or envelope rule failed (reported as `schema`)."""


WHITE_SPACE = set(
    [chr(c) for c in range(0x09, 0x0E)]
    + ["\u0020", "\u0085", "\u00a0", "\u1680"]
    + [chr(c) for c in range(0x2000, 0x200B)]
    + ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
)

RE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
RE_ACTOR = re.compile(r"[A-Z0-9]{1,16}")
RE_TOPIC = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
RE_HEX64 = re.compile(r"[0-9a-f]{64}")
RE_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
RE_PARTIAL = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
RE_RESERVED = re.compile(r"f([0-9]+)")

KINDS = ("genesis", "define", "source", "fact", "supersede", "retract", "dispute", "amend")
SOURCE_MEMBERS = ("author", "published", "language", "url", "derived_from", "sha256", "note")
SOURCE_TYPES = (
    "news-article", "briefing-note", "statement", "press-release", "report",
    "interview", "document", "social-media", "other",
)
RELATIONS = ("translation", "summary", "rewrite")
MODALITIES = ("confirmed", "reported", "planned", "considered", "proposed", "alleged", "denied")
RETRACT_REASONS = ("erroneous", "misattributed", "mistranslated", "duplicate", "source-withdrawn")
DIFFERENCES = ("overstates", "understates", "contradicts", "misattributes", "imprecise")

BUILTIN_ACTORS = frozenset(
    ["CA", "KP", "KR", "US", "JP", "CN", "RU", "GB", "FR", "DE", "SE", "UN", "EU", "NATO"]
)
BUILTIN_TOPICS = frozenset([
    "diplomatic-status", "embassy", "engagement", "nuclear", "security", "sanctions",
    "humanitarian", "human-rights", "people-to-people", "consular", "allies",
    "statements", "civil-society",
])


def is_leap(y):
    return (y % 4 == 0 and y % 100 != 0) or y % 400 == 0


def month_days(y, m):
    if m == 2:
        return 29 if is_leap(y) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def is_str(v):
    return isinstance(v, str)


def is_text(v):
    return is_str(v) and any(c not in WHITE_SPACE for c in v)


def is_id(v):
    return is_str(v) and RE_ID.fullmatch(v) is not None


def is_actor_id(v):
    return is_str(v) and RE_ACTOR.fullmatch(v) is not None


def is_topic_id(v):
    return is_str(v) and len(v) <= 40 and RE_TOPIC.fullmatch(v) is not None


def is_hex64(v):
    return is_str(v) and RE_HEX64.fullmatch(v) is not None


def is_subject(v):
    if not is_str(v):
        return False
    parts = v.split("-")
    if len(parts) == 1:
        return is_actor_id(parts[0])
    if len(parts) == 2:
        return is_actor_id(parts[0]) and is_actor_id(parts[1]) and parts[0] != parts[1]
    return False


def is_timestamp(v):
    # READING: the year of a timestamp may be 0000 (RFC 3339 allows it; 4.3
    # does not restrict the year, unlike the partial dates of 5.1).
    if not is_str(v):
        return False
    m = RE_TIMESTAMP.fullmatch(v)
    if m is None:
        return False
    y, mo, d, hh, mi, ss = (int(g) for g in m.groups())
    if not 1 <= mo <= 12:
        return False
    if not 1 <= d <= month_days(y, mo):
        return False
    return hh <= 23 and mi <= 59 and ss <= 60


def partial_date(v):
    """(first_day, last_day) tuples for a partial date, or None."""
    if not is_str(v):
        return None
    m = RE_PARTIAL.fullmatch(v)
    if m is None:
        return None
    y = int(m.group(1))
    if not 1 <= y <= 9999:
        return None
    if m.group(2) is None:
        return (y, 1, 1), (y, 12, 31)
    mo = int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    if m.group(3) is None:
        return (y, mo, 1), (y, mo, month_days(y, mo))
    d = int(m.group(3))
    if not 1 <= d <= month_days(y, mo):
        return None
    return (y, mo, d), (y, mo, d)


def is_u32(v):
    # READING: a u32 must be an integer token (as `seq` in 7.4 step 6.4);
    # `1.0` or `1e0` are refused here.
    return (
        isinstance(v, JsonNumber)
        and v.integer_token
        and 0 <= v.value <= U32_MAX
    )


def members(obj, required, optional, what):
    if not isinstance(obj, dict):
        raise Bad("%s is not an object" % what)
    for k in obj:
        if k not in required and k not in optional:
            raise Bad("%s: unknown member %s" % (what, json.dumps(k)))
    for k in required:
        if k not in obj:
            raise Bad("%s: missing member %s" % (what, json.dumps(k)))


def need(cond, message):
    if not cond:
        raise Bad(message)


def check_citation(c, what):
    members(c, ("source",), ("paragraph", "span", "quote"), what)
    need(is_id(c["source"]), what + ": source is not an id")
    if "paragraph" in c:
        need(is_u32(c["paragraph"]), what + ": paragraph is not a u32")
        need(c["paragraph"].value != 0, what + ": paragraph 0")
    if "span" in c:
        s = c["span"]
        need(isinstance(s, list) and len(s) == 2 and all(is_u32(x) for x in s),
             what + ": span is not two u32")
        need(s[0].value < s[1].value, what + ": span does not start before it ends")
    if "quote" in c:
        need(is_text(c["quote"]), what + ": quote is not text")


def check_genesis(b):
    members(b, ("title", "created"), (), "genesis body")
    need(is_text(b["title"]), "title is not text")
    need(is_timestamp(b["created"]), "created is not a timestamp")


def check_define(b):
    members(b, ("term", "id", "label"), ("note",), "define body")
    need(b["term"] in ("actor", "topic") and is_str(b["term"]), "term is not actor or topic")
    if b["term"] == "actor":
        need(is_actor_id(b["id"]), "id is not an actor id")
    else:
        need(is_topic_id(b["id"]), "id is not a topic id")
    need(is_text(b["label"]), "label is not text")
    if "note" in b:
        need(is_text(b["note"]), "note is not text")


def check_source(b):
    members(
        b,
        ("id", "title", "publisher", "type"),
        ("author", "published", "language", "url", "derived_from", "sha256", "note"),
        "source body",
    )
    need(is_id(b["id"]), "id is not an id")
    need(is_text(b["title"]), "title is not text")
    need(is_text(b["publisher"]), "publisher is not text")
    need(is_str(b["type"]) and b["type"] in SOURCE_TYPES, "unknown source type")
    for k in ("author", "language", "url", "note"):
        if k in b:
            need(is_text(b[k]), k + " is not text")
    if "published" in b:
        need(partial_date(b["published"]) is not None, "published is not a partial date")
    if "sha256" in b:
        need(is_hex64(b["sha256"]), "sha256 is not hex64")
    if "derived_from" in b:
        d = b["derived_from"]
        members(d, ("relation", "source"), (), "derived_from")
        need(is_str(d["relation"]) and d["relation"] in RELATIONS, "unknown relation")
        need(is_id(d["source"]), "derived_from.source is not an id")
        need(d["source"] != b["id"], "a source cannot derive from itself")


def check_fact(b, what="fact body"):
    members(
        b,
        ("id", "subject", "topic", "statement", "modality", "citations"),
        ("value", "valid_from", "valid_to", "attributed_to", "note"),
        what,
    )
    need(is_id(b["id"]), "id is not an id")
    need(is_subject(b["subject"]), "subject is not a subject")
    need(is_topic_id(b["topic"]), "topic is not a topic id")
    need(is_text(b["statement"]), "statement is not text")
    need(is_str(b["modality"]) and b["modality"] in MODALITIES, "unknown modality")
    if "value" in b:
        need(b["value"] is not None, "value is null")
    for k in ("attributed_to", "note"):
        if k in b:
            need(is_text(b[k]), k + " is not text")
    first = last = None
    if "valid_from" in b:
        pd = partial_date(b["valid_from"])
        need(pd is not None, "valid_from is not a partial date")
        first = pd[0]
    if "valid_to" in b:
        pd = partial_date(b["valid_to"])
        need(pd is not None, "valid_to is not a partial date")
        last = pd[1]
    if first is not None and last is not None:
        need(last >= first, "valid_to ends before valid_from begins")
    cits = b["citations"]
    need(isinstance(cits, list), "citations is not an array")
    need(len(cits) >= 1, "citations is empty")
    for i, c in enumerate(cits):
        check_citation(c, "citation %d" % (i + 1))


def check_supersede(b):
    members(b, ("target", "reason", "fact"), ("disputes",), "supersede body")
    need(is_id(b["target"]), "target is not an id")
    need(is_text(b["reason"]), "reason is not text")
    check_fact(b["fact"], "supersede fact")
    if "disputes" in b:
        need(is_str(b["disputes"]) and b["disputes"] == "carry", "disputes is not carry")
    need(b["fact"]["id"] != b["target"], "the new fact has the target's id")


def check_amend(b):
    # FORMAT.md 5.9.
    members(b, ("target", "reason"), ("set", "unset"), "amend body")
    need(is_id(b["target"]), "target is not an id")
    need(is_text(b["reason"]), "reason is not text")
    need("set" in b or "unset" in b, "neither set nor unset")
    if "set" in b:
        c = b["set"]
        members(c, (), ("title", "publisher", "type") + SOURCE_MEMBERS, "set")
        need(len(c) >= 1, "set is empty")
        for k in ("title", "publisher", "author", "language", "url", "note"):
            if k in c:
                need(is_text(c[k]), k + " is not text")
        if "type" in c:
            need(is_str(c["type"]) and c["type"] in SOURCE_TYPES, "unknown source type")
        if "published" in c:
            need(partial_date(c["published"]) is not None, "published is not a partial date")
        if "sha256" in c:
            need(is_hex64(c["sha256"]), "sha256 is not hex64")
        if "derived_from" in c:
            d = c["derived_from"]
            members(d, ("relation", "source"), (), "derived_from")
            need(is_str(d["relation"]) and d["relation"] in RELATIONS, "unknown relation")
            need(is_id(d["source"]), "derived_from.source is not an id")
            need(d["source"] != b["target"], "a source cannot derive from itself")
    if "unset" in b:
        u = b["unset"]
        need(isinstance(u, list) and len(u) >= 1, "unset is not a non-empty array")
        seen = set()
        for m in u:
            need(is_str(m) and m in SOURCE_MEMBERS, "unset names no optional source member")
            need(m not in seen, "unset names a member twice")
            need(m not in b.get("set", {}), "a member is both set and unset")
            seen.add(m)


def entry_format(kind, b):
    """The one format an entry may carry (FORMAT.md 13)."""
    if kind == "amend" or (kind == "supersede" and "disputes" in b):
        return 2
    return 1


def check_retract(b):
    members(b, ("target", "reason"), ("note", "source"), "retract body")
    need(is_id(b["target"]), "target is not an id")
    need(is_str(b["reason"]) and b["reason"] in RETRACT_REASONS, "unknown retract reason")
    if "note" in b:
        need(is_text(b["note"]), "note is not text")
    if "source" in b:
        need(is_id(b["source"]), "source is not an id")


def check_dispute(b):
    members(b, ("target", "difference", "statement", "citation"), ("note",), "dispute body")
    need(is_id(b["target"]), "target is not an id")
    need(is_str(b["difference"]) and b["difference"] in DIFFERENCES, "unknown difference")
    need(is_text(b["statement"]), "statement is not text")
    check_citation(b["citation"], "citation")
    if "note" in b:
        need(is_text(b["note"]), "note is not text")


BODY_CHECKS = {
    "genesis": check_genesis,
    "define": check_define,
    "source": check_source,
    "fact": check_fact,
    "supersede": check_supersede,
    "retract": check_retract,
    "dispute": check_dispute,
    "amend": check_amend,
}

ENVELOPE = ("body", "format", "hash", "kind", "prev", "recorded", "seq")


def seq_of(v):
    """A non-negative integer seq (integer token, at most 2^53), or None."""
    # READING: S of 7.2 step 5 uses the same rule as 7.4 step 6.4.
    if isinstance(v, JsonNumber) and v.integer_token and 0 <= v.value <= TWO_53:
        return int(v.value)
    return None


def check_envelope(obj):
    for k in obj:
        need(k in ENVELOPE, "unknown envelope member %s" % json.dumps(k))
    for k in ENVELOPE:
        need(k in obj, "missing envelope member %s" % json.dumps(k))
    need(isinstance(obj["format"], JsonNumber) and obj["format"].value in (1, 2),
         "unsupported format version")
    need(seq_of(obj["seq"]) is not None, "seq is not a non-negative integer")
    need(is_hex64(obj["prev"]), "prev is not 64 lowercase hex digits")
    need(is_hex64(obj["hash"]), "hash is not 64 lowercase hex digits")
    need(is_timestamp(obj["recorded"]), "recorded is not a timestamp")
    need(is_str(obj["kind"]), "kind is not a string")
    need(isinstance(obj["body"], dict), "body is not an object")
    need(obj["kind"] in KINDS, "unknown kind %s" % json.dumps(obj["kind"]))
    BODY_CHECKS[obj["kind"]](obj["body"])
    need(obj["format"].value == entry_format(obj["kind"], obj["body"]),
         "the entry's format is not the one its content needs")


# ---------------------------------------------------------------------------
# Reading one line (7.4)
# ---------------------------------------------------------------------------


class LineResult:
    __slots__ = ("issues", "entry", "S", "H", "computed")

    def __init__(self):
        self.issues = []
        self.entry = None
        self.S = None
        self.H = None
        self.computed = None


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i + 1
    return min(len(a), len(b)) + 1


def read_line(text):
    r = LineResult()
    try:
        value = StrictReader(text).document()
    except ReadError as e:
        r.issues.append(LineIssue(e.kind, e.message, e.pos + 1))
        return r
    if not isinstance(value, dict):
        r.issues.append(LineIssue("schema", "the line is not a JSON object"))
        return r
    if "seq" in value:
        r.S = seq_of(value["seq"])
    if "hash" in value and is_hex64(value["hash"]):
        r.H = value["hash"]
    c = canon(value)
    if c != text:
        r.issues.append(LineIssue("not-canonical", "the line is not its canonical JSON text",
                                  first_difference(text, c)))
    r.computed = entry_hash(value)
    try:
        check_envelope(value)
    except Bad as e:
        r.issues.append(LineIssue("schema", str(e)))
        return r
    r.entry = value
    if value["hash"] != r.computed:
        r.issues.append(LineIssue("hash", "stored hash %s..., computed %s..."
                                  % (value["hash"][:12], r.computed[:12])))
    return r


# ---------------------------------------------------------------------------
# Replay (section 8)
# ---------------------------------------------------------------------------


class Refused(Exception):
    pass


class Replay:
    def __init__(self):
        self.sources = {}  # id -> the seq that registered it
        self.facts = {}  # id -> status: "live" | "superseded" | "retracted"
        self.actors = set()
        self.topics = set()
        self.title = None

    def id_ok(self, new_id, seq):
        if new_id in self.sources or new_id in self.facts:
            raise Refused("id %s is already used" % new_id)
        m = RE_RESERVED.fullmatch(new_id)
        if m is not None and m.group(1) != str(seq):
            raise Refused("id %s is reserved: f<digits> only as f%d at seq %d" % (new_id, seq, seq))

    def need_source(self, sid, what):
        if sid not in self.sources:
            raise Refused("%s %s is not a registered source" % (what, sid))

    def fact_ok(self, f, seq):
        self.id_ok(f["id"], seq)
        for a in f["subject"].split("-"):
            if a not in BUILTIN_ACTORS and a not in self.actors:
                raise Refused("unknown actor %s" % a)
        if f["topic"] not in BUILTIN_TOPICS and f["topic"] not in self.topics:
            raise Refused("unknown topic %s" % f["topic"])
        for c in f["citations"]:
            self.need_source(c["source"], "cited source")

    def need_live(self, target):
        if target not in self.facts:
            raise Refused("target %s is not a fact" % target)
        if self.facts[target] != "live":
            raise Refused("target %s is not live (%s)" % (target, self.facts[target]))

    def apply(self, entry):
        """Check then apply an entry; raises Refused and leaves the state alone."""
        kind = entry["kind"]
        b = entry["body"]
        seq = int(entry["seq"].value)
        if kind == "genesis":
            self.title = b["title"]
        elif kind == "define":
            if b["term"] == "actor":
                if b["id"] in BUILTIN_ACTORS or b["id"] in self.actors:
                    raise Refused("actor %s is already defined" % b["id"])
                self.actors.add(b["id"])
            else:
                if b["id"] in BUILTIN_TOPICS or b["id"] in self.topics:
                    raise Refused("topic %s is already defined" % b["id"])
                self.topics.add(b["id"])
        elif kind == "source":
            self.id_ok(b["id"], seq)
            if "derived_from" in b:
                self.need_source(b["derived_from"]["source"], "derived_from source")
            self.sources[b["id"]] = seq
        elif kind == "fact":
            self.fact_ok(b, seq)
            self.facts[b["id"]] = "live"
        elif kind == "supersede":
            self.need_live(b["target"])
            self.fact_ok(b["fact"], seq)
            self.facts[b["target"]] = "superseded"
            self.facts[b["fact"]["id"]] = "live"
        elif kind == "retract":
            self.need_live(b["target"])
            if "source" in b:
                self.need_source(b["source"], "source")
            self.facts[b["target"]] = "retracted"
        elif kind == "dispute":
            self.need_live(b["target"])
            self.need_source(b["citation"]["source"], "disputing source")
        elif kind == "amend":
            self.need_source(b["target"], "amended source")
            d = b.get("set", {}).get("derived_from")
            if d is not None:
                self.need_source(d["source"], "derived_from source")
                if self.sources[d["source"]] > self.sources[b["target"]]:
                    raise Refused("derived_from source %s was registered after %s"
                                  % (d["source"], b["target"]))


# ---------------------------------------------------------------------------
# The algorithm (7.2)
# ---------------------------------------------------------------------------


MAX_LINE_BYTES = 1048576  # section 2


def split_lines(data):
    """[(bytes, terminated)] as in 2.1."""
    parts = data.split(b"\n")
    out = [(p, True) for p in parts[:-1]]
    if parts[-1]:
        out.append((parts[-1], False))
    return out


def utf8_error_column(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return len(raw[:e.start].decode("utf-8", "replace")) + 1
    return None


def verify(data, anchors):
    problems = []
    hashes = []
    next_seq = 0
    alt_seq = None
    prev = None  # None = unknown
    replay = Replay()
    lines = split_lines(data)
    entries = 0
    head = None
    anchor_seen = {}  # anchor seq -> stored hash of the first entry with it

    def report(kind, line, seq, message, column=None, help=None):
        problems.append(Problem(kind, line, seq, message, column, help))

    for idx, (raw, terminated) in enumerate(lines):
        n = idx + 1
        expected = next_seq
        # 0. Length
        if len(raw) > MAX_LINE_BYTES:
            if terminated:
                report("too-long", n, expected, "the line is longer than 1 MiB")
            else:
                report("torn-tail", n, expected, "the last line is incomplete",
                       None, "run ledger repair")
            next_seq = expected + 1
            prev = None
            continue
        # 1. BOM
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            report("bom", n, expected, "the file starts with a byte-order mark", 1)
            raw = raw[3:]
        # 2. CR
        if raw.endswith(b"\r"):
            report("crlf", n, expected, "the line ends in CR", None,
                   "line ends must be LF alone (see .gitattributes)")
            raw = raw[:-1]
        # 3. Blank
        if not raw:
            if terminated:
                report("blank-line", n, expected, "blank line")
            continue
        # 4. UTF-8
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if terminated:
                report("encoding", n, expected, "the line is not valid UTF-8",
                       utf8_error_column(raw))
            else:
                report("torn-tail", n, expected, "the last line is incomplete",
                       None, "run ledger repair")
            next_seq = expected + 1
            prev = None
            # READING: step 4 does not mention alt_seq; it is left unchanged.
            continue
        # 5. Read the line
        r = read_line(text)
        # 6. Torn tail
        if not terminated and (r.entry is None or r.issues):
            report("torn-tail", n, expected, "the last line is incomplete", None,
                   "run ledger repair")
            next_seq = expected + 1
            prev = None
            break
        # 7. Line problems
        line_seq = r.S if r.S is not None else expected
        for iss in r.issues:
            report(iss.kind, n, line_seq, iss.message, iss.column)
        # 8. Missing final newline
        if not terminated:
            report("torn-tail", n, line_seq, "the file does not end in a newline", None,
                   "run ledger repair")
        # 9. Unreadable entry
        if r.entry is None:
            next_seq = expected + 1
            alt_seq = None
            prev = r.H
            continue
        entry = r.entry
        seq = int(entry["seq"].value)
        kind = entry["kind"]
        # 10. Links
        if seq != expected and seq != alt_seq:
            if alt_seq is None:
                report("seq", n, seq, "seq %d, expected %d" % (seq, expected))
            else:
                report("seq", n, seq, "seq %d, expected %d or %d" % (seq, expected, alt_seq))
        wanted = ZERO_HASH if n == 1 else prev
        if wanted is not None and wanted != entry["prev"]:
            report("prev", n, seq, "prev %s... does not link to %s..."
                   % (entry["prev"][:12], wanted[:12]), None,
                   "an entry before this one was changed, removed or reordered")
        if n == 1 and kind != "genesis":
            report("genesis", n, seq, "line 1 is not a genesis entry")
        elif n > 1 and kind == "genesis":
            report("genesis", n, seq, "a genesis entry after line 1")
        # 11. Count
        entries += 1
        head = "%d:%s" % (seq, entry["hash"])
        hashes.append(r.computed)
        # READING: "not yet been matched" = no earlier entry had this seq.
        if seq not in anchor_seen:
            anchor_seen[seq] = entry["hash"]
        # 12. Replay
        try:
            replay.apply(entry)
        except Refused as e:
            report("reference", n, seq, str(e))
        # 13. Expectations
        if alt_seq is not None and seq == alt_seq:
            next_seq = seq + 1
            alt_seq = None
        else:
            alt_seq = expected + 1 if seq != expected else None
            next_seq = max(expected, seq + 1)
        prev = entry["hash"]

    # 14.
    if not lines:
        problems.append(Problem("empty", None, None, "the file has no lines"))
    # 15.
    for aseq, ahash in anchors:
        if aseq not in anchor_seen:
            problems.append(Problem("anchor", None, aseq,
                                    "anchored entry %d is missing (truncated?)" % aseq))
        elif anchor_seen[aseq] != ahash:
            problems.append(Problem("anchor", None, aseq,
                                    "entry %d has hash %s..., anchor says %s..."
                                    % (aseq, anchor_seen[aseq][:12], ahash[:12])))
    return {
        "lines": len(lines),
        "entries": entries,
        "head": head,
        "problems": problems,
        "hashes": hashes,
    }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

RE_ANCHOR = re.compile(r"([0-9]+):([0-9a-f]{64})")


def usage(message):
    sys.stderr.write("error: %s\n" % message)
    sys.stderr.write("usage: verify.py LEDGER.jsonl [--anchor SEQ:HASH]... [--max-errors N]\n")
    sys.exit(2)


def parse_anchor(text):
    # READING: "surrounding whitespace" is taken as ASCII space, tab, CR, LF.
    m = RE_ANCHOR.fullmatch(text.strip(" \t\r\n"))
    if m is None:
        usage("--anchor wants SEQ:HASH (decimal seq, 64 lowercase hex digits), got %r" % text)
    return int(m.group(1)), m.group(2)


def main(argv):
    path = None
    anchors = []
    max_errors = 100
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--anchor" or a == "--max-errors":
            if i + 1 >= len(argv):
                usage("%s needs a value" % a)
            val = argv[i + 1]
            i += 2
        elif a.startswith("--anchor=") or a.startswith("--max-errors="):
            a, val = a.split("=", 1)
            i += 1
        elif a.startswith("-") and a != "-":
            usage("unknown option %s" % a)
        else:
            if path is not None:
                usage("more than one ledger path")
            path = a
            i += 1
            continue
        if a == "--anchor":
            anchors.append(parse_anchor(val))
        else:
            if not re.fullmatch(r"[0-9]+", val):
                usage("--max-errors wants a number")
            max_errors = int(val)
    if path is None:
        usage("no ledger path given")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        sys.stderr.write("error: cannot read %s: %s\n" % (path, e))
        sys.exit(2)
    res = verify(data, anchors)
    problems = res["problems"]
    out = {
        "ok": not problems,
        "path": path,
        "lines": res["lines"],
        "entries": res["entries"],
        "head": res["head"],
        "error_count": len(problems),
        "errors": [p.as_json() for p in problems[:max_errors]],
        "hashes": res["hashes"],
    }
    sys.stdout.write(json.dumps(out, indent=2, sort_keys=True) + "\n")
    sys.exit(0 if not problems else 1)


# Points where docs/FORMAT.md left a choice open (found while writing this
# file from the document alone), and the reading taken above:
#
#  1. FORMAT.md 7.2 step 4: what happens to alt_seq after an undecodable line
#     is not said (step 9 resets it for unreadable lines). Here: unchanged.
#  2. FORMAT.md 7.2 step 11: "each anchor ... that has not yet been matched":
#     matched by an entry with that seq, or by one with that seq and the
#     anchor's hash? Differs when two entries carry the same seq. Here: the
#     first entry with the seq is remembered.
#  3. FORMAT.md 3.1: when a duplicate member name is detected relative to a
#     later syntax error in the same member ({"a":1,"a" 2}, {"a":1,"a":01}).
#     Here: as soon as the second name has been read (duplicate-key).
#  4. FORMAT.md 5.1 (u32) and 7.4 step 6: whether `4.0`, `4e0` or `-0` are a
#     u32 (paragraph, span). 6.3 says `1.0` passes for format, 6.4 asks an
#     integer token for seq; nothing is said for u32. Here: integer token
#     required (so "paragraph":4.0 gives not-canonical and schema).
#  5. FORMAT.md 7.2 step 5: whether S ("seq is a non-negative integer") is the
#     same test as 7.4 step 6.4 (integer token, at most 2^53), e.g. for
#     "seq":5.0 or "seq":9007199254740994. Here: the same test.
#  6. FORMAT.md 4.3: the year range of timestamps is not given (partial dates
#     say 0001-9999). Here: 0000 is accepted, as RFC 3339 allows.
#  7. FORMAT.md 10.2: the anchor's "decimal seq": leading zeros, size limit,
#     and which whitespace is "surrounding" are not given. Here: any run of
#     ASCII digits of any size; ASCII space, tab, CR, LF are trimmed.
#  8. FORMAT.md 7.2 step 6: "report one torn-tail and nothing else for this
#     line" could be read as withdrawing a bom or crlf already reported in
#     steps 1-2 for the same line. Here: those stay.
#  9. FORMAT.md 3.1 "first problem in reading order" vs 3.3: whether a number
#     token is lexed completely before its range is checked, e.g.
#     [9007199254740993.] (syntax at '.', or number-range). Here: lexed by
#     the JSON grammar first, so syntax.
# 10. FORMAT.md 8.2: "the decimal seq of the entry that introduces it": the
#     entry's own seq member or its position (they differ when seq is
#     wrong). Here: the seq member.
# 11. FORMAT.md 7.1/7.2: a file whose unterminated last line is empty after
#     removing a BOM (the file is just EF BB BF) does not end in LF but gets
#     no torn-tail by the algorithm; stated for the stray-CR case only.
#     Here: the algorithm as written (bom only).
# 12. FORMAT.md 10.2: nothing says what verify prints on an unreadable path
#     (exit 2). Here: a message on standard error, nothing on stdout.
#
# FORMAT.md now states each of these: 1 in 7.2 steps 0, 3 and 4; 2 in 7.2
# step 11; 3 and 9 in 3.1; 4 in 3.3 and 5.1; 5 in 7.2 step 5; 6 in 4.3; 8 in
# 7.2 step 6; 10 in 8.2; 11 in the notes after 7.2; 12 in 10.1 (`ledger
# verify --format json` prints an error object; this script prints nothing).
# In every case the document took the reading made here.
#
# Compared with `ledger verify` afterwards (tests/cli/independent.rs): it
# takes the same reading on 1-3, 5, 6 and 8-11. On 4 it also asks an integer
# token. It read the token `-0` as the double -0 where 3.3 then said integer
# 0; 3.3 now says `-0` is not an integer token, and both follow it (test
# negative_zero_integer_token). On 7 it accepted `+7:HASH` and trimmed
# non-ASCII white space; 10.2 now says ASCII digits and ASCII white space only,
# and a seq above 2^64-1 is a usage error.

if __name__ == "__main__":
    main(sys.argv[1:])
