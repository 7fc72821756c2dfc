//! Attacks on the seams between code paths: whole-file replacement racing a
//! waiting writer, side files planted as symbolic links, re-sealed lines that
//! outgrow the size limit, `--since` in files that lie about their seqs, an
//! index that is behind or forged, and files that are not regular files.
//! Each test is named after the attack it stops (docs/RELIABILITY.md).

use crate::fixture::{
    LEDGER, append, cite, edit_and_rehash, fact, head_of, join, ledger_path, lines, object, sample,
    verify_bytes,
};
use crate::util::{Env, NOW};
use ledger::entry::{Body, Modality};
use ledger::lines::MAX_ENTRY_BYTES;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `add` arguments for a fact citing the sample's `gac-statement`.
fn add_args<'a>(ledger: &'a str, id: &'a str) -> Vec<&'a str> {
    vec![
        "--ledger",
        ledger,
        "add",
        "--id",
        id,
        "--subject",
        "CA-KP",
        "--topic",
        "trade",
        "--modality",
        "reported",
        "--statement",
        "Trade resumed briefly.",
        "--source",
        "gac-statement",
    ]
}

fn facts(bytes: &[u8]) -> Vec<String> {
    lines(bytes)
        .iter()
        .filter_map(|l| {
            let m = object(l);
            (m["kind"] == "fact").then(|| m["body"]["id"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

/// A writer that is already waiting for the lock when `rebase` swaps the
/// file must not append to the old, unlinked file and report success.
#[test]
fn rebase_does_not_strand_a_waiting_writer() {
    let env = Env::new();
    sample(&env);
    // The other copy: the shared history plus one entry of its own.
    std::fs::copy(ledger_path(&env), env.path().join("other.jsonl")).unwrap();
    append(
        &env.path().join("other.jsonl"),
        vec![Body::Fact(fact(
            "theirs",
            "CA-KP",
            "trade",
            "Trade resumed briefly.",
            Modality::Reported,
            vec![cite("gac-statement")],
        ))],
    );
    env.ok(&add_args(LEDGER, "mine"));
    // The rebase holds the lock and pauses just before its new file takes
    // the ledger's place; meanwhile a writer opens the ledger and waits.
    let mut rebase = Command::new(crate::util::bin())
        .args(["--ledger", LEDGER, "rebase", "--onto", "other.jsonl"])
        .current_dir(env.path())
        .env("LEDGER_NOW", NOW)
        .env("LEDGER_FAULT", "pause-before-replace:1500")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let waiting = Command::new(crate::util::bin())
        .args(add_args(LEDGER, "waiting"))
        .current_dir(env.path())
        .env("LEDGER_NOW", NOW)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rebased = rebase.wait().unwrap();
    assert!(rebased.success(), "rebase failed");
    let added = waiting.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&added.stdout);
    let stderr = String::from_utf8_lossy(&added.stderr);
    let bytes = env.read(LEDGER);
    let ids = facts(&bytes);
    if added.status.success() {
        assert!(
            ids.contains(&"waiting".to_string()),
            "`add` reported success ({stdout}) but its entry is not in the ledger: {ids:?}"
        );
    } else {
        assert!(!ids.contains(&"waiting".to_string()), "{stderr}");
    }
    assert!(
        added.status.success(),
        "the waiting writer should retry on the new file: {stderr}"
    );
    assert!(verify_bytes(&bytes, vec![]).ok());
    assert_eq!(ids, ["f3", "f5", "theirs", "mine", "waiting"]);
}

/// A symbolic link committed where a side file goes (the index, its
/// temporary file) must not make a write overwrite the link's target.
#[test]
fn planted_symlinks_at_side_files_are_not_followed() {
    for planted in [".test.jsonl.idx.tmp", ".test.jsonl.idx"] {
        let env = Env::new();
        sample(&env);
        std::fs::remove_file(env.path().join(format!("ledger/{planted}"))).ok();
        std::fs::remove_file(env.path().join("ledger/.test.jsonl.idx")).ok();
        env.write("victim.txt", "precious\n");
        std::os::unix::fs::symlink(
            env.path().join("victim.txt"),
            env.path().join(format!("ledger/{planted}")),
        )
        .unwrap();
        env.ok(&add_args(LEDGER, "one"));
        env.ok(&add_args(LEDGER, "two"));
        assert_eq!(
            String::from_utf8_lossy(&env.read("victim.txt")),
            "precious\n",
            "a write followed the symlink at {planted}"
        );
        let ids = facts(&env.read(LEDGER));
        assert_eq!(ids, ["f3", "f5", "one", "two"]);
    }
}

/// The line of a fact whose canonical text is exactly `len` bytes at `seq`.
fn fact_of_length(prev: &str, seq: u64, id: &str, len: usize) -> Vec<u8> {
    let mut f = fact(
        id,
        "CA-KP",
        "trade",
        "Trade resumed briefly.",
        Modality::Reported,
        vec![cite("gac-statement")],
    );
    f.note = Some(String::new());
    let line = |note_len: usize, f: &mut ledger::entry::Fact| {
        f.note = Some("n".repeat(note_len));
        let e = ledger::entry::Entry::seal(
            seq,
            ledger::hash::Hash::from_hex(prev).unwrap(),
            NOW.to_string(),
            Body::Fact(f.clone()),
        )
        .unwrap();
        e.to_line().unwrap().into_bytes()
    };
    let base = line(1, &mut f).len() - 1;
    let l = line(1 + len - base, &mut f);
    assert_eq!(l.len() - 1, len);
    l
}

/// Re-sealing an entry at a larger seq can add a digit; a merge or rebase
/// must refuse a result with a line over the limit rather than wedge the
/// ledger with a line `verify` rejects.
#[test]
fn a_merge_that_would_push_a_line_past_the_limit_is_refused() {
    let env = Env::new();
    let base = sample(&env);
    let head = object(lines(&base).last().unwrap());
    let prev = head["hash"].as_str().unwrap().to_string();
    // Theirs: one fact of exactly the maximum size at seq 7 (one digit).
    let big = fact_of_length(&prev, 7, "big", MAX_ENTRY_BYTES);
    let mut theirs = base.clone();
    theirs.extend_from_slice(&big);
    assert!(verify_bytes(&theirs, vec![]).ok());
    // Ours: three more entries, so theirs' fact moves to seq 10.
    for id in ["a", "b", "c"] {
        env.ok(&add_args(LEDGER, id));
    }
    let ours = env.read(LEDGER);
    env.write("base.jsonl", &base);
    env.write("ours.jsonl", &ours);
    env.write("theirs.jsonl", &theirs);
    let r = env.refused(
        "ours.jsonl",
        &[
            "merge-driver",
            "base.jsonl",
            "ours.jsonl",
            "theirs.jsonl",
            "ledger/test.jsonl",
        ],
        2,
    );
    assert!(r.stderr.contains("1048576"), "{r}");
    // The same through rebase: theirs is this ledger, ours the other copy.
    env.write("mine.jsonl", &theirs);
    let r = env.refused(
        "mine.jsonl",
        &["--ledger", "mine.jsonl", "rebase", "--onto", "ours.jsonl"],
        2,
    );
    assert!(r.stderr.contains("1048576"), "{r}");
}

/// A sample ledger grown to `n` facts after its 7 lines.
fn grown(env: &Env, n: usize) -> Vec<u8> {
    sample(env);
    let more = (0..n)
        .map(|i| {
            Body::Fact(fact(
                &format!("g{i}"),
                "CA-KP",
                "trade",
                "Trade resumed briefly.",
                Modality::Reported,
                vec![cite("gac-statement")],
            ))
        })
        .collect();
    append(&ledger_path(env), more);
    env.read(LEDGER)
}

/// `--since` must not pass forged lines because a copy of the SEQ line
/// (a dispute) appears later in the file, where the binary search may land: here the
/// forged lines between carry small seqs, which steer the search past the
/// real line, and new ids, which a reading for ids alone does not check.
#[test]
fn since_is_not_fooled_by_a_repeated_head_line() {
    let env = Env::new();
    grown(&env, 13);
    // SEQ is a dispute: disputing a fact again is allowed, so a copy of its
    // line breaks no referential rule.
    append(
        &ledger_path(&env),
        vec![Body::Dispute(ledger::entry::Dispute {
            target: "f5".into(),
            difference: ledger::entry::Difference::Overstates,
            statement: "Says trade is large.".into(),
            citation: cite("gac-statement"),
            note: None,
        })],
    );
    let bytes = env.read(LEDGER);
    let ls = lines(&bytes);
    let at = ls.len() - 1;
    let anchor = head_of(&join(&ls[..=at]));
    // The real lines up to SEQ, then copies of early lines (small seqs),
    // then a copy of the SEQ line.
    let mut forged: Vec<Vec<u8>> = ls[..=at].to_vec();
    for i in 0..60 {
        // A fact with a new id and a small seq, its hash left stale.
        forged.push(crate::fixture::replace(
            &ls[5],
            "\"id\":\"f5\"",
            &format!("\"id\":\"forged{i}\""),
        ));
    }
    // Copies of the lines before SEQ and at SEQ, linked as they were.
    forged.push(ls[at - 1].clone());
    forged.push(ls[at].clone());
    env.write(LEDGER, join(&forged));
    let full = env.run(&["--ledger", LEDGER, "verify"]);
    assert_eq!(full.code, 1, "{full}");
    let since = env.run(&["--ledger", LEDGER, "verify", "--since", &anchor]);
    assert_eq!(since.code, 1, "forged lines passed `--since`:\n{since}");
}

/// A line after SEQ whose seq is smaller (edited and re-sealed) must not
/// make `--since` miss the SEQ line and report it missing: it reports what
/// a full verification reports.
#[test]
fn since_in_a_file_whose_seq_is_not_monotonic() {
    let env = Env::new();
    let bytes = grown(&env, 40);
    let mut ls = lines(&bytes);
    let anchor = head_of(&join(&ls[..3]));
    // The line the search probes first (the first to start at or after the
    // middle byte) claims seq 1 (re-sealed, so its hash is right).
    let half = bytes.len() / 2;
    let mut offset = 0;
    let mid = ls
        .iter()
        .position(|l| {
            let start = offset;
            offset += l.len();
            start >= half
        })
        .unwrap();
    ls[mid] = edit_and_rehash(&ls[mid], |m| {
        m.insert("seq".into(), Value::from(1));
    });
    env.write(LEDGER, join(&ls));
    let json = |extra: &[&str]| -> Value {
        let mut args = vec!["--ledger", LEDGER, "verify", "--format", "json"];
        args.extend_from_slice(extra);
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{r}");
        serde_json::from_str(&r.stdout).unwrap()
    };
    let full = json(&[]);
    let since = json(&["--since", &anchor]);
    let kinds = |v: &Value| -> Vec<(Value, Value)> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["line"].clone(), e["kind"].clone()))
            .collect()
    };
    assert_eq!(
        kinds(&since),
        kinds(&full),
        "since: {since:#}\nfull: {full:#}"
    );
}

/// Appends `line` to the ledger from outside `ledger` (another tool, a
/// `git pull`), leaving the index behind.
fn append_raw(env: &Env, line: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(ledger_path(env))
        .unwrap();
    f.write_all(line).unwrap();
}

/// An index that catches up from lines appended outside `ledger` must apply
/// the same size limit as a full check: a writer accepts exactly what it
/// accepts without an index.
#[test]
fn index_catch_up_enforces_the_line_limit() {
    let env = Env::new();
    sample(&env);
    env.ok(&add_args(LEDGER, "indexed"));
    assert!(env.path().join("ledger/.test.jsonl.idx").exists());
    // A valid entry one byte over the limit, then one more valid line.
    let bytes = env.read(LEDGER);
    let head = object(lines(&bytes).last().unwrap());
    let big = fact_of_length(
        head["hash"].as_str().unwrap(),
        8,
        "big",
        MAX_ENTRY_BYTES + 1,
    );
    append_raw(&env, &big);
    let big_hash = object(&big)["hash"].as_str().unwrap().to_string();
    let next = fact_of_length(&big_hash, 9, "next", 2000);
    append_raw(&env, &next);
    let r = env.refused(LEDGER, &add_args(LEDGER, "after"), 1);
    assert!(
        r.stderr.contains("too-long") || r.stderr.contains("longer"),
        "{r}"
    );
    // Without the index: the same refusal.
    std::fs::remove_file(env.path().join("ledger/.test.jsonl.idx")).ok();
    env.refused(LEDGER, &add_args(LEDGER, "after"), 1);
}

/// An index file that did not come from this clone's own writes (made in
/// another clone, committed to git and checked out here) must not make a
/// write accept an entry that `verify` then rejects, even when its header
/// is rewritten to cover this ledger's tail with a valid check value for the
/// clone it was made in.
#[test]
fn a_forged_index_is_not_trusted() {
    // The forger's clone: f3 live, and an index saying so.
    let forger = Env::new();
    sample(&forger);
    forger.ok(&add_args(LEDGER, "x"));
    let live_index = forger.read("ledger/.test.jsonl.idx");
    // The victim's clone: the same history, then f3 retracted.
    let env = Env::new();
    env.write(LEDGER, forger.read(LEDGER));
    env.ok(&["--ledger", LEDGER, "retract", "f3", "--reason", "erroneous"]);
    let bytes = env.read(LEDGER);
    // The forger rewrites its index's header to cover the victim's tail, with
    // the check value its own clone would accept, and the file is planted.
    forger.write(LEDGER, &bytes);
    let forged = forge_index_header(
        &live_index,
        &bytes,
        &forger.path().join(LEDGER),
        &forger.path().join("ledger/.test.jsonl.idx"),
    );
    std::fs::remove_file(env.path().join("ledger/.test.jsonl.idx")).unwrap();
    env.write("ledger/.test.jsonl.idx", &forged);
    let r = env.refused(
        LEDGER,
        &[
            "--ledger",
            LEDGER,
            "dispute",
            "f3",
            "--source",
            "gac-statement",
            "--difference",
            "contradicts",
            "--statement",
            "Says otherwise.",
        ],
        2,
    );
    assert!(r.stderr.contains("retracted"), "{r}");
    assert!(verify_bytes(&env.read(LEDGER), vec![]).ok());
}

/// Rewrites the header of index file `idx` to cover the ledger `bytes`,
/// with the check value docs/FORMAT.md 9.4 defines, keyed to the files
/// `ledger` and `index` (the forger's own).
fn forge_index_header(idx: &[u8], bytes: &[u8], ledger: &Path, index: &Path) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::MetadataExt;
    let mut out = idx.to_vec();
    let head = object(lines(bytes).last().unwrap());
    let seq = head["seq"].as_u64().unwrap();
    let hash = ledger::hash::Hash::from_hex(head["hash"].as_str().unwrap()).unwrap();
    out[24..32].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    out[32..40].copy_from_slice(&seq.to_le_bytes());
    out[40..72].copy_from_slice(&hash.0);
    let (l, i) = (
        std::fs::metadata(ledger).unwrap(),
        std::fs::metadata(index).unwrap(),
    );
    let mut key = Sha256::new().chain_update(b"ledger index v3\0");
    for n in [l.dev(), l.ino(), i.dev(), i.ino()] {
        key.update(n.to_le_bytes());
    }
    let key = key.finalize();
    let sum = Sha256::new()
        .chain_update(key)
        .chain_update(&out[..72])
        .finalize();
    out[72..88].copy_from_slice(&sum[..16]);
    out
}

