//! `ledger`: an append-only, hash-chained JSONL ledger of source-cited facts.
//!
//! Modules, from the bytes up:
//! - [`jcs`]: RFC 8785 canonical JSON and the strict parser;
//! - [`hash`]: SHA-256 entry hashes;
//! - [`date`], [`vocab`]: partial dates and the actor/topic vocabulary;
//! - [`ids`]: change ids for facts and sources, their shortest unique prefixes;
//! - [`entry`]: the envelope and the payload of every entry kind;
//! - [`shape`]: reading bodies with objects only where the format has objects;
//! - [`slim`]: reading a body in place for its ids alone, for `verify`'s compact index;
//! - [`lines`]: reading lines with a bound on their length, streaming;
//! - [`layout`]: the byte layout of a canonical line, read by position;
//! - [`linefile`]: positioned reads of whole lines (last line, line at an offset, a seq);
//! - [`chain`]: verification of lines and links;
//! - [`note`]: C2SP signed notes and their keys (log keys, witness cosignature keys);
//! - [`checkpoint`]: C2SP tlog-checkpoints: the signed root of the tree at a size;
//! - [`tlog`]: the ledger as a transparency log: roots, leaves and lines of a verified ledger;
//! - [`proof`]: inclusion and consistency proofs as JSON, checked without the ledger;
//! - [`witness`]: cosigning checkpoints that extend the last one cosigned (C2SP tlog-cosignature);
//! - [`tiles`]: static publication of the tree as C2SP tlog-tiles, and checking one;
//! - [`merkle`]: the RFC 9162 Merkle tree over the entries, its streaming root and proofs;
//! - [`store`]: file I/O, locking, appends, repair;
//! - [`import`]: many entries at once, streamed on the block pipeline, all or nothing;
//! - [`fsio`]: creating and replacing side files without following symbolic links;
//! - [`fault`]: fault injection into appends, for the reliability tests;
//! - [`replay`]: the fold of entries into state, with referential integrity;
//! - [`report`]: the "state of relations" report, what changed between two
//!   positions ([`report::diff`]), its HTML page ([`report::html`]) and the
//!   export of every fact ([`report::export`]);
//! - [`merge`]: merging two copies of a ledger (git merge driver, rebase);
//! - [`index`]: the compact referential index, in memory and on disk (O(1) appends);
//! - [`synthetic`]: realistic ledgers of any size, for benchmarks;
//! - [`archive`]: the content-addressed archive of source texts;
//! - [`locate`]: finding a quote in a text, tolerant of typography;
//! - [`citations`]: checking citations against an archived source text;
//! - [`evidence`]: citations located and checked at write time;
//! - [`escape`]: showing ledger text to a person: one escaper per medium
//!   (terminal, Markdown, HTML, GitHub workflow commands);
//! - [`cli`]: the command-line interface (argument types and one module per command);
//! - [`error`]: the error type and exit codes.

pub mod archive;
pub mod chain;
pub mod checkpoint;
pub mod citations;
pub mod cli;
pub mod date;
pub mod entry;
pub mod error;
pub mod escape;
pub mod evidence;
pub mod fault;
pub mod fsio;
pub mod hash;
pub mod ids;
pub mod import;
pub mod index;
pub mod jcs;
pub mod layout;
pub mod linefile;
pub mod lines;
pub mod locate;
pub mod merge;
pub mod merkle;
pub mod note;
pub mod progress;
pub mod proof;
pub mod replay;
pub mod report;
pub mod shape;
pub mod slim;
pub mod store;
pub mod synthetic;
pub mod tiles;
pub mod tlog;
pub mod vocab;
pub mod witness;
