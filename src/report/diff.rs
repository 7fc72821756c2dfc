//! What changed between two positions of a ledger: the facts a report would
//! show at the later position that it did not show at the earlier one, and why.
//!
//! A diff compares two [`Report`]s built with the same options (subject,
//! `--as-of` date, topics) from the ledger replayed up to entry A and up to
//! entry B (A ≤ B). The facts a report *shows* are those of its topic
//! sections, its context and its timeline. Between the two:
//!
//! - **superseded**: a fact shown at A was superseded (once or through a chain
//!   of versions) by a fact live at B; `new_in_view` says whether the last
//!   version is shown at B (a supersession may move a fact to another topic,
//!   subject or period);
//! - **retracted**: a fact shown at A was retracted (after being superseded,
//!   when `target` is another id);
//! - **added**: a fact shown at B and not at A that is no fact's new version;
//! - **disputed**: a dispute of a fact shown at B that the fact did not carry
//!   at A;
//! - **discrepancies**: the report's discrepancies that appeared or were
//!   resolved, compared by kind, facts and wording (their numbers are those of
//!   the report they come from).
//!
//! Applying a diff to the report at A gives the report at B: remove every
//! superseded `old` and retracted `fact`, add every `added` fact and every
//! `new` that is in view; the facts' disputes and the discrepancies change
//! likewise. A property test holds the implementation to that.
//!
//! Like the report, a diff is a pure function of the two states and options.

