//! Hostile and accidental input, one table per way it arrives: lines of the
//! ledger itself, lines of an import file, command-line values, and ledger
//! paths. Every case is refused with a specific message naming file, line and
//! seq where there is one; never a panic, never a stack overflow, and a refused
//! write leaves the ledger byte-for-byte unchanged. JSON output stays JSON.

use crate::fixture::{LEDGER, edit_and_rehash, join, lines, rechain, sample};
use crate::reliability::{add_args, ledger_with_source};
use crate::util::{Env, Run};
use serde_json::{Value, json};

/// Asserts a run did not panic or overflow its stack.
fn no_crash(r: &Run, what: &str) {
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("overflow") && r.code >= 0,
        "{what}: the process crashed:\n{r}"
    );
}

/// Parses `--format json` output, which must be exactly one JSON value.
fn json_of(r: &Run, what: &str) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{what}: stdout is not JSON ({e}):\n{r}"))
}

/// The sample ledger's lines with line `n` (1-based) edited as `edit` says and
/// re-hashed, and the lines after it re-linked, so that the edit is the only
/// problem.
fn edited(env: &Env, n: usize, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut l = lines(&sample(env));
    l[n - 1] = edit_and_rehash(&l[n - 1], edit);
    rechain(&mut l, n);
    join(&l)
}

