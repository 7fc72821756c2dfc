//! `ledger import` on the block pipeline: the lines it seals are the ones
//! sealing entry after entry gives, whatever the blocks and threads; a
//! refusal anywhere, the last line included, leaves a ledger it has already
//! written several MiB to byte for byte as it was; and an import that dies
//! while writing is never taken for a committed one (docs/RELIABILITY.md,
//! "Import is all or nothing").

use crate::util::{Env, NOW, bin};
use ledger::entry::{Body, Entry};
use ledger::hash::Hash;
use ledger::import::{Pipeline, import_with};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

const L: &str = "ledger/test.jsonl";

/// The ledger an import of `import` into `ledger` (a genesis entry only)
/// should give: every body sealed one after the other with
/// [`Entry::seal_line`], as every other writer seals.
fn sealed_one_at_a_time(ledger: &[u8], import: &[u8]) -> Vec<u8> {
    let genesis = std::str::from_utf8(ledger).expect("UTF-8");
    let (mut seq, mut prev) = {
        let e = ledger::chain::check_line(genesis.trim_end().as_bytes(), true, true)
            .into_clean()
            .expect("genesis");
        (e.seq, e.hash)
    };
    let mut out = ledger.to_vec();
    for line in std::str::from_utf8(import).expect("UTF-8").lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let v = ledger::jcs::parse_strict(line).expect("import line");
        let kind = v["kind"].as_str().expect("kind");
        let body = Body::from_value(kind, &v["body"]).expect("body");
        seq += 1;
        let (e, text) = Entry::seal_line(seq, prev, NOW.to_string(), body).expect("seal");
        prev = e.hash;
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// The synthetic import of `entries` entries from `seed`, written the way
/// people write files: some lines indented, some blank, some ending in CR LF,
/// the last one sometimes without its LF.
fn synthetic_import(entries: u64, seed: u64, mess: u64) -> Vec<u8> {
    let mut canonical = Vec::new();
    ledger::synthetic::write_import(&mut canonical, entries, seed).expect("import");
    let mut out = Vec::with_capacity(canonical.len() * 2);
    for (i, line) in canonical.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let r = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mess;
        if r.is_multiple_of(7) {
            out.extend_from_slice(b"  \t");
        }
        out.extend_from_slice(line);
        out.extend_from_slice(if r.is_multiple_of(5) { b"\r\n" } else { b"\n" });
        if r.is_multiple_of(11) {
            out.extend_from_slice(b"\n   \n");
        }
    }
    if mess % 2 == 1 && out.ends_with(b"\n") && !out.ends_with(b"\r\n") {
        out.pop();
    }
    out
}

/// A fresh ledger with its genesis entry, in a new directory.
fn fresh(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("test.jsonl");
    ledger::store::init(&path, "Import test", NOW).expect("init");
    path
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the block size and the number of threads, the pipelined
    /// import writes the bytes that sealing the bodies one at a time gives.
    #[test]
    fn pipelined_import_seals_what_one_at_a_time_sealing_does(
        entries in 2u64..400,
        seed in any::<u64>(),
        mess in any::<u64>(),
        workers in 1usize..5,
        block_size in 1usize..20_000,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = fresh(dir.path());
        let import = synthetic_import(entries, seed, mess);
        let file = dir.path().join("batch.jsonl");
        std::fs::write(&file, &import).expect("write import");
        let before = std::fs::read(&path).expect("read");
        let expected = sealed_one_at_a_time(&before, &import);
        let pipe = Pipeline { workers, block_size };
        let (imported, _) = import_with(&path, None, &file, NOW, 3, pipe)
            .expect("import");
        let after = std::fs::read(&path).expect("read");
        prop_assert_eq!(imported.count, entries - 1);
        prop_assert_eq!(imported.from, before.len() as u64);
        prop_assert_eq!(imported.to, after.len() as u64);
        prop_assert!(after == expected, "the pipelined import sealed other bytes");
        let report = crate::fixture::verify_bytes(&after, Vec::new());
        prop_assert!(report.ok(), "{:?}", report.problems);
    }
}

/// Writes a synthetic import of `entries` entries (ids prefixed so that it
/// can follow the ledger's own) and returns its lines.
fn import_lines(entries: u64, seed: u64) -> Vec<u8> {
    let mut canonical = Vec::new();
    ledger::synthetic::write_import(&mut canonical, entries, seed).expect("import");
    canonical
}

/// The marker an import keeps beside the ledger while it writes.
fn marker(env: &Env) -> std::path::PathBuf {
    env.path().join("ledger/.test.jsonl.import")
}

