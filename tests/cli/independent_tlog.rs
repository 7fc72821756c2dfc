//! Agreement with an independent checker of checkpoints, cosignatures,
//! proofs and tiles: `tests/independent/tlog.py`, written from
//! docs/FORMAT.md section 15 alone with Python's `cryptography` for Ed25519.
//! It must accept what `ledger` signs, proves and publishes, compute the
//! same roots, and refuse what `ledger` refuses. Without python3 or its
//! `cryptography` package the tests print "skipped: …", except in CI
//! (`CI=true`), where that is a failure.

use crate::fixture::{LEDGER, join, lines, rechain, replace, sample};
use crate::signed::{SUMDB_KEY, log_key, sumdb_checkpoint, witness_key, write_key};
use crate::util::{Env, repo};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

fn python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = PY
        .get_or_init(|| {
            let out = Command::new("python3")
                .args(["-c", "import cryptography, sys; print(sys.executable)"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
        .clone();
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "python3 with the `cryptography` package is needed in CI (pip install cryptography)"
            );
        }
        println!("skipped: python3 with the `cryptography` package not found");
    }
    found
}

/// Runs `tlog.py ARGS` in the test directory: (exit code, JSON output).
fn tlog(env: &Env, py: &PathBuf, args: &[&str]) -> (i32, Value) {
    let out = Command::new(py)
        .arg(repo().join("tests/independent/tlog.py"))
        .args(args)
        .current_dir(env.path())
        .output()
        .expect("run tlog.py");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tlog.py {args:?}: not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn accepts(env: &Env, py: &PathBuf, args: &[&str]) -> Value {
    let (code, v) = tlog(env, py, args);
    assert_eq!(code, 0, "tlog.py {args:?} refused: {v}");
    v
}

fn refuses(env: &Env, py: &PathBuf, args: &[&str]) {
    let (code, v) = tlog(env, py, args);
    assert_eq!(code, 1, "tlog.py {args:?} accepted: {v}");
}

#[test]
fn checkpoints_and_cosignatures_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    sample(&env);
    write_key(&env, "log", &log_key());
    write_key(&env, "w1", &witness_key("witness.example/w1", 21));
    let cp = env.ok(&["--ledger", LEDGER, "checkpoint", "--key", "log.key"]);
    env.write("cp", &cp.stdout);
    let v = accepts(&env, &py, &["checkpoint", "cp", "--key", "log.pub"]);
    let root = accepts(&env, &py, &["root", LEDGER]);
    assert_eq!(v["root"], root["root"], "{v} {root}");
    assert_eq!(v["size"], 7);
    for n in 1..=7u64 {
        let c = env.ok(&[
            "--ledger",
            LEDGER,
            "checkpoint",
            "--key",
            "log.key",
            "--at",
            &(n - 1).to_string(),
        ]);
        env.write("cp-n", &c.stdout);
        let a = accepts(&env, &py, &["checkpoint", "cp-n", "--key", "log.pub"]);
        let b = accepts(&env, &py, &["root", LEDGER, "--size", &n.to_string()]);
        assert_eq!(a["root"], b["root"], "size {n}");
    }
    // A witness's cosignature.
    let c = env.ok(&[
        "--ledger",
        LEDGER,
        "cosign",
        "cp",
        "--key",
        "w1.key",
        "--log-key",
        "log.pub",
        "--state",
        "st",
    ]);
    env.write("cp-w", &c.stdout);
    let v = accepts(
        &env,
        &py,
        &[
            "checkpoint",
            "cp-w",
            "--key",
            "log.pub",
            "--witness",
            "w1.pub",
        ],
    );
    assert_eq!(v["cosigned_by"].as_array().map(Vec::len), Some(1), "{v}");
    // Tampered: refused by both.
    let text = String::from_utf8(env.read("cp-w")).unwrap();
    env.write("cp-bad", text.replacen("\n7\n", "\n6\n", 1));
    refuses(&env, &py, &["checkpoint", "cp-bad", "--key", "log.pub"]);
    assert_eq!(
        env.run(&["check-checkpoint", "cp-bad", "--key", "log.pub"])
            .code,
        1
    );
    // The cosignature alone, with its timestamp changed.
    let w = text.lines().last().unwrap().to_string();
    use base64::Engine;
    let e = base64::engine::general_purpose::STANDARD;
    let mut raw = e.decode(w.rsplit_once(' ').unwrap().1).unwrap();
    raw[11] ^= 1;
    let forged = text.replace(&w, &format!("— witness.example/w1 {}", e.encode(&raw)));
    env.write("cp-time", forged);
    refuses(
        &env,
        &py,
        &[
            "checkpoint",
            "cp-time",
            "--key",
            "log.pub",
            "--witness",
            "w1.pub",
        ],
    );
    assert_eq!(
        env.run(&["check-checkpoint", "cp-time", "--key", "w1.pub"])
            .code,
        1
    );
    // Another origin.
    accepts(
        &env,
        &py,
        &[
            "checkpoint",
            "cp",
            "--key",
            "log.pub",
            "--origin",
            "example.org/relations",
        ],
    );
    refuses(
        &env,
        &py,
        &[
            "checkpoint",
            "cp",
            "--key",
            "log.pub",
            "--origin",
            "example.org/other",
        ],
    );
    // A real checkpoint of Go's checksum database: the same verdict.
    env.write("go", sumdb_checkpoint());
    accepts(&env, &py, &["checkpoint", "go", "--key", SUMDB_KEY]);
    // After a consistent rewrite the roots differ, for both.
    let mut l = lines(&env.read(LEDGER));
    l[1] = replace(&l[1], "\"recorded\":\"2026", "\"recorded\":\"2025");
    rechain(&mut l, 1);
    env.write(LEDGER, join(&l));
    let root2 = accepts(&env, &py, &["root", LEDGER]);
    assert_ne!(root2["root"], root["root"]);
}