/// Damaged ledgers: each is refused by `verify` (exit 1) with one problem of
/// the expected kind on the expected line and seq; `verify --format json` and
/// `summary --format json` print valid JSON; a writing command refuses and
/// leaves the file as it was.
#[test]
fn hostile_ledger_lines_are_named_by_line_and_seq() {
    type Case = (
        &'static str,
        Box<dyn Fn(&Env) -> Vec<u8>>,
        &'static str,
        u64,
        u64,
    );
    // Line 7 (seq 6) is the last entry, an actor nothing refers to, so
    // damaging it causes no second problem.
    let line7 = |env: &Env, f: &dyn Fn(&[u8]) -> Vec<u8>| {
        let mut l = lines(&sample(env));
        l[6] = f(&l[6]);
        join(&l)
    };
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            Box::new(move |e| line7(e, &|_| b"{\"seq\":2,]\n".to_vec())),
            "syntax",
            7,
            6,
        ),
        (
            "truncated line",
            Box::new(move |e| line7(e, &|l| [&l[..l.len() / 2], b"\n"].concat())),
            "syntax",
            7,
            6,
        ),
        (
            "invalid UTF-8",
            Box::new(move |e| line7(e, &|l| [&l[..20], b"\xff\xfe", &l[22..]].concat())),
            "encoding",
            7,
            6,
        ),
        (
            "BOM",
            Box::new(|e| [b"\xEF\xBB\xBF".as_slice(), &sample(e)].concat()),
            "bom",
            1,
            0,
        ),
        (
            "CRLF",
            Box::new(move |e| line7(e, &|l| [&l[..l.len() - 1], b"\r\n"].concat())),
            "crlf",
            7,
            6,
        ),
        (
            "blank line",
            Box::new(move |e| line7(e, &|l| [b"\n".as_slice(), l].concat())),
            "blank-line",
            7,
            6,
        ),
        (
            "duplicate key",
            Box::new(move |e| {
                line7(e, &|l| {
                    let s = String::from_utf8(l.to_vec()).expect("UTF-8");
                    s.replacen("{\"body\":{", "{\"body\":{\"id\":\"x\",", 1)
                        .into_bytes()
                })
            }),
            "duplicate-key",
            7,
            6,
        ),
        (
            "10,000 levels of nesting",
            Box::new(move |e| {
                line7(e, &|_| {
                    format!("{}{}\n", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()
                })
            }),
            "syntax",
            7,
            6,
        ),
        (
            "integer beyond 2^53",
            Box::new(move |e| {
                line7(e, &|l| {
                    String::from_utf8(l.to_vec())
                        .expect("UTF-8")
                        .replacen("\"seq\":6", "\"seq\":9007199254740993", 1)
                        .into_bytes()
                })
            }),
            "number-range",
            7,
            6,
        ),
        (
            "unknown kind",
            Box::new(|e| {
                edited(e, 7, |m| {
                    m.insert("kind".into(), json!("rumour"));
                })
            }),
            "schema",
            7,
            6,
        ),
        (
            "unknown field",
            Box::new(|e| {
                edited(e, 7, |m| {
                    m.insert("extra".into(), json!(1));
                })
            }),
            "schema",
            7,
            6,
        ),
        (
            "unknown body field",
            Box::new(|e| {
                edited(e, 7, |m| {
                    m["body"]["extra"] = json!(1);
                })
            }),
            "schema",
            7,
            6,
        ),
        (
            "missing field",
            Box::new(|e| {
                edited(e, 7, |m| {
                    m.remove("recorded");
                })
            }),
            "schema",
            7,
            6,
        ),
        (
            "missing body field",
            Box::new(|e| {
                edited(e, 7, |m| {
                    m["body"].as_object_mut().expect("body").remove("label");
                })
            }),
            "schema",
            7,
            6,
        ),
        (
            "wrong type",
            Box::new(|e| {
                edited(e, 7, |m| {
                    m["body"]["label"] = json!(7);
                })
            }),
            "schema",
            7,
            6,
        ),
        (
            "date 2019-02-30",
            Box::new(|e| {
                edited(e, 4, |m| {
                    m["body"]["valid_from"] = json!("2019-02-30");
                })
            }),
            "schema",
            4,
            3,
        ),
        (
            "date 2019-13",
            Box::new(|e| {
                edited(e, 4, |m| {
                    m["body"]["valid_from"] = json!("2019-13");
                })
            }),
            "schema",
            4,
            3,
        ),
        (
            "valid_to before valid_from",
            Box::new(|e| {
                edited(e, 4, |m| {
                    m["body"]["valid_to"] = json!("1999");
                })
            }),
            "schema",
            4,
            3,
        ),
        (
            "torn final line",
            Box::new(|e| {
                let b = sample(e);
                b[..b.len() - 30].to_vec()
            }),
            "torn-tail",
            7,
            6,
        ),
    ];
    let mut shown = String::new();
    for (name, make, kind, line, seq) in cases {
        let env = Env::new();
        let bytes = make(&env);
        env.write(LEDGER, &bytes);
        let r = env.run(&["--ledger", LEDGER, "verify", "--format", "json"]);
        no_crash(&r, name);
        assert_eq!(r.code, 1, "{name}:\n{r}");
        let v = json_of(&r, name);
        assert_eq!(
            v["error_count"], 1,
            "{name}: expected exactly one problem:\n{r}"
        );
        let e = &v["errors"][0];
        assert_eq!(
            (e["kind"].as_str(), e["line"].as_u64(), e["seq"].as_u64()),
            (Some(kind), Some(line), Some(seq)),
            "{name}:\n{r}"
        );
        let r = env.run(&["--ledger", LEDGER, "verify"]);
        no_crash(&r, name);
        shown.push_str(&format!("=== {name}\n{}", r.stdout));
        let r = env.run(&["--ledger", LEDGER, "summary", "--format", "json"]);
        assert_eq!(r.code, 1, "{name}:\n{r}");
        assert_eq!(
            json_of(&r, name)["error"]["kind"],
            "damaged",
            "{name}:\n{r}"
        );
        let r = env.refused(
            LEDGER,
            &["--ledger", LEDGER, "define", "topic", "t", "--label", "T"],
            1,
        );
        assert!(
            r.stderr.contains(&format!("line {line}")),
            "{name}: the refusal does not name line {line}:\n{r}"
        );
    }
    insta::assert_snapshot!("hostile_ledger_lines", shown);
}