/// A refusal found only at the last line of an import big enough that
/// several MiB of it were already appended (the pipeline writes as it seals)
/// leaves the ledger byte for byte as it was, with the refusal named by its
/// line; so does a bad last line without LF.
#[test]
fn a_refusal_at_the_last_line_leaves_the_ledger_unchanged_after_several_blocks() {
    let env = Env::new();
    env.init();
    // About 11 MiB: more than one 6 MiB write, and dozens of 256 KiB blocks.
    let lines = import_lines(28_000, 7);
    assert!(lines.len() > 10 << 20, "{} bytes", lines.len());
    let n = lines.iter().filter(|&&b| b == b'\n').count() + 1;
    let unknown_source = r#"{"kind":"fact","body":{"citations":[{"source":"nowhere"}],"id":"last","modality":"reported","statement":"S.","subject":"CA-KP","topic":"embassy"}}"#;
    let cases: [(&str, &str, i32); 4] = [
        (
            unknown_source,
            "source `nowhere`, which is not registered",
            2,
        ),
        ("{\"kind\":\"fact\",", "nothing was imported", 2),
        (
            r#"{"kind":"retract","body":{"target":"no-such-fact","reason":"erroneous"}}"#,
            "no-such-fact",
            2,
        ),
        ("not json at all", "nothing was imported", 2),
    ];
    for (i, (last, says, code)) in cases.iter().enumerate() {
        let mut bytes = lines.clone();
        bytes.extend_from_slice(last.as_bytes());
        if i % 2 == 0 {
            bytes.push(b'\n');
        }
        env.write("batch.jsonl", &bytes);
        let r = env.refused(L, &["--ledger", L, "import", "batch.jsonl"], *code);
        assert!(
            r.stderr.contains(&format!("batch.jsonl:{n}")),
            "case {i}: the refusal does not name line {n}:\n{r}"
        );
        assert!(r.stderr.contains(says), "case {i}:\n{r}");
        assert!(r.stdout.is_empty(), "case {i}:\n{r}");
        assert!(!marker(&env).exists(), "case {i}: the marker was left");
        env.ok(&["--ledger", L, "verify"]);
    }
    // The same import without the bad line goes through, and verifies.
    env.write("batch.jsonl", &lines);
    let r = env.ok(&["--ledger", L, "import", "batch.jsonl"]);
    assert!(
        r.stdout.starts_with(&format!(
            "appended {} entries to ledger/test.jsonl, seq 1 to {}:\n",
            n - 1,
            n - 1
        )),
        "{r}"
    );
    assert!(!marker(&env).exists());
    env.ok(&["--ledger", L, "verify"]);
}

/// An import that dies in the middle of its writes (`crash-after:N` aborts
/// after N bytes of its first write) leaves its marker: every command then
/// refuses the ledger as holding an unfinished import, and `repair` moves
/// exactly the import's bytes aside, leaving the ledger as it was.
#[test]
fn an_import_that_dies_while_writing_is_refused_until_repair_undoes_it() {
    let env = Env::new();
    env.init();
    let lines = import_lines(16_000, 3);
    env.write("batch.jsonl", &lines);
    let before = env.read(L);
    for (round, cut) in [0u64, 1, 5_000_000].into_iter().enumerate() {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -c 0; exec \"$0\" \"$@\"")
            .arg(bin())
            .args(["--ledger", L, "import", "batch.jsonl"])
            .current_dir(env.path())
            .env("LEDGER_NOW", NOW)
            .env_remove("LEDGER_PATH")
            .env("LEDGER_FAULT", format!("crash-after:{cut}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run import");
        assert!(!status.success(), "round {round}: the import did not crash");
        let after = env.read(L);
        assert!(after.starts_with(&before), "round {round}");
        assert_eq!(
            after.len() as u64,
            before.len() as u64 + cut,
            "round {round}"
        );
        assert!(marker(&env).exists(), "round {round}: no marker");
        // Whole lines of the import are there when cut > 0: they must not
        // look committed.
        let r = env.run(&["--ledger", L, "verify", "--format", "json"]);
        assert_eq!(r.code, 1, "round {round}: {r}");
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        assert_eq!(v["ok"], false, "round {round}: {r}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("an import did not finish")),
            "round {round}: {r}"
        );
        let r = env.refused(L, &["--ledger", L, "log"], 1);
        assert!(r.stderr.contains("ledger repair"), "round {round}: {r}");
        env.refused(L, &["--ledger", L, "import", "batch.jsonl"], 1);
        let r = env.ok(&["--ledger", L, "repair", "--format", "json"]);
        let v: Value = serde_json::from_str(&r.stdout).expect("repair JSON");
        assert_eq!(v["unfinished_import"], true, "round {round}: {r}");
        assert_eq!(v["bytes"], cut, "round {round}: {r}");
        assert_eq!(v["line"], 2, "round {round}: {r}");
        if cut > 0 {
            let saved = v["saved_to"].as_str().expect("saved_to");
            assert_eq!(env.read(saved), after[before.len()..], "round {round}");
            std::fs::remove_file(env.path().join(saved)).expect("remove");
        } else {
            assert_eq!(v["saved_to"], Value::Null, "round {round}: {r}");
        }
        assert_eq!(env.read(L), before, "round {round}: repair did not restore");
        assert!(!marker(&env).exists(), "round {round}");
        env.ok(&["--ledger", L, "verify"]);
    }
    // And then the import goes through.
    env.ok(&["--ledger", L, "import", "batch.jsonl"]);
    env.ok(&["--ledger", L, "verify"]);
}

