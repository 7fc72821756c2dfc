//! Agreement with an independent verifier.
//!
//! `tests/independent/verify.py` is a second implementation of the
//! verification algorithm, written from docs/FORMAT.md alone. These tests run
//! it and `ledger verify --format json` on the same files and require the same
//! verdict: exit code, `ok`, `lines`, `entries`, `head`, `error_count` and the
//! (line, seq, kind) of every listed problem. Messages, columns and help texts
//! may differ (FORMAT.md 7).
//!
//! The files are the bundled ledger, every fixture, and damaged copies of the
//! bundled ledger made here (hand edits, bad tools, interrupted writes,
//! consistent rewrites caught by anchors, random byte changes with a fixed
//! seed). Without `python3` the tests print "skipped: python3 not found".

use crate::util::{Env, repo};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The Python interpreter (resolved once, so later runs skip any launcher).
fn python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = PY
        .get_or_init(|| {
            let out = Command::new("python3")
                .args(["-c", "import sys; print(sys.executable)"])
                .output()
                .ok()?;
            if !out.status.success() {
                return None;
            }
            let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
            Some(PathBuf::from(if exe.is_empty() { "python3" } else { &exe }))
        })
        .clone();
    if found.is_none() {
        println!("skipped: python3 not found");
    }
    found
}

fn script() -> PathBuf {
    repo().join("tests/independent/verify.py")
}

/// What the two verifiers must agree on.
#[derive(Debug, PartialEq)]
struct Verdict {
    code: i32,
    ok: Value,
    lines: Value,
    entries: Value,
    head: Value,
    error_count: Value,
    errors: Vec<(Value, Value, Value)>,
}

fn verdict(code: i32, stdout: &str, who: &str) -> (Verdict, Value) {
    let v: Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("{who}: output is not JSON ({e}):\n{stdout}"));
    let errors = v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{who}: no errors array:\n{stdout}"))
        .iter()
        .map(|e| (e["line"].clone(), e["seq"].clone(), e["kind"].clone()))
        .collect();
    let d = Verdict {
        code,
        ok: v["ok"].clone(),
        lines: v["lines"].clone(),
        entries: v["entries"].clone(),
        head: v["head"].clone(),
        error_count: v["error_count"].clone(),
        errors,
    };
    (d, v)
}

