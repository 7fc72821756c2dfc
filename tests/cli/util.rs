//! Test harness: a temporary working directory, a fixed clock, and runs of the
//! real binary whose output is normalized for snapshots.

#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The clock every test run sees (`LEDGER_NOW`).
pub const NOW: &str = "2026-01-02T03:04:05Z";

/// The change-id seed every test run sees (`LEDGER_ID_SEED`), so that ids of
/// facts and sources added without `--id` (and the prefixes they are shown
/// by) are the same on every run and snapshots can show them. Ids still
/// differ between entries: the seed is mixed with the ledger's last hash and
/// a counter. Tests of real random ids (the team flow in tests/cli/git.rs,
/// the examples walk-through) remove it.
pub const ID_SEED: &str = "test";

/// The path of the `ledger` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ledger"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the repository, if present. Under `CI=true` it must
/// be: a test that reads it is never skipped there.
pub fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    if !p.is_dir() && std::env::var("CI").as_deref() == Ok("true") {
        panic!("../shared not found, and CI=true: the tests that read it must run in CI");
    }
    p.is_dir().then_some(p)
}

/// A temporary working directory for one test.
pub struct Env {
    dir: tempfile::TempDir,
    now: String,
}

/// The outcome of one run of the binary.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("create temp dir"),
            now: NOW.to_string(),
        }
    }

    /// What `LEDGER_CEILING_DIRECTORIES` is set to for every run: the
    /// directory holding the temporary directory, so that looking for the
    /// nearest `ledger/` never finds one outside the test's own directory.
    pub fn ceiling(&self) -> PathBuf {
        let dir = self
            .path()
            .canonicalize()
            .unwrap_or_else(|_| self.path().to_path_buf());
        dir.parent().map_or(dir.clone(), Path::to_path_buf)
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Changes the clock for later runs.
    pub fn set_now(&mut self, now: &str) {
        self.now = now.to_string();
    }

    /// Runs `ledger ARGS` in the working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.run_with_env(args, &[], stdin)
    }

    /// Runs `ledger ARGS` with extra environment variables set.
    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.path())
            .env("LEDGER_NOW", &self.now)
            .env("LEDGER_ID_SEED", ID_SEED)
            .env("LEDGER_CEILING_DIRECTORIES", self.ceiling())
            .env_remove("LEDGER_PATH")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(vars.iter().copied())
            .env("COLUMNS", "100");
        self.output(&mut cmd, stdin)
    }

    /// Runs a shell script (`sh -c`) in the working directory, with the
    /// binary under test first on PATH (as `ledger`) and the same environment
    /// as [`Env::run`]: for tests written as a user types commands.
    pub fn sh(&self, script: &str) -> Run {
        let dir = bin().parent().expect("bin dir").display().to_string();
        let path = match std::env::var("PATH") {
            Ok(p) => format!("{dir}:{p}"),
            Err(_) => dir,
        };
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script])
            .current_dir(self.path())
            .env("PATH", path)
            .env("LEDGER_NOW", &self.now)
            .env("LEDGER_ID_SEED", ID_SEED)
            .env("LEDGER_CEILING_DIRECTORIES", self.ceiling())
            .env_remove("LEDGER_PATH")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env("COLUMNS", "100");
        self.output(&mut cmd, None)
    }

    /// [`Env::sh`]; must exit 0.
    pub fn sh_ok(&self, script: &str) -> Run {
        let r = self.sh(script);
        assert_eq!(r.code, 0, "{script}\nfailed:\n{r}");
        r
    }

    /// Runs a prepared command, feeding `stdin`, and captures its exit code
    /// and output with the temporary directory normalized.
    pub fn output(&self, cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input)
                .expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: self.normalize(&String::from_utf8_lossy(&out.stdout)),
            stderr: self.normalize(&String::from_utf8_lossy(&out.stderr)),
        }
    }

    /// Replaces the temporary directory in output with `[TMP]`.
    pub fn normalize(&self, s: &str) -> String {
        let dir = self.path().display().to_string();
        let canon = self
            .path()
            .canonicalize()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| dir.clone());
        s.replace(&canon, "[TMP]").replace(&dir, "[TMP]")
    }

    /// Writes a file relative to the working directory.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(p, bytes).expect("write file");
    }

    /// Reads a file relative to the working directory.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path().join(rel)).expect("read file")
    }

    /// Creates `ledger/test.jsonl` with a genesis entry.
    pub fn init(&self) -> &Self {
        self.ok(&[
            "--ledger",
            "ledger/test.jsonl",
            "init",
            "--title",
            "Test ledger",
        ]);
        self
    }

    /// Runs and asserts exit code 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "ledger {args:?} failed:\n{r}");
        r
    }

    /// Runs a command that must be refused: asserts the exit code, and that the
    /// file `rel` is byte-for-byte unchanged.
    pub fn refused(&self, rel: &str, args: &[&str], code: i32) -> Run {
        let before = self.read(rel);
        let r = self.run(args);
        assert_eq!(r.code, code, "ledger {args:?}: unexpected exit code:\n{r}");
        assert_eq!(
            self.read(rel),
            before,
            "ledger {args:?} was refused but changed {rel}"
        );
        r
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit: {}", self.code)?;
        writeln!(f, "--- stdout")?;
        f.write_str(&self.stdout)?;
        writeln!(f, "--- stderr")?;
        f.write_str(&self.stderr)
    }
}
