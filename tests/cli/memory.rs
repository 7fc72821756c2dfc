//! `ledger verify` holds a bounded amount of memory whatever the input and
//! however many threads check lines (docs/RELIABILITY.md, "Memory"): small
//! files of many bad lines, or of a few huge ones, once took hundreds of
//! megabytes per thread.
//!
//! The peak resident memory of the `ledger` process is measured by the kernel
//! and read with `wait4`, which returns it for exactly the child waited for.
//! Two Linux details make the measuring parent matter: a child's peak
//! (`ru_maxrss`) starts at its parent's peak when it was spawned (the kernel
//! carries the old address space's high-water mark across `exec`), and
//! `getrusage(RUSAGE_CHILDREN)` would mix in the children of the other tests
//! running in this process. So [`measured`] runs a fresh copy of this test
//! binary, whose only test ([`measure_one_run`]) spawns `ledger` from a small
//! process and reports its peak. Linux on 64-bit targets only, where the
//! layout of `struct rusage` below holds; elsewhere the test says it is
//! skipped.

use crate::util::{Env, bin};
use serde_json::{Value, json};

/// The bound docs/RELIABILITY.md promises.
const LIMIT_KIB: i64 = 64 * 1024;

/// Tells [`measure_one_run`] what to run: `{"dir", "args", "vars"}`.
const MEASURE_ENV: &str = "LEDGER_TEST_MEASURE";

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod rusage {
    use std::ffi::c_long;

    #[repr(C)]
    pub struct Timeval {
        pub sec: c_long,
        pub usec: c_long,
    }

    /// `struct rusage` of Linux (`man 2 getrusage`): `ru_maxrss` is in KiB.
    #[repr(C)]
    pub struct Rusage {
        pub utime: Timeval,
        pub stime: Timeval,
        pub maxrss: c_long,
        pub rest: [c_long; 13],
    }

    unsafe extern "C" {
        pub fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }

    /// Waits for child `pid`: its exit code (minus the signal that ended it)
    /// and its peak RSS in KiB.
    pub fn wait(pid: i32) -> (i32, i64) {
        let mut status = 0i32;
        let mut usage = Rusage {
            utime: Timeval { sec: 0, usec: 0 },
            stime: Timeval { sec: 0, usec: 0 },
            maxrss: 0,
            rest: [0; 13],
        };
        loop {
            // SAFETY: `status` and `usage` are valid for writes and live
            // across the call; `usage` has the layout of Linux's `struct
            // rusage` on 64-bit targets. The caller does not wait for the
            // child again.
            let r = unsafe { wait4(pid, &mut status, 0, &mut usage) };
            if r == pid {
                break;
            }
            let e = std::io::Error::last_os_error();
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
        }
        let code = if status & 0x7f == 0 {
            (status >> 8) & 0xff
        } else {
            -(status & 0x7f)
        };
        (code, usage.maxrss)
    }
}

/// What a measured run printed, its exit code and its peak RSS in KiB.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    peak_kib: i64,
}