/// A marker that does not describe the ledger (planted, or from another
/// file) is refused by `repair`, which then changes nothing.
#[test]
fn repair_refuses_a_marker_that_does_not_match_the_ledger() {
    let env = Env::new();
    env.init();
    let before = env.read(L);
    env.write(
        "ledger/.test.jsonl.import",
        format!(
            "ledger import in progress\nfrom 7 0 {}\n",
            Hash::ZERO.to_hex()
        ),
    );
    let r = env.refused(L, &["--ledger", L, "repair"], 1);
    assert!(r.stderr.contains("does not hold that entry there"), "{r}");
    assert_eq!(env.read(L), before);
    assert!(marker(&env).exists());
}

/// An import of more entries than it keeps whole lists them all in `--format
/// json`, read back from the ledger, in exactly the layout of the one JSON
/// value printed for a small import.
#[test]
fn json_output_of_a_big_import_lists_every_entry() {
    let env = Env::new();
    env.init();
    env.write("batch.jsonl", import_lines(40, 5));
    let r = env.ok(&["--ledger", L, "import", "batch.jsonl", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        r.stdout,
        format!("{}\n", serde_json::to_string_pretty(&v).expect("pretty")),
        "not the pretty-printed layout"
    );
    let items = v["appended"].as_array().expect("appended");
    assert_eq!(items.len(), 39);
    let ledger = String::from_utf8(env.read(L)).expect("UTF-8");
    for (i, (item, line)) in items.iter().zip(ledger.lines().skip(1)).enumerate() {
        let e: Value = serde_json::from_str(line).expect("entry");
        assert_eq!(item["seq"], i as u64 + 1);
        assert_eq!(item["hash"], e["hash"]);
        assert_eq!(item["kind"], e["kind"]);
        let id = e["body"]["id"].clone();
        if !id.is_null() && e["kind"] != "supersede" {
            assert_eq!(item["id"], id, "{item}");
        }
    }
    assert_eq!(v["path"], L);
}

/// An import citing many sources without archived texts names the first
/// ten and counts the rest in one note, rather than printing a note per
/// source (tens of thousands for a big import).
#[test]
fn sources_without_texts_are_named_ten_at_most_and_the_rest_counted() {
    let env = Env::new();
    env.ok(&["--ledger", L, "init", "--title", "Notes"]);
    let import = import_lines(400, 3);
    let mut cited = std::collections::BTreeSet::new();
    for line in std::str::from_utf8(&import).expect("UTF-8").lines() {
        let v: Value = serde_json::from_str(line).expect("JSON");
        let body = &v["body"];
        for c in body["citations"]
            .as_array()
            .into_iter()
            .chain(body["fact"]["citations"].as_array())
            .flatten()
            .chain(body.get("citation"))
        {
            cited.insert(c["source"].as_str().expect("source").to_string());
        }
    }
    assert!(cited.len() > 12, "the import cites {} sources", cited.len());
    env.write("batch.jsonl", &import);
    let r = env.ok(&["--ledger", L, "import", "batch.jsonl"]);
    let named: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: source `"))
        .collect();
    assert_eq!(named.len(), 10, "{}", r.stderr);
    let more = format!(
        "note: {} more cited sources have no archived text either, so their citations are stored as given and cannot be checked",
        cited.len() - 10
    );
    assert!(
        r.stderr.lines().any(|l| l == more),
        "{}\nwanted: {more}",
        r.stderr
    );
}
