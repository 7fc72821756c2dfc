//! Merging two copies of a ledger that grew apart from a shared history: the
//! logic behind `ledger merge-driver` (git's custom merge driver) and
//! `ledger rebase --onto`.
//!
//! A ledger only grows, so two copies that were appended to separately share a
//! prefix of identical entries (same hashes) and then differ. A merge keeps one
//! side ("ours") exactly as it is and re-appends the other side's ("theirs")
//! entries after the shared prefix on top of it: each gets a new `seq`, `prev`
//! and `hash`, while its `recorded` time and body stay exactly as written. Every
//! re-appended entry must pass [`State::apply`] against the merged state, so a
//! semantic conflict (both sides retract or supersede the same fact, or use the
//! same id) refuses the whole merge, naming the entries on both sides.
//!
//! A re-chained entry keeps its identity as the hash of its record time and
//! body alone ([`content_id`]): when a branch is merged a second time, the
//! entries an earlier merge already re-appended are recognised by it and not
//! appended again, and the merge base's entries may appear re-chained.
//!
//! A source registered on both sides with the same id and the same
//! description (record time aside) is one source: the merge keeps ours and
//! leaves theirs out ([`merge_key`]). The same id with different descriptions
//! is a conflict, as are amendments of the same member of a source to
//! different values on the two sides.
//!
//! Nothing here writes a file: the result is written by
//! [`crate::store::Locked::replace`], which verifies it again from its bytes.

use crate::chain::{self, VerifyOptions};
use crate::entry::{Body, Entry};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::lines::MAX_ENTRY_BYTES;
use crate::replay::State;
use std::collections::HashSet;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// One side of a merge: its bytes, verified, with the hash of every entry and
/// the (index-only) state they replay to. Entries themselves are parsed only
/// where the two sides differ ([`Side::entries_from`]), so a merge of large
/// ledgers costs about one `verify` of each file.
#[derive(Debug, Clone)]
pub struct Side {
    /// How messages name this side: `ours`, or a file name.
    pub label: String,
    pub bytes: Vec<u8>,
    /// The hash of each entry, in order.
    pub hashes: Vec<Hash>,
    /// The state after the last entry (references only, as verify keeps it).
    pub state: State,
}

/// Reads and verifies one side from a file; see [`Side::from_bytes`].
pub fn read_side(path: &Path, label: &str, name: &str) -> Result<Side> {
    Side::from_bytes(crate::store::read_ledger(path)?, label, name)
}

impl Side {
    /// Verifies one side. An empty file is an empty side (git passes an empty
    /// base when both branches added the file). A side that does not verify is
    /// refused with its first problem, the file named `name` (git's merge driver
    /// reads temporary files, so `name` is the path in the repository and which
    /// side it is); `label` names the side in merge messages.
    pub fn from_bytes(bytes: Vec<u8>, label: &str, name: &str) -> Result<Side> {
        let mut hashes = Vec::new();
        let mut state = State::index_only();
        if !bytes.is_empty() {
            let opts = VerifyOptions {
                index_only: true,
                ..VerifyOptions::default()
            };
            let (report, s) = chain::verify_reader_with(
                Path::new(name),
                BufReader::new(crate::progress::Reader::new(
                    bytes.as_slice(),
                    &format!("merging: reading {label}"),
                    bytes.len() as u64,
                )),
                opts,
                |e| hashes.push(e.hash),
            )
            .map_err(|e| Error::io(name, "read", e))?;
            if !report.ok() {
                return Err(Error::Damaged {
                    path: PathBuf::from(name),
                    line: report.problems.first().and_then(|p| p.line).unwrap_or(0),
                    message: format!(
                        "does not verify ({}); nothing was merged",
                        report.in_brief()
                    ),
                    help: Some(
                        "a merge needs every side to verify: run `ledger verify` on that version and repair it first"
                            .into(),
                    ),
                });
            }
            state = s;
        }
        Ok(Side {
            label: label.to_string(),
            bytes,
            hashes,
            state,
        })
    }

    /// The entries from index `from` (= seq) on, parsed from the verified bytes.
    pub fn entries_from(&self, from: usize) -> Result<Vec<Entry>> {
        self.bytes
            .split(|&b| b == b'\n')
            .skip(from)
            .take(self.hashes.len().saturating_sub(from))
            .enumerate()
            .map(|(i, line)| {
                let read = std::str::from_utf8(line).map(chain::read_entry);
                match read {
                    Ok(chain::ReadLine { entry: Some(e), .. }) => Ok(e),
                    _ => Err(Error::Damaged {
                        path: PathBuf::from(&self.label),
                        line: (from + i + 1) as u64,
                        message: "a verified line no longer reads as an entry".into(),
                        help: None,
                    }),
                }
            })
            .collect()
    }