/// Hostile import files: each is refused as a whole (exit 2), naming the file,
/// the line and why; nothing is appended. The bad line sits among a thousand
/// good ones.
#[test]
fn hostile_import_lines_are_named_and_nothing_is_imported() {
    let env = Env::new();
    ledger_with_source(&env);
    let good = |i: usize| {
        format!(
            "{{\"kind\":\"fact\",\"body\":{{\"citations\":[{{\"source\":\"src\"}}],\"id\":\"g{i}\",\"modality\":\"reported\",\"statement\":\"Statement {i}.\",\"subject\":\"CA-KP\",\"topic\":\"embassy\"}}}}"
        )
    };
    let fact = |extra: &str| {
        format!(
            "{{\"kind\":\"fact\",\"body\":{{\"citations\":[{{\"source\":\"src\"}}],\"id\":\"bad\",\"modality\":\"reported\",\"statement\":\"S.\",\"subject\":\"CA-KP\",\"topic\":\"embassy\"{extra}}}}}"
        )
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("malformed JSON", b"{\"kind\":\"fact\",".to_vec()),
        ("truncated line", good(0).as_bytes()[..60].to_vec()),
        (
            "invalid UTF-8",
            [
                b"{\"kind\":\"fact\",\"body\":{\"x\":\"".as_slice(),
                b"\xC3\x28",
                b"\"}}",
            ]
            .concat(),
        ),
        (
            "duplicate key",
            b"{\"kind\":\"fact\",\"kind\":\"source\",\"body\":{}}".to_vec(),
        ),
        (
            "10,000 levels of nesting",
            fact(&format!(
                ",\"value\":{}1{}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ))
            .into_bytes(),
        ),
        (
            "integer beyond 2^53",
            fact(",\"value\":{\"n\":9007199254740993}").into_bytes(),
        ),
        (
            "unknown kind",
            b"{\"kind\":\"rumour\",\"body\":{}}".to_vec(),
        ),
        ("unknown field", fact(",\"colour\":\"red\"").into_bytes()),
        (
            "missing field",
            b"{\"kind\":\"fact\",\"body\":{\"id\":\"bad\"}}".to_vec(),
        ),
        ("wrong type", fact(",\"valid_from\":2019").into_bytes()),
        (
            "date 2019-02-30",
            fact(",\"valid_from\":\"2019-02-30\"").into_bytes(),
        ),
        (
            "date 2019-13",
            fact(",\"valid_from\":\"2019-13\"").into_bytes(),
        ),
        (
            "valid_to before valid_from",
            fact(",\"valid_from\":\"2019\",\"valid_to\":\"2018\"").into_bytes(),
        ),
        (
            "envelope member",
            b"{\"kind\":\"fact\",\"seq\":3,\"body\":{}}".to_vec(),
        ),
        (
            "unknown source",
            good(0)
                .replace("\"src\"", "\"nowhere\"")
                .replace("\"g0\"", "\"bad\"")
                .into_bytes(),
        ),
        (
            "2 MiB line",
            fact(&format!(",\"note\":\"{}\"", "x".repeat(2 << 20))).into_bytes(),
        ),
    ];
    let before = env.read(LEDGER);
    let mut shown = String::new();
    for (name, bad) in cases {
        let mut file = Vec::new();
        for i in 0..1000 {
            if i == 700 {
                file.extend_from_slice(&bad);
            } else {
                file.extend_from_slice(good(i).as_bytes());
            }
            file.push(b'\n');
        }
        env.write("batch.jsonl", &file);
        let r = env.refused(LEDGER, &["--ledger", LEDGER, "import", "batch.jsonl"], 2);
        no_crash(&r, name);
        assert!(
            r.stderr.contains("batch.jsonl:701"),
            "{name}: the bad line is not named:\n{r}"
        );
        assert!(r.stdout.is_empty(), "{name}:\n{r}");
        shown.push_str(&format!("=== {name}\n{}", r.stderr));
    }
    // A BOM is named on line 1; CR LF line ends and blank lines are accepted.
    env.write("batch.jsonl", format!("\u{FEFF}{}\n", good(1)));
    let r = env.refused(LEDGER, &["--ledger", LEDGER, "import", "batch.jsonl"], 2);
    assert!(
        r.stderr
            .contains("batch.jsonl:1: the file starts with a byte-order mark"),
        "{r}"
    );
    shown.push_str(&format!("=== BOM\n{}", r.stderr));
    assert_eq!(env.read(LEDGER), before);
    env.write(
        "batch.jsonl",
        format!("{}\r\n\r\n\n{}\r\n", good(1), good(2)),
    );
    env.ok(&["--ledger", LEDGER, "import", "batch.jsonl"]);
    insta::assert_snapshot!("hostile_import_lines", shown);
}

/// Hostile command-line values: impossible dates, reversed validity, integers
/// beyond 2^53, deep nesting and ids with control characters are refused with
/// the file unchanged. Newlines and control characters in single-line text are
/// refused; a note's line breaks cannot add a line: they are stored escaped,
/// and read back exactly.
#[test]
fn hostile_arguments_are_refused_or_escaped() {
    let env = Env::new();
    ledger_with_source(&env);
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("date 2019-02-30", vec!["--valid-from", "2019-02-30"]),
        ("date 2019-13", vec!["--valid-to", "2019-13"]),
        (
            "valid-to before valid-from",
            vec!["--valid-from", "2019-05", "--valid-to", "2019-04-30"],
        ),
        (
            "integer beyond 2^53",
            vec!["--value", "{\"n\":9007199254740993}"],
        ),
        ("10,000 levels of nesting", vec!["--value", &deep]),
        ("duplicate key", vec!["--value", "{\"a\":1,\"a\":2}"]),
    ];
    let mut shown = String::new();
    for (name, extra) in cases {
        let mut args: Vec<String> = add_args("f-bad");
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = env.refused(LEDGER, &args, 2);
        no_crash(&r, name);
        shown.push_str(&format!("=== {name}\n{}", r.stderr));
    }
    for (name, id) in [
        ("newline in an id", "a\nb"),
        ("control character in an id", "a\u{1b}[2Jb"),
    ] {
        let args = add_args(id);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = env.refused(LEDGER, &args, 2);
        shown.push_str(&format!("=== {name}\n{}", r.stderr));
    }
    insta::assert_snapshot!("hostile_arguments", shown);

    // A statement with line breaks, CR, control characters and a forged
    // second entry is refused at write time (see escaping.rs), the file
    // unchanged.
    let forged = "ok\n{\"body\":{},\"format\":1,\"kind\":\"fact\",\"seq\":99}\r\n\u{1}\u{1b}[31m\u{7f}\u{2028}end";
    let mut args = add_args("f-text");
    args[12] = forged.to_string();
    env.refused(
        LEDGER,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        2,
    );
    // A note may span lines: one holding a forged second entry is still one
    // new line, holding the text exactly.
    let note = "ok\n{\"body\":{},\"format\":1,\"kind\":\"fact\",\"seq\":99}\n\tend";
    let before = lines(&env.read(LEDGER)).len();
    let mut args = add_args("f-text");
    args.extend(["--note".to_string(), note.to_string()]);
    env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let after = env.read(LEDGER);
    let l = lines(&after);
    assert_eq!(
        l.len(),
        before + 1,
        "a command-line value added more than one line"
    );
    let last = crate::fixture::object(&l[before]);
    assert_eq!(last["body"]["note"], note);
    env.ok(&["--ledger", LEDGER, "verify"]);
    let r = env.ok(&["--ledger", LEDGER, "show", "f-text", "--format", "json"]);
    let shown = json_of(&r, "show --format json");
    assert_eq!(shown["history"][0]["body"]["note"], note, "{r}");
}

/// Ledger paths that are not a readable, writable ledger file: each gets a
/// specific message and exit 2 (1 for an empty file, which is a damaged
/// ledger); `verify --format json` still prints JSON. A symlink is followed:
/// writes through it land in its target, under the same lock.
#[test]
fn hostile_ledger_paths_get_specific_messages() {
    let env = Env::new();
    ledger_with_source(&env);
    std::fs::create_dir(env.path().join("dir.jsonl")).expect("mkdir");
    env.write("empty.jsonl", b"");
    std::os::unix::fs::symlink("nowhere.jsonl", env.path().join("dangling.jsonl"))
        .expect("symlink");
    let mut shown = String::new();
    for (name, path, code) in [
        ("directory", "dir.jsonl", 2),
        ("missing", "missing.jsonl", 2),
        ("dangling symlink", "dangling.jsonl", 2),
        ("empty file", "empty.jsonl", 1),
    ] {
        shown.push_str(&format!("=== {name}\n"));
        for args in [
            &["verify"][..],
            &["verify", "--format", "json"][..],
            &["summary", "--format", "json"][..],
            &["head"][..],
            &["define", "topic", "t", "--label", "T"][..],
            &["repair"][..],
        ] {
            let mut all = vec!["--ledger", path];
            all.extend_from_slice(args);
            let r = env.run(&all);
            no_crash(&r, name);
            assert_eq!(r.code, code, "{name} {args:?}:\n{r}");
            if args.contains(&"json") {
                let v = json_of(&r, name);
                assert!(v["ok"] == false, "{name} {args:?}:\n{r}");
            }
            shown.push_str(&format!(
                "$ ledger {}\n{}{}",
                args.join(" "),
                r.stdout,
                r.stderr
            ));
        }
    }
    insta::assert_snapshot!("hostile_paths", shown);

    // A symlinked ledger: reads and writes act on the target.
    std::os::unix::fs::symlink("test.jsonl", env.path().join("ledger/link.jsonl"))
        .expect("symlink");
    env.ok(&[
        "--ledger",
        "ledger/link.jsonl",
        "define",
        "topic",
        "via-link",
        "--label",
        "L",
    ]);
    env.ok(&[
        "--ledger", LEDGER, "define", "topic", "direct", "--label", "D",
    ]);
    let r = env.ok(&["--ledger", "ledger/link.jsonl", "verify"]);
    assert!(r.stdout.contains("4 entries"), "{r}");
    assert!(
        std::fs::symlink_metadata(env.path().join("ledger/link.jsonl"))
            .expect("link")
            .file_type()
            .is_symlink(),
        "the symlink was replaced"
    );
}

/// Unreadable and read-only ledgers. Root can read and write any file, so as
/// root (as in many CI containers) the permission checks cannot be exercised
/// and this test says so and stops.
#[test]
fn unreadable_and_read_only_ledgers_get_specific_messages() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    ledger_with_source(&env);
    let path = env.path().join(LEDGER);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::File::open(&path).is_ok() {
        eprintln!(
            "skipped unreadable_and_read_only_ledgers_get_specific_messages: running as root, permissions are not enforced"
        );
        return;
    }
    let r = env.run(&["--ledger", LEDGER, "verify"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("is not readable (permission denied)"),
        "{r}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let before = env.read(LEDGER);
    env.ok(&["--ledger", LEDGER, "verify"]);
    env.ok(&["--ledger", LEDGER, "head"]);
    let r = env.run(&["--ledger", LEDGER, "define", "topic", "t", "--label", "T"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("is not writable (permission denied); nothing was written"),
        "{r}"
    );
    assert_eq!(env.read(LEDGER), before);
}

/// A 100 MB line, in a ledger and in an import file, is refused by the
/// documented maximum entry size, with its line number, without reading it
/// into memory: the commands run with their address space limited to 64 MiB.
#[test]
fn a_100_mb_line_is_refused_in_bounded_memory() {
    let env = Env::new();
    let mut bytes = sample(&env);
    let good = bytes.clone();
    let mut big = b"{\"body\":\"".to_vec();
    big.resize(100_000_000, b'x');
    big.extend_from_slice(b"\"}\n");
    bytes.extend_from_slice(&big);
    env.write(LEDGER, &bytes);
    let limited = |args: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v 65536; exec \"$0\" {args}"))
            .arg(crate::util::bin())
            .current_dir(env.path())
            .env("LEDGER_NOW", crate::util::NOW)
            .env_remove("LEDGER_PATH")
            .output()
            .expect("run ledger");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let r = limited(&format!("--ledger {LEDGER} verify --format json"));
    no_crash(&r, "verify");
    assert_eq!(r.code, 1, "{r}");
    let v = json_of(&r, "verify");
    assert_eq!(v["errors"][0]["kind"], "too-long", "{r}");
    assert_eq!(v["errors"][0]["line"], 8, "{r}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains(&format!("{} bytes long", big.len() - 1)),
        "{r}"
    );
    // As the last line of a ledger a writer is asked to append to.
    let r = limited(&format!("--ledger {LEDGER} define topic t --label T"));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("longer than the maximum entry size"),
        "{r}"
    );
    // In an import file.
    env.write(LEDGER, &good);
    let mut file = b"{\"kind\":\"fact\",\"body\":{\"note\":\"".to_vec();
    file.resize(100_000_000, b'x');
    file.extend_from_slice(b"\"}}\n");
    env.write("batch.jsonl", &file);
    drop(file);
    let r = limited(&format!("--ledger {LEDGER} import batch.jsonl"));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("batch.jsonl:1: the line is 100000003 bytes long"),
        "{r}"
    );
    assert_eq!(env.read(LEDGER), good);
}