/// Runs `ledger ARGS` in `env` with `vars` set, from a fresh copy of this
/// test binary, and measures its peak RSS.
fn measured(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Measured {
    let spec = json!({"dir": env.path(), "args": args, "vars": vars});
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "memory::measure_one_run",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1", "-q"])
        .env(MEASURE_ENV, spec.to_string())
        .output()
        .expect("run the measuring copy of the test binary");
    let said = String::from_utf8_lossy(&out.stdout);
    let Some(line) = said.lines().find_map(|l| l.strip_prefix("measured: ")) else {
        panic!(
            "the measuring copy said nothing:\n{said}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let v: Value = serde_json::from_str(line).expect("measurement JSON");
    let read = |name: &str| String::from_utf8_lossy(&env.read(name)).into_owned();
    Measured {
        code: v["code"].as_i64().expect("code") as i32,
        stdout: read("measured.stdout"),
        stderr: read("measured.stderr"),
        peak_kib: v["peak_kib"].as_i64().expect("peak"),
    }
}

/// The measuring side of [`measured`]; does nothing when run otherwise.
#[test]
#[ignore = "run by the memory tests in a fresh process, to measure one ledger process"]
fn measure_one_run() {
    let Ok(spec) = std::env::var(MEASURE_ENV) else {
        return;
    };
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        let spec: Value = serde_json::from_str(&spec).expect("spec");
        let dir = std::path::PathBuf::from(spec["dir"].as_str().expect("dir"));
        let file = |name: &str| std::fs::File::create(dir.join(name)).expect("output file");
        let mut cmd = std::process::Command::new(bin());
        cmd.current_dir(&dir)
            .env("LEDGER_NOW", crate::util::NOW)
            .env_remove("LEDGER_PATH")
            .env_remove("LEDGER_THREADS")
            .stdin(std::process::Stdio::null())
            .stdout(file("measured.stdout"))
            .stderr(file("measured.stderr"));
        for a in spec["args"].as_array().expect("args") {
            cmd.arg(a.as_str().expect("arg"));
        }
        for kv in spec["vars"].as_array().expect("vars") {
            cmd.env(
                kv[0].as_str().expect("name"),
                kv[1].as_str().expect("value"),
            );
        }
        // Reaped by `rusage::wait` (`wait4`), which also reads its peak.
        #[allow(clippy::zombie_processes)]
        let child = cmd.spawn().expect("run ledger");
        let (code, peak_kib) = rusage::wait(i32::try_from(child.id()).expect("pid"));
        println!("measured: {}", json!({"code": code, "peak_kib": peak_kib}));
    }
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    let _ = spec;
}

/// A hostile file and what verify must say about it.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    lines: u64,
    problems: u64,
    first_kind: &'static str,
}

fn cases() -> Vec<Case> {
    let mib = 1 << 20;
    // A JSON array of a million small numbers in one line of just under
    // 1 MiB: reading it builds a tree of tens of megabytes.
    let mut big_array = b"[0".to_vec();
    while big_array.len() < mib - 3 {
        big_array.extend_from_slice(b",0");
    }
    big_array.extend_from_slice(b"]\n");
    vec![
        Case {
            name: "4 MiB of blank lines",
            bytes: vec![b'\n'; 4 * mib],
            lines: 4 * mib as u64,
            problems: 4 * mib as u64,
            first_kind: "blank-line",
        },
        Case {
            name: "2 MiB of lines {}",
            bytes: b"{}\n".repeat(2 * mib / 3),
            lines: (2 * mib / 3) as u64,
            problems: (2 * mib / 3) as u64,
            first_kind: "schema",
        },
        Case {
            name: "1 MiB of one-byte garbage lines",
            bytes: b"x\n".repeat(mib / 2),
            lines: (mib / 2) as u64,
            problems: (mib / 2) as u64,
            first_kind: "syntax",
        },
        Case {
            name: "16 lines of 1 MiB arrays",
            bytes: big_array.repeat(16),
            lines: 16,
            problems: 16,
            first_kind: "schema",
        },
    ]
}

#[test]
fn verify_of_hostile_files_stays_under_64_mib_with_8_threads() {
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    {
        println!("skipped: peak memory is measured with Linux's wait4 on 64-bit targets");
        return;
    }
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        let env = Env::new();
        for case in cases() {
            env.write("hostile.jsonl", &case.bytes);
            let m = measured(
                &env,
                &["verify", "hostile.jsonl", "--format", "json"],
                &[("LEDGER_THREADS", "8")],
            );
            println!("{}: peak RSS {} KiB", case.name, m.peak_kib);
            let what = format!("{}: exit {}\n{}", case.name, m.code, m.stderr);
            assert_eq!(m.code, 1, "{what}");
            let report: serde_json::Value = serde_json::from_str(&m.stdout)
                .unwrap_or_else(|e| panic!("{what}: stdout is not JSON ({e})"));
            // The exact count, though only the first 100 are kept.
            assert_eq!(report["error_count"], case.problems, "{what}");
            assert_eq!(report["lines"], case.lines, "{what}");
            let errors = report["errors"].as_array().expect("errors");
            assert_eq!(errors.len() as u64, case.problems.min(100), "{what}");
            assert_eq!(errors[0]["kind"], case.first_kind, "{what}");
            assert!(
                m.peak_kib < LIMIT_KIB,
                "{}: peak RSS {} KiB, over the {LIMIT_KIB} KiB bound",
                case.name,
                m.peak_kib
            );
        }
        // The text report says how many were not shown, with the total.
        env.write("hostile.jsonl", vec![b'\n'; 1 << 20]);
        let m = measured(
            &env,
            &["verify", "hostile.jsonl"],
            &[("LEDGER_THREADS", "8")],
        );
        assert_eq!(m.code, 1);
        assert!(
            m.stdout.ends_with(
                "FAILED: hostile.jsonl: 1048576 problems (first 100 shown; --max-errors N shows more) in 1048576 lines\n"
            ),
            "{}",
            &m.stdout[m.stdout.len().saturating_sub(300)..]
        );
        assert!(m.peak_kib < LIMIT_KIB, "text: peak RSS {} KiB", m.peak_kib);
    }
}