#[test]
fn proofs_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    sample(&env);
    write_key(&env, "log", &log_key());
    for n in 1..=7u64 {
        let c = env.ok(&[
            "--ledger",
            LEDGER,
            "checkpoint",
            "--key",
            "log.key",
            "--at",
            &(n - 1).to_string(),
        ]);
        env.write(&format!("cp{n}"), &c.stdout);
    }
    for n in 1..=7u64 {
        for m in 0..n {
            let r = env.ok(&[
                "--ledger",
                LEDGER,
                "prove",
                &m.to_string(),
                "--size",
                &n.to_string(),
            ]);
            env.write("p.json", &r.stdout);
            let v = accepts(
                &env,
                &py,
                &[
                    "proof",
                    "p.json",
                    "--checkpoint",
                    &format!("cp{n}"),
                    "--key",
                    "log.pub",
                ],
            );
            assert_eq!(v["seq"], m);
            // Against the checkpoint of another size: refused.
            if n > 1 && m == 0 {
                let other = format!("cp{}", n - 1);
                let (code, _) = tlog(
                    &env,
                    &py,
                    &[
                        "proof",
                        "p.json",
                        "--checkpoint",
                        &other,
                        "--key",
                        "log.pub",
                    ],
                );
                assert_eq!(code, 1);
            }
        }
        for m in 1..=n {
            let r = env.ok(&[
                "--ledger",
                LEDGER,
                "consistency",
                "--from",
                &m.to_string(),
                "--to",
                &n.to_string(),
            ]);
            env.write("c.json", &r.stdout);
            accepts(
                &env,
                &py,
                &[
                    "proof",
                    "c.json",
                    "--checkpoint",
                    &format!("cp{m}"),
                    "--checkpoint",
                    &format!("cp{n}"),
                    "--key",
                    "log.pub",
                ],
            );
        }
    }
    // An edited line is refused by both.
    let r = env.ok(&["--ledger", LEDGER, "prove", "3"]);
    let mut v: Value = serde_json::from_str(&r.stdout).unwrap();
    let line =
        v["line"]
            .as_str()
            .unwrap()
            .replacen("\"recorded\":\"2026", "\"recorded\":\"2025", 1);
    v["line"] = Value::String(line);
    env.write("bad.json", v.to_string());
    refuses(
        &env,
        &py,
        &[
            "proof",
            "bad.json",
            "--checkpoint",
            "cp7",
            "--key",
            "log.pub",
        ],
    );
    assert_eq!(
        env.run(&[
            "check-proof",
            "bad.json",
            "--checkpoint",
            "cp7",
            "--key",
            "log.pub"
        ])
        .code,
        1
    );
}

#[test]
fn tiles_agree() {
    let Some(py) = python() else { return };
    let env = Env::new();
    env.init();
    write_key(&env, "log", &log_key());
    let batch: String = (1..600)
        .map(|i| format!("{{\"kind\":\"define\",\"body\":{{\"term\":\"topic\",\"id\":\"t{i}\",\"label\":\"T{i}\"}}}}\n"))
        .collect();
    env.write("batch.jsonl", batch);
    env.ok(&["--ledger", LEDGER, "import", "batch.jsonl"]);
    env.ok(&["--ledger", LEDGER, "publish", "pub", "--key", "log.key"]);
    let v = accepts(&env, &py, &["tiles", "pub", "--key", "log.pub"]);
    assert_eq!(v["size"], 600);
    let root = accepts(&env, &py, &["root", LEDGER]);
    assert_eq!(v["root"], root["root"]);
    let mut t = env.read("pub/tile/1/000.p/2");
    t[5] ^= 1;
    env.write("pub/tile/1/000.p/2", t);
    refuses(&env, &py, &["tiles", "pub", "--key", "log.pub"]);
    assert_eq!(
        env.run(&["check-published", "pub", "--key", "log.pub"])
            .code,
        1
    );
}

/// Entries of format 2 (a supersession that carries disputes, amendments of
/// sources) are leaves like any other: the independent checker computes the
/// same root over a ledger holding them, accepts the checkpoint `ledger`
/// signs, and accepts an inclusion proof of each of them.
#[test]
fn format_2_entries_are_ordinary_leaves() {
    let Some(py) = python() else { return };
    let env = Env::new();
    let fixture = std::fs::read(repo().join("tests/fixtures/valid/canada-north-korea.jsonl"))
        .expect("fixture");
    env.write(LEDGER, &fixture);
    write_key(&env, "log", &log_key());
    let cp = env.ok(&["--ledger", LEDGER, "checkpoint", "--key", "log.key"]);
    env.write("cp", &cp.stdout);
    let v = accepts(&env, &py, &["checkpoint", "cp", "--key", "log.pub"]);
    let root = accepts(&env, &py, &["root", LEDGER]);
    assert_eq!(v["root"], root["root"], "{v} {root}");
    let format_2: Vec<u64> = String::from_utf8(fixture)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .filter(|e| e["format"] == 2)
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(
        format_2.len(),
        3,
        "the fixture holds three format 2 entries"
    );
    for seq in format_2 {
        let r = env.ok(&["--ledger", LEDGER, "prove", &seq.to_string()]);
        env.write("p.json", &r.stdout);
        let v = accepts(
            &env,
            &py,
            &["proof", "p.json", "--checkpoint", "cp", "--key", "log.pub"],
        );
        assert_eq!(v["seq"], seq);
        env.ok(&[
            "check-proof",
            "p.json",
            "--checkpoint",
            "cp",
            "--key",
            "log.pub",
        ]);
    }
}