/// A ledger on a read-only file system: readers work, a writer is refused with
/// a message saying so. Needs permission to mount a tmpfs; skipped with a
/// message where that is not allowed. (Unlike file permissions, a read-only
/// mount holds for root too.)
#[test]
fn a_ledger_on_a_read_only_file_system_is_named() {
    use std::process::{Command, Stdio};
    let env = Env::new();
    let mnt = env.path().join("ro");
    std::fs::create_dir(&mnt).expect("mkdir");
    let mount = |opts: &str| {
        Command::new("mount")
            .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
            .arg(&mnt)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !mount("size=1m") {
        eprintln!(
            "skipped a_ledger_on_a_read_only_file_system_is_named: cannot mount a tmpfs here"
        );
        return;
    }
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let l = "ro/test.jsonl";
    env.ok(&["--ledger", l, "init", "--title", "Read-only"]);
    let remounted = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    assert!(remounted, "remount read-only");
    let before = env.read(l);
    env.ok(&["--ledger", l, "verify"]);
    env.ok(&["--ledger", l, "head"]);
    let r = env.run(&["--ledger", l, "define", "topic", "t", "--label", "T"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("ro/test.jsonl is on a read-only file system; nothing was written"),
        "{r}"
    );
    assert_eq!(env.read(l), before);
}
