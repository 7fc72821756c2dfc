//! `publish` and `check-published`: a log growing across tile boundaries
//! (1, 255, 256, 257, 512, 600 entries) is published as C2SP tlog-tiles;
//! the files are exactly those the spec names, their bytes are recomputed
//! here from the ledger's lines, full tiles once written are never rewritten,
//! and damage to any file, or a rewritten ledger, is refused.

use crate::fixture::{LEDGER, join, lines, rechain, replace};
use crate::signed::{log_key, write_key};
use crate::util::Env;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;

/// The entry hashes of the ledger's lines, as raw bytes.
fn entry_hashes(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_slice(l).expect("JSON line");
            let h = v["hash"].as_str().expect("hash");
            (0..64)
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
                .collect()
        })
        .collect()
}

fn index_path(n: usize) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    let mut r = n / 1000;
    while r > 0 {
        parts.push(format!("x{:03}", r % 1000));
        r /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

/// Grows the ledger (genesis plus topic definitions) to `size` entries.
fn grow_to(env: &Env, size: usize) {
    let have = lines(&env.read(LEDGER)).len();
    if have >= size {
        return;
    }
    let batch: String = (have..size)
        .map(|i| {
            format!(
                "{{\"kind\":\"define\",\"body\":{{\"term\":\"topic\",\"id\":\"t{i}\",\"label\":\"Topic {i}\"}}}}\n"
            )
        })
        .collect();
    env.write("batch.jsonl", batch);
    env.ok(&["--ledger", LEDGER, "import", "batch.jsonl"]);
}

/// Every file under `dir`, relative.
fn files_under(env: &Env, dir: &str) -> BTreeSet<String> {
    let root = env.path().join(dir);
    let mut out = BTreeSet::new();
    let mut todo = vec![root.clone()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(p.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    out
}

fn publish(env: &Env) -> Value {
    let r = env.ok(&[
        "--ledger", LEDGER, "publish", "pub", "--key", "log.key", "--format", "json",
    ]);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn a_log_growing_across_tile_boundaries() {
    let env = Env::new();
    env.init();
    write_key(&env, "log", &log_key());
    let mut inodes: Vec<(String, u64)> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for size in [1usize, 255, 256, 257, 512, 600] {
        grow_to(&env, size);
        let v = publish(&env);
        assert_eq!(v["size"], size as u64);
        let hashes = entry_hashes(&env.read(LEDGER));
        let leaves: Vec<Vec<u8>> = hashes
            .iter()
            .map(|h| {
                Sha256::new()
                    .chain_update([0u8])
                    .chain_update(h)
                    .finalize()
                    .to_vec()
            })
            .collect();
        // The files this size needs, with their bytes, computed here.
        let mut want: Vec<(String, Vec<u8>)> = Vec::new();
        for (n, chunk) in leaves.chunks(256).enumerate() {
            let suffix = if chunk.len() == 256 {
                String::new()
            } else {
                format!(".p/{}", chunk.len())
            };
            want.push((format!("tile/0/{}{suffix}", index_path(n)), chunk.concat()));
        }
        for (n, chunk) in hashes.chunks(256).enumerate() {
            let suffix = if chunk.len() == 256 {
                String::new()
            } else {
                format!(".p/{}", chunk.len())
            };
            let bytes: Vec<u8> = chunk
                .iter()
                .flat_map(|h| [vec![0, 32], h.clone()].concat())
                .collect();
            want.push((format!("tile/entries/{}{suffix}", index_path(n)), bytes));
        }
        if size >= 256 {
            // Level 1: the root of each full level-0 tile; a partial one here.
            let roots: Vec<Vec<u8>> = leaves
                .chunks_exact(256)
                .map(|c| {
                    let hs: Vec<[u8; 32]> =
                        c.iter().map(|h| h.clone().try_into().unwrap()).collect();
                    ledger::merkle::root_of(
                        &hs.into_iter().map(ledger::hash::Hash).collect::<Vec<_>>(),
                    )
                    .0
                    .to_vec()
                })
                .collect();
            want.push((format!("tile/1/000.p/{}", roots.len()), roots.concat()));
        }
        for (rel, bytes) in &want {
            assert_eq!(
                &env.read(&format!("pub/{rel}")),
                bytes,
                "size {size}: {rel}"
            );
        }
        // Every file ever needed is still there (older partial tiles too),
        // and nothing else.
        seen.extend(want.iter().map(|(r, _)| r.clone()));
        let mut expected = seen.clone();
        expected.insert("checkpoint".into());
        assert_eq!(files_under(&env, "pub"), expected, "size {size}");
        // Full tiles are never rewritten.
        for (rel, ino) in &inodes {
            let now = std::fs::metadata(env.path().join("pub").join(rel))
                .unwrap()
                .ino();
            assert_eq!(now, *ino, "size {size}: {rel} was rewritten");
        }
        for (rel, _) in want.iter().filter(|(r, _)| !r.contains(".p/")) {
            if !inodes.iter().any(|(r, _)| r == rel) {
                let ino = std::fs::metadata(env.path().join("pub").join(rel))
                    .unwrap()
                    .ino();
                inodes.push((rel.clone(), ino));
            }
        }
        let r = env.ok(&[
            "check-published",
            "pub",
            "--key",
            "log.pub",
            "--format",
            "json",
        ]);
        let c: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(c["size"], size as u64);
        // The checkpoint is the one `ledger checkpoint` signs.
        let cp = env.ok(&["--ledger", LEDGER, "checkpoint", "--key", "log.key"]);
        assert_eq!(env.read("pub/checkpoint"), cp.stdout.as_bytes());
    }
    // Publishing again changes nothing.
    let v = publish(&env);
    assert_eq!(v["written"], 0, "{v}");
    let line = String::from_utf8(lines(&env.read(LEDGER))[300].clone()).unwrap();
    let r = env.ok(&[
        "check-published",
        "pub",
        "--key",
        "log.pub",
        "--prove",
        "t300",
        "--line",
        &line,
    ]);
    insta::assert_snapshot!("check_published_prove", r.to_string());
    // Only the tiles the proof needs: level 0 (full 001 and partial 002) and
    // the partial level-1 tile, not the entry bundles.
    let j = env.ok(&[
        "check-published",
        "pub",
        "--key",
        "log.pub",
        "--prove",
        "t300",
        "--line",
        &line,
        "--format",
        "json",
    ]);
    let jv: Value = serde_json::from_str(&j.stdout).unwrap();
    assert!(jv["tiles_read"].as_u64().unwrap() <= 3, "{jv}");
    // A damaged tile on the proof's path fails the proof.
    let rel = "pub/tile/0/002.p/88";
    let good = env.read(rel);
    let mut bad = good.clone();
    bad[0] ^= 1;
    env.write(rel, &bad);
    let r = env.run(&[
        "check-published",
        "pub",
        "--key",
        "log.pub",
        "--prove",
        "t300",
        "--line",
        &line,
    ]);
    assert_eq!(r.code, 1, "{r}");
    env.write(rel, &good);
    let r = env.ok(&[
        "check-published",
        "pub",
        "--key",
        "log.pub",
        "--prove",
        "300",
        "--line",
        &line,
    ]);
    assert!(r.stdout.contains("entry 300"), "{r}");
    let r = env.run(&[
        "check-published",
        "pub",
        "--key",
        "log.pub",
        "--prove",
        "t301",
        "--line",
        &line,
    ]);
    assert_eq!(r.code, 2, "{r}");
    let r = env.run(&[
        "check-published",
        "pub",
        "--key",
        "log.pub",
        "--prove",
        "t300",
        "--line",
        &line.replace("Topic 300", "Topic 3000"),
    ]);
    assert_eq!(r.code, 2, "{r}");
}

#[test]
fn damaged_publications_and_rewritten_ledgers_are_refused() {
    let env = Env::new();
    env.init();
    write_key(&env, "log", &log_key());
    grow_to(&env, 300);
    publish(&env);
    let check = |env: &Env| env.run(&["check-published", "pub", "--key", "log.pub"]);
    for rel in [
        "pub/tile/0/000",
        "pub/tile/entries/001.p/44",
        "pub/tile/1/000.p/1",
    ] {
        let good = env.read(rel);
        let mut bad = good.clone();
        bad[20] ^= 1;
        env.write(rel, &bad);
        let r = check(&env);
        assert_eq!(r.code, 1, "{rel}: {r}");
        if rel == "pub/tile/0/000" {
            insta::assert_snapshot!("check_published_changed_tile", r.to_string());
        }
        env.write(rel, &good);
    }
    std::fs::remove_file(env.path().join("pub/tile/0/001.p/44")).unwrap();
    let r = check(&env);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("check_published_missing_tile", r.to_string());
    publish(&env);
    check(&env);
    // A consistent rewrite of an early entry: publishing it is refused and
    // the publication is left as it was.
    let before = env.read("pub/checkpoint");
    let mut l = lines(&env.read(LEDGER));
    l[3] = replace(&l[3], "Topic 3", "Topic three");
    rechain(&mut l, 3);
    env.write(LEDGER, join(&l));
    env.ok(&["--ledger", LEDGER, "verify"]);
    let r = env.run(&["--ledger", LEDGER, "publish", "pub", "--key", "log.key"]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("publish_rewritten", r.to_string());
    assert_eq!(env.read("pub/checkpoint"), before);
    assert_eq!(check(&env).code, 0);
    // Another log's key cannot take the directory over.
    write_key(
        &env,
        "other",
        &ledger::note::SignerKey::from_seed(
            "example.org/other",
            ledger::note::KeyKind::Ed25519,
            [5; 32],
        ),
    );
    let r = env.run(&["--ledger", LEDGER, "publish", "pub", "--key", "other.key"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(env.read("pub/checkpoint"), before);
}