/// A valid ledger written by [`write_long_ledger`].
struct LongLedger {
    /// `SEQ:HASH` of the last fact before the tail.
    since: String,
    /// `SEQ:HASH` of the last entry.
    head: String,
    /// Bytes from the line after SEQ to the end.
    tail_bytes: u64,
}

/// Writes a valid ledger: a genesis, a source, `prefix` facts with
/// statements of about `prefix_bytes`, then `tail` facts of about
/// `tail_bytes_each`.
fn write_long_ledger(
    path: &std::path::Path,
    prefix: u64,
    prefix_bytes: usize,
    tail: u64,
    tail_bytes_each: usize,
) -> LongLedger {
    use crate::fixture::{cite, fact, source};
    use ledger::entry::{Body, Entry, Genesis, Modality, SourceType};
    use ledger::hash::Hash;
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("ledger file"));
    let (mut prev, mut seq) = (Hash::ZERO, 0u64);
    // Appends an entry: its `SEQ:HASH` and its line's length.
    let mut add = |body: Body| -> (String, u64) {
        let (e, line) =
            Entry::seal_line(seq, prev, crate::util::NOW.to_string(), body).expect("seal");
        out.write_all(line.as_bytes()).expect("write");
        prev = e.hash;
        seq += 1;
        (format!("{}:{}", e.seq, e.hash.to_hex()), line.len() as u64)
    };
    add(Body::Genesis(Genesis {
        title: "Long".into(),
        created: crate::util::NOW.into(),
    }));
    add(Body::Source(source("s1", "T", "P", SourceType::Report)));
    let fact_body = |id: String, bytes: usize| {
        let mut statement = format!("Statement {id}.");
        while statement.len() < bytes {
            statement.push_str(" More words of the same statement.");
        }
        Body::Fact(fact(
            &id,
            "CA-KP",
            "embassy",
            &statement,
            Modality::Reported,
            vec![cite("s1")],
        ))
    };
    let mut since = String::new();
    for n in 0..prefix {
        since = add(fact_body(format!("p{n}"), prefix_bytes)).0;
    }
    let (mut head, mut tail_bytes) = (since.clone(), 0);
    for n in 0..tail {
        let (h, len) = add(fact_body(format!("t{n}"), tail_bytes_each));
        head = h;
        tail_bytes += len;
    }
    out.flush().expect("flush");
    LongLedger {
        since,
        head,
        tail_bytes,
    }
}

