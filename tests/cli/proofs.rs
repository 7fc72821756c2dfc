//! `prove`, `consistency` and `check-proof` on a ledger of 300 entries: the
//! first, the last and every power-of-two boundary entry of trees of sizes 1
//! to 300, checked against roots and paths recomputed here from the ledger's
//! lines (RFC 9162 written again, independently of the library), and by
//! `check-proof` against signed checkpoints of those sizes.

use crate::fixture::LEDGER;
use crate::signed::{log_key, write_key};
use crate::util::Env;
use serde_json::Value;
use sha2::{Digest, Sha256};

type H = [u8; 32];

fn sha(parts: &[&[u8]]) -> H {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// MTH of RFC 9162 2.1.1 over leaf hashes.
fn mth(leaves: &[H]) -> H {
    match leaves.len() {
        0 => sha(&[]),
        1 => leaves[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            sha(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// PATH(m, D[n]) of RFC 9162 2.1.3.1.
fn path(m: usize, leaves: &[H]) -> Vec<H> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn hex(h: &H) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// The leaf hash of each line: SHA-256(0x00 ‖ the 32 bytes of its `hash`).
fn leaves_of(bytes: &[u8]) -> Vec<H> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_slice(l).expect("JSON line");
            let h = v["hash"].as_str().expect("hash");
            let raw: Vec<u8> = (0..64)
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
                .collect();
            sha(&[&[0], &raw])
        })
        .collect()
}

/// A ledger of 300 entries: genesis and 299 topic definitions, imported.
fn env_300() -> Env {
    let env = Env::new();
    env.init();
    let batch: String = (1..300)
        .map(|i| {
            format!(
                "{{\"kind\":\"define\",\"body\":{{\"term\":\"topic\",\"id\":\"t{i}\",\"label\":\"Topic {i}\"}}}}\n"
            )
        })
        .collect();
    env.write("batch.jsonl", batch);
    env.ok(&["--ledger", LEDGER, "import", "batch.jsonl"]);
    write_key(&env, "log", &log_key());
    env
}

/// The sizes tried: every size up to 300 that is a power of two, or next to
/// one, and a few others.
fn sizes() -> Vec<usize> {
    let mut s: Vec<usize> = (0..=8)
        .flat_map(|k| {
            let p = 1usize << k;
            [p - 1, p, p + 1]
        })
        .chain([3, 5, 6, 7, 10, 100, 299, 300])
        .filter(|&n| (1..=300).contains(&n))
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// First, last and power-of-two boundary entries of a tree of `n`.
fn boundary_entries(n: usize) -> Vec<usize> {
    let mut s = vec![0, n - 1];
    for k in 0..9 {
        let p = 1usize << k;
        s.extend([p - 1, p].into_iter().filter(|&i| i < n));
    }
    s.sort_unstable();
    s.dedup();
    s
}

#[test]
fn inclusion_proofs_of_boundary_entries_at_every_size() {
    let env = env_300();
    let leaves = leaves_of(&env.read(LEDGER));
    assert_eq!(leaves.len(), 300);
    let mut checked = 0;
    for n in sizes() {
        let root = mth(&leaves[..n]);
        let cp = env.ok(&[
            "--ledger",
            LEDGER,
            "checkpoint",
            "--key",
            "log.key",
            "--at",
            &(n - 1).to_string(),
            "--format",
            "json",
        ]);
        let cpv: Value = serde_json::from_str(&cp.stdout).unwrap();
        assert_eq!(cpv["root_hex"], hex(&root), "size {n}");
        env.write(
            format!("cp-{n}").as_str(),
            cpv["checkpoint"].as_str().unwrap(),
        );
        for m in boundary_entries(n) {
            let r = env.ok(&[
                "--ledger",
                LEDGER,
                "prove",
                &m.to_string(),
                "--size",
                &n.to_string(),
            ]);
            let v: Value = serde_json::from_str(&r.stdout).unwrap();
            let want: Vec<String> = path(m, &leaves[..n]).iter().map(hex).collect();
            let got: Vec<String> = v["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, want, "entry {m} of {n}");
            assert_eq!(
                (v["seq"].as_u64(), v["tree_size"].as_u64()),
                (Some(m as u64), Some(n as u64))
            );
            if m == 0 || m == n - 1 {
                let file = format!("p-{m}-{n}.json");
                env.write(&file, &r.stdout);
                env.ok(&[
                    "check-proof",
                    &file,
                    "--checkpoint",
                    &format!("cp-{n}"),
                    "--key",
                    "log.pub",
                ]);
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn consistency_proofs_between_sizes() {
    let env = env_300();
    for n in [1usize, 2, 3, 4, 7, 8, 9, 255, 256, 257, 300] {
        let cp = env.ok(&[
            "--ledger",
            LEDGER,
            "checkpoint",
            "--key",
            "log.key",
            "--at",
            &(n - 1).to_string(),
        ]);
        env.write(format!("cp-{n}").as_str(), &cp.stdout);
    }
    let pairs = [
        (1, 1),
        (1, 2),
        (1, 300),
        (2, 3),
        (3, 7),
        (4, 8),
        (7, 9),
        (8, 257),
        (255, 256),
        (256, 257),
        (257, 300),
        (300, 300),
    ];
    for (m, n) in pairs {
        let r = env.ok(&[
            "--ledger",
            LEDGER,
            "consistency",
            "--from",
            &m.to_string(),
            "--to",
            &n.to_string(),
        ]);
        let file = format!("c-{m}-{n}.json");
        env.write(&file, &r.stdout);
        let args = [
            "check-proof",
            &file,
            "--checkpoint",
            &format!("cp-{m}"),
            "--checkpoint",
            &format!("cp-{n}"),
            "--key",
            "log.pub",
        ];
        env.ok(&args);
        // Swapped checkpoints or a changed hash: refused.
        if m < n {
            let v: Value = serde_json::from_str(&r.stdout).unwrap();
            let mut bad = v.clone();
            let first = bad["path"][0].as_str().unwrap().to_string();
            let flipped = if first.starts_with('0') { "1" } else { "0" };
            bad["path"][0] = Value::String(format!("{flipped}{}", &first[1..]));
            env.write(&file, bad.to_string());
            let r = env.run(&args);
            assert_eq!(r.code, 1, "{m}->{n}: {r}");
        }
    }
    let r = env.run(&["--ledger", LEDGER, "consistency", "--from", "0"]);
    assert_eq!(r.code, 2, "{r}");
    let r = env.run(&[
        "--ledger",
        LEDGER,
        "consistency",
        "--from",
        "5",
        "--to",
        "4",
    ]);
    assert_eq!(r.code, 2, "{r}");
}

#[test]
fn a_proof_by_id_and_its_failures() {
    let env = env_300();
    let cp = env.ok(&["--ledger", LEDGER, "checkpoint", "--key", "log.key"]);
    env.write("now.checkpoint", &cp.stdout);
    let r = env.ok(&["--ledger", LEDGER, "prove", "t42"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["seq"], 42);
    env.write("p.json", &r.stdout);
    let ok = env.ok(&[
        "check-proof",
        "p.json",
        "--checkpoint",
        "now.checkpoint",
        "--key",
        "log.pub",
    ]);
    insta::assert_snapshot!("check_proof_ok", ok.to_string());
    // The line edited: its hash no longer matches it.
    let mut edited = v.clone();
    edited["line"] = Value::String(v["line"].as_str().unwrap().replace("Topic 42", "Topic 43"));
    env.write("edited.json", edited.to_string());
    let r = env.run(&[
        "check-proof",
        "edited.json",
        "--checkpoint",
        "now.checkpoint",
        "--key",
        "log.pub",
    ]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("check_proof_edited_line", r.to_string());
    // Another entry's line, rehashed correctly, still is not leaf 42.
    let other = env.ok(&["--ledger", LEDGER, "prove", "43"]);
    let o: Value = serde_json::from_str(&other.stdout).unwrap();
    let mut moved = o.clone();
    moved["seq"] = v["seq"].clone();
    moved["path"] = v["path"].clone();
    env.write("moved.json", moved.to_string());
    let r = env.run(&[
        "check-proof",
        "moved.json",
        "--checkpoint",
        "now.checkpoint",
        "--key",
        "log.pub",
    ]);
    assert_eq!(r.code, 1, "{r}");
    // A checkpoint of another size.
    let old = env.ok(&[
        "--ledger",
        LEDGER,
        "checkpoint",
        "--key",
        "log.key",
        "--at",
        "100",
    ]);
    env.write("old.checkpoint", &old.stdout);
    let r = env.run(&[
        "check-proof",
        "p.json",
        "--checkpoint",
        "old.checkpoint",
        "--key",
        "log.pub",
    ]);
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("check_proof_wrong_size", r.to_string());
    let r = env.run(&["--ledger", LEDGER, "prove", "no-such-id"]);
    assert_eq!(r.code, 2, "{r}");
    let r = env.run(&["--ledger", LEDGER, "prove", "200", "--size", "150"]);
    assert_eq!(r.code, 2, "{r}");
}
