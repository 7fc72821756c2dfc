//! The archive of source texts: one directory of content-addressed copies,
//! `<sha256>.txt`, where the name is the lowercase hex SHA-256 of the file's
//! bytes (docs/FORMAT.md 5.1.1).
//!
//! A source entry records the SHA-256 of its text; the archive is where that
//! text is found again. By default it is `sources/` beside the ledger file
//! (`ledger/sources/` for `ledger/x.jsonl`); `--archive DIR` or
//! `LEDGER_ARCHIVE` puts it elsewhere (outside git, for a text that may not be
//! redistributed). An archived file is always checked against its name
//! before it is used: a missing or altered file is reported with its path
//! and hash, never read as if it were the source.
//!
//! Files are written only through [`crate::fsio`]: a new copy is written to
//! a temporary file and renamed into place, so a crash leaves no partial
//! copy under a content address; an existing copy is kept if its bytes are
//! the right ones and reported as altered otherwise.

use crate::error::{Error, Result};
use crate::fsio;
use crate::hash::sha256;
use std::io;
use std::path::{Path, PathBuf};

/// The environment variable naming the archive directory.
pub const ARCHIVE_ENV: &str = "LEDGER_ARCHIVE";

/// The archive's directory name beside a ledger when none is given.
pub const DEFAULT_DIR: &str = "sources";

/// An archive directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub dir: PathBuf,
}

/// Why an archived text cannot be used.
#[derive(Debug)]
pub enum Unusable {
    /// No file at the content address.
    Missing { path: PathBuf, sha256: String },
    /// The file's bytes are not the ones its name promises.
    Altered {
        path: PathBuf,
        sha256: String,
        actual: String,
    },
    /// The file is the right one but not UTF-8, so no locator can point into it.
    NotUtf8 { path: PathBuf, offset: usize },
    /// It could not be read.
    Io { path: PathBuf, error: io::Error },
}

impl Unusable {
    /// One sentence naming the file and what is wrong, for source `source`.
    pub fn message(&self, source: &str) -> String {
        match self {
            Unusable::Missing { path, sha256 } => format!(
                "the archived text of source `{source}` is missing: no file {} (SHA-256 {sha256})",
                path.display()
            ),
            Unusable::Altered {
                path,
                sha256,
                actual,
            } => format!(
                "the archived text of source `{source}` was altered: {} has SHA-256 {actual}, the source recorded {sha256}",
                path.display()
            ),
            Unusable::NotUtf8 { path, offset } => format!(
                "the archived text of source `{source}` is not UTF-8: {} (invalid byte at offset {offset})",
                path.display()
            ),
            Unusable::Io { path, error } => format!(
                "the archived text of source `{source}` cannot be read: {}: {error}",
                path.display()
            ),
        }
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            Unusable::Missing { path, sha256 } => format!(
                "put the source's text in {} (its SHA-256 must be {sha256}), or point --archive / {ARCHIVE_ENV} at the directory that holds it",
                path.display()
            ),
            Unusable::Altered { path, .. } => format!(
                "restore the original text to {} from a copy; a changed text is a different source",
                path.display()
            ),
            Unusable::NotUtf8 { .. } => {
                "locators count characters of a UTF-8 text; archive the text as UTF-8 and register it as a new source".into()
            }
            Unusable::Io { .. } => "check the file's permissions".into(),
        }
    }

    /// As an error of the command that needed the text (exit 2).
    pub fn into_error(self, source: &str) -> Error {
        Error::usage(self.message(source), Some(self.help()))
    }
}

/// A text put into the archive.
#[derive(Debug, Clone)]
pub struct Stored {
    pub sha256: String,
    pub path: PathBuf,
    /// False when an identical copy was already there.
    pub created: bool,
}

impl Archive {
    /// The archive of the ledger at `ledger`: `given` (from `--archive` or
    /// `LEDGER_ARCHIVE`), else `sources/` in the ledger's directory.
    pub fn for_ledger(ledger: &Path, given: Option<&Path>) -> Archive {
        let dir = match given {
            Some(d) => d.to_path_buf(),
            None => ledger
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(DEFAULT_DIR),
        };
        Archive { dir }
    }

    /// Where the text with this SHA-256 (lowercase hex) is kept.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.txt"))
    }

    /// Keeps a copy of `bytes`; an identical copy already there is accepted,
    /// a different file under the same name is refused as altered.
    pub fn store(&self, bytes: &[u8]) -> Result<Stored> {
        let sha = sha256(bytes).to_hex();
        let path = self.path_of(&sha);
        match std::fs::read(&path) {
            Ok(existing) => {
                let actual = sha256(&existing).to_hex();
                if actual != sha {
                    return Err(Error::usage(
                        format!(
                            "{} is in the archive but altered: its SHA-256 is {actual}, its name says {sha}",
                            path.display()
                        ),
                        Some(format!(
                            "remove {} (a damaged copy) and run the command again",
                            path.display()
                        )),
                    ));
                }
                Ok(Stored {
                    sha256: sha,
                    path,
                    created: false,
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir)
                    .map_err(|e| Error::io(&self.dir, "create directory", e))?;
                fsio::replace(&path, bytes, 0o644).map_err(|e| Error::io(&path, "create", e))?;
                Ok(Stored {
                    sha256: sha,
                    path,
                    created: true,
                })
            }
            Err(e) => Err(Error::io(&path, "read", e)),
        }
    }

    /// The archived text with this SHA-256, checked against it.
    pub fn text(&self, sha256: &str) -> std::result::Result<String, Unusable> {
        let path = self.path_of(sha256);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Unusable::Missing {
                    path,
                    sha256: sha256.to_string(),
                });
            }
            Err(error) => return Err(Unusable::Io { path, error }),
        };
        let actual = crate::hash::sha256(&bytes).to_hex();
        if actual != sha256 {
            return Err(Unusable::Altered {
                path,
                sha256: sha256.to_string(),
                actual,
            });
        }
        String::from_utf8(bytes).map_err(|e| Unusable::NotUtf8 {
            path,
            offset: e.utf8_error().valid_up_to(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_content_and_refuses_an_altered_copy() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive {
            dir: dir.path().join("sources"),
        };
        let s = a.store(b"text\n").unwrap();
        assert!(s.created);
        assert_eq!(a.text(&s.sha256).unwrap(), "text\n");
        assert!(!a.store(b"text\n").unwrap().created);
        std::fs::write(&s.path, b"texT\n").unwrap();
        assert!(matches!(a.text(&s.sha256), Err(Unusable::Altered { .. })));
        assert!(a.store(b"text\n").is_err());
        std::fs::remove_file(&s.path).unwrap();
        assert!(matches!(a.text(&s.sha256), Err(Unusable::Missing { .. })));
    }

    #[test]
    fn defaults_to_sources_beside_the_ledger() {
        let a = Archive::for_ledger(Path::new("ledger/x.jsonl"), None);
        assert_eq!(a.dir, Path::new("ledger/sources"));
        let a = Archive::for_ledger(Path::new("x.jsonl"), None);
        assert_eq!(a.dir, Path::new("./sources"));
    }
}