#[test]
fn verify_since_over_a_long_tail_stays_under_64_mib() {
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    {
        println!("skipped: peak memory is measured with Linux's wait4 on 64-bit targets");
        return;
    }
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        // About 60 MiB after SEQ (15,000 facts of 4 KiB, lines short enough
        // for the checking threads) and 120 MiB before it (1,900 facts of 64
        // KiB): a tail short beside what precedes it, so only the earlier
        // lines naming one of its ids are read. The tail was once read whole
        // into memory to collect those ids.
        let env = Env::new();
        let long = write_long_ledger(
            &env.path().join("long.jsonl"),
            1900,
            64 << 10,
            15_000,
            4 << 10,
        );
        assert!(long.tail_bytes > 60 << 20, "a tail of {}", long.tail_bytes);
        let m = measured(
            &env,
            &["verify", "long.jsonl", "--since", &long.since],
            &[("LEDGER_THREADS", "8")],
        );
        println!("--since over a 60 MiB tail: peak RSS {} KiB", m.peak_kib);
        assert_eq!(m.code, 0, "{}{}", m.stdout, m.stderr);
        assert_eq!(
            m.stdout,
            format!(
                "ok: long.jsonl: 16902 entries, head {} (checked after seq 1901; lines 1-1901 taken on trust)\n",
                long.head
            )
        );
        assert!(
            m.peak_kib < LIMIT_KIB,
            "--since over a 60 MiB tail: peak RSS {} KiB, over the {LIMIT_KIB} KiB bound",
            m.peak_kib
        );
    }
}

/// The most an import may hold, whatever its size (docs/RELIABILITY.md,
/// "Import is all or nothing"): its text goes to the ledger a few MiB at a
/// time, and what it keeps per entry is its ids' index slots.
const IMPORT_LIMIT_KIB: i64 = 40 * 1024;

#[test]
fn a_big_import_stays_in_bounded_memory() {
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    {
        println!("skipped: peak memory is measured with Linux's wait4 on 64-bit targets");
        return;
    }
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        // 12,000 facts of about 6 KiB: a 72 MiB import. Before, import held
        // every body until it wrote them all (more than the file's size).
        let env = Env::new();
        env.ok(&[
            "--ledger",
            "ledger/test.jsonl",
            "init",
            "--title",
            "Big import",
        ]);
        let mut text = String::from(
            "{\"kind\":\"source\",\"body\":{\"id\":\"src\",\"publisher\":\"P\",\"title\":\"T\",\"type\":\"report\"}}\n",
        );
        let words = " More words of the same statement.".repeat(180);
        for i in 0..12_000 {
            text.push_str(&format!(
                "{{\"kind\":\"fact\",\"body\":{{\"citations\":[{{\"source\":\"src\"}}],\"id\":\"big-{i}\",\"modality\":\"reported\",\"statement\":\"Statement {i}.{words}\",\"subject\":\"CA-KP\",\"topic\":\"embassy\"}}}}\n"
            ));
        }
        assert!(text.len() > 70 << 20, "{} bytes", text.len());
        env.write("batch.jsonl", &text);
        let m = measured(
            &env,
            &["--ledger", "ledger/test.jsonl", "import", "batch.jsonl"],
            &[("LEDGER_THREADS", "8")],
        );
        println!("import of 72 MiB: peak RSS {} KiB", m.peak_kib);
        assert_eq!(m.code, 0, "{}{}", m.stdout, m.stderr);
        assert!(
            m.stdout
                .starts_with("appended 12001 entries to ledger/test.jsonl, seq 1 to 12001:\n"),
            "{}",
            m.stdout
        );
        assert!(
            m.peak_kib < IMPORT_LIMIT_KIB,
            "import of 72 MiB: peak RSS {} KiB, over the {IMPORT_LIMIT_KIB} KiB bound",
            m.peak_kib
        );
    }
}