/// Runs both verifiers on `rel` (relative to the test directory) and asserts
/// that they agree. Returns the shared verdict and the Python `hashes`.
fn agree(env: &Env, py: &PathBuf, rel: &str, anchors: &[&str]) -> (Verdict, Vec<String>) {
    // The independent verifier runs while the binary does. `-S`: it needs no
    // site packages, and starts faster without them.
    let mut cmd = Command::new(py);
    cmd.arg("-S").arg(script()).arg(rel).current_dir(env.path());
    for a in anchors {
        cmd.args(["--anchor", a]);
    }
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run verify.py");

    let mut args = vec!["--ledger", rel, "verify", "--format", "json"];
    for a in anchors {
        args.extend(["--anchor", a]);
    }
    let b = env.run(&args);
    let (bin, _) = verdict(b.code, &b.stdout, "ledger verify");

    let out = child.wait_with_output().expect("wait for verify.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (ind, raw) = verdict(
        out.status.code().unwrap_or(-1),
        &stdout,
        "tests/independent/verify.py",
    );
    assert_eq!(
        bin,
        ind,
        "{rel} {anchors:?}: `ledger verify` (left) and the independent verifier (right) disagree\n\
         --- ledger verify\n{}\n--- verify.py\n{stdout}\n--- stderr\n{}",
        b.stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let hashes = raw["hashes"]
        .as_array()
        .expect("hashes array")
        .iter()
        .map(|h| h.as_str().expect("hex").to_string())
        .collect();
    (bin, hashes)
}

/// Writes `bytes` as `cases/NAME.jsonl` and checks agreement; returns the verdict.
fn case(env: &Env, py: &PathBuf, name: &str, bytes: &[u8], anchors: &[&str]) -> Verdict {
    let rel = format!("cases/{name}.jsonl");
    env.write(&rel, bytes);
    agree(env, py, &rel, anchors).0
}

// ---- byte-level editing of a canonical ledger, independent of the library ----

fn bundled() -> Vec<u8> {
    std::fs::read(repo().join("ledger/canada-dprk.jsonl")).expect("bundled ledger")
}

/// Lines without their LF (the bundled ledger ends in LF).
fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    assert_eq!(v.pop(), Some(Vec::new()), "ledger ends in LF");
    v
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Replaces the first `from` in `line`, which must contain it.
fn replace(line: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = find(line, from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} not in {}", String::from_utf8_lossy(line)));
    [&line[..at], to.as_bytes(), &line[at + from.len()..]].concat()
}

/// The stored hash of a canonical line.
fn hash_of(line: &[u8]) -> String {
    let at = find(line, b"\"hash\":\"").expect("hash member") + 8;
    String::from_utf8(line[at..at + 64].to_vec()).expect("hex")
}

/// Recomputes the hash of a canonical line (FORMAT.md 4.2: the bytes hashed
/// are the line without the 74 bytes `,"hash":"<64 hex>"`).
fn rehash(line: &[u8]) -> Vec<u8> {
    let at = find(line, b",\"hash\":\"").expect("hash member");
    let without = [&line[..at], &line[at + 74..]].concat();
    let digest: String = Sha256::digest(&without)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    [&line[..at + 9], digest.as_bytes(), &line[at + 73..]].concat()
}

fn set_prev(line: &[u8], prev: &str) -> Vec<u8> {
    let at = find(line, b"\"prev\":\"").expect("prev member") + 8;
    [&line[..at], prev.as_bytes(), &line[at + 64..]].concat()
}

/// Re-links and re-hashes lines `from..`, as a consistent rewrite would.
fn rechain(lines: &mut [Vec<u8>], from: usize) {
    for i in from..lines.len() {
        if i > 0 {
            let prev = hash_of(&lines[i - 1]);
            lines[i] = set_prev(&lines[i], &prev);
        }
        lines[i] = rehash(&lines[i]);
    }
}

/// The first line at or after `from` that contains `text`.
fn mentioning(lines: &[Vec<u8>], from: usize, text: &str) -> usize {
    (from..lines.len())
        .find(|&i| find(&lines[i], text.as_bytes()).is_some())
        .unwrap_or_else(|| panic!("no line after {from} mentions {text:?}"))
}

fn with_line(lines: &[Vec<u8>], i: usize, new: Vec<u8>) -> Vec<u8> {
    let mut v = lines.to_vec();
    v[i] = new;
    join(&v)
}

fn expect_problems(v: &Verdict, what: &str) {
    assert_eq!(v.ok, Value::Bool(false), "{what}: should not verify: {v:?}");
}

// ---- the tests ----

#[test]
fn bundled_ledger_and_fixtures_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let mut files = vec![(repo().join("ledger/canada-dprk.jsonl"), true)];
    for (dir, valid) in [("valid", true), ("invalid", false)] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures").join(dir))
            .expect("fixture dir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        found.sort();
        assert!(!found.is_empty(), "no fixtures in {dir}");
        files.extend(found.into_iter().map(|p| (p, valid)));
    }
    for (path, valid) in files {
        let rel = path.to_str().expect("UTF-8 path");
        let (v, hashes) = agree(&env, &py, rel, &[]);
        assert_eq!(v.ok, Value::Bool(valid), "{rel}: {v:?}");
        if valid {
            let head = env.ok(&["--ledger", rel, "head"]);
            let head_hash = head.stdout.trim().split(':').nth(1).expect("SEQ:HASH");
            assert_eq!(
                hashes.last().map(String::as_str),
                Some(head_hash),
                "{rel}: last computed hash vs `ledger head`"
            );
        }
    }
}