    /// `SEQ:HASH` of the last entry.
    fn head(&self) -> String {
        self.hashes
            .last()
            .map_or(String::new(), |h| format!("{}:{h}", self.hashes.len() - 1))
    }
}

/// What a merge produced.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged file: a side that verified, plus any re-appended lines,
    /// each read back and link-checked.
    pub bytes: Vec<u8>,
    /// How many entries both sides share.
    pub common: usize,
    /// How many entries of ours were kept (all of them).
    pub kept: usize,
    /// Theirs' entries re-appended: (their original seq, the entry as written).
    pub appended: Vec<(u64, Entry)>,
    /// Theirs' sources left out because ours registers the same source with
    /// the same description.
    pub same_sources: Vec<Entry>,
    pub how: How,
    /// `SEQ:HASH` of the result's last entry.
    pub head: String,
    /// How many entries the result has.
    pub entries: usize,
}

/// The shape of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Theirs adds nothing ours does not have: the result is ours.
    Unchanged,
    /// Ours adds nothing: the result is theirs, byte for byte.
    FastForward,
    /// Both added entries: theirs' new ones were re-chained after ours.
    Rechained,
}

/// How a message names an entry: `line 8 (seq 7, retract of `emb`)`.
pub fn describe(e: &Entry) -> String {
    format!("line {} (seq {}, {})", e.seq + 1, e.seq, what(e))
}

/// What an entry is about: `fact `emb``, `retract of `emb``.
pub fn what(e: &Entry) -> String {
    match &e.body {
        Body::Genesis(_) => "genesis".to_string(),
        Body::Define(d) => format!("define `{}`", d.id),
        Body::Source(s) => format!("source `{}`", s.id),
        Body::Fact(f) => format!("fact `{}`", f.id),
        Body::Supersede(s) => format!("supersede of `{}` by `{}`", s.target, s.fact.id),
        Body::Retract(r) => format!("retract of `{}`", r.target),
        Body::Dispute(d) => format!("dispute of `{}`", d.target),
        Body::Amend(a) => format!("amendment of source `{}`", a.target),
    }
}

/// The ids an entry introduces or acts on: where two entries of different
/// sides can collide.
fn ids(e: &Entry) -> Vec<&str> {
    match &e.body {
        Body::Genesis(_) => vec![],
        Body::Define(d) => vec![d.id.as_str()],
        Body::Source(s) => vec![s.id.as_str()],
        Body::Fact(f) => vec![f.id.as_str()],
        Body::Supersede(s) => vec![s.target.as_str(), s.fact.id.as_str()],
        Body::Retract(r) => vec![r.target.as_str()],
        Body::Dispute(d) => vec![d.target.as_str()],
        Body::Amend(a) => vec![a.target.as_str()],
    }
}

/// An entry's identity across merges: the hash of its record time and body
/// alone, which re-chaining (new seq, prev and hash) does not change.
pub fn content_id(e: &Entry) -> Option<Hash> {
    e.content_id()
}

/// What makes two entries of different sides the same entry: the content id,
/// except that a source is identified by its body alone, so the same source
/// registered on both sides (at different times) counts once.
pub fn merge_key(e: &Entry) -> Option<Hash> {
    match &e.body {
        Body::Source(_) => crate::jcs::canonicalize(&e.body.to_value())
            .ok()
            .map(|text| crate::hash::sha256(format!("source\0{text}").as_bytes())),
        _ => content_id(e),
    }
}

/// Why `t` (an entry of theirs) and `o` (one of ours after the common part)
/// disagree in a way replay alone would not word: a source registered on
/// both sides with different descriptions, or one member of a source amended
/// to different values.
fn disagreement(t: &Entry, o: &Entry) -> Option<String> {
    match (&t.body, &o.body) {
        (Body::Source(a), Body::Source(b)) if a.id == b.id => {
            let (va, vb) = (t.body.to_value(), o.body.to_value());
            let mut names: Vec<&String> = va
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys())
                .chain(vb.as_object().into_iter().flat_map(|m| m.keys()))
                .filter(|k| va.get(k.as_str()) != vb.get(k.as_str()))
                .collect();
            names.sort();
            names.dedup();
            let shown = |v: &serde_json::Value, k: &str| {
                v.get(k).map_or("(none)".to_string(), |x| x.to_string())
            };
            let diffs: Vec<String> = names
                .iter()
                .map(|k| format!("{k} {} vs {}", shown(&va, k), shown(&vb, k)))
                .collect();
            if diffs.is_empty() {
                // The same source: step 4 leaves it out before replay.
                return None;
            }
            Some(format!(
                "source `{}` is registered on both sides with different descriptions ({})",
                a.id,
                diffs.join("; ")
            ))
        }
        (Body::Amend(a), Body::Amend(b)) if a.target == b.target => {
            let value = |x: &crate::entry::Amend, m: &str| -> Option<Option<serde_json::Value>> {
                if x.unset.iter().flatten().any(|u| u.name() == m) {
                    return Some(None);
                }
                let set = x
                    .set
                    .as_ref()
                    .map(|c| serde_json::to_value(c).unwrap_or_default())?;
                set.get(m).map(|v| Some(v.clone()))
            };
            let members = [
                "author",
                "derived_from",
                "language",
                "note",
                "published",
                "publisher",
                "sha256",
                "title",
                "type",
                "url",
            ];
            let clash: Vec<&str> = members
                .into_iter()
                .filter(|m| matches!((value(a, m), value(b, m)), (Some(x), Some(y)) if x != y))
                .collect();
            (!clash.is_empty()).then(|| {
                format!(
                    "both sides amend {} of source `{}`, to different values",
                    clash.join(", "),
                    a.target
                )
            })
        }
        _ => None,
    }
}

