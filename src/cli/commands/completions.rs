//! `ledger completions`: a shell completion script, written from the same
//! argument definitions the binary parses with.

use crate::cli::output::emit;
use crate::error::Result;
use clap_complete::Shell;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let mut cmd = crate::cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "ledger", &mut buf);
    emit(out, &String::from_utf8_lossy(&buf))?;
    Ok(0)
}