use super::{
    CitationView, Discrepancy, FactView, Medium, Options, Report, SourceView, build, citation_view,
    count, fact_body, fact_note, fact_view, long_day, source_lines, timeline_order,
    topic_filter_sentence,
};
use crate::entry::{Difference, RetractReason, name};
use crate::replay::{State, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One end of a diff: an entry of the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct Position {
    pub seq: u64,
    pub hash: String,
    /// Its record time.
    pub recorded: String,
}

/// The changes between two positions, ready to render; its JSON form is the
/// documented `diff --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub title: String,
    pub ledger_title: String,
    pub subject: String,
    pub as_of: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topic_filter: Vec<String>,
    pub from: Position,
    pub to: Position,
    /// The topics that have changes, in report order.
    pub topics: Vec<TopicRef>,
    pub added: Vec<FactView>,
    pub superseded: Vec<Superseded>,
    pub retracted: Vec<Retracted>,
    pub disputed: Vec<Disputed>,
    pub discrepancies: Vec<DiscrepancyChange>,
    /// The sources the changes cite, numbered as in the report.
    pub sources: Vec<SourceView>,
    pub counts: DiffCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicRef {
    pub topic: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Superseded {
    /// The version shown at A.
    pub old: FactView,
    /// The live version at B.
    pub new: FactView,
    /// Why: the reason of each supersession from `old` to `new`, joined by
    /// `; then: ` when there were several.
    pub reason: String,
    /// Seq of the supersede entry that recorded `new`.
    pub seq: u64,
    /// Whether the report at B shows `new`.
    pub new_in_view: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Retracted {
    /// The fact shown at A.
    pub fact: FactView,
    /// The fact the retract entry names: `fact.id`, or a later version of it.
    pub target: String,
    pub reason: RetractReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The source that motivated the retraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<CitationView>,
    /// Seq of the retract entry.
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disputed {
    /// The disputed fact, as shown at B.
    pub fact: FactView,
    pub difference: Difference,
    /// What the disputing source says.
    pub statement: String,
    pub citation: CitationView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Seq of the dispute entry.
    pub seq: u64,
    /// For a dispute carried to this fact by a supersession: the version it
    /// was recorded against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<String>,
}

/// Whether a discrepancy is new at B or gone since A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Appeared,
    Resolved,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiscrepancyChange {
    pub change: Change,
    /// The discrepancy as the report at B (appeared) or at A (resolved) has it.
    #[serde(flatten)]
    pub discrepancy: Discrepancy,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffCounts {
    pub added: usize,
    pub superseded: usize,
    pub retracted: usize,
    pub disputed: usize,
    pub appeared: usize,
    pub resolved: usize,
}

impl Diff {
    /// Whether nothing changed in the view.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.superseded.is_empty()
            && self.retracted.is_empty()
            && self.disputed.is_empty()
            && self.discrepancies.is_empty()
    }
}

/// The facts a report shows, by id: topic sections, context and timeline.
pub fn shown(r: &Report) -> BTreeMap<&str, &FactView> {
    r.topics
        .iter()
        .flat_map(|t| t.facts.iter())
        .chain(r.context.iter())
        .chain(r.timeline.iter().map(|t| &t.fact))
        .map(|f| (f.id.as_str(), f))
        .collect()
}

/// What identifies a discrepancy across two reports, whose numbering differs:
/// its kind, facts and wording.
fn discrepancy_key(d: &Discrepancy) -> (String, Vec<String>, String) {
    // The wording with ids whole: a change id's shortest prefix may grow
    // between A and B without the discrepancy changing.
    (name(&d.kind), d.facts.clone(), d.wording.clone())
}

/// Builds the diff between the ledger replayed up to A (`a`) and up to B
/// (`b`, a later or the same position of the same ledger). The subject
/// defaults as in the report, chosen at B, else at A; a ledger with no live
/// fact at either has two empty reports and an empty diff.
pub fn diff(
    a: &State,
    b: &State,
    from: Position,
    to: Position,
    opts: &Options,
) -> Result<Diff, String> {
    if from.seq > to.seq {
        return Err(format!(
            "--from {} is after --to {}: a diff runs forward",
            from.seq, to.seq
        ));
    }
    // Without a subject at either end (no live fact at A or at B), both
    // reports are empty, as `summary` gives on such a ledger, and so is the
    // diff between them.
    let subject = opts
        .subject
        .clone()
        .or_else(|| super::default_subject(b))
        .or_else(|| super::default_subject(a));
    let opts = Options {
        subject,
        ..opts.clone()
    };
    let ra = build(a, &opts)?;
    let rb = build(b, &opts)?;
    let (va, vb) = (shown(&ra), shown(&rb));

    // Facts that left the view, in the order they were recorded.
    let mut gone: Vec<&FactView> = va
        .iter()
        .filter(|(id, _)| !vb.contains_key(*id))
        .map(|(_, f)| *f)
        .collect();
    gone.sort_by_key(|f| f.seq);
    let mut superseded = Vec::new();
    let mut retracted = Vec::new();
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    for old in gone {
        let mut id = old.id.clone();
        let mut reasons = Vec::new();
        // Follow the versions at B; each supersession names a later fact,
        // so the walk ends (bounded again by the number of facts).
        for _ in 0..=b.facts.len() {
            let Some(rec) = b.fact(&id) else { break };
            match &rec.status {
                Status::Superseded { by, reason, .. } => {
                    reasons.push(reason.clone());
                    id = by.clone();
                }
                Status::Retracted { seq, retract } => {
                    retracted.push(Retracted {
                        fact: old.clone(),
                        target: id.clone(),
                        reason: retract.reason,
                        note: retract.note.clone(),
                        source: retract.source.as_ref().map(|s| source_ref(b, s)),
                        seq: *seq,
                    });
                    break;
                }
                Status::Live => {
                    // A fact live at both A and B is shown by both reports or
                    // by neither (the options are the same), so a fact that
                    // left the view and ends live was superseded.
                    let new = match vb.get(id.as_str()) {
                        Some(f) => (*f).clone(),
                        None => fact_view(b, rec, None),
                    };
                    claimed.insert(id.clone());
                    superseded.push(Superseded {
                        old: old.clone(),
                        new_in_view: vb.contains_key(id.as_str()),
                        new,
                        reason: reasons.join("; then: "),
                        seq: rec.seq,
                    });
                    break;
                }
            }
        }
    }
    let mut added: Vec<FactView> = vb
        .iter()
        .filter(|(id, _)| !va.contains_key(*id) && !claimed.contains(**id))
        .map(|(_, f)| (*f).clone())
        .collect();
    added.sort_by(timeline_order);

    // Disputes a fact shown at B carries that it did not carry at A.
    let mut disputed = Vec::new();
    for f in vb.values() {
        let Some(rec) = b.fact(&f.id) else { continue };
        // The disputes that apply to the fact: recorded against it, or
        // carried to it from the version it replaced (not those that stay
        // with a superseded version, which the discrepancies list).
        let before: BTreeSet<u64> = a
            .fact(&f.id)
            .map(|r| {
                r.disputes
                    .iter()
                    .filter(|d| d.current)
                    .map(|d| d.seq)
                    .collect()
            })
            .unwrap_or_default();
        for rd in rec.disputes.iter().filter(|d| d.current) {
            let (seq, d) = (rd.seq, &rd.dispute);
            if !before.contains(&seq) {
                disputed.push(Disputed {
                    fact: (*f).clone(),
                    difference: d.difference,
                    statement: d.statement.clone(),
                    citation: citation_view(b, &d.citation),
                    note: d.note.clone(),
                    seq,
                    carried_from: (d.target != f.id).then(|| d.target.clone()),
                });
            }
        }
    }
    disputed.sort_by_key(|d| d.seq);

    // Discrepancies, as multisets: the same wording may occur twice.
    let mut discrepancies = Vec::new();
    let mut at_a: BTreeMap<_, usize> = BTreeMap::new();
    for d in &ra.discrepancies {
        *at_a.entry(discrepancy_key(d)).or_default() += 1;
    }
    let mut at_b: BTreeMap<_, usize> = BTreeMap::new();
    for d in &rb.discrepancies {
        *at_b.entry(discrepancy_key(d)).or_default() += 1;
    }
    let mut seen_a: BTreeMap<_, usize> = BTreeMap::new();
    for d in &ra.discrepancies {
        let k = discrepancy_key(d);
        let n = seen_a.entry(k.clone()).or_default();
        *n += 1;
        if *n > at_b.get(&k).copied().unwrap_or(0) {
            discrepancies.push(DiscrepancyChange {
                change: Change::Resolved,
                discrepancy: d.clone(),
            });
        }
    }
    let mut seen_b: BTreeMap<_, usize> = BTreeMap::new();
    for d in &rb.discrepancies {
        let k = discrepancy_key(d);
        let n = seen_b.entry(k.clone()).or_default();
        *n += 1;
        if *n > at_a.get(&k).copied().unwrap_or(0) {
            discrepancies.push(DiscrepancyChange {
                change: Change::Appeared,
                discrepancy: d.clone(),
            });
        }
    }

    // The topics with changes, in report order, and the sources cited.
    let mut touched: BTreeSet<&str> = BTreeSet::new();
    let mut cited: BTreeSet<usize> = BTreeSet::new();
    let facts = added
        .iter()
        .chain(superseded.iter().flat_map(|s| [&s.old, &s.new]))
        .chain(retracted.iter().map(|r| &r.fact))
        .chain(disputed.iter().map(|d| &d.fact));
    for f in facts {
        touched.insert(&f.topic);
        cited.extend(f.citations.iter().map(|c| c.n));
    }
    cited.extend(disputed.iter().map(|d| d.citation.n));
    cited.extend(
        retracted
            .iter()
            .filter_map(|r| r.source.as_ref().map(|s| s.n)),
    );
    cited.extend(
        discrepancies
            .iter()
            .flat_map(|d| d.discrepancy.citations.iter().map(|c| c.n)),
    );
    let topics = b
        .topic_ids()
        .into_iter()
        .filter(|t| touched.contains(t.as_str()))
        .map(|t| TopicRef {
            label: b.topic_label(&t).unwrap_or_else(|| t.clone()),
            topic: t,
        })
        .collect();
    // Sources are only ever added, so B numbers every cited source; the
    // sources a cited one derives from are listed too.
    let mut listed = cited.clone();
    for rec in b.sources.iter() {
        if b.source_number(&rec.source.id)
            .is_some_and(|n| cited.contains(&n))
        {
            listed.extend(
                b.derivation_chain(&rec.source.id)
                    .iter()
                    .filter_map(|(_, up)| b.source_number(&up.source.id)),
            );
        }
    }
    let sources = rb
        .sources
        .iter()
        .filter(|s| listed.contains(&s.n))
        .cloned()
        .collect();

    let counts = DiffCounts {
        added: added.len(),
        superseded: superseded.len(),
        retracted: retracted.len(),
        disputed: disputed.len(),
        appeared: discrepancies
            .iter()
            .filter(|d| d.change == Change::Appeared)
            .count(),
        resolved: discrepancies
            .iter()
            .filter(|d| d.change == Change::Resolved)
            .count(),
    };
    Ok(Diff {
        title: rb.title.replacen("State of relations", "Changes", 1),
        ledger_title: rb.ledger_title,
        subject: rb.subject,
        as_of: rb.as_of,
        topic_filter: rb.topic_filter,
        from,
        to,
        topics,
        added,
        superseded,
        retracted,
        disputed,
        discrepancies,
        sources,
        counts,
    })
}

/// A source named without a locator, as `[n]`.
fn source_ref(state: &State, id: &str) -> CitationView {
    citation_view(
        state,
        &crate::entry::Citation {
            source: id.to_string(),
            paragraph: None,
            span: None,
            quote: None,
        },
    )
}

/// One change, for the renderers that group changes by topic.
pub enum Item<'a> {
    Added(&'a FactView),
    Superseded(&'a Superseded),
    Retracted(&'a Retracted),
    Disputed(&'a Disputed),
}

impl Diff {
    /// The changes under a topic: added, superseded (by the new version's
    /// topic), retracted, disputed, each in the order of the diff.
    pub fn items(&self, topic: &str) -> Vec<Item<'_>> {
        let mut out: Vec<Item<'_>> = Vec::new();
        out.extend(
            self.added
                .iter()
                .filter(|f| f.topic == topic)
                .map(Item::Added),
        );
        out.extend(
            self.superseded
                .iter()
                .filter(|s| s.new.topic == topic)
                .map(Item::Superseded),
        );
        out.extend(
            self.retracted
                .iter()
                .filter(|r| r.fact.topic == topic)
                .map(Item::Retracted),
        );
        out.extend(
            self.disputed
                .iter()
                .filter(|d| d.fact.topic == topic)
                .map(Item::Disputed),
        );
        out
    }
}

/// The opening sentence of a diff, in words (its ledger text not yet shown in
/// a medium: `ledger_title` is passed in already escaped).
pub(super) fn intro(d: &Diff, ledger_title: &str, filter: &str) -> String {
    let c = &d.counts;
    format!(
        "Changes to the report on {} of the ledger \"{}\" from entry {} ({}, recorded {}) to entry {} ({}, recorded {}).{} {} added, {} superseded, {} retracted, {} disputed; {} appeared, {} resolved. Every statement cites its sources by number: [n ¶p] is paragraph p of source n (see Sources).",
        long_day(&d.as_of),
        ledger_title,
        d.from.seq,
        d.from.hash.get(..12).unwrap_or(""),
        d.from.recorded,
        d.to.seq,
        d.to.hash.get(..12).unwrap_or(""),
        d.to.recorded,
        filter,
        count(c.added, "fact", "facts"),
        c.superseded,
        c.retracted,
        c.disputed,
        count(c.appeared, "discrepancy", "discrepancies"),
        c.resolved,
    )
}

/// A continuation line of a list item.
fn more(m: Medium, shown: &str) -> String {
    match m {
        Medium::Markdown => format!("  <br>{shown}\n"),
        Medium::Text => format!("  {shown}\n"),
    }
}

fn retract_reason(r: RetractReason) -> String {
    name(&r).replace('-', " ")
}

/// Renders a diff as GitHub-flavoured Markdown (`markdown`) or plain text,
/// every piece of ledger text escaped for the medium as in the report.
pub fn render(d: &Diff, markdown: bool) -> String {
    let m = if markdown {
        Medium::Markdown
    } else {
        Medium::Text
    };
    let mut s = String::new();
    m.heading(&mut s, 1, &m.text(&d.title));
    s.push_str(&format!(
        "{}\n\n",
        m.em(&intro(
            d,
            &m.text(&d.ledger_title),
            &topic_filter_sentence(&d.topic_filter, m)
        ))
    ));
    if d.is_empty() {
        s.push_str(&format!(
            "No change to what the report shows between entry {} and entry {}.\n\n",
            d.from.seq, d.to.seq
        ));
    }
    for t in &d.topics {
        m.heading(&mut s, 2, &m.text(&t.label));
        for item in d.items(&t.topic) {
            s.push_str(&item_lines(&item, m));
        }
        s.push('\n');
    }
    if !d.discrepancies.is_empty() {
        m.heading(&mut s, 2, "Discrepancies");
        for c in &d.discrepancies {
            let x = &c.discrepancy;
            let kind = x.kind_label();
            let change = match c.change {
                Change::Appeared => format!("appeared (as listed at entry {})", d.to.seq),
                Change::Resolved => format!("resolved (as listed at entry {})", d.from.seq),
            };
            let text = match m {
                Medium::Markdown => x.markdown.clone(),
                Medium::Text => x.terminal.clone(),
            };
            s.push_str(&format!(
                "- {} {} {}: {text}\n",
                m.strong(&x.id),
                change,
                m.em(kind)
            ));
        }
        s.push('\n');
    }
    if !d.sources.is_empty() {
        m.heading(&mut s, 2, "Sources");
        s.push_str(&source_lines(&d.sources, m));
    }
    s
}

fn item_lines(item: &Item<'_>, m: Medium) -> String {
    match item {
        Item::Added(f) => {
            let mut s = format!("- {} {}\n", m.strong("Added:"), fact_body(f, m));
            s.push_str(&fact_note(f, m));
            s
        }
        Item::Superseded(x) => {
            let mut s = format!(
                "- {} {} → {}, because: {}\n",
                m.strong("Superseded:"),
                m.code(&x.old.id),
                m.code(&x.new.id),
                m.text(&x.reason)
            );
            s.push_str(&more(m, &format!("Was: {}", fact_body(&x.old, m))));
            let now = if x.new_in_view {
                format!("Now: {}", fact_body(&x.new, m))
            } else {
                format!(
                    "Now, outside this report (another subject, topic or period): {}",
                    fact_body(&x.new, m)
                )
            };
            s.push_str(&more(m, &now));
            s.push_str(&fact_note(&x.new, m));
            s
        }
        Item::Retracted(x) => {
            let mut s = format!(
                "- {} ({}): {}\n",
                m.strong("Retracted"),
                retract_reason(x.reason),
                fact_body(&x.fact, m)
            );
            if x.target != x.fact.id {
                s.push_str(&more(
                    m,
                    &format!(
                        "It was superseded first; the retraction names {}.",
                        m.code(&x.target)
                    ),
                ));
            }
            if let Some(src) = &x.source {
                s.push_str(&more(m, &format!("Because of source {}.", src.label)));
            }
            if let Some(n) = &x.note {
                s.push_str(&more(m, &m.em(&format!("Note: {}", m.text(n)))));
            }
            s
        }
        Item::Disputed(x) => {
            let mut s = format!(
                "- {} {} {} {}. It says: {}.\n",
                m.strong("Disputed:"),
                x.citation.label,
                super::difference_verb(x.difference),
                m.code(&x.fact.id),
                m.text(x.statement.trim_end_matches('.'))
            );
            s.push_str(&more(m, &format!("Fact: {}", fact_body(&x.fact, m))));
            if let Some(old) = &x.carried_from {
                s.push_str(&more(
                    m,
                    &format!(
                        "Recorded against {}, the version it replaced, and carried to it.",
                        m.code(old)
                    ),
                ));
            }
            if let Some(n) = &x.note {
                s.push_str(&more(m, &m.em(&format!("Note: {}", m.text(n)))));
            }
            s
        }
    }
}
