//! The progress bar: an `indicatif` bar on stderr for the library's
//! [`crate::progress`] reports, only when stderr is a terminal, the output is
//! not JSON, and the file is big enough for a bar to help.
//!
//! `LEDGER_PROGRESS=always` draws it on any stderr, for every size (tests use
//! it to see the bar without a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// Reads smaller than this get no bar: they are over before one would help.
const MIN_BYTES: u64 = 8 << 20;

/// Installs the bar as the library's progress observer when wanted. `json`:
/// the command prints JSON (machine output gets no bar).
pub fn install(json: bool) {
    let forced = std::env::var("LEDGER_PROGRESS").is_ok_and(|v| v == "always");
    if forced || (!json && std::io::stderr().is_terminal()) {
        crate::progress::install(Box::new(Bar {
            bar: Mutex::new(None),
            forced,
        }));
    }
}

struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    forced: bool,
}

impl crate::progress::Observer for Bar {
    fn start(&self, label: &str, total: u64) {
        if total < MIN_BYTES && !self.forced {
            return;
        }
        let target = if self.forced {
            ProgressDrawTarget::term_like(Box::new(Stderr))
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>10} [{bar:30}] {bytes}/{total_bytes} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        // A label can name a file (a merge side): escaped like all shown text.
        bar.set_message(crate::escape::terminal(label).into_owned());
        bar.tick();
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Ok(b) = self.bar.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// Plain stderr as a terminal of fixed width, for the forced bar.
#[derive(Debug)]
struct Stderr;

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        writeln!(std::io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        write!(std::io::stderr(), "{s}")
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
