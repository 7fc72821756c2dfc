//! Writes a synthetic ledger of realistic shape (see `ledger::synthetic`).
//!
//! `cargo run --release --example gen_ledger -- --entries N --out PATH [--seed S] [--import-out PATH]`
//! `--import-out` also writes the entries after the genesis as a file for
//! `ledger import` (imported into a fresh ledger they get the same seqs).
//! The same seed always gives the same bytes; every record time is
//! `LEDGER_NOW` when set, else 2026-01-02T03:04:05Z, so the output does not
//! depend on the clock.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: gen_ledger --entries N --out PATH [--seed S] [--import-out PATH]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_ledger: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut entries: Option<u64> = None;
    let mut out: Option<String> = None;
    let mut seed: u64 = 1;
    let mut import_out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{a} needs a value; {USAGE}"))
        };
        match a.as_str() {
            "--entries" => {
                let v = value()?;
                entries = Some(
                    v.parse()
                        .map_err(|_| format!("--entries: `{v}` is not a count"))?,
                );
            }
            "--out" => out = Some(value()?),
            "--import-out" => import_out = Some(value()?),
            "--seed" => {
                let v = value()?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed: `{v}` is not a number"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unexpected argument `{other}`; {USAGE}")),
        }
    }
    let (entries, out) = match (entries, out) {
        (Some(n), Some(p)) if n > 0 => (n, p),
        _ => return Err(USAGE.to_string()),
    };
    let recorded = std::env::var("LEDGER_NOW").unwrap_or_else(|_| "2026-01-02T03:04:05Z".into());
    ledger::entry::check_timestamp(&recorded).map_err(|e| format!("LEDGER_NOW: {e}"))?;
    let file = std::fs::File::create(&out).map_err(|e| format!("{out}: {e}"))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let (seq, hash) = ledger::synthetic::write_ledger(&mut w, entries, seed, &recorded)
        .map_err(|e| format!("{out}: {e}"))?;
    w.flush().map_err(|e| format!("{out}: {e}"))?;
    eprintln!("{out}: {entries} entries, head {seq}:{}", hash.to_hex());
    if let Some(p) = import_out {
        let file = std::fs::File::create(&p).map_err(|e| format!("{p}: {e}"))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        ledger::synthetic::write_import(&mut w, entries, seed).map_err(|e| format!("{p}: {e}"))?;
        w.flush().map_err(|e| format!("{p}: {e}"))?;
    }
    Ok(())
}
