//! `ledger cosign` as a witness and `verify --witness --quorum`: a witness
//! cosigns only checkpoints that extend the last one it cosigned (shown by
//! the ledger or by a consistency proof), refuses an inconsistent, smaller or
//! forked one with its state unchanged, and readers can require K
//! cosignatures.

use crate::fixture::{LEDGER, join, lines, rechain, replace, sample};
use crate::signed::{log_key, witness_key, write_key};
use crate::util::{Env, Run};

fn setup() -> Env {
    let env = Env::new();
    sample(&env);
    write_key(&env, "log", &log_key());
    write_key(&env, "w1", &witness_key("witness.example/w1", 11));
    write_key(&env, "w2", &witness_key("witness.example/w2", 12));
    env
}

fn checkpoint(env: &Env, out: &str) {
    let r = env.ok(&["--ledger", LEDGER, "checkpoint", "--key", "log.key"]);
    env.write(out, &r.stdout);
}

fn cosign(env: &Env, cp: &str, witness: &str, extra: &[&str]) -> Run {
    let key = format!("{witness}.key");
    let state = format!("state-{witness}");
    let mut args = vec![
        "--ledger",
        LEDGER,
        "cosign",
        cp,
        "--key",
        &key,
        "--log-key",
        "log.pub",
        "--state",
        &state,
    ];
    args.extend_from_slice(extra);
    env.run(&args)
}

fn state_of(env: &Env, witness: &str) -> Vec<u8> {
    let dir = env.path().join(format!("state-{witness}"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "checkpoint"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read(files.pop().unwrap()).unwrap()
}

#[test]
fn witnesses_cosign_and_readers_require_a_quorum() {
    let env = setup();
    checkpoint(&env, "cp");
    let one = cosign(&env, "cp", "w1", &[]);
    assert_eq!(one.code, 0, "{one}");
    insta::assert_snapshot!("cosigned_once", one.stdout);
    env.write("cp1", &one.stdout);
    let two = cosign(&env, "cp1", "w2", &[]);
    assert_eq!(two.code, 0, "{two}");
    env.write("cp2", &two.stdout);
    // The cosigned note still verifies as the log's checkpoint.
    env.ok(&["check-checkpoint", "cp2", "--key", "log.pub"]);
    let verify = |cp: &str, extra: &[&str]| {
        let mut args = vec![
            "--ledger",
            LEDGER,
            "verify",
            "--checkpoint",
            cp,
            "--key",
            "log.pub",
            "--witness",
            "w1.pub",
            "--witness",
            "w2.pub",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    let r = verify("cp2", &[]);
    assert_eq!(r.code, 0, "{r}");
    insta::assert_snapshot!("verify_quorum_2", r.to_string());
    assert_eq!(verify("cp1", &["--quorum", "1"]).code, 0);
    let r = verify("cp1", &[]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("verify_quorum_missing", r.to_string());
    let r = verify("cp", &["--quorum", "1"]);
    assert_eq!(r.code, 1, "{r}");
    let r = verify("cp2", &["--quorum", "3"]);
    assert_eq!(r.code, 2, "{r}");
    // A cosignature with its timestamp or the checkpoint changed is refused.
    let text = String::from_utf8(env.read("cp1")).unwrap();
    env.write("cp1-bad", text.replacen("\n7\n", "\n8\n", 1));
    let r = env.run(&["check-checkpoint", "cp1-bad", "--key", "w1.pub"]);
    assert_eq!(r.code, 1, "{r}");
    // The witness's key alone verifies its cosignature.
    env.ok(&["check-checkpoint", "cp1", "--key", "w1.pub"]);
    // Cosigning the same checkpoint again is fine; the state is the newest.
    assert_eq!(cosign(&env, "cp", "w1", &[]).code, 0);
}

#[test]
fn a_witness_refuses_an_inconsistent_checkpoint() {
    let env = setup();
    checkpoint(&env, "cp");
    assert_eq!(cosign(&env, "cp", "w1", &[]).code, 0);
    let before = state_of(&env, "w1");
    // The log rewrites entry 2 consistently, appends, and signs the result.
    let mut l = lines(&env.read(LEDGER));
    l[2] = replace(&l[2], "\"recorded\":\"2026", "\"recorded\":\"2025");
    rechain(&mut l, 2);
    env.write(LEDGER, join(&l));
    env.ok(&[
        "--ledger", LEDGER, "define", "actor", "NEWACTOR", "--label", "New",
    ]);
    env.ok(&["--ledger", LEDGER, "verify"]);
    checkpoint(&env, "forged");
    let r = cosign(&env, "forged", "w1", &[]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("refused_inconsistent_ledger", r.to_string());
    assert_eq!(state_of(&env, "w1"), before);
    // A proof from the rewritten ledger does not connect the old root either.
    let p = env.ok(&["--ledger", LEDGER, "consistency", "--from", "7"]);
    env.write("p.json", &p.stdout);
    let r = cosign(&env, "forged", "w1", &["--proof", "p.json"]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("refused_inconsistent_proof", r.to_string());
    assert_eq!(state_of(&env, "w1"), before);
    // A proof from another size.
    let p = env.ok(&["--ledger", LEDGER, "consistency", "--from", "3"]);
    env.write("p3.json", &p.stdout);
    let r = cosign(&env, "forged", "w1", &["--proof", "p3.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(state_of(&env, "w1"), before);
}

#[test]
fn a_witness_refuses_forks_and_rollbacks_and_follows_growth() {
    let env = setup();
    checkpoint(&env, "cp7");
    let l = lines(&env.read(LEDGER));
    assert_eq!(cosign(&env, "cp7", "w1", &[]).code, 0);
    // Growth, shown by a consistency proof (no ledger needed).
    env.ok(&[
        "--ledger", LEDGER, "define", "actor", "NEWACTOR", "--label", "New",
    ]);
    checkpoint(&env, "cp8");
    let p = env.ok(&["--ledger", LEDGER, "consistency", "--from", "7"]);
    env.write("p.json", &p.stdout);
    let r = cosign(&env, "cp8", "w1", &["--proof", "p.json"]);
    assert_eq!(r.code, 0, "{r}");
    let after = state_of(&env, "w1");
    // Back to size 7: a rollback.
    let r = cosign(&env, "cp7", "w1", &[]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("refused_smaller", r.to_string());
    // Another 8th entry: the same size, another root.
    env.write(LEDGER, join(&l));
    env.ok(&[
        "--ledger", LEDGER, "define", "actor", "OTHER", "--label", "Other",
    ]);
    checkpoint(&env, "fork8");
    let r = cosign(&env, "fork8", "w1", &["--proof", "p.json"]);
    assert_eq!(r.code, 1, "{r}");
    insta::assert_snapshot!("refused_fork", r.to_string());
    assert_eq!(state_of(&env, "w1"), after);
    // A log key cannot cosign; a witness key cannot sign checkpoints.
    let r = env.run(&[
        "--ledger",
        LEDGER,
        "cosign",
        "cp8",
        "--key",
        "log.key",
        "--log-key",
        "log.pub",
        "--state",
        "s",
    ]);
    assert_eq!(r.code, 2, "{r}");
    let r = env.run(&["--ledger", LEDGER, "checkpoint", "--key", "w1.key"]);
    assert_eq!(r.code, 2, "{r}");
}
