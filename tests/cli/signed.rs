//! Keys, signed checkpoints and `verify --checkpoint`: keygen's files,
//! checkpoints our own and other logs' (Go's checksum database, Go's
//! `sumdb/note` test vector), wrong keys, wrong key IDs, tampered notes,
//! other origins, and a consistent rewrite and a truncation caught by a
//! checkpoint that `verify` alone accepts.

use crate::fixture::{LEDGER, join, lines, rechain, replace, sample};
use crate::util::{Env, Run};
use ledger::note::{KeyKind, SignerKey};
use std::os::unix::fs::PermissionsExt;

/// The log key of these tests: a fixed seed, so output is stable.
pub fn log_key() -> SignerKey {
    SignerKey::from_seed("example.org/relations", KeyKind::Ed25519, [1; 32])
}

/// A witness key with a fixed seed.
pub fn witness_key(name: &str, seed: u8) -> SignerKey {
    SignerKey::from_seed(name, KeyKind::Cosignature, [seed; 32])
}

/// Writes `NAME.key` and `NAME.pub` of `key` into the test directory, as
/// `keygen` would, and returns their names.
pub fn write_key(env: &Env, file: &str, key: &SignerKey) -> (String, String) {
    let (k, p) = (format!("{file}.key"), format!("{file}.pub"));
    env.write(&k, format!("{}\n", key.text()));
    env.write(&p, format!("{}\n", key.verifier().text()));
    (k, p)
}

/// A sample ledger (7 entries) with the log key written as log.key/log.pub.
pub fn signed_env() -> Env {
    let env = Env::new();
    sample(&env);
    write_key(&env, "log", &log_key());
    env
}

fn checkpoint(env: &Env, extra: &[&str]) -> Run {
    let mut args = vec!["--ledger", LEDGER, "checkpoint", "--key", "log.key"];
    args.extend_from_slice(extra);
    env.ok(&args)
}

// Real checkpoints of Go's checksum database, signed by its published key
// sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8.

/// From transparency-dev/formats, log/note_test.go (TestSumDBNoteParsing),
/// commit 0b850f1a7b4a5b70deeacac6535e4b8023809d21.
const SUMDB_6476701: &str = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n";

/// From FiloSottile/litetlog, cmd/litewitness/testdata/sumdb.txt (the body
/// submitted to add-checkpoint), commit b7f81a1bc8094dbec15cbfb10ce69330c68cc52c.
const SUMDB_35225469: &str = "go.sum database tree\n35225469\nvt5T6GaLCXvyHFl9VUvvItR43XZxfLgftEcTyO3eJCQ=\n\n— sum.golang.org Az3grpukl5AXaVfYkLiDGORx/DN2nlcS5kZHR5uYOBV2KA2HgXpD+gu9HHONebHLAyaKbbTM75QTtPydhKCExixSfwQ=\n";

pub const SUMDB_KEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/// A real checkpoint of Go's checksum database, for other tests.
pub fn sumdb_checkpoint() -> &'static str {
    SUMDB_35225469
}

/// Go's sumdb/note test vector (golang.org/x/mod, sumdb/note/note_test.go,
/// TestOpen): a note signed by PeterNeumann and EnochRoot.
const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
const PETER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