#[test]
fn edited_lines_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let l = split(&bundled());
    let fact = (1..l.len())
        .find(|&i| {
            find(&l[i], b"\"kind\":\"fact\"").is_some()
                && find(&l[i], b"\"paragraph\":").is_some()
                && find(&l[i], b"Canada").is_some()
        })
        .expect("a fact with a paragraph");
    let para = {
        let at = find(&l[fact], b"\"paragraph\":").expect("paragraph") + 12;
        let end = at
            + l[fact][at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
        String::from_utf8(l[fact][at..end].to_vec()).expect("digits")
    };
    let seq5 = &l[5];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "edited",
            with_line(&l, 5, replace(seq5, "\"body\":{", "\"body\":{\"x\":1,")),
        ),
        (
            "edited-text",
            with_line(&l, fact, replace(&l[fact], "Canada", "Kanada")),
        ),
        (
            "edited-rehashed",
            with_line(&l, fact, rehash(&replace(&l[fact], "Canada", "Kanada"))),
        ),
        (
            "seq-edited-up-rehashed",
            with_line(&l, 5, rehash(&replace(seq5, "\"seq\":5}", "\"seq\":9}"))),
        ),
        (
            "format-1.0",
            with_line(&l, 5, replace(seq5, "\"format\":1,", "\"format\":1.0,")),
        ),
        (
            "seq-5.0",
            with_line(&l, 5, replace(seq5, "\"seq\":5}", "\"seq\":5.0}")),
        ),
        (
            "paragraph-n.0",
            with_line(
                &l,
                fact,
                replace(
                    &l[fact],
                    &format!("\"paragraph\":{para}"),
                    &format!("\"paragraph\":{para}.0"),
                ),
            ),
        ),
        // Integers are integer tokens (FORMAT.md 3.3, 5.1, 7.2 step 5).
        (
            "paragraph-ne0",
            with_line(
                &l,
                fact,
                replace(
                    &l[fact],
                    &format!("\"paragraph\":{para}"),
                    &format!("\"paragraph\":{para}e0"),
                ),
            ),
        ),
        (
            "seq-7.0",
            with_line(&l, 5, replace(seq5, "\"seq\":5}", "\"seq\":7.0}")),
        ),
        (
            "seq-beyond-2-53",
            with_line(
                &l,
                5,
                replace(seq5, "\"seq\":5}", "\"seq\":9007199254740994}"),
            ),
        ),
        (
            "reordered-keys",
            with_line(
                &l,
                5,
                replace(
                    &replace(seq5, "\"format\":1,", ""),
                    "\"seq\":",
                    "\"format\":1,\"seq\":",
                ),
            ),
        ),
        (
            "spaces",
            with_line(&l, 5, replace(seq5, ",\"kind\":", ", \"kind\": ")),
        ),
        (
            "trailing-space",
            with_line(&l, 5, [seq5.as_slice(), b" "].concat()),
        ),
        (
            "escaped-letter",
            with_line(&l, 5, replace(seq5, "\"kind\":", "\"kin\\u0064\":")),
        ),
        (
            "duplicate-key",
            with_line(
                &l,
                5,
                replace(seq5, "\"format\":1,", "\"format\":1,\"format\":1,"),
            ),
        ),
        (
            "number-range",
            with_line(
                &l,
                5,
                replace(seq5, "\"format\":1,", "\"format\":9007199254740993,"),
            ),
        ),
        (
            "syntax-cut",
            with_line(&l, 5, seq5[..seq5.len() / 2].to_vec()),
        ),
        ("not-object", with_line(&l, 5, b"[1,2,3]".to_vec())),
        (
            "unknown-kind",
            with_line(
                &l,
                fact,
                rehash(&replace(
                    &l[fact],
                    "\"kind\":\"fact\"",
                    "\"kind\":\"opinion\"",
                )),
            ),
        ),
        ("invalid-utf8", {
            let mut bad = seq5.clone();
            bad[20] = 0xff;
            with_line(&l, 5, bad)
        }),
    ];
    for (name, bytes) in cases {
        let v = case(&env, &py, name, &bytes, &[]);
        expect_problems(&v, name);
    }
}

#[test]
fn chain_damage_agrees() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let l = split(&bundled());
    let n = l.len();
    let mut swapped = l.clone();
    swapped.swap(5, 6);
    let mut deleted = l.clone();
    deleted.remove(5);
    let mut duplicated = l.clone();
    duplicated.insert(6, l[5].clone());
    let mut genesis_twice = l.clone();
    genesis_twice.insert(1, l[0].clone());
    let mut wrong_genesis_prev = l.clone();
    wrong_genesis_prev[0] = set_prev(&l[0], &"1".repeat(64));
    rechain(&mut wrong_genesis_prev, 0);
    let mut first_not_genesis = l.clone();
    first_not_genesis.remove(0);
    let mut rewritten = l.clone();
    let i = mentioning(&l, 3, "Canada");
    rewritten[i] = replace(&l[i], "Canada", "Kanada");
    rechain(&mut rewritten, i);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("swapped", join(&swapped)),
        ("deleted", join(&deleted)),
        ("deleted-last", join(&l[..n - 1])),
        ("duplicated", join(&duplicated)),
        ("genesis-twice", join(&genesis_twice)),
        ("wrong-genesis-prev", join(&wrong_genesis_prev)),
        ("first-not-genesis", join(&first_not_genesis)),
        ("rewritten-consistently", join(&rewritten)),
    ];
    for (name, bytes) in cases {
        let v = case(&env, &py, name, &bytes, &[]);
        if name != "deleted-last" && name != "rewritten-consistently" {
            expect_problems(&v, name);
        }
    }
}