/// `rebase` of a ledger reached through a symbolic link writes the link's
/// target and leaves the link in place; a hard-linked ledger is refused.
#[test]
fn rebase_through_a_link_acts_on_the_target() {
    let env = Env::new();
    sample(&env);
    std::fs::copy(ledger_path(&env), env.path().join("other.jsonl")).unwrap();
    append(
        &env.path().join("other.jsonl"),
        vec![Body::Fact(fact(
            "theirs",
            "CA-KP",
            "trade",
            "Trade resumed briefly.",
            Modality::Reported,
            vec![cite("gac-statement")],
        ))],
    );
    env.ok(&add_args(LEDGER, "mine"));
    std::os::unix::fs::symlink("ledger/test.jsonl", env.path().join("link.jsonl")).unwrap();
    env.ok(&["--ledger", "link.jsonl", "rebase", "--onto", "other.jsonl"]);
    let meta = std::fs::symlink_metadata(env.path().join("link.jsonl")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(facts(&env.read(LEDGER)), ["f3", "f5", "theirs", "mine"]);

    // A hard link: replacing one name would leave the other behind.
    let env = Env::new();
    sample(&env);
    std::fs::copy(ledger_path(&env), env.path().join("other.jsonl")).unwrap();
    append(
        &env.path().join("other.jsonl"),
        vec![Body::Fact(fact(
            "theirs",
            "CA-KP",
            "trade",
            "Trade resumed briefly.",
            Modality::Reported,
            vec![cite("gac-statement")],
        ))],
    );
    env.ok(&add_args(LEDGER, "mine"));
    std::fs::hard_link(ledger_path(&env), env.path().join("hard.jsonl")).unwrap();
    let r = env.refused(
        "hard.jsonl",
        &["--ledger", "hard.jsonl", "rebase", "--onto", "other.jsonl"],
        2,
    );
    assert!(r.stderr.contains("hard link"), "{r}");
}

/// `repair` must agree with `verify`: a complete last entry that ends in CR
/// instead of LF is counted by `verify`, so `repair` must keep it.
#[test]
fn repair_keeps_a_complete_last_entry_ending_in_cr() {
    let env = Env::new();
    let bytes = sample(&env);
    let mut cr = bytes.clone();
    cr.pop();
    cr.push(b'\r');
    env.write(LEDGER, &cr);
    let before: Value = serde_json::from_str(
        &env.run(&["--ledger", LEDGER, "verify", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(before["entries"], 7);
    let r = env.ok(&["--ledger", LEDGER, "repair"]);
    let after = env.read(LEDGER);
    let counted: Value = serde_json::from_str(
        &env.run(&["--ledger", LEDGER, "verify", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        counted["entries"], 7,
        "repair removed an entry verify counted:\n{r}"
    );
    assert!(after == bytes, "{r}");
}

/// A ledger path that is not a regular file (a FIFO, `/dev/stdin` on a
/// pipe) gets a message that says so, not "the ledger is empty".
#[test]
fn a_fifo_ledger_is_named_for_what_it_is() {
    let env = Env::new();
    let fifo = env.path().join("pipe.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    // Writers and readers that need to seek refuse it; opening a FIFO for
    // writing would block without a reader, so nothing may open it blindly.
    for args in [
        vec!["--ledger", "pipe.jsonl", "head"],
        add_args("pipe.jsonl", "x"),
        vec!["--ledger", "pipe.jsonl", "repair"],
        vec![
            "--ledger",
            "pipe.jsonl",
            "verify",
            "--since",
            "0:0000000000000000000000000000000000000000000000000000000000000000",
        ],
    ] {
        let mut child = Command::new(crate::util::bin())
            .args(&args)
            .current_dir(env.path())
            .env("LEDGER_NOW", NOW)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Never hang the test: a command that blocks on the FIFO fails it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().ok();
                panic!("`ledger {args:?}` blocked on a FIFO");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = env.normalize(&String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
        assert!(!stderr.contains("empty"), "{args:?}: {stderr}");
    }
    // A stream can still be verified: `verify` reads it from the start.
    let bytes = sample(&env);
    let r = env.run_with_stdin(&["--ledger", "/dev/stdin", "verify"], Some(&bytes));
    assert_eq!(r.code, 0, "{r}");
}