#[test]
fn keygen_writes_a_secret_signer_key_and_a_verifier_key() {
    let env = Env::new();
    let r = env.ok(&["keygen", "example.org/relations", "--out", "keys"]);
    let skey = String::from_utf8(env.read("keys/example.org_relations.key")).unwrap();
    let vkey = String::from_utf8(env.read("keys/example.org_relations.pub")).unwrap();
    let mode = |f: &str| {
        std::fs::metadata(env.path().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("keys/example.org_relations.key"), 0o600);
    let signer = SignerKey::parse(&skey).expect("a signer key");
    assert_eq!(signer.verifier().text(), vkey.trim_end());
    assert_eq!(signer.kind, KeyKind::Ed25519);
    assert!(r.stdout.contains(vkey.trim_end()), "{r}");
    // The key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], computed
    // here from the key's own bytes.
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD
        .decode(vkey.trim_end().splitn(3, '+').nth(2).unwrap())
        .unwrap();
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"example.org/relations\n");
    h.update(&b);
    let id: String = h.finalize()[..4]
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    assert!(
        vkey.starts_with(&format!("example.org/relations+{id}+")),
        "{vkey}"
    );

    // Never over an existing key; nothing is changed.
    let again = env.run(&["keygen", "example.org/relations", "--out", "keys"]);
    assert_eq!(again.code, 2, "{again}");
    assert_eq!(env.read("keys/example.org_relations.key"), skey.as_bytes());
    insta::assert_snapshot!("keygen_refuses_existing", again.to_string());

    let w = env.ok(&[
        "keygen",
        "witness.example/w1",
        "--witness",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&w.stdout).unwrap();
    assert_eq!(v["type"], "cosignature");
    let wk =
        SignerKey::parse(&String::from_utf8(env.read("witness.example_w1.key")).unwrap()).unwrap();
    assert_eq!(wk.kind, KeyKind::Cosignature);

    let bad = env.run(&["keygen", "a name"]);
    assert_eq!(bad.code, 2, "{bad}");
    insta::assert_snapshot!("keygen_bad_name", bad.to_string());
}

#[test]
fn checkpoint_is_a_signed_note_that_check_checkpoint_reads() {
    let env = signed_env();
    let cp = checkpoint(&env, &[]);
    insta::assert_snapshot!("checkpoint", cp.stdout);
    env.write("ledger/test.checkpoint", &cp.stdout);
    let r = env.ok(&[
        "check-checkpoint",
        "ledger/test.checkpoint",
        "--key",
        "log.pub",
    ]);
    insta::assert_snapshot!("check_checkpoint", r.to_string());
    // The key as text works the same.
    let vkey = log_key().verifier().text();
    env.ok(&["check-checkpoint", "ledger/test.checkpoint", "--key", &vkey]);
    // Ed25519 is deterministic: the same tree, the same bytes.
    assert_eq!(checkpoint(&env, &[]).stdout, cp.stdout);
    // --at: the tree of entries 0..=2, which verify accepts as an older checkpoint.
    let at = checkpoint(&env, &["--at", "2", "--origin", "example.org/relations"]);
    assert!(at.stdout.starts_with("example.org/relations\n3\n"), "{at}");
    let beyond = env.run(&[
        "--ledger",
        LEDGER,
        "checkpoint",
        "--key",
        "log.key",
        "--at",
        "7",
    ]);
    assert_eq!(beyond.code, 2, "{beyond}");
}

#[test]
fn go_checksum_database_checkpoints_verify() {
    let env = Env::new();
    for (name, text) in [("a", SUMDB_6476701), ("b", SUMDB_35225469)] {
        env.write(name, text);
        let r = env.ok(&[
            "check-checkpoint",
            name,
            "--key",
            SUMDB_KEY,
            "--origin",
            "go.sum database tree",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["origin"], "go.sum database tree");
        assert_eq!(v["verified"][0], "sum.golang.org+033de0ae");
    }
    let r = env.ok(&["check-checkpoint", "b", "--key", SUMDB_KEY]);
    insta::assert_snapshot!("check_checkpoint_sumdb", r.to_string());
    // A witness's cosignature beside the log's signature is ignored when its
    // key is not given.
    let w = witness_key("witness.example/w1", 9);
    let body = SUMDB_35225469.split_once("\n\n").unwrap().0.to_string() + "\n";
    let line = w.signature_line(body.as_bytes(), 1_700_000_000).unwrap();
    env.write("c", format!("{SUMDB_35225469}{line}"));
    let r = env.ok(&["check-checkpoint", "c", "--key", SUMDB_KEY]);
    assert!(
        r.stdout
            .contains("ignored: a signature by witness.example/w1+"),
        "{r}"
    );
    // One byte of the root changed: the signature no longer verifies.
    env.write("d", SUMDB_35225469.replace("vt5T6G", "vt5T6H"));
    let r = env.run(&["check-checkpoint", "d", "--key", SUMDB_KEY]);
    assert_eq!(r.code, 1, "{r}");
}

#[test]
fn a_note_that_is_not_a_checkpoint_verifies_but_is_refused() {
    let env = Env::new();
    env.write("peter.note", PETER_NOTE);
    let r = env.run(&["check-checkpoint", "peter.note", "--key", PETER_KEY]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("peter_note_not_a_checkpoint", r.to_string());
}

#[test]
fn wrong_keys_tampering_and_other_origins_are_refused() {
    let env = signed_env();
    env.write("cp", checkpoint(&env, &[]).stdout);
    // Another log's key.
    let other = SignerKey::from_seed("example.org/relations", KeyKind::Ed25519, [2; 32]);
    write_key(&env, "other", &other);
    let r = env.run(&["check-checkpoint", "cp", "--key", "other.pub"]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("wrong_key", r.to_string());
    // A verifier key whose key ID is not its own.
    let vkey = log_key().verifier().text();
    let (name, rest) = vkey.split_once('+').unwrap();
    let wrong_id = format!("{name}+00000000+{}", rest.split_once('+').unwrap().1);
    let r = env.run(&["check-checkpoint", "cp", "--key", &wrong_id]);
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("wrong_key_id", r.to_string());
    // A signature line whose key ID was changed: not the given key's, ignored.
    let text = String::from_utf8(env.read("cp")).unwrap();
    let (body, sig) = text.split_once("— example.org/relations ").unwrap();
    use base64::Engine;
    let e = base64::engine::general_purpose::STANDARD;
    let mut raw = e.decode(sig.trim_end()).unwrap();
    raw[0] ^= 1;
    env.write(
        "cp-id",
        format!("{body}— example.org/relations {}\n", e.encode(raw)),
    );
    let r = env.run(&["check-checkpoint", "cp-id", "--key", "log.pub"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("no signature by a given key"), "{r}");
    // A tampered body: the size changed.
    env.write("cp-size", text.replacen("\n7\n", "\n6\n", 1));
    let r = env.run(&["check-checkpoint", "cp-size", "--key", "log.pub"]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("tampered_body", r.to_string());
    // Another origin: signed, but for another log.
    env.write(
        "cp-origin",
        checkpoint(&env, &["--origin", "example.org/elsewhere"]).stdout,
    );
    env.ok(&["check-checkpoint", "cp-origin", "--key", "log.pub"]);
    let r = env.run(&[
        "check-checkpoint",
        "cp-origin",
        "--key",
        "log.pub",
        "--origin",
        "example.org/relations",
    ]);
    assert_eq!(r.code, 1, "{r}");
    let r = env.run(&[
        "--ledger",
        LEDGER,
        "verify",
        "--checkpoint",
        "cp-origin",
        "--key",
        "log.pub",
    ]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("verify_other_origin", r.to_string());
    // A witness key cannot stand for the log's key.
    write_key(&env, "w", &witness_key("witness.example/w1", 3));
    let r = env.run(&[
        "--ledger",
        LEDGER,
        "verify",
        "--checkpoint",
        "cp",
        "--key",
        "w.pub",
    ]);
    assert_eq!(r.code, 2, "{r}");
}

#[test]
fn a_consistent_rewrite_passes_verify_but_not_the_checkpoint() {
    let env = signed_env();
    env.write("ledger/test.checkpoint", checkpoint(&env, &[]).stdout);
    env.write("old.checkpoint", checkpoint(&env, &["--at", "3"]).stdout);
    let args = [
        "--ledger",
        LEDGER,
        "verify",
        "--checkpoint",
        "ledger/test.checkpoint",
        "--key",
        "log.pub",
    ];
    let ok = env.ok(&args);
    insta::assert_snapshot!("verify_checkpoint_ok", ok.to_string());

    // Entry 2 rewritten, every later hash and prev recomputed.
    let mut l = lines(&env.read(LEDGER));
    l[2] = replace(&l[2], "\"recorded\":\"2026", "\"recorded\":\"2025");
    rechain(&mut l, 2);
    env.write(LEDGER, join(&l));
    env.ok(&["--ledger", LEDGER, "verify"]);
    let r = env.run(&args);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout
            .contains("checkpoint ledger/test.checkpoint (size 7)"),
        "{r}"
    );
    insta::assert_snapshot!("verify_checkpoint_rewritten", r.to_string());
    let j = env.run(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["errors"][0]["kind"], "anchor", "{j}");
    assert_eq!(v["errors"][0]["seq"], 6, "{j}");
    assert_eq!(v["checkpoints"][0]["ok"], false, "{j}");
    // The older checkpoint (size 4) covers the rewritten entry too.
    let r = env.run(&[
        "--ledger",
        LEDGER,
        "verify",
        "--checkpoint",
        "old.checkpoint",
        "--key",
        "log.pub",
    ]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("checkpoint old.checkpoint (size 4)"),
        "{r}"
    );
}

#[test]
fn truncation_fails_against_the_checkpoint() {
    let env = signed_env();
    env.write("ledger/test.checkpoint", checkpoint(&env, &[]).stdout);
    env.write("old.checkpoint", checkpoint(&env, &["--at", "3"]).stdout);
    let l = lines(&env.read(LEDGER));
    env.write(LEDGER, join(&l[..5]));
    env.ok(&["--ledger", LEDGER, "verify"]);
    let r = env.run(&[
        "--ledger",
        LEDGER,
        "verify",
        "--checkpoint",
        "ledger/test.checkpoint",
        "--checkpoint",
        "old.checkpoint",
        "--key",
        "log.pub",
    ]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("verify_checkpoint_truncated", r.to_string());
    // The older checkpoint alone still holds.
    env.ok(&[
        "--ledger",
        LEDGER,
        "verify",
        "--checkpoint",
        "old.checkpoint",
        "--key",
        "log.pub",
    ]);
}

/// The bundled ledger ships a checkpoint signed with a TEST key (named as
/// one) and its verifier key; they verify it, and CI relies on them.
#[test]
fn the_bundled_ledger_has_a_checkpoint_by_its_test_key() {
    let env = Env::new();
    let root = crate::util::repo();
    let ledger = root.join("ledger/canada-dprk.jsonl");
    let cp = root.join("ledger/canada-dprk.checkpoint");
    let key = root.join("ledger/canada-dprk.test-key.pub");
    let r = env.ok(&[
        "--ledger",
        ledger.to_str().unwrap(),
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert!(r.stdout.contains("entries have this root"), "{r}");
    let vkey = std::fs::read_to_string(&key).unwrap();
    assert!(vkey.starts_with("test-key.invalid/"), "{vkey}");
    let skey = std::fs::read_to_string(root.join("scripts/canada-dprk.test-key")).unwrap();
    assert_eq!(
        SignerKey::parse(&skey).unwrap().verifier().text(),
        vkey.trim_end()
    );
}

/// The worked example of docs/FORMAT.md 15.3–15.5, pinned: the two-line
/// ledger of 4.4, the published test keys (seeds of 32 × 0x01 and 32 × 0x02),
/// its checkpoint, a cosignature and a proof.
#[test]
fn the_format_worked_example_is_reproduced() {
    let env = Env::new();
    env.ok(&["--ledger", "x/ex.jsonl", "init", "--title", "Example"]);
    env.ok(&[
        "--ledger",
        "x/ex.jsonl",
        "define",
        "actor",
        "HANVOICE",
        "--label",
        "HanVoice",
    ]);
    write_key(&env, "log", &log_key());
    let w = SignerKey::from_seed("witness.example/w1", KeyKind::Cosignature, [2; 32]);
    write_key(&env, "w1", &w);
    assert_eq!(
        log_key().text(),
        "PRIVATE+KEY+example.org/relations+21bf397f+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"
    );
    assert_eq!(
        w.verifier().text(),
        "witness.example/w1+df1c0a35+BIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU"
    );
    let cp = env.ok(&["--ledger", "x/ex.jsonl", "checkpoint", "--key", "log.key"]);
    assert_eq!(
        cp.stdout,
        "example.org/relations\n2\nDBSod6jCTk6rdDaVdzZ4UgHdwRs6U2fgLgzcsks/qFc=\n\n\
         — example.org/relations Ib85f6bwmA45iTjluq8LSLqPTV9r9QjfBvcl7/ul4UEFPcidBSyDop0b2Ui49lFKDI7wuZfoITSV8uMIHJD6YP3D0Aw=\n"
    );
    env.write("cp", &cp.stdout);
    let c = env.ok(&[
        "--ledger",
        "x/ex.jsonl",
        "cosign",
        "cp",
        "--key",
        "w1.key",
        "--log-key",
        "log.pub",
        "--state",
        "st",
    ]);
    assert!(c.stdout.ends_with(
        "— witness.example/w1 3xwKNQAAAABpVzWlxdBmG3+0yTkCuLOGM4it2leu7kRVhwV9d/+8mykC2qWzxKFixe7MK1Et66rntKhgu3I79lzAsqPQUTfL90R6Dw==\n"
    ), "{c}");
    let p = env.ok(&["--ledger", "x/ex.jsonl", "prove", "1"]);
    let v: serde_json::Value = serde_json::from_str(&p.stdout).unwrap();
    assert_eq!(
        v["path"][0],
        "0a1d882b0a6a8bd0d2c932f52a2dc307d7f0332ef9aff9338c4f35839115406a"
    );
}