#[test]
fn file_level_damage_agrees() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let all = bundled();
    let l = split(&all);
    let crlf: Vec<u8> = l
        .iter()
        .flat_map(|x| [x.as_slice(), b"\r\n"].concat())
        .collect();
    let mut blank = l.clone();
    blank.insert(7, Vec::new());
    let mut blank_first = l.clone();
    blank_first.insert(0, Vec::new());
    let mut torn_utf8 = all.clone();
    torn_utf8.truncate(all.len() - 1);
    let last_multibyte = torn_utf8
        .iter()
        .rposition(|&b| b >= 0xc0)
        .expect("non-ASCII text");
    torn_utf8.truncate(last_multibyte + 1);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("torn-tail", all[..all.len() - 40].to_vec()),
        ("torn-tail-utf8", torn_utf8),
        ("missing-final-newline", all[..all.len() - 1].to_vec()),
        ("crlf", crlf),
        ("stray-cr", [all.as_slice(), b"\r"].concat()),
        ("bom", [b"\xef\xbb\xbf".as_slice(), &all].concat()),
        ("blank-line", join(&blank)),
        ("blank-first-line", join(&blank_first)),
        ("trailing-blank-line", [all.as_slice(), b"\n"].concat()),
        ("empty", Vec::new()),
        ("only-newline", b"\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let v = case(&env, &py, name, &bytes, &[]);
        expect_problems(&v, name);
    }
}

/// xorshift64*: a fixed, dependency-free sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_byte_changes_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let l = split(&bundled());
    // The first 16 entries keep each run short; the changes land anywhere in them.
    let base = join(&l[..16]);
    let alphabet = b"{}[],:\"\\0123456789.eE-+ \r\nabftnru\x00\x1f\x7f\xc3\xff";
    let mut rng = Rng(0x5eed_1e55_0fc0_de01);
    for i in 0..16 {
        let mut bytes = base.clone();
        let pos = rng.below(bytes.len());
        let byte = if rng.below(2) == 0 {
            alphabet[rng.below(alphabet.len())]
        } else {
            (rng.next() >> 56) as u8
        };
        match rng.below(3) {
            0 => bytes[pos] = byte,
            1 => {
                bytes.remove(pos);
            }
            _ => bytes.insert(pos, byte),
        }
        case(&env, &py, &format!("random-{i}"), &bytes, &[]);
    }
}

#[test]
fn anchors_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let all = bundled();
    let l = split(&all);
    let n = l.len();
    let head = format!("{}:{}", n - 1, hash_of(&l[n - 1]));
    let early = format!("3:{}", hash_of(&l[3]));
    let mut rewritten = l.clone();
    let i = mentioning(&l, 10, "Canada");
    rewritten[i] = replace(&l[i], "Canada", "Kanada");
    rechain(&mut rewritten, i);
    let rewritten = join(&rewritten);
    let truncated = join(&l[..n - 10]);

    let v = case(&env, &py, "anchor-intact", &all, &[&head, &early]);
    assert_eq!(v.ok, Value::Bool(true), "{v:?}");
    let v = case(&env, &py, "anchor-truncated", &truncated, &[&head]);
    expect_problems(&v, "truncated");
    let v = case(&env, &py, "anchor-truncated-early", &truncated, &[&early]);
    assert_eq!(v.ok, Value::Bool(true), "{v:?}");
    let v = case(&env, &py, "anchor-rewritten", &rewritten, &[&early, &head]);
    expect_problems(&v, "rewritten");
    let v = case(
        &env,
        &py,
        "anchor-both",
        &truncated,
        &[
            &head,
            &early,
            " 4:0000000000000000000000000000000000000000000000000000000000000000 ",
        ],
    );
    expect_problems(&v, "both");
}

/// FORMAT.md 3.3: the token `-0` is the double −0, not an integer, so
/// `"seq":-0` is both `not-canonical` and `schema`, for both verifiers.
#[test]
fn negative_zero_integer_token() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let l = split(&bundled());
    let line = replace(&l[0], "\"seq\":0}", "\"seq\":-0}");
    case(&env, &py, "seq-negative-zero", &join(&[line]), &[]);
}
