//! `ledger`: an append-only, hash-chained JSONL ledger of source-cited facts.
//!
//! Modules, from the bytes up:
//! - [`jcs`]: RFC 8785 canonical JSON and the strict parser;
//! - [`hash`]: SHA-256 entry hashes;
//! - [`date`], [`vocab`]: partial dates and the actor/topic vocabulary;
//! - [`entry`]: the envelope and the payload of every entry kind;
//! - [`lines`]: reading lines with a bound on their length, streaming;
//! - [`layout`]: the byte layout of a canonical line, read by position;
//! - [`linefile`]: positioned reads of whole lines (last line, line at an offset, a seq);
//! - [`chain`]: verification of lines and links;
//! - [`store`]: file I/O, locking, appends, repair;
//! - [`fsio`]: creating and replacing side files without following symbolic links;
//! - [`fault`]: fault injection into appends, for the reliability tests;
//! - [`replay`]: the fold of entries into state, with referential integrity;
//! - [`report`]: the "state of relations" report, what changed between two
//!   positions ([`report::diff`]), its HTML page ([`report::html`]) and the
//!   export of every fact ([`report::export`]);
//! - [`merge`]: merging two copies of a ledger (git merge driver, rebase);
//! - [`index`]: the compact referential index, in memory and on disk (O(1) appends);
//! - [`synthetic`]: realistic ledgers of any size, for benchmarks;
//! - [`citations`]: checking citations against an archived source text;
//! - [`escape`]: showing ledger text to a person: one escaper per medium
//!   (terminal, Markdown, HTML, GitHub workflow commands);
//! - [`cli`]: the command-line interface (argument types and one module per command);
//! - [`error`]: the error type and exit codes.

pub mod chain;
pub mod citations;
pub mod cli;
pub mod date;
pub mod entry;
pub mod error;
pub mod escape;
pub mod fault;
pub mod fsio;
pub mod hash;
pub mod index;
pub mod jcs;
pub mod layout;
pub mod linefile;
pub mod lines;
pub mod merge;
pub mod progress;
pub mod replay;
pub mod report;
pub mod store;
pub mod synthetic;
pub mod vocab;