/// How many leading entries `a` and `b` share (equal hashes).
fn shared_prefix(a: &[Hash], b: &[Hash]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Checks that `side` holds every entry of `base` unchanged: the same entries
/// up front, or (where an earlier merge re-chained them) the same record time
/// and body later in the file.
fn check_extends(base: &Side, side: &Side, result: &Path) -> Result<()> {
    let p = shared_prefix(&base.hashes, &side.hashes);
    if p == base.hashes.len() {
        return Ok(());
    }
    let later: HashSet<Hash> = side.entries_from(p)?.iter().filter_map(merge_key).collect();
    let base_rest = base.entries_from(p)?;
    let Some(missing) = base_rest
        .iter()
        .find(|e| merge_key(e).is_none_or(|c| !later.contains(&c)))
    else {
        return Ok(());
    };
    let at = match side.hashes.get(missing.seq as usize) {
        Some(h) => format!("which has hash {} at that line", h.short()),
        None => format!("which ends at seq {}", side.hashes.len().saturating_sub(1)),
    };
    Err(Error::Refused {
        path: result.to_path_buf(),
        seq: None,
        message: format!(
            "{} rewrote or removed history shared with {}: {} line {} (seq {}, {}, hash {}) is not in {}, {at}",
            side.label,
            base.label,
            base.label,
            missing.seq + 1,
            missing.seq,
            what(missing),
            missing.hash.short(),
            side.label,
        ),
        help: Some(
            "a ledger only grows: find the change that rewrote or removed existing lines \
             (`git log -p -- FILE`), restore those lines, and merge again"
                .into(),
        ),
    })
}

/// Merges `theirs` into `ours`. With `base`, both sides must extend it
/// unchanged (the git merge base); without, only their shared prefix counts.
/// `result` names the merged file in messages.
/// The sides are taken by value: a merge of large ledgers holds each file
/// once, and the result reuses ours' bytes and state.
pub fn merge(base: Option<Side>, ours: Side, theirs: Side, result: &Path) -> Result<Merged> {
    if let Some(base) = base {
        check_extends(&base, &ours, result)?;
        check_extends(&base, &theirs, result)?;
    }
    let common = shared_prefix(&ours.hashes, &theirs.hashes);
    let kept = ours.hashes.len();
    let done = |side: Side, how| Merged {
        head: side.head(),
        entries: side.hashes.len(),
        bytes: side.bytes,
        common,
        kept,
        appended: Vec::new(),
        same_sources: Vec::new(),
        how,
    };
    if common == 0 {
        return Err(Error::Refused {
            path: result.to_path_buf(),
            seq: None,
            message: format!(
                "{} and {} are not the same ledger: their genesis entries (line 1) differ",
                ours.label, theirs.label
            ),
            help: Some(
                "only copies of one ledger can be merged; keep different ledgers in different files"
                    .into(),
            ),
        });
    }
    if common == theirs.hashes.len() {
        return Ok(done(ours, How::Unchanged));
    }
    if common == ours.hashes.len() {
        return Ok(done(theirs, How::FastForward));
    }

    let ours_new = ours.entries_from(common)?;
    // Entries of theirs that an earlier merge already re-appended to ours,
    // and sources ours registers with the same description.
    let merged_before: HashSet<Hash> = ours_new.iter().filter_map(content_id).collect();
    let same_source: HashSet<Hash> = ours_new
        .iter()
        .filter(|e| matches!(e.body, Body::Source(_)))
        .filter_map(merge_key)
        .collect();
    let mut same_sources = Vec::new();
    let theirs_new: Vec<Entry> = theirs
        .entries_from(common)?
        .into_iter()
        .filter(|t| content_id(t).is_none_or(|c| !merged_before.contains(&c)))
        .filter_map(|t| {
            if matches!(t.body, Body::Source(_))
                && merge_key(&t).is_some_and(|k| same_source.contains(&k))
            {
                same_sources.push(t);
                None
            } else {
                Some(t)
            }
        })
        .collect();
    if theirs_new.is_empty() {
        let mut m = done(ours, How::Unchanged);
        m.same_sources = same_sources;
        return Ok(m);
    }
    let theirs_label = theirs.label.clone();
    drop(theirs);
    let ours_label = ours.label.clone();
    let last = ours.hashes[ours.hashes.len() - 1];
    let Side {
        mut bytes,
        mut state,
        ..
    } = ours;
    let mut appended = Vec::new();
    let mut conflicts = Vec::new();
    let mut seq = kept as u64;
    let mut prev = last;
    for t in &theirs_new {
        let moved = Entry::seal(seq, prev, t.recorded.clone(), t.body.clone()).map_err(|e| {
            Error::Refused {
                path: result.to_path_buf(),
                seq: Some(seq),
                message: format!("{} {}: {}", theirs_label, describe(t), e.0),
                help: None,
            }
        })?;
        let clash = ours_new.iter().find_map(|o| disagreement(t, o));
        let applied = match clash {
            Some(why) => Err(why),
            None => state.apply(&moved),
        };
        if let Err(why) = applied {
            let mine = ids(t);
            let against: Vec<String> = ours_new
                .iter()
                .filter(|o| ids(o).iter().any(|i| mine.contains(i)))
                .map(|o| format!("{} {}", ours_label, describe(o)))
                .collect();
            let with = if against.is_empty() {
                String::new()
            } else {
                format!(" conflicts with {}", against.join(" and "))
            };
            conflicts.push(format!("{} {}{with}: {why}", theirs_label, describe(t)));
            continue;
        }
        let line = moved.to_line().map_err(|e| Error::Refused {
            path: result.to_path_buf(),
            seq: Some(seq),
            message: e.0,
            help: None,
        })?;
        if line.len() - 1 > MAX_ENTRY_BYTES {
            // A larger seq can add a digit: an entry that fit on its own
            // branch may not fit after the other side's.
            return Err(Error::Refused {
                path: result.to_path_buf(),
                seq: Some(seq),
                message: format!(
                    "{} {} would be {} bytes long re-sealed at seq {seq} (it was {} at seq {}); no entry may be longer than {MAX_ENTRY_BYTES} bytes (1 MiB); nothing was merged",
                    theirs_label,
                    describe(t),
                    line.len() - 1,
                    t.to_line().map_or(0, |l| l.len() - 1),
                    t.seq
                ),
                help: Some(
                    "shorten that entry on its branch (supersede the fact with a shorter version, e.g. a shorter quote or note), then merge again"
                        .into(),
                ),
            });
        }
        bytes.extend_from_slice(line.as_bytes());
        prev = moved.hash;
        seq += 1;
        appended.push((t.seq, moved));
    }
    if !conflicts.is_empty() {
        let auto_id = conflicts.iter().any(|c| c.contains("has the form f<seq>"));
        let mut help = "settle it on one side (for example retract or supersede the fact \
                        only once, choose another id, or amend a source on one side only), \
                        then merge again"
            .to_string();
        if auto_id {
            help.push_str(
                "; an id of the form f<seq> (the default of older versions of ledger) is tied \
                 to its position and cannot move: on that side, add the fact again without \
                 --id (it gets a change id, which moves freely) and retract the old one",
            );
        }
        return Err(Error::conflicts(
            result,
            format!("{ours_label} and {theirs_label} conflict; nothing was merged:"),
            conflicts,
            Some(help),
        ));
    }
    // Read every new line back as the verifier would, and check its link:
    // ours verified, and each new entry was sealed after it and replayed.
    let mut link = last;
    for (_, e) in &appended {
        let line = e.to_line().map_err(|err| Error::Refused {
            path: result.to_path_buf(),
            seq: Some(e.seq),
            message: err.0,
            help: None,
        })?;
        let back = chain::read_entry(line.trim_end_matches('\n'));
        if !back.problems.is_empty() || back.entry.as_ref() != Some(e) || e.prev != link {
            return Err(Error::Damaged {
                path: result.to_path_buf(),
                line: e.seq + 1,
                message: "the merged entry does not read back as written; nothing was merged"
                    .into(),
                help: None,
            });
        }
        link = e.hash;
    }
    Ok(Merged {
        bytes,
        common,
        kept,
        entries: seq as usize,
        appended,
        same_sources,
        how: How::Rechained,
        head: format!("{}:{link}", seq - 1),
    })
}
