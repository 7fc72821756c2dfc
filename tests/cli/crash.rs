//! Crashes at any point: a writer that dies in the middle of an append leaves
//! the old ledger, or the old ledger plus whole new entries, possibly followed
//! by one torn final line; never a damaged earlier entry. `verify` names the
//! torn line, `repair` moves it aside (saving its bytes), and no complete
//! entry is ever lost. An import that dies once it has begun writing leaves
//! its marker: every command refuses the ledger until `repair` moves all of
//! the import's bytes aside, so a part of an import never passes for a whole
//! one.
//!
//! Writers are killed for real (`SIGKILL` at random times, and `SIGKILL` while
//! they are stopped inside a line) and made to abort after exactly N bytes of
//! their write (`LEDGER_FAULT=crash-after:N`), at many random N.

use crate::fixture::{LEDGER, lines, verify_bytes};
use crate::reliability::{add_args, command, import_file, ledger_with_source};
use crate::util::{Env, NOW, bin};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small reproducible random source (xorshift64*), seeded per test run and
/// printed on failure.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A seed from `LEDGER_TEST_SEED`, else the clock.
    pub fn seed() -> u64 {
        std::env::var("LEDGER_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A writer run with core dumps off (an aborting writer must not litter).
fn crashing(env: &Env, args: &[&str], fault: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -c 0; exec \"$0\" \"$@\"")
        .arg(bin())
        .args(args)
        .current_dir(env.path())
        .env("LEDGER_NOW", NOW)
        .env_remove("LEDGER_PATH")
        .env("LEDGER_FAULT", fault)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// What a crashed writer left.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The ledger as it was.
    Unchanged,
    /// Whole new entries and nothing else.
    Whole(u64),
    /// Whole new entries and a torn final line, which `repair` moved aside.
    Torn(u64),
    /// Whole new entries and a last entry missing only its LF, which `repair`
    /// completed.
    Unterminated(u64),
    /// An import that did not finish (its marker was left): commands refused
    /// the ledger, and `repair` moved this many bytes of it aside, leaving
    /// the ledger as it was.
    RolledBack(u64),
}

/// Checks what a crashed writer left behind against the ledger `before` it ran
/// (which verified), repairs it, and checks that the result verifies with every
/// complete entry kept. `what` names the run in failure messages.
fn check_after_crash(env: &Env, before: &[u8], what: &str) -> Outcome {
    let after = env.read(LEDGER);
    assert!(
        after.starts_with(before),
        "{what}: the bytes of earlier entries changed"
    );
    if env.path().join("ledger/.test.jsonl.import").exists() {
        return check_unfinished_import(env, before, &after, what);
    }
    let old_lines = lines(before).len() as u64;
    let end = after.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (complete, torn) = after.split_at(end);
    let report = verify_bytes(complete, Vec::new());
    assert!(
        report.ok(),
        "{what}: complete lines do not verify: {:#?}",
        report.problems
    );
    let added = report.entries - old_lines;
    if torn.is_empty() {
        env.ok(&["--ledger", LEDGER, "verify"]);
        return if added == 0 {
            Outcome::Unchanged
        } else {
            Outcome::Whole(added)
        };
    }
    // `verify` names the torn line, and only it.
    let r = env.run(&["--ledger", LEDGER, "verify", "--format", "json"]);
    assert_eq!(r.code, 1, "{what}: {r}");
    let v: Value = serde_json::from_str(&r.stdout).expect("verify JSON");
    assert_eq!(v["error_count"], 1, "{what}: {r}");
    assert_eq!(v["errors"][0]["kind"], "torn-tail", "{what}: {r}");
    assert_eq!(v["errors"][0]["line"], old_lines + added + 1, "{what}: {r}");
    // `repair` keeps every complete entry and saves the torn bytes aside.
    let r = env.run(&["--ledger", LEDGER, "repair", "--format", "json"]);
    assert_eq!(r.code, 0, "{what}: {r}");
    let v: Value = serde_json::from_str(&r.stdout).expect("repair JSON");
    let outcome = if v["added_newline"] == true {
        assert_eq!(env.read(LEDGER), [&after[..], b"\n"].concat(), "{what}");
        Outcome::Unterminated(added + 1)
    } else {
        let saved = v["saved_to"].as_str().expect("saved_to");
        assert_eq!(
            env.read(saved),
            torn,
            "{what}: the torn bytes were not saved"
        );
        std::fs::remove_file(env.path().join(saved)).expect("remove side file");
        assert_eq!(
            env.read(LEDGER),
            complete,
            "{what}: repair removed more than the torn line"
        );
        Outcome::Torn(added)
    };
    env.ok(&["--ledger", LEDGER, "verify"]);
    outcome
}

/// An import died after creating its marker: `verify` refuses the ledger
/// (whatever whole lines of the import are there), and `repair` moves every
/// byte after the old ledger aside, leaving it as it was `before`.
fn check_unfinished_import(env: &Env, before: &[u8], after: &[u8], what: &str) -> Outcome {
    let r = env.run(&["--ledger", LEDGER, "verify", "--format", "json"]);
    assert_eq!(r.code, 1, "{what}: {r}");
    let v: Value = serde_json::from_str(&r.stdout).expect("verify JSON");
    assert_eq!(v["error"]["kind"], "damaged", "{what}: {r}");
    assert!(r.stderr.contains("an import did not finish"), "{what}: {r}");
    let r = env.run(&["--ledger", LEDGER, "repair", "--format", "json"]);
    assert_eq!(r.code, 0, "{what}: {r}");
    let v: Value = serde_json::from_str(&r.stdout).expect("repair JSON");
    assert_eq!(v["unfinished_import"], true, "{what}: {r}");
    let bytes = (after.len() - before.len()) as u64;
    assert_eq!(v["bytes"], bytes, "{what}: {r}");
    if let Some(saved) = v["saved_to"].as_str() {
        assert_eq!(env.read(saved), after[before.len()..], "{what}");
        std::fs::remove_file(env.path().join(saved)).expect("remove side file");
    }
    assert_eq!(
        env.read(LEDGER),
        before,
        "{what}: repair did not undo the import"
    );
    env.ok(&["--ledger", LEDGER, "verify"]);
    Outcome::RolledBack(bytes)
}

/// A writer that aborts after exactly N bytes of its write, for N at both ends
/// and many random points of an `add` (one line) and an `import` (many lines).
#[test]
fn crash_at_any_byte_of_a_write_loses_no_complete_entry() {
    let seed = Rng::seed();
    let mut rng = Rng::new(seed);
    let env = Env::new();
    ledger_with_source(&env);
    env.write("batch.jsonl", import_file("imp-", 4));
    let (mut torn, mut rolled_back) = (0, 0);
    for round in 0..36 {
        let before = env.read(LEDGER);
        // Not `f<digits>`, which names the fact at that seq and is refused.
        let id = format!("crash-{round}");
        let add = add_args(&id);
        let add: Vec<&str> = add.iter().map(String::as_str).collect();
        // The import's ids must be new each round: rewrite the batch.
        env.write("batch.jsonl", import_file(&format!("r{round}-"), 4));
        let import = ["--ledger", LEDGER, "import", "batch.jsonl"];
        let (args, size): (&[&str], u64) = if round % 2 == 0 {
            (&add, 330)
        } else {
            (&import, 1400)
        };
        let after = match round / 2 {
            0 => 0,
            1 => size,
            _ => rng.below(size),
        };
        let fault = format!("crash-after:{after}");
        let status = crashing(&env, args, &fault).status().expect("run writer");
        let what = format!("seed {seed}, round {round}, {fault}, {}", args[2]);
        assert!(!status.success(), "{what}: the writer did not crash");
        match check_after_crash(&env, &before, &what) {
            Outcome::Torn(_) | Outcome::Unterminated(_) => torn += 1,
            Outcome::RolledBack(_) => rolled_back += 1,
            other => assert!(
                args[2] == "add",
                "{what}: an import that crashed left {other:?}, not its marker"
            ),
        }
    }
    // 18 adds, most cut inside their line; 18 imports, each undone.
    assert!(torn >= 8, "seed {seed}: only {torn} crashes tore a line");
    assert_eq!(rolled_back, 18, "seed {seed}: imports undone");
}

/// `SIGKILL` while the writer is stopped inside a line
/// (`LEDGER_FAULT=pause-after:N:MS`): a real kill that is sure to tear. An
/// `add` leaves a torn line; an `import` leaves its marker, and is undone.
#[test]
fn sigkill_inside_a_line_loses_no_complete_entry() {
    let seed = Rng::seed();
    let mut rng = Rng::new(seed);
    let env = Env::new();
    ledger_with_source(&env);
    for round in 0..6 {
        let before = env.read(LEDGER);
        env.write("batch.jsonl", import_file(&format!("r{round}-"), 3));
        // Inside the first new line (each is over 300 bytes), so it must tear.
        let cut = 1 + rng.below(300);
        let fault = format!("pause-after:{cut}:20000");
        let add = add_args(&format!("kill-{round}"));
        let add: Vec<&str> = add.iter().map(String::as_str).collect();
        let import = ["--ledger", LEDGER, "import", "batch.jsonl"];
        let args: &[&str] = if round % 2 == 0 { &add } else { &import };
        let mut child = command(env.path(), args, &[("LEDGER_FAULT", &fault)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer");
        let start = Instant::now();
        while env.read(LEDGER).len() == before.len() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the writer never wrote"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let what = format!("seed {seed}, round {round}, {fault}");
        let outcome = check_after_crash(&env, &before, &what);
        if round % 2 == 0 {
            assert!(
                matches!(outcome, Outcome::Torn(0)),
                "{what}: expected a torn line, got {outcome:?}"
            );
        } else {
            assert!(
                matches!(outcome, Outcome::RolledBack(n) if n == cut),
                "{what}: expected an unfinished import undone, got {outcome:?}"
            );
        }
    }
}

/// `SIGKILL` at random times during `import` and `add` processes (up to 1.5
/// times as long as an import takes), many times:
/// whatever the moment, the ledger is the old one plus whole entries, possibly
/// with one torn line that `repair` moves aside.
#[test]
fn sigkill_at_random_times_loses_no_complete_entry() {
    let seed = Rng::seed();
    let mut rng = Rng::new(seed);
    let env = Env::new();
    ledger_with_source(&env);
    // How long an import runs here, so that kills land around its end, where
    // it writes, as well as earlier.
    env.write("batch.jsonl", import_file("warm-", 300));
    let start = Instant::now();
    env.ok(&["--ledger", LEDGER, "import", "batch.jsonl"]);
    let took = start.elapsed().as_micros() as u64;
    let mut outcomes = Vec::new();
    for round in 0..30 {
        let before = env.read(LEDGER);
        env.write("batch.jsonl", import_file(&format!("r{round}-"), 300));
        let add = add_args(&format!("rand-{round}"));
        let add: Vec<&str> = add.iter().map(String::as_str).collect();
        let import = ["--ledger", LEDGER, "import", "batch.jsonl"];
        let args: &[&str] = if round % 3 == 0 { &add } else { &import };
        let mut child = command(env.path(), args, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer");
        std::thread::sleep(Duration::from_micros(rng.below(took * 3 / 2 + 1)));
        let _ = child.kill();
        child.wait().expect("reap");
        let what = format!("seed {seed}, round {round}, {}", args[2]);
        outcomes.push(check_after_crash(&env, &before, &what));
    }
    eprintln!("seed {seed}: outcomes of killed writers: {outcomes:?}");
}
