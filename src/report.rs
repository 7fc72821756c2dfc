//! The "state of relations" report: a pure function of a replayed [`State`], a
//! subject and a date, rendered as Markdown, plain text or JSON here, and as
//! HTML by [`html`]; [`diff`] compares two reports, [`export`] lists every
//! fact, and [`timeline`] draws the timeline for the HTML page.
//!
//! [`select`] decides what a report shows, as references into the state
//! ([`select_for`] when only one medium's rendering will be written);
//! [`render_to`] writes its Markdown or text from there as it renders, with
//! no copy of the facts (long lists on two threads), and [`Selection::into_report`] builds the
//! [`Report`] of views that JSON, HTML and [`diff`] work from.
//!
//! Two time axes: the ledger position (`--at SEQ`: what the ledger knew after
//! entry SEQ, applied by replaying only that far) and world time (`--as-of DAY`:
//! which facts held on that day, from their `valid_from`/`valid_to`). A fact is
//! *in force* on day D when it is live at the ledger position, its `valid_from`
//! (if any) begins on or before D, and its `valid_to` (if any) ends on or after D.
//! Partial dates cover whole periods: `2018-10` begins on 1 October and ends on
//! 31 October.
//!
//! Nothing here reads a clock or a file: the same state and options give the
//! same bytes.

use crate::date::{Day, PartialDate, format_day};
use crate::entry::{Citation, Difference, Fact, Modality, name};
use crate::escape;
use crate::hash::{Hash, sha256};
use crate::ids::{self, Abbrev};
use crate::replay::{FactRecord, NO_SOURCE, State};
use crate::vocab;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::sync::mpsc;

pub mod diff;
pub mod export;
pub mod html;
pub mod timeline;

/// What to report on.
#[derive(Debug, Clone)]
pub struct Options {
    /// The relation (`CA-KP`) or actor; `None` picks the relation with most facts.
    pub subject: Option<String>,
    /// The world date facts must hold on.
    pub as_of: Day,
    /// Only facts under these topics (and the discrepancies about them); all
    /// topics when empty.
    pub topics: Vec<String>,
}

/// The report, ready to render; its JSON form is the documented `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub ledger_title: String,
    pub subject: String,
    pub actors: Vec<String>,
    pub as_of: String,
    /// Seq and hash of the last entry replayed.
    pub at_seq: u64,
    pub at_hash: String,
    pub topics: Vec<TopicSection>,
    /// Facts about related subjects (one of the actors, or another pair that
    /// includes one of them) in force on the date.
    pub context: Vec<FactView>,
    pub timeline: Vec<TimelineItem>,
    pub discrepancies: Vec<Discrepancy>,
    pub sources: Vec<SourceView>,
    pub counts: Counts,
    /// The newest publication date among the sources, if any is dated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_source: Option<PartialDate>,
    /// How ids are shown in text: change ids by their shortest unique prefix.
    #[serde(skip)]
    pub abbrev: Abbrev,
    /// The topics the report was narrowed to (`--topic`); absent for all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topic_filter: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub facts_in_force: usize,
    pub live_facts: usize,
    pub superseded: usize,
    pub retracted: usize,
    pub disputes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicSection {
    pub topic: String,
    pub label: String,
    pub facts: Vec<FactView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    pub id: String,
    pub subject: String,
    pub topic: String,
    pub statement: String,
    pub modality: Modality,
    /// The statement worded with its modality and attribution.
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<PartialDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<PartialDate>,
    /// When it holds, in words (`since 2010`, `October 2018`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Neither `valid_from` nor `valid_to`: the ledger does not say when it
    /// holds, so a report on a past date cannot place it in time.
    pub undated: bool,
    pub citations: Vec<CitationView>,
    /// Distinct original sources behind the citations: a translation or
    /// rewrite of a source is not an independent confirmation.
    pub independent_sources: usize,
    /// Every cited source derives from another: the fact rests on derived
    /// reporting only.
    pub derived_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Ids of the discrepancies that concern this fact.
    pub discrepancies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// Seq of the entry that recorded this version.
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CitationView {
    /// Number in the source list.
    pub n: usize,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<[u32; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// `[1 ¶8]`.
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineItem {
    pub date: PartialDate,
    pub precision: &'static str,
    /// The date in words, at its own precision.
    pub when: String,
    pub fact: FactView,
}

/// What kind of discrepancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscrepancyKind {
    /// A `dispute` entry.
    Dispute,
    /// Two facts on the same question from independent sources disagree.
    SourcesDisagree,
    /// A derived source states more (or other) than the source it derives from.
    DerivedOverstates,
}

#[derive(Debug, Clone, Serialize)]
pub struct Discrepancy {
    /// `D-` and a code derived from the entries concerned ([`code`]): the same
    /// whatever the report's date, subject or other discrepancies.
    pub id: String,
    pub kind: DiscrepancyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<Difference>,
    /// For a dispute recorded against an earlier version of the fact that
    /// does not apply to the live version: that earlier version's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about_superseded: Option<String>,
    /// For a dispute carried to the live version by a supersession: the
    /// version it was recorded against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<String>,
    /// The facts concerned.
    pub facts: Vec<String>,
    /// One-paragraph explanation, ids in backticks.
    pub text: String,
    /// The same explanation in Markdown, its ledger text escaped.
    #[serde(skip)]
    pub markdown: String,
    /// The same explanation in HTML: ledger text escaped, ids in `<code>`.
    #[serde(skip)]
    pub html: String,
    /// The same explanation for plain text: escaped for a terminal, ids bare
    /// as the plain-text report shows every other id.
    #[serde(skip)]
    pub terminal: String,
    /// The same explanation with every id whole: what a diff compares.
    #[serde(skip)]
    pub wording: String,
    pub citations: Vec<CitationView>,
    /// For a dispute between a derived source and its original: the two
    /// sides' citations, to be read side by side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_by_side: Option<SideBySide>,
    /// The two sides' words, to read side by side: the original's first and
    /// the derivative's second when one side rests on derived sources only
    /// and the other does not; else the fact then the disputing source (a
    /// dispute), or the earlier fact then the later one.
    pub sides: Vec<Side>,
}

impl Discrepancy {
    /// What kind it is, in words: `Disputed`, `Disputed (an earlier
    /// version)` for a dispute of a version the live fact replaced, `Sources
    /// disagree`, `Derived source goes further`.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            DiscrepancyKind::Dispute if self.about_superseded.is_some() => {
                "Disputed (an earlier version)"
            }
            DiscrepancyKind::Dispute => "Disputed",
            DiscrepancyKind::SourcesDisagree => "Sources disagree",
            DiscrepancyKind::DerivedOverstates => "Derived source goes further",
        }
    }
}

/// One side of a discrepancy: what it says and where.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The fact, for a side that is a fact; absent for the disputing source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    /// The fact's worded statement, or what the disputing source says.
    pub text: String,
    pub citations: Vec<CitationView>,
    /// Every citation is of a source derived from another.
    pub derived: bool,
}

/// How a discrepancy's explanation quotes ids and ledger text: as they are
/// (the JSON form, ids in backticks), for Markdown, for HTML (ids in
/// `<code>`, as the page shows every id), for the plain-text report (ids
/// bare, as it shows every id), or as they are with every id whole (the
/// wording a diff compares, which must not change when a later id lengthens
/// a change id's shortest prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Markdown,
    Html,
    Terminal,
    Whole,
}

impl Style {
    fn text(self, s: &str) -> String {
        match self {
            Style::Plain | Style::Whole => s.to_string(),
            Style::Markdown => escape::markdown(s),
            Style::Html => escape::html(s),
            Style::Terminal => escape::terminal(s).into_owned(),
        }
    }

    fn code(self, s: &str) -> String {
        match self {
            Style::Plain | Style::Whole => format!("`{s}`"),
            Style::Markdown => escape::markdown_code(s),
            Style::Html => format!("<code>{}</code>", escape::html(s)),
            Style::Terminal => escape::terminal(s).into_owned(),
        }
    }

    /// An id: a change id by its shortest unique prefix, except in `Whole`.
    fn id(self, abbrev: &Abbrev, id: &str) -> String {
        match self {
            Style::Whole => self.code(id),
            _ => self.code(abbrev.shown(id)),
        }
    }
}

/// The cited spans of an original and of a source derived from it.
#[derive(Debug, Clone, Serialize)]
pub struct SideBySide {
    /// The citations of the original source (or sources).
    pub original: Vec<CitationView>,
    /// The citations of the derived source.
    pub derived: Vec<CitationView>,
    /// How the derived source derives from the original, e.g. `translation of [1]`.
    pub relation: String,
}

/// For a dispute whose source derives from a source the fact cites, or the
/// other way round: the fact's citations of the other side, and whether the
/// dispute's source is the derived one. `None` when neither derives from the
/// other.
pub fn derivation_pair<'a>(
    state: &State,
    fact: &'a Fact,
    dispute: &Citation,
) -> Option<(Vec<&'a Citation>, bool)> {
    let ancestors = |id: &str| -> Vec<String> {
        state
            .derivation_chain(id)
            .iter()
            .map(|(_, r)| r.source.id.clone())
            .collect()
    };
    let up = ancestors(&dispute.source);
    let originals: Vec<&Citation> = fact
        .citations
        .iter()
        .filter(|c| up.contains(&c.source))
        .collect();
    if !originals.is_empty() {
        return Some((originals, true));
    }
    let derived: Vec<&Citation> = fact
        .citations
        .iter()
        .filter(|c| ancestors(&c.source).contains(&dispute.source))
        .collect();
    (!derived.is_empty()).then_some((derived, false))
}

/// `translation of [1]`: how source `derived` derives from `original`
/// (through a chain, each step nearest first).
pub fn relation_text(state: &State, derived: &str, original: &str) -> String {
    let mut steps = Vec::new();
    for (relation, up) in state.derivation_chain(derived) {
        steps.push(format!(
            "{} of [{}]",
            name(&relation),
            state.source_number(&up.source.id).unwrap_or(0)
        ));
        if up.source.id == original {
            break;
        }
    }
    steps.join(", ")
}

/// The side-by-side view of a dispute between a derived source and its
/// original, if it is one and either side quotes its source.
pub fn side_by_side(state: &State, fact: &Fact, dispute: &Citation) -> Option<SideBySide> {
    let (other, dispute_derived) = derivation_pair(state, fact, dispute)?;
    let others: Vec<CitationView> = other.iter().map(|c| citation_view(state, c)).collect();
    let mine = vec![citation_view(state, dispute)];
    let (original, derived) = if dispute_derived {
        (others, mine)
    } else {
        (mine, others)
    };
    // Nothing to read side by side without a quote on either side.
    if !original.iter().chain(&derived).any(|c| c.quote.is_some()) {
        return None;
    }
    let relation = relation_text(state, &derived[0].source, &original[0].source);
    Some(SideBySide {
        original,
        derived,
        relation,
    })
}

/// `text` wrapped at `width` characters by words; its own line breaks kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut cur = String::new();
        let mut cur_len = 0;
        for word in line.split(' ') {
            let n = word.chars().count();
            if cur_len > 0 && cur_len + 1 + n > width {
                out.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
            if cur_len > 0 {
                cur.push(' ');
                cur_len += 1;
            }
            cur.push_str(word);
            cur_len += n;
        }
        out.push(cur);
    }
    out
}

/// Two texts side by side, each wrapped at `width` characters, as lines
/// `LEFT | RIGHT` after `indent`.
pub fn columns(left: &str, right: &str, indent: &str, width: usize) -> String {
    let (l, r) = (wrap(left, width), wrap(right, width));
    let mut s = String::new();
    for i in 0..l.len().max(r.len()) {
        let a = l.get(i).map_or("", String::as_str);
        let b = r.get(i).map_or("", String::as_str);
        let pad = width.saturating_sub(a.chars().count());
        let line = format!("{indent}{a}{} | {b}", " ".repeat(pad));
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub n: usize,
    pub id: String,
    pub title: String,
    pub publisher: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<PartialDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(rename = "type")]
    pub source_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Derivation chain, nearest first: `translation of [1]`, ...
    pub derivation: Vec<String>,
    /// Number of the original this source ultimately derives from (itself if none).
    pub root: usize,
    /// Its amendments, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<AmendmentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AmendmentView {
    /// Seq of the amend entry.
    pub seq: u64,
    pub reason: String,
    /// The members set or removed.
    pub changed: Vec<String>,
}

/// Picks the subject: the given one, else the relation (two actors) cited by
/// the most live facts, ties going to the first recorded.
pub fn default_subject(state: &State) -> Option<String> {
    let mut count: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for f in state.facts.iter().filter(|f| f.is_live()) {
        if let Ok(actors) = vocab::parse_subject(&f.fact.subject)
            && actors.len() == 2
        {
            let e = count.entry(relation_key(&actors)).or_insert((0, f.seq));
            e.0 += 1;
        }
    }
    let Some(best) = count
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
    else {
        return default_actor(state);
    };
    // Report the relation as first written in the ledger.
    state
        .facts
        .iter()
        .find(|f| {
            vocab::parse_subject(&f.fact.subject)
                .map(|a| a.len() == 2 && relation_key(&a) == *best.0)
                .unwrap_or(false)
        })
        .map(|f| f.fact.subject.clone())
}

/// Without a live fact about a relation: the actor with the most live facts
/// about it alone (ties to the first recorded).
fn default_actor(state: &State) -> Option<String> {
    let mut count: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for f in state.facts.iter().filter(|f| f.is_live()) {
        if let Ok(actors) = vocab::parse_subject(&f.fact.subject)
            && let [one] = actors[..]
        {
            count.entry(one).or_insert((0, f.seq)).0 += 1;
        }
    }
    count
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|(a, _)| a.to_string())
}

fn relation_key(actors: &[&str]) -> String {
    let mut a: Vec<&str> = actors.to_vec();
    a.sort();
    a.join("-")
}

/// Whether a fact held on `day` (see the module docs).
pub fn holds_on(f: &Fact, day: Day) -> bool {
    f.valid_from.is_none_or(|d| d.first_day() <= day)
        && f.valid_to.is_none_or(|d| d.last_day() >= day)
}

/// Whether a fact had begun by `day` (for the timeline and comparisons). A
/// fact with only an end date counts from that end date.
fn begun_by(f: &Fact, day: Day) -> bool {
    f.valid_from
        .or(f.valid_to)
        .is_none_or(|d| d.first_day() <= day)
}

/// The one order of the timeline (docs/FORMAT.md 11.4): by start (the first
/// day of `valid_from`, or of `valid_to` for a fact with only an end), then by
/// end (the last day of `valid_to`; an open end after every closed one), then
/// by precision (the date the item is placed by: day, then month, then year),
/// then by the seq that recorded the fact. Every fact has a distinct seq or
/// id, so the order is total and does not depend on the order facts come in.
pub fn timeline_order(a: &FactView, b: &FactView) -> std::cmp::Ordering {
    let key = |f: &FactView| dated_key(f.valid_from, f.valid_to, f.seq);
    key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
}

/// [`timeline_order`]'s key of a fact recorded at `seq`, before its id.
fn timeline_key(f: &Fact, seq: u64) -> TimelineKey {
    dated_key(f.valid_from, f.valid_to, seq)
}

type TimelineKey = (Option<Day>, (u8, Day), u8, u64);

fn dated_key(from: Option<PartialDate>, to: Option<PartialDate>, seq: u64) -> TimelineKey {
    let placed = from.or(to);
    let rank = match placed.map(|d| d.precision()) {
        Some("day") => 0,
        Some("month") => 1,
        _ => 2,
    };
    (
        placed.map(|d| d.first_day()),
        to.map_or((1, (0, 0, 0)), |d| (0, d.last_day())),
        rank,
        seq,
    )
}

/// What a report shows, decided from the state: its header, discrepancies
/// and sources as in the [`Report`], and its facts as references into the
/// state, in the order they are shown. The Markdown and text forms are
/// written from it fact by fact ([`render_to`]), so a report on a large
/// ledger holds no copy of the facts it shows; the JSON and HTML forms are
/// built from it as a [`Report`] ([`Selection::into_report`]).
pub struct Selection<'a> {
    state: &'a State,
    /// Everything but the facts: its `topics`, `context` and `timeline` are
    /// empty, and so are its discrepancies' `sides` (see
    /// [`Selection::into_report`]).
    head: Report,
    /// Each topic with facts in force: its id, its label, its facts.
    topics: Vec<(String, String, Vec<&'a FactRecord>)>,
    context: Vec<&'a FactRecord>,
    /// Dated facts in timeline order, each with the date it is placed by.
    timeline: Vec<(PartialDate, &'a FactRecord)>,
    /// The ids of the discrepancies that concern each fact.
    by_fact: HashMap<&'a str, Vec<String>>,
    /// What it was selected with, and which wordings of its discrepancies
    /// it made (see [`select_for`]).
    opts: Options,
    wordings: Wordings,
    /// What a fact's line shows of each source it cites, by the source's
    /// position in the state (a fact's are [`State::cited_sources`]).
    cited: Vec<Cited<'a>>,
}

/// What a fact's line shows of a source it cites: its number, whether it
/// is derived from another, and the original it derives from (itself when
/// not derived); worked out once for all facts.
struct Cited<'a> {
    number: usize,
    derived: bool,
    root: &'a str,
}

fn cited(state: &State) -> Vec<Cited<'_>> {
    state
        .sources
        .iter()
        .map(|s| {
            let id = s.source.id.as_str();
            Cited {
                number: state.source_number(id).unwrap_or(0),
                derived: s.source.derived_from.is_some(),
                root: state.root_source(id),
            }
        })
        .collect()
}

/// What a fact's line shows of each source it cites, in citation order
/// ([`Selection::cited_by`]).
struct CitedBy<'s, 'a> {
    cited: &'s [Cited<'a>],
    /// The sources' positions in the state ([`NO_SOURCE`] for one not
    /// registered).
    at: Cow<'s, [usize]>,
}

impl<'s, 'a> CitedBy<'s, 'a> {
    /// Each citation's source, `None` for one not registered.
    fn iter(&self) -> impl Iterator<Item = Option<&'s Cited<'a>>> + '_ {
        let cited = self.cited;
        self.at.iter().map(move |&i| cited.get(i))
    }
}

/// Writes `n` in decimal.
fn push_number(out: &mut String, n: u64) {
    out.push_str(crate::layout::decimal(n, &mut [0; 20]));
}

/// Which wordings of each discrepancy a selection makes: all of them (what
/// a [`Report`] holds), or only the one a Markdown or text rendering shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wordings {
    All,
    Only(Medium),
}

impl Wordings {
    fn has(self, st: Style) -> bool {
        match self {
            Wordings::All => true,
            Wordings::Only(Medium::Markdown) => st == Style::Markdown,
            Wordings::Only(Medium::Text) => st == Style::Terminal,
        }
    }

    fn renders(self, m: Medium) -> bool {
        self == Wordings::All || self == Wordings::Only(m)
    }
}

impl Selection<'_> {
    /// The report with a view of every fact shown: the JSON form and what
    /// the HTML page and `diff` work from.
    pub fn into_report(self) -> Report {
        // A selection made for one rendering lacks the other wordings: made
        // again whole (the same selection otherwise; it succeeded once).
        if self.wordings != Wordings::All
            && let Ok(whole) = select_with(self.state, &self.opts, Wordings::All)
        {
            return whole.into_report();
        }
        let Selection {
            state,
            mut head,
            topics,
            context,
            timeline,
            by_fact,
            ..
        } = self;
        // The sides of each discrepancy: read by the JSON and HTML forms
        // only, so made here rather than for every report.
        for d in &mut head.discrepancies {
            d.sides = sides(state, d);
        }
        let view = |r: &FactRecord| fact_view(state, r, by_fact.get(r.fact.id.as_str()));
        head.topics = topics
            .into_iter()
            .map(|(topic, label, facts)| TopicSection {
                topic,
                label,
                facts: facts.into_iter().map(view).collect(),
            })
            .collect();
        head.context = context.into_iter().map(view).collect();
        head.timeline = timeline
            .into_iter()
            .map(|(date, r)| TimelineItem {
                date,
                precision: date.precision(),
                when: placed_when(&r.fact).unwrap_or_default(),
                fact: view(r),
            })
            .collect();
        head
    }
}

/// How a timeline item is dated in words: by when it began or, failing
/// that, when it ended; `None` for an undated fact (not on the timeline).
fn placed_when(f: &Fact) -> Option<String> {
    let mut s = String::new();
    placed_when_into(&mut s, f).then_some(s)
}

/// [`placed_when`] written at the end of `out`; false (and nothing
/// written) for an undated fact.
fn placed_when_into(out: &mut String, f: &Fact) -> bool {
    match (f.valid_from, f.valid_to) {
        (Some(a), Some(b)) => range_into(out, a, b),
        (Some(a), None) => {
            out.push_str("from ");
            a.long_into(out);
        }
        (None, Some(b)) => {
            out.push_str("by ");
            b.long_into(out);
        }
        (None, None) => return false,
    }
    true
}

/// Builds the report.
pub fn build(state: &State, opts: &Options) -> Result<Report, String> {
    Ok(select(state, opts)?.into_report())
}

/// Where a subject stands in a report: the report's own relation (or
/// actor), a related one (sharing an actor), or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Main,
    Related,
    Other,
}

/// Decides what the report shows (see [`Selection`]).
pub fn select<'a>(state: &'a State, opts: &Options) -> Result<Selection<'a>, String> {
    select_with(state, opts, Wordings::All)
}

/// [`select`] for [`render_to`] in Markdown (`markdown`) or plain text
/// only: each discrepancy is worded for that medium alone. Rendered in the
/// other medium, or made into a [`Report`], it is selected again whole.
pub fn select_for<'a>(
    state: &'a State,
    opts: &Options,
    markdown: bool,
) -> Result<Selection<'a>, String> {
    let m = if markdown {
        Medium::Markdown
    } else {
        Medium::Text
    };
    select_with(state, opts, Wordings::Only(m))
}

fn select_with<'a>(
    state: &'a State,
    opts: &Options,
    wordings: Wordings,
) -> Result<Selection<'a>, String> {
    let subject = match &opts.subject {
        Some(s) => s.clone(),
        None => match default_subject(state) {
            Some(s) => s,
            // Nothing live to report on yet: an empty report.
            None => {
                return Ok(Selection {
                    state,
                    head: empty(state, opts, state.abbrev()),
                    topics: Vec::new(),
                    context: Vec::new(),
                    timeline: Vec::new(),
                    by_fact: HashMap::new(),
                    opts: opts.clone(),
                    wordings,
                    cited: cited(state),
                });
            }
        },
    };
    check_topics(state, &opts.topics)?;
    let actors: Vec<String> = vocab::parse_subject(&subject)?
        .into_iter()
        .map(str::to_string)
        .collect();
    let labels: Vec<String> = actors
        .iter()
        .map(|a| {
            state
                .actor_label(a)
                .ok_or(format!("unknown actor `{a}` in --subject"))
        })
        .collect::<Result<_, _>>()?;
    let key = relation_key(&actors.iter().map(String::as_str).collect::<Vec<_>>());
    // Facts share a handful of subjects: each is parsed once.
    let mut standings: HashMap<&str, Standing> = HashMap::new();
    let mut standing = |f: &'a Fact| -> Standing {
        *standings.entry(f.subject.as_str()).or_insert_with(|| {
            match vocab::parse_subject(&f.subject) {
                Ok(a) if relation_key(&a) == key => Standing::Main,
                Ok(a) if a.iter().any(|x| actors.iter().any(|y| y == x)) => Standing::Related,
                _ => Standing::Other,
            }
        })
    };
    let live: Vec<(&FactRecord, Standing)> = state
        .facts
        .iter()
        .filter(|f| f.is_live())
        .map(|r| (r, standing(&r.fact)))
        .collect();

    // Discrepancies among the facts this report covers only.
    let covered: Vec<&FactRecord> = live
        .iter()
        .filter(|(_, s)| *s != Standing::Other)
        .map(|(r, _)| *r)
        .collect();
    // Found among every covered fact, so that a report narrowed to some topics
    // numbers its discrepancies as the full report does; it keeps those whose
    // facts are all under its topics.
    let wanted = |f: &Fact| opts.topics.is_empty() || opts.topics.contains(&f.topic);
    // The shortest prefixes of all ids and the discrepancies (which show
    // ids by them) are worked out on a second thread while this one sorts
    // the facts shown into topics and the timeline: the two need only the
    // state, and each gives the same whichever thread does it.
    let find = || {
        let abbrev = state.abbrev();
        let found: Vec<Discrepancy> =
            find_discrepancies(state, &covered, opts.as_of, &abbrev, wordings)
                .into_iter()
                .filter(|d| {
                    d.facts
                        .iter()
                        .all(|id| state.fact(id).is_some_and(|r| wanted(&r.fact)))
                })
                .collect();
        (abbrev, found)
    };
    let sort = || {
        let topic_ids = state.topic_ids();
        let place: HashMap<&str, usize> = topic_ids
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i))
            .collect();
        let mut by_topic: Vec<Vec<&FactRecord>> = vec![Vec::new(); topic_ids.len()];
        let mut context = Vec::new();
        let mut timeline = Vec::new();
        for &(r, st) in live.iter().filter(|(r, _)| wanted(&r.fact)) {
            let f = &r.fact;
            if st == Standing::Other {
                continue;
            }
            if holds_on(f, opts.as_of) {
                match st {
                    Standing::Main => {
                        if let Some(&i) = place.get(f.topic.as_str()) {
                            by_topic[i].push(r);
                        }
                    }
                    _ => context.push(r),
                }
            }
            if begun_by(f, opts.as_of)
                && let Some(d) = f.valid_from.or(f.valid_to)
            {
                timeline.push((d, r));
            }
        }
        // By the same key as `timeline_order`, each worked out once; ids are
        // unique, so no two facts tie.
        timeline.sort_by_cached_key(|&(_, r)| (timeline_key(&r.fact, r.seq), r.fact.id.as_str()));
        (topic_ids, by_topic, context, timeline)
    };
    let ((abbrev, discrepancies), (topic_ids, by_topic, context, timeline)) =
        if crate::chain::workers() > 1 {
            std::thread::scope(|scope| {
                let found = scope.spawn(find);
                let sorted = sort();
                match found.join() {
                    Ok(found) => (found, sorted),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })
        } else {
            (find(), sort())
        };
    drop(covered);
    let live_count = live.len();
    let mut by_fact: HashMap<&'a str, Vec<String>> = HashMap::new();
    for d in &discrepancies {
        for f in &d.facts {
            if let Some(r) = state.fact(f) {
                by_fact
                    .entry(r.fact.id.as_str())
                    .or_default()
                    .push(d.id.clone());
            }
        }
    }
    drop(live);
    let topics: Vec<(String, String, Vec<&FactRecord>)> = topic_ids
        .into_iter()
        .zip(by_topic)
        .filter(|(_, facts)| !facts.is_empty())
        .map(|(t, facts)| (t.clone(), state.topic_label(&t).unwrap_or(t), facts))
        .collect();

    let sources = source_views(state);
    let facts_in_force = topics.iter().map(|(_, _, f)| f.len()).sum::<usize>() + context.len();
    let counts = Counts {
        facts_in_force,
        live_facts: live_count,
        superseded: state
            .facts
            .iter()
            .filter(|f| matches!(f.status, crate::replay::Status::Superseded { .. }))
            .count(),
        retracted: state
            .facts
            .iter()
            .filter(|f| matches!(f.status, crate::replay::Status::Retracted { .. }))
            .count(),
        disputes: discrepancies
            .iter()
            .filter(|d| d.kind == DiscrepancyKind::Dispute)
            .count(),
    };
    let head = Report {
        title: format!("State of relations: {}", labels.join(" – ")),
        ledger_title: state.title.clone().unwrap_or_default(),
        subject,
        actors,
        as_of: format_day(opts.as_of),
        at_seq: state.last_seq.unwrap_or(0),
        at_hash: state.last_hash.map(|h| h.to_hex()).unwrap_or_default(),
        topics: Vec::new(),
        context: Vec::new(),
        timeline: Vec::new(),
        discrepancies,
        sources,
        counts,
        newest_source: newest_source(state),
        topic_filter: opts.topics.clone(),
        abbrev,
    };
    Ok(Selection {
        state,
        head,
        topics,
        context,
        timeline,
        by_fact,
        opts: opts.clone(),
        wordings,
        cited: cited(state),
    })
}

/// The report on a ledger with no live fact: its sources and counts only.
fn empty(state: &State, opts: &Options, abbrev: Abbrev) -> Report {
    let count =
        |f: fn(&crate::replay::Status) -> bool| state.facts.iter().filter(|r| f(&r.status)).count();
    Report {
        title: "State of relations".into(),
        ledger_title: state.title.clone().unwrap_or_default(),
        subject: String::new(),
        actors: Vec::new(),
        as_of: format_day(opts.as_of),
        at_seq: state.last_seq.unwrap_or(0),
        at_hash: state.last_hash.map(|h| h.to_hex()).unwrap_or_default(),
        topics: Vec::new(),
        context: Vec::new(),
        timeline: Vec::new(),
        discrepancies: Vec::new(),
        sources: source_views(state),
        counts: Counts {
            facts_in_force: 0,
            live_facts: 0,
            superseded: count(|s| matches!(s, crate::replay::Status::Superseded { .. })),
            retracted: count(|s| matches!(s, crate::replay::Status::Retracted { .. })),
            disputes: 0,
        },
        newest_source: newest_source(state),
        topic_filter: opts.topics.clone(),
        abbrev,
    }
}

fn newest_source(state: &State) -> Option<PartialDate> {
    state
        .sources
        .iter()
        .filter_map(|s| s.source.published)
        .max()
}

fn source_views(state: &State) -> Vec<SourceView> {
    state
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let derivation = state
                .derivation_chain(&s.source.id)
                .iter()
                .map(|(relation, up)| {
                    format!(
                        "{} of [{}]",
                        name(relation),
                        state.source_number(&up.source.id).unwrap_or(0)
                    )
                })
                .collect();
            SourceView {
                n: i + 1,
                id: s.source.id.clone(),
                title: s.source.title.clone(),
                publisher: s.source.publisher.clone(),
                author: s.source.author.clone(),
                published: s.source.published,
                language: s.source.language.clone(),
                source_type: name(&s.source.source_type),
                url: s.source.url.clone(),
                sha256: s.source.sha256.clone(),
                note: s.source.note.clone(),
                derivation,
                root: state
                    .source_number(state.root_source(&s.source.id))
                    .unwrap_or(i + 1),
                amendments: s
                    .amendments
                    .iter()
                    .map(|a| AmendmentView {
                        seq: a.seq,
                        reason: a.reason.clone(),
                        changed: a.changes.iter().map(|(m, _, _)| m.clone()).collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The two sides of a discrepancy (see [`Discrepancy::sides`]), from the
/// facts and the dispute it names.
fn sides(state: &State, d: &Discrepancy) -> Vec<Side> {
    let derived = |cites: &[Citation]| {
        cites.iter().all(|c| {
            state
                .source(&c.source)
                .is_some_and(|s| s.source.derived_from.is_some())
        })
    };
    let of_fact = |id: &str| {
        state.fact(id).map(|r| Side {
            fact: Some(id.to_string()),
            text: worded(&r.fact),
            citations: r
                .fact
                .citations
                .iter()
                .map(|c| citation_view(state, c))
                .collect(),
            derived: derived(&r.fact.citations),
        })
    };
    let mut out: Vec<Side> = match d.kind {
        DiscrepancyKind::Dispute => {
            // The dispute entry of this fact that this discrepancy words: the
            // same citation, and its statement in the explanation.
            let dispute = d.facts.first().and_then(|id| state.fact(id)).and_then(|r| {
                r.disputes.iter().map(|x| &x.dispute).find(|x| {
                    d.citations.first().is_some_and(|c| {
                        c.source == x.citation.source
                            && c.paragraph == x.citation.paragraph
                            && c.span == x.citation.span
                            && c.quote == x.citation.quote
                    }) && d.text.contains(x.statement.trim_end_matches('.'))
                })
            });
            let fact = d.facts.first().and_then(|id| of_fact(id));
            match (fact, dispute) {
                (Some(f), Some(x)) => vec![
                    f,
                    Side {
                        fact: None,
                        text: x.statement.clone(),
                        citations: vec![citation_view(state, &x.citation)],
                        derived: derived(std::slice::from_ref(&x.citation)),
                    },
                ],
                _ => Vec::new(),
            }
        }
        DiscrepancyKind::SourcesDisagree | DiscrepancyKind::DerivedOverstates => {
            d.facts.iter().filter_map(|id| of_fact(id)).collect()
        }
    };
    if let [a, b] = out.as_slice()
        && a.derived
        && !b.derived
    {
        out.swap(0, 1);
    }
    out
}

/// Refuses a `--topic` that names no topic of the ledger's vocabulary.
pub fn check_topics(state: &State, topics: &[String]) -> Result<(), String> {
    use crate::replay::Refs;
    match topics.iter().find(|t| !state.topic_known(t)) {
        None => Ok(()),
        Some(t) => Err(format!(
            "--topic `{t}`: no such topic; known topics: {}",
            state.topic_ids().join(", ")
        )),
    }
}

pub fn citation_view(state: &State, c: &Citation) -> CitationView {
    let n = state.source_number(&c.source).unwrap_or(0);
    let mut label = format!("[{n}");
    if let Some(p) = c.paragraph {
        label.push_str(&format!(" ¶{p}"));
    }
    label.push(']');
    CitationView {
        n,
        source: c.source.clone(),
        paragraph: c.paragraph,
        span: c.span,
        quote: c.quote.clone(),
        label,
    }
}

/// The number of distinct originals behind a set of citations.
fn independent(state: &State, citations: &[Citation]) -> usize {
    citations
        .iter()
        .map(|c| state.root_source(&c.source))
        .collect::<BTreeSet<_>>()
        .len()
}

/// The statement worded with its modality and attribution.
pub fn worded(f: &Fact) -> String {
    let mut out = String::new();
    worded_into(&mut out, f);
    out
}

/// [`worded`], written at the end of `out`.
fn worded_into(out: &mut String, f: &Fact) {
    let tag = match f.modality {
        Modality::Confirmed => None,
        Modality::Reported => Some("Reportedly"),
        Modality::Planned => Some("Planned"),
        Modality::Considered => Some("Under consideration"),
        Modality::Proposed => Some("Proposed"),
        Modality::Alleged => Some("Alleged"),
        Modality::Denied => Some("Denied"),
    };
    match (&f.attributed_to, tag) {
        (Some(who), None | Some("Reportedly")) => {
            out.push_str("According to ");
            out.push_str(who);
            out.push_str(": ");
        }
        (Some(who), Some(t)) => {
            out.push_str("According to ");
            out.push_str(who);
            out.push_str(" (");
            out.push_str(&t.to_lowercase());
            out.push_str("): ");
        }
        (None, Some(t)) => {
            out.push_str(t);
            out.push_str(": ");
        }
        (None, None) => {}
    }
    out.push_str(&f.statement);
}

fn when(f: &Fact) -> Option<String> {
    let mut s = String::new();
    when_into(&mut s, f).then_some(s)
}

/// [`when`] written at the end of `out`; false (and nothing written) for
/// an undated fact.
fn when_into(out: &mut String, f: &Fact) -> bool {
    match (f.valid_from, f.valid_to) {
        (None, None) => return false,
        (Some(a), Some(b)) => range_into(out, a, b),
        (Some(a), None) => {
            out.push_str("since ");
            a.long_into(out);
        }
        (None, Some(b)) => {
            out.push_str("until ");
            b.long_into(out);
        }
    }
    true
}

/// A period in words, each end at its own precision: `October 2018`,
/// `September–December 2018`, `from February 2019 through 2019`.
pub fn range(a: PartialDate, b: PartialDate) -> String {
    let mut s = String::new();
    range_into(&mut s, a, b);
    s
}

/// [`range`] written at the end of `out`.
fn range_into(out: &mut String, a: PartialDate, b: PartialDate) {
    use std::fmt::Write as _;
    if a == b {
        return a.long_into(out);
    }
    match ((a.month_name(), a.day), (b.month, b.day)) {
        ((Some(month), None), (Some(_), None)) if a.year == b.year => {
            out.push_str(month);
            out.push('–');
            b.long_into(out);
        }
        (_, (None, _)) if a.year == b.year => {
            out.push_str("from ");
            a.long_into(out);
            let _ = write!(out, " through {}", b.year);
        }
        _ => {
            a.long_into(out);
            out.push_str(" to ");
            b.long_into(out);
        }
    }
}

fn fact_view(state: &State, r: &FactRecord, discrepancies: Option<&Vec<String>>) -> FactView {
    let f = &r.fact;
    FactView {
        id: f.id.clone(),
        subject: f.subject.clone(),
        topic: f.topic.clone(),
        statement: f.statement.clone(),
        modality: f.modality,
        text: worded(f),
        attributed_to: f.attributed_to.clone(),
        value: f.value.clone(),
        valid_from: f.valid_from,
        valid_to: f.valid_to,
        when: when(f),
        undated: f.valid_from.is_none() && f.valid_to.is_none(),
        citations: f
            .citations
            .iter()
            .map(|c| citation_view(state, c))
            .collect(),
        independent_sources: independent(state, &f.citations),
        derived_only: f.citations.iter().all(|c| {
            state
                .source(&c.source)
                .is_some_and(|s| s.source.derived_from.is_some())
        }),
        note: f.note.clone(),
        discrepancies: discrepancies.cloned().unwrap_or_default(),
        supersedes: r.supersedes.as_deref().map(|(id, _)| id.clone()),
        seq: r.seq,
    }
}

/// Whether every source `derived` cites derives (directly or not) from a source
/// `original` cites, without citing any of those originals itself.
fn only_derived_from(state: &State, derived: &Fact, original: &Fact) -> bool {
    let orig: BTreeSet<&str> = original
        .citations
        .iter()
        .map(|c| c.source.as_str())
        .collect();
    derived.citations.iter().all(|c| {
        !orig.contains(c.source.as_str())
            && state
                .derivation_chain(&c.source)
                .iter()
                .any(|(_, up)| orig.contains(up.source.id.as_str()))
    })
}

/// What a discrepancy's id is derived from: for a dispute, its entry's
/// content id (unchanged by merges and rebases); for a value disagreement,
/// the ids of the two facts, earlier first.
fn pair_code(a: &str, b: &str) -> Hash {
    sha256(format!("ledger discrepancy\0{a}\0{b}").as_bytes())
}

/// Gives each discrepancy its id: `D-` and the shortest prefix of the
/// reverse-hex text of its code (at least four characters) that no other
/// discrepancy of the report shares.
fn number(found: Vec<(Hash, Discrepancy)>) -> Vec<Discrepancy> {
    let codes: Vec<String> = found.iter().map(|(h, _)| ids::encode(&h.0)).collect();
    let mut sorted: Vec<&str> = codes.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let lcp = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    found
        .into_iter()
        .zip(&codes)
        .map(|((_, mut d), code)| {
            let at = sorted.partition_point(|c| *c < code.as_str());
            let mut longest = 0;
            if at > 0 {
                longest = longest.max(lcp(sorted[at - 1], code));
            }
            if let Some(next) = sorted.get(at + 1) {
                longest = longest.max(lcp(next, code));
            }
            let n = (longest + 1).clamp(ids::SHOWN_MIN, code.len());
            d.id = format!("D-{}", &code[..n]);
            d
        })
        .collect()
}

/// Whether a discrepancy can name `r`: only a fact that has a dispute
/// recorded against it (or carried to it) or an object value can be named
/// by one ([`find_discrepancies`]; keep the two in step, a unit test holds
/// them together).
fn may_be_discrepant(r: &FactRecord) -> bool {
    !r.disputes.is_empty() || matches!(r.fact.value, Some(Value::Object(_)))
}

fn find_discrepancies(
    state: &State,
    live: &[&FactRecord],
    as_of: Day,
    abbrev: &Abbrev,
    wordings: Wordings,
) -> Vec<Discrepancy> {
    // Kept until the report is written: without the room to spare that
    // building them left (a tenth of a million at a million entries).
    let word = |words: &dyn Fn(Style) -> String, st: Style| {
        if wordings.has(st) {
            let mut w = words(st);
            w.shrink_to_fit();
            w
        } else {
            String::new()
        }
    };
    // Markdown and text show a discrepancy's citations only as the quote
    // of a dispute's own (the first); a selection made for one of them
    // ([`Wordings::Only`]) keeps that one alone, and is selected again
    // whole before anything reads the rest ([`Selection::into_report`]).
    let all_citations = wordings == Wordings::All;
    let mut out: Vec<(Hash, Discrepancy)> = Vec::new();
    let disc = |code: Hash,
                kind,
                difference,
                facts: Vec<String>,
                words: &dyn Fn(Style) -> String,
                citations,
                side| {
        (
            code,
            Discrepancy {
                id: String::new(),
                kind,
                difference,
                about_superseded: None,
                carried_from: None,
                facts,
                text: word(words, Style::Plain),
                markdown: word(words, Style::Markdown),
                html: word(words, Style::Html),
                terminal: word(words, Style::Terminal),
                wording: word(words, Style::Whole),
                citations,
                sides: Vec::new(),
                side_by_side: side,
            },
        )
    };
    // Recorded disputes, in ledger order: those of the live version, and
    // those of the versions it replaced.
    let mut disputes: Vec<(&FactRecord, &crate::replay::DisputeRecord)> = live
        .iter()
        .flat_map(|r| r.disputes.iter().map(move |d| (*r, d)))
        .collect();
    // Only facts that had begun by the report date: a dispute about a 2020
    // statement has no place in a report on 2017.
    disputes.retain(|(r, _)| begun_by(&r.fact, as_of));
    disputes.sort_by_key(|(_, d)| d.seq);
    for (r, rec) in disputes {
        let d = &rec.dispute;
        let c = citation_view(state, &d.citation);
        let (fact, against) = (&r.fact.id, &d.target);
        let words = |st: Style| {
            let mut text = if rec.current {
                let mut t = format!(
                    "{} {} fact {}",
                    c.label,
                    difference_verb(d.difference),
                    st.id(abbrev, fact),
                );
                if d.target != r.fact.id {
                    t.push_str(&format!(
                        " (recorded against the version it replaced, {}, and carried to it)",
                        st.id(abbrev, against)
                    ));
                }
                t
            } else {
                format!(
                    "About the superseded version {} of fact {}: {} {} it",
                    st.id(abbrev, against),
                    st.id(abbrev, fact),
                    c.label,
                    difference_past(d.difference),
                )
            };
            text.push_str(&format!(
                ". It says: {}",
                st.text(d.statement.trim_end_matches('.'))
            ));
            text.push('.');
            if let Some(n) = &d.note {
                text.push_str(&format!(" {}", st.text(n)));
            }
            text
        };
        let mut cites = Vec::with_capacity(1 + r.fact.citations.len());
        cites.push(c.clone());
        if all_citations {
            cites.extend(r.fact.citations.iter().map(|c| citation_view(state, c)));
        }
        let mut found = disc(
            rec.code,
            DiscrepancyKind::Dispute,
            Some(d.difference),
            vec![r.fact.id.clone()],
            &words,
            cites,
            side_by_side(state, &r.fact, &d.citation),
        );
        if d.target != r.fact.id {
            if rec.current {
                found.1.carried_from = Some(d.target.clone());
            } else {
                found.1.about_superseded = Some(d.target.clone());
            }
        }
        out.push(found);
    }
    // Facts on the same question (subject, topic and a key of their structured
    // values) that give different values.
    // Only facts with an object value can disagree this way, and only within
    // the same topic and relation: group them first, so the pairs compared
    // grow with the size of each group rather than of the ledger.
    let known: Vec<(&Fact, &Map<String, Value>)> = live
        .iter()
        .filter(|r| begun_by(&r.fact, as_of))
        .filter_map(|r| match &r.fact.value {
            Some(Value::Object(v)) => Some((&r.fact, v)),
            _ => None,
        })
        .collect();
    let mut groups: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (i, (f, _)) in known.iter().enumerate() {
        let relation = relation_key(&vocab::parse_subject(&f.subject).unwrap_or_default());
        groups
            .entry((f.topic.as_str(), relation))
            .or_default()
            .push(i);
    }
    let mut pairs: Vec<(usize, usize)> = groups
        .values()
        .flat_map(|ix| {
            ix.iter()
                .enumerate()
                .flat_map(move |(n, &i)| ix[n + 1..].iter().map(move |&j| (i, j)))
        })
        .collect();
    pairs.sort_unstable();
    {
        for (i, j) in pairs {
            let ((fa, va), (fb, vb)) = (known[i], known[j]);
            let differing: Vec<&String> = va
                .keys()
                .filter(|k| vb.get(*k).is_some_and(|x| Some(x) != va.get(*k)))
                .collect();
            if differing.is_empty() {
                continue;
            }
            let key = differing[0];
            let show = |st: Style, f: &Fact| {
                format!(
                    "{} ({}, {}: {})",
                    st.id(abbrev, &f.id),
                    name(&f.modality),
                    st.text(key),
                    st.text(
                        &f.value
                            .as_ref()
                            .and_then(|v| v.get(key))
                            .map_or(String::new(), Value::to_string)
                    )
                )
            };
            let cites: Vec<CitationView> = if all_citations {
                (fa.citations.iter().chain(&fb.citations))
                    .map(|c| citation_view(state, c))
                    .collect()
            } else {
                Vec::new()
            };
            let (derived, original) = if only_derived_from(state, fb, fa) {
                (Some(fb), fa)
            } else if only_derived_from(state, fa, fb) {
                (Some(fa), fb)
            } else {
                (None, fa)
            };
            match derived {
                Some(d) => {
                    let stronger = matches!(
                        (d.modality.strength(), original.modality.strength()),
                        (Some(x), Some(y)) if x > y
                    );
                    let words = |st: Style| {
                        format!(
                            "A derived source {} its original: {} rests only on {}, derived from the source of {}{}.",
                            if stronger {
                                "states more than"
                            } else {
                                "differs from"
                            },
                            show(st, d),
                            label_list(state, &d.citations),
                            show(st, original),
                            if stronger {
                                format!(
                                    "; \"{}\" goes beyond \"{}\"",
                                    name(&d.modality),
                                    name(&original.modality)
                                )
                            } else {
                                String::new()
                            }
                        )
                    };
                    out.push(disc(
                        pair_code(&fa.id, &fb.id),
                        DiscrepancyKind::DerivedOverstates,
                        None,
                        vec![original.id.clone(), d.id.clone()],
                        &words,
                        cites,
                        None,
                    ));
                }
                None => {
                    let words = |st: Style| {
                        format!(
                            "Sources disagree on {}: {} per {} versus {} per {}.",
                            st.text(key),
                            show(st, fa),
                            label_list(state, &fa.citations),
                            show(st, fb),
                            label_list(state, &fb.citations)
                        )
                    };
                    out.push(disc(
                        pair_code(&fa.id, &fb.id),
                        DiscrepancyKind::SourcesDisagree,
                        None,
                        vec![fa.id.clone(), fb.id.clone()],
                        &words,
                        cites,
                        None,
                    ));
                }
            }
        }
    }
    number(out)
}

fn label_list(state: &State, cites: &[Citation]) -> String {
    cites
        .iter()
        .map(|c| citation_view(state, c).label)
        .collect::<Vec<_>>()
        .join(" ")
}

fn difference_past(d: Difference) -> &'static str {
    match d {
        Difference::Overstates => "overstated",
        Difference::Understates => "understated",
        Difference::Contradicts => "contradicted",
        Difference::Misattributes => "misattributed",
        Difference::Imprecise => "imprecisely rendered",
    }
}

fn difference_verb(d: Difference) -> &'static str {
    match d {
        Difference::Overstates => "overstates",
        Difference::Understates => "understates",
        Difference::Contradicts => "contradicts",
        Difference::Misattributes => "misattributes",
        Difference::Imprecise => "imprecisely renders",
    }
}

/// How the rendering shows text from the ledger: Markdown escaped so that it
/// renders as exactly its characters (see [`escape::markdown`]), or plain text
/// escaped for the terminal (see [`escape::terminal`]). The report's own words
/// and structure are written as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Medium {
    Markdown,
    Text,
}

impl Medium {
    /// [`Medium::text`] of what `out` holds from byte `from` on, in place.
    fn text_in_place(self, out: &mut String, from: usize) {
        match self {
            Medium::Markdown => escape::markdown_in_place(out, from),
            Medium::Text => escape::terminal_in_place(out, from),
        }
    }

    /// Ledger text (or text made from it, such as the worded statement).
    fn text(self, s: &str) -> String {
        match self {
            Medium::Markdown => escape::markdown(s),
            Medium::Text => escape::terminal(s).into_owned(),
        }
    }

    /// An id or code-like value: a code span in Markdown.
    fn code(self, s: &str) -> String {
        match self {
            Medium::Markdown => escape::markdown_code(s),
            Medium::Text => escape::terminal(s).into_owned(),
        }
    }

    /// Emphasis around text already shown in this medium.
    fn em(self, shown: &str) -> String {
        match self {
            Medium::Markdown => format!("*{shown}*"),
            Medium::Text => shown.to_string(),
        }
    }

    /// [`Medium::code`] written at the end of `out`.
    fn code_into(self, out: &mut String, s: &str) {
        match self {
            Medium::Markdown => escape::markdown_code_into(out, s),
            Medium::Text => out.push_str(&escape::terminal(s)),
        }
    }

    /// [`Medium::strong`] around what `write` writes at the end of `out`
    /// (text already shown in this medium).
    fn strong_into(self, out: &mut String, write: impl FnOnce(&mut String)) {
        match self {
            Medium::Markdown => {
                out.push_str("**");
                write(out);
                out.push_str("**");
            }
            Medium::Text => write(out),
        }
    }

    /// Strong emphasis around text already shown in this medium.
    fn strong(self, shown: &str) -> String {
        match self {
            Medium::Markdown => format!("**{shown}**"),
            Medium::Text => shown.to_string(),
        }
    }

    /// A heading of `level` whose text is already shown in this medium.
    fn heading(self, s: &mut String, level: usize, shown: &str) {
        match self {
            Medium::Markdown => s.push_str(&format!("{} {shown}\n\n", "#".repeat(level))),
            Medium::Text => {
                let rule = if level == 1 { "=" } else { "-" };
                s.push_str(&format!(
                    "{shown}\n{}\n\n",
                    rule.repeat(shown.chars().count())
                ));
            }
        }
    }

    /// A source's URL: in Markdown an autolink when it is a plain `http(s)`
    /// URL (its text is then the link itself), else escaped text; in plain
    /// text within `<...>`.
    fn url(self, u: &str) -> String {
        let plain = (u.starts_with("https://") || u.starts_with("http://"))
            && u.bytes().all(|b| {
                b.is_ascii_graphic()
                    && !matches!(
                        b,
                        b'<' | b'>' | b'"' | b'`' | b'\\' | b'{' | b'}' | b'|' | b'^'
                    )
            });
        match self {
            Medium::Markdown if plain => format!("<{u}>"),
            Medium::Markdown => escape::markdown(u),
            Medium::Text => format!("<{}>", escape::terminal(u)),
        }
    }
}

/// The report rendered whole from its views, as GitHub-flavoured Markdown
/// (`markdown`) or plain text: the same bytes as [`render_to`] writes from
/// the state (a property test holds them to it), for callers that already
/// have a [`Report`]. Every piece of ledger text is escaped for the medium
/// as there.
pub fn render(r: &Report, markdown: bool) -> String {
    render_with(r, markdown, false)
}

/// The two sides of a dispute between a derived source and its original,
/// side by side: a table in Markdown (quotes escaped, `|` among them), two
/// columns in text (escaped for the terminal).
fn render_side_by_side(sb: &SideBySide, m: Medium) -> String {
    let side = |cites: &[CitationView]| -> (String, String) {
        let labels = cites
            .iter()
            .map(|c| c.label.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let quotes = cites
            .iter()
            .map(|c| match &c.quote {
                Some(q) => format!("“{}”", m.text(q)),
                None => "(no quote recorded)".to_string(),
            })
            .collect::<Vec<_>>()
            .join(" … ");
        (labels, quotes)
    };
    let (ol, oq) = side(&sb.original);
    let (dl, dq) = side(&sb.derived);
    match m {
        Medium::Markdown => format!(
            "\n  | {ol} original | {dl} {} |\n  |---|---|\n  | {oq} | {dq} |\n\n",
            sb.relation
        ),
        Medium::Text => columns(
            &format!("{ol} original\n{oq}"),
            &format!("{dl} {}\n{dq}", sb.relation),
            "    ",
            40,
        ),
    }
}

/// The report's title and its lead: what it covers, up to which entry, and a
/// caution when its sources are old. The same for every Markdown and text
/// report, built from views or streamed from the state.
fn preamble(s: &mut String, r: &Report, m: Medium) {
    m.heading(s, 1, &m.text(&r.title));
    if r.subject.is_empty() {
        s.push_str(&format!(
            "{}\n\n",
            m.em(&format!(
                "The ledger \"{}\" up to entry {} ({}) holds no live fact yet; {} registered. Record one with `ledger add`.",
                m.text(&r.ledger_title),
                r.at_seq,
                &r.at_hash.get(..12).unwrap_or(""),
                count(r.sources.len(), "source", "sources"),
            ))
        ));
    } else {
        s.push_str(&format!(
        "{}\n\n",
        m.em(&format!(
            "Facts in force on {} as recorded in the ledger \"{}\" up to entry {} ({}).{} {} in force; {} live, {} superseded, {} retracted; {}. Every statement cites its sources by number: [n ¶p] is paragraph p of source n (see Sources).",
            long_day(&r.as_of),
            m.text(&r.ledger_title),
            r.at_seq,
            &r.at_hash.get(..12).unwrap_or(""),
            topic_filter_sentence(&r.topic_filter, m),
            count(r.counts.facts_in_force, "fact", "facts"),
            r.counts.live_facts,
            r.counts.superseded,
            r.counts.retracted,
            count(r.counts.disputes, "dispute", "disputes"),
        ))
    ));
    }
    if let Some(n) = r.newest_source
        && n.last_day() < opts_day(&r.as_of)
        && n.year < opts_day(&r.as_of).0
    {
        s.push_str(&format!(
            "{}\n\n",
            m.em(&format!(
                "Caution: the newest dated source is from {}. Facts with no end date are carried forward from what the sources said then; they may no longer hold.",
                n.long()
            ))
        ));
    }
}

/// [`render`], with each citation's quote under its fact when `quotes`.
pub fn render_with(r: &Report, markdown: bool, quotes: bool) -> String {
    let m = if markdown {
        Medium::Markdown
    } else {
        Medium::Text
    };
    let mut s = String::new();
    preamble(&mut s, r, m);
    if r.topics.is_empty() && r.context.is_empty() && !r.subject.is_empty() {
        s.push_str(&format!(
            "No fact about {} is in force on this date.\n\n",
            m.text(&r.subject)
        ));
    }
    for t in &r.topics {
        m.heading(&mut s, 2, &m.text(&t.label));
        for f in &t.facts {
            s.push_str(&fact_line(f, m, quotes, &r.abbrev));
        }
        s.push('\n');
    }
    if !r.context.is_empty() {
        m.heading(&mut s, 2, "Context");
        for f in &r.context {
            s.push_str(&fact_line(f, m, quotes, &r.abbrev));
        }
        s.push('\n');
    }
    m.heading(&mut s, 2, "Timeline");
    if r.timeline.is_empty() {
        s.push_str("No dated event up to this date.\n\n");
    } else {
        for t in &r.timeline {
            let cites: Vec<&str> = t.fact.citations.iter().map(|c| c.label.as_str()).collect();
            let mut notes = provenance(&t.fact);
            if t.fact.subject != r.subject {
                notes.insert(0, m.code(&t.fact.subject));
            }
            s.push_str(&format!(
                "- {} — {} {} ({})\n",
                m.strong(&t.when),
                m.text(&t.fact.text),
                cites.join(" "),
                notes.join("; ")
            ));
        }
        s.push('\n');
    }
    m.heading(&mut s, 2, "Discrepancies");
    if r.discrepancies.is_empty() {
        s.push_str("None recorded or detected.\n\n");
    } else {
        for d in &r.discrepancies {
            let kind = d.kind_label();
            let text = match m {
                Medium::Markdown => d.markdown.clone(),
                Medium::Text => d.terminal.clone(),
            };
            s.push_str(&format!("- {} {}: {text}\n", m.strong(&d.id), m.em(kind)));
            match &d.side_by_side {
                Some(sb) => s.push_str(&render_side_by_side(sb, m)),
                None if quotes && d.kind == DiscrepancyKind::Dispute => {
                    if let Some(c) = d.citations.first().filter(|c| c.quote.is_some()) {
                        s.push_str(&quote_line(c, m));
                    }
                }
                None => {}
            }
        }
        // A side-by-side table already ends in a blank line.
        if !s.ends_with("\n\n") {
            s.push('\n');
        }
    }
    m.heading(&mut s, 2, "Sources");
    s.push_str(&source_lines(&r.sources, m));
    s
}

/// The report as Markdown (`markdown`) or plain text, written to `w` as it
/// renders, each fact straight from the state; with each citation's quote
/// under its fact when `quotes`. Every piece of ledger text is escaped for
/// the medium: in Markdown it renders as its characters and never as
/// structure (no heading, link, image or HTML comes from the ledger); in
/// plain text no control character reaches the terminal and a line break
/// shows as `\n`. Give it a buffered writer: it writes a line at a time.
pub fn render_to<W: Write + ?Sized>(
    w: &mut W,
    sel: &Selection<'_>,
    markdown: bool,
    quotes: bool,
) -> io::Result<()> {
    let m = if markdown {
        Medium::Markdown
    } else {
        Medium::Text
    };
    // A selection made for the other medium lacks this one's wordings.
    let whole;
    let sel = if sel.wordings.renders(m) {
        sel
    } else {
        whole = select_with(sel.state, &sel.opts, Wordings::All).map_err(io::Error::other)?;
        &whole
    };
    let r = &sel.head;
    let mut w = Tail::new(w);
    let w = &mut w;
    let mut s = String::new();
    preamble(&mut s, r, m);
    w.write_all(s.as_bytes())?;
    if sel.topics.is_empty() && sel.context.is_empty() && !r.subject.is_empty() {
        writeln!(
            w,
            "No fact about {} is in force on this date.\n",
            m.text(&r.subject)
        )?;
    }
    let fact_line = |out: &mut String, rec: &&FactRecord| sel.fact_line(out, rec, m, quotes);
    for (_, label, facts) in &sel.topics {
        s.clear();
        m.heading(&mut s, 2, &m.text(label));
        w.write_all(s.as_bytes())?;
        write_lines(w, facts, &fact_line)?;
        w.write_all(b"\n")?;
    }
    if !sel.context.is_empty() {
        s.clear();
        m.heading(&mut s, 2, "Context");
        w.write_all(s.as_bytes())?;
        write_lines(w, &sel.context, &fact_line)?;
        w.write_all(b"\n")?;
    }
    s.clear();
    m.heading(&mut s, 2, "Timeline");
    w.write_all(s.as_bytes())?;
    if sel.timeline.is_empty() {
        w.write_all(b"No dated event up to this date.\n\n")?;
    } else {
        write_lines(w, &sel.timeline, &|out: &mut String, (_, rec): &(_, _)| {
            sel.timeline_line(out, rec, m)
        })?;
        w.write_all(b"\n")?;
    }
    s.clear();
    m.heading(&mut s, 2, "Discrepancies");
    w.write_all(s.as_bytes())?;
    if r.discrepancies.is_empty() {
        w.write_all(b"None recorded or detected.\n\n")?;
    } else {
        for d in &r.discrepancies {
            let kind = d.kind_label();
            let text = match m {
                Medium::Markdown => Cow::Borrowed(d.markdown.as_str()),
                Medium::Text => Cow::Borrowed(d.terminal.as_str()),
            };
            writeln!(w, "- {} {}: {text}", m.strong(&d.id), m.em(kind))?;
            match &d.side_by_side {
                Some(sb) => w.write_all(render_side_by_side(sb, m).as_bytes())?,
                None if quotes && d.kind == DiscrepancyKind::Dispute => {
                    if let Some(c) = d.citations.first().filter(|c| c.quote.is_some()) {
                        w.write_all(quote_line(c, m).as_bytes())?;
                    }
                }
                None => {}
            }
        }
        // A side-by-side table already ends in a blank line.
        if !w.ends_with_blank_line() {
            w.write_all(b"\n")?;
        }
    }
    s.clear();
    m.heading(&mut s, 2, "Sources");
    w.write_all(s.as_bytes())?;
    w.write_all(source_lines(&r.sources, m).as_bytes())?;
    Ok(())
}

/// How many lines [`write_lines`] renders into one buffer.
const WINDOW: usize = 2048;

/// Writes the lines `line` renders for each of `items`, in order. A long
/// list is rendered in windows of [`WINDOW`] items, every other one on a
/// second thread (when verify's pipeline may use more than one,
/// [`crate::chain::workers`]), and the windows are written in their order:
/// the same bytes as rendering them one by one.
fn write_lines<W: Write + ?Sized, T: Sync>(
    w: &mut W,
    items: &[T],
    line: &(dyn Fn(&mut String, &T) + Sync),
) -> io::Result<()> {
    write_windows(w, items, line, WINDOW, crate::chain::workers() > 1)
}

/// [`write_lines`] in windows of `size` items, on two threads when `two`.
fn write_windows<W: Write + ?Sized, T: Sync>(
    w: &mut W,
    items: &[T],
    line: &(dyn Fn(&mut String, &T) + Sync),
    size: usize,
    two: bool,
) -> io::Result<()> {
    let size = size.max(1);
    let render = |buf: &mut String, window: &[T]| {
        buf.clear();
        for it in window {
            line(buf, it);
        }
    };
    let mut mine = String::new();
    if items.len() < 2 * size || !two {
        for window in items.chunks(size) {
            render(&mut mine, window);
            w.write_all(mine.as_bytes())?;
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        // Rendered windows come back in order; their buffers go back to be
        // used again. When writing fails, the receiver is dropped and the
        // second thread stops at its next window.
        let (done, rendered) = mpsc::sync_channel::<String>(1);
        let (spare, spares) = mpsc::channel::<String>();
        scope.spawn(move || {
            for window in items.chunks(size).skip(1).step_by(2) {
                let mut buf = spares.try_recv().unwrap_or_default();
                render(&mut buf, window);
                if done.send(buf).is_err() {
                    return;
                }
            }
        });
        for (i, window) in items.chunks(size).enumerate() {
            if i % 2 == 0 {
                render(&mut mine, window);
                w.write_all(mine.as_bytes())?;
            } else {
                // Only a panic on the second thread closes the channel early;
                // the scope then carries the panic on.
                let Ok(buf) = rendered.recv() else { break };
                w.write_all(buf.as_bytes())?;
                let _ = spare.send(buf);
            }
        }
        Ok(())
    })
}

/// A writer that remembers the last two bytes written through it.
struct Tail<'w, W: Write + ?Sized> {
    inner: &'w mut W,
    last: [u8; 2],
}

impl<'w, W: Write + ?Sized> Tail<'w, W> {
    fn new(inner: &'w mut W) -> Self {
        Tail {
            inner,
            last: [0; 2],
        }
    }

    fn ends_with_blank_line(&self) -> bool {
        self.last == *b"\n\n"
    }
}

impl<W: Write + ?Sized> Write for Tail<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        match &buf[..n] {
            [.., a, b] => self.last = [*a, *b],
            [b] => self.last = [self.last[1], *b],
            [] => {}
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<'a> Selection<'a> {
    /// A fact in force as a list item (see [`fact_line`]), from the state.
    fn fact_line(&self, out: &mut String, r: &FactRecord, m: Medium, quotes: bool) {
        let f = &r.fact;
        out.push_str("- ");
        let at = out.len();
        worded_into(out, f);
        m.text_in_place(out, at);
        let cited = self.cited_by(r);
        labels(out, f, &cited);
        out.push_str(" (");
        if !when_into(out, f) {
            out.push_str("undated");
        }
        out.push_str("; ");
        self.provenance(out, r, &cited);
        out.push_str("; ");
        m.code_into(out, self.head.abbrev.shown(&f.id));
        out.push_str(")\n");
        if quotes {
            for (c, s) in f.citations.iter().zip(cited.iter()) {
                if let Some(q) = &c.quote {
                    out.push_str(match m {
                        Medium::Markdown => "  <br>",
                        Medium::Text => "  ",
                    });
                    label(out, c, s);
                    out.push_str(" “");
                    out.push_str(&m.text(q));
                    out.push_str("”\n");
                }
            }
        }
        if let Some(n) = &f.note {
            match m {
                Medium::Markdown => {
                    out.push_str("  <br>*Note: ");
                    out.push_str(&m.text(n));
                    out.push_str("*\n");
                }
                Medium::Text => {
                    out.push_str("  Note: ");
                    out.push_str(&m.text(n));
                    out.push('\n');
                }
            }
        }
    }

    /// A dated fact as a timeline item, from the state.
    fn timeline_line(&self, out: &mut String, r: &FactRecord, m: Medium) {
        let f = &r.fact;
        out.push_str("- ");
        m.strong_into(out, |out| {
            placed_when_into(out, f);
        });
        out.push_str(" — ");
        let at = out.len();
        worded_into(out, f);
        m.text_in_place(out, at);
        let cited = self.cited_by(r);
        labels(out, f, &cited);
        out.push_str(" (");
        if f.subject != self.head.subject {
            m.code_into(out, &f.subject);
            out.push_str("; ");
        }
        self.provenance(out, r, &cited);
        out.push_str(")\n");
    }

    /// What the line shows of each source `f` cites, in citation order:
    /// looked up once for the labels and the provenance together.
    /// By the positions noted when the fact was applied; a record the
    /// state did not note them for has its sources looked up by id.
    fn cited_by<'s>(&'s self, r: &'s FactRecord) -> CitedBy<'s, 'a> {
        let at = match self.state.cited_sources(r) {
            Some(at) => Cow::Borrowed(at),
            None => Cow::Owned(
                r.fact
                    .citations
                    .iter()
                    .map(|c| {
                        self.state
                            .source_number(&c.source)
                            .map_or(NO_SOURCE, |n| n - 1)
                    })
                    .collect(),
            ),
        };
        CitedBy {
            cited: &self.cited,
            at,
        }
    }

    /// How well a fact is supported and which discrepancies concern it (see
    /// [`provenance`]), `; `-separated; `cited` is [`Selection::cited_by`]
    /// of the fact.
    fn provenance(&self, out: &mut String, r: &FactRecord, cited: &CitedBy) {
        use std::fmt::Write as _;
        let f = &r.fact;
        let derived_only = cited.iter().all(|s| s.is_some_and(|s| s.derived));
        if derived_only {
            out.push_str("derived source only");
        } else {
            // The distinct originals behind the citations (a fact has few).
            let mut roots: Vec<&str> = Vec::with_capacity(f.citations.len());
            for (c, s) in f.citations.iter().zip(cited.iter()) {
                let root = s.map_or(c.source.as_str(), |s| s.root);
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
            match roots.len() {
                1 if f.citations.len() > 1 => out.push_str("1 independent source"),
                1 => out.push_str("single source"),
                n => {
                    let _ = write!(out, "{n} independent sources");
                }
            }
        }
        // Most facts are in no discrepancy, and are known not to be
        // without a lookup by id.
        if may_be_discrepant(r)
            && let Some(ds) = self.by_fact.get(f.id.as_str())
            && !ds.is_empty()
        {
            out.push_str("; see ");
            for (i, d) in ds.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(d);
            }
        }
    }
}

/// ` [1 ¶8] [2]`: the labels of a fact's citations, each after a space
/// (one space alone for a fact without citations); `cited` is
/// [`Selection::cited_by`] of the fact.
fn labels(out: &mut String, f: &Fact, cited: &CitedBy) {
    out.push(' ');
    for (i, (c, s)) in f.citations.iter().zip(cited.iter()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        label(out, c, s);
    }
}

/// `[1 ¶8]` (see [`citation_view`]) for a citation of a source shown as
/// `cited`.
fn label(out: &mut String, c: &Citation, cited: Option<&Cited>) {
    let n = cited.map_or(0, |s| s.number);
    out.push('[');
    push_number(out, n as u64);
    if let Some(p) = c.paragraph {
        out.push_str(" ¶");
        push_number(out, u64::from(p));
    }
    out.push(']');
}

/// ` Only the topics `a`, `b`.` for a report narrowed with `--topic`, else empty.
fn topic_filter_sentence(topics: &[String], m: Medium) -> String {
    match topics {
        [] => String::new(),
        [one] => format!(" Only the topic {}.", m.code(one)),
        many => format!(
            " Only the topics {}.",
            many.iter()
                .map(|t| m.code(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The numbered list of sources, each with its derivation, in a medium.
fn source_lines(sources: &[SourceView], m: Medium) -> String {
    let mut s = String::new();
    for src in sources {
        let mut line = format!(
            "{}. {} — {}",
            src.n,
            m.strong(&m.text(&src.title)),
            m.text(&src.publisher)
        );
        if let Some(a) = &src.author {
            line.push_str(&format!(", {}", m.text(a)));
        }
        if let Some(p) = &src.published {
            line.push_str(&format!(", {}", p.long()));
        }
        line.push_str(&format!(". {}", source_kind(src)));
        if let Some(l) = &src.language {
            line.push_str(&format!(", language {}", m.code(l)));
        }
        line.push('.');
        if !src.derivation.is_empty() {
            line.push_str(&format!(
                " Derived: {} (not independent of [{}]).",
                src.derivation.join(", "),
                src.root
            ));
        }
        if let Some(u) = &src.url {
            line.push_str(&format!(" {}", m.url(u)));
        }
        if let Some(n) = &src.note {
            line.push_str(&format!(" {}", m.em(&m.text(n))));
        }
        if let Some(h) = &src.sha256 {
            line.push_str(&format!(" SHA-256 of archived text: {}.", m.code(h)));
        }
        for a in &src.amendments {
            line.push_str(&format!(
                " {}",
                m.em(&format!(
                    "Amended at entry {} ({}): {}.",
                    a.seq,
                    if a.changed.is_empty() {
                        "no change".to_string()
                    } else {
                        a.changed.join(", ")
                    },
                    m.text(a.reason.trim_end_matches('.'))
                ))
            ));
        }
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// A source's type in words: `News article`.
fn source_kind(src: &SourceView) -> String {
    let kind = src.source_type.replace('-', " ");
    let mut chars = kind.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `  <br>[1 ¶5] “…”` (Markdown) or `  [1 ¶5] “…”` (text), the quote
/// escaped for the medium.
fn quote_line(c: &CitationView, m: Medium) -> String {
    let q = c
        .quote
        .as_deref()
        .map_or(String::new(), |q| format!(" “{}”", m.text(q)));
    match m {
        Medium::Markdown => format!("  <br>{}{q}\n", c.label),
        Medium::Text => format!("  {}{q}\n", c.label),
    }
}

fn fact_line(f: &FactView, m: Medium, quotes: bool, abbrev: &Abbrev) -> String {
    let mut line = format!("- {}\n", fact_body_shown(f, m, abbrev.shown(&f.id)));
    if quotes {
        for c in f.citations.iter().filter(|c| c.quote.is_some()) {
            line.push_str(&quote_line(c, m));
        }
    }
    line.push_str(&fact_note(f, m));
    line
}

/// A fact in one line: its worded statement, citations, and in brackets when
/// it holds, how well it is supported and its id (whole).
fn fact_body(f: &FactView, m: Medium) -> String {
    fact_body_shown(f, m, &f.id)
}

/// [`fact_body`], its id shown as `id` (the report shows a change id by its
/// shortest unique prefix).
fn fact_body_shown(f: &FactView, m: Medium, id: &str) -> String {
    let cites: Vec<&str> = f.citations.iter().map(|c| c.label.as_str()).collect();
    // A fact without dates says so: read in a report on a past date, it must
    // not pass for something that held then.
    let mut notes = vec![f.when.clone().unwrap_or_else(|| "undated".to_string())];
    notes.extend(provenance(f));
    format!(
        "{} {} ({}; {})",
        m.text(&f.text),
        cites.join(" "),
        notes.join("; "),
        m.code(id)
    )
}

/// The fact's note as a continuation line of its list item, or nothing.
fn fact_note(f: &FactView, m: Medium) -> String {
    match &f.note {
        Some(n) => match m {
            Medium::Markdown => format!("  <br>*Note: {}*\n", m.text(n)),
            Medium::Text => format!("  Note: {}\n", m.text(n)),
        },
        None => String::new(),
    }
}

/// How well a fact is supported, and which discrepancies concern it.
fn provenance(f: &FactView) -> Vec<String> {
    let mut notes = Vec::new();
    notes.push(match f.independent_sources {
        _ if f.derived_only => "derived source only".to_string(),
        1 if f.citations.len() > 1 => "1 independent source".to_string(),
        1 => "single source".to_string(),
        n => format!("{n} independent sources"),
    });
    if !f.discrepancies.is_empty() {
        notes.push(format!("see {}", f.discrepancies.join(", ")));
    }
    notes
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn opts_day(day: &str) -> Day {
    crate::date::parse_day(day).unwrap_or((0, 1, 1))
}

fn long_day(day: &str) -> String {
    PartialDate::parse(day)
        .map(|d| d.long())
        .unwrap_or_else(|_| day.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{
        Body, Derivation, DerivationKind, Dispute, Entry, Genesis, Retract, RetractReason, Source,
        SourceType, Supersede,
    };
    use crate::hash::Hash;

    /// Folds bodies into a state through the same checks verify applies.
    fn replay(bodies: Vec<Body>) -> State {
        let mut state = State::default();
        let mut prev = Hash::ZERO;
        for (seq, body) in (0u64..).zip(bodies) {
            let e = Entry::seal(seq, prev, "2026-01-02T03:04:05Z".into(), body).unwrap();
            state.apply(&e).unwrap_or_else(|m| panic!("seq {seq}: {m}"));
            prev = e.hash;
        }
        state
    }

    fn source(id: &str, derived_from: Option<&str>) -> Body {
        Body::Source(Source {
            id: id.into(),
            title: format!("Title {id}"),
            publisher: "P".into(),
            source_type: SourceType::NewsArticle,
            author: None,
            published: None,
            language: None,
            url: None,
            derived_from: derived_from.map(|s| Derivation {
                source: s.into(),
                relation: DerivationKind::Translation,
            }),
            sha256: None,
            note: None,
        })
    }

    fn fact(id: &str, from: Option<&str>, to: Option<&str>, sources: &[&str]) -> Fact {
        Fact {
            id: id.into(),
            subject: "CA-KP".into(),
            topic: "embassy".into(),
            statement: format!("Statement {id}."),
            modality: Modality::Reported,
            value: None,
            valid_from: from.map(|d| PartialDate::parse(d).unwrap()),
            valid_to: to.map(|d| PartialDate::parse(d).unwrap()),
            attributed_to: None,
            citations: sources
                .iter()
                .map(|s| Citation {
                    source: (*s).into(),
                    paragraph: Some(1),
                    span: None,
                    quote: None,
                })
                .collect(),
            note: None,
        }
    }

    fn base() -> Vec<Body> {
        vec![
            Body::Genesis(Genesis {
                title: "T".into(),
                created: "2026-01-02T03:04:05Z".into(),
            }),
            source("a", None),
            source("b", Some("a")),
            source("c", None),
        ]
    }

    fn in_force(state: &State, day: &str) -> Vec<String> {
        let r = build(
            state,
            &Options {
                subject: Some("CA-KP".into()),
                as_of: crate::date::parse_day(day).unwrap(),
                topics: Vec::new(),
            },
        )
        .unwrap();
        r.topics
            .iter()
            .flat_map(|t| t.facts.iter().map(|f| f.id.clone()))
            .collect()
    }

    /// The report's state after the first `n` entries of a generated ledger.
    fn generated(n: u64, seed: u64) -> State {
        let mut out = Vec::new();
        crate::synthetic::write_ledger(&mut out, n, seed, "2026-01-02T03:04:05Z").unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut state = State::live_only();
        for line in text.lines() {
            let e = crate::chain::read_entry(line).entry.unwrap();
            state.apply(&e).unwrap();
        }
        state
    }

    /// A writer that takes at most `room` bytes a call, as a pipe may.
    struct Trickle {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.room);
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Writing the report from the state, fact by fact, gives the bytes
        /// of rendering it whole from its views, whatever the ledger, subject,
        /// date, topics, medium and quotes, and however the writer splits
        /// its writes.
        #[test]
        fn written_from_the_state_is_rendered_from_the_views(
            n in 1u64..400,
            seed in 0u64..1000,
            subject in proptest::sample::select(vec![None, Some("CA-KP"), Some("KP-CA"), Some("KP"), Some("KP-US"), Some("CA")]),
            year in 2010u16..2027,
            topic in proptest::sample::select(vec![None, Some("embassy"), Some("sanctions")]),
            markdown: bool,
            quotes: bool,
            room in 1usize..5000,
        ) {
            let state = generated(n, seed);
            let opts = Options {
                subject: subject.map(str::to_string),
                as_of: (year, 6, 30),
                topics: topic.map(str::to_string).into_iter().collect(),
            };
            // A subject the ledger cannot report on is refused by both alike.
            let Ok(report) = build(&state, &opts) else {
                proptest::prop_assert!(select(&state, &opts).is_err());
                return Ok(());
            };
            let whole = render_with(&report, markdown, quotes);
            let mut w = Trickle { room, got: Vec::new() };
            render_to(&mut w, &select(&state, &opts).unwrap(), markdown, quotes).unwrap();
            proptest::prop_assert_eq!(String::from_utf8(w.got).unwrap(), whole);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// A selection made for one medium renders the bytes of the whole
        /// selection in that medium and in the other, and makes the same
        /// report (every wording of every discrepancy included).
        #[test]
        fn selected_for_one_medium_is_selected_whole(
            n in 1u64..400,
            seed in 0u64..1000,
            subject in proptest::sample::select(vec![None, Some("CA-KP"), Some("KP")]),
            year in 2010u16..2027,
            made_for_markdown: bool,
            quotes: bool,
        ) {
            let state = generated(n, seed);
            let opts = Options {
                subject: subject.map(str::to_string),
                as_of: (year, 6, 30),
                topics: Vec::new(),
            };
            let Ok(whole) = select(&state, &opts) else {
                proptest::prop_assert!(select_for(&state, &opts, made_for_markdown).is_err());
                return Ok(());
            };
            for markdown in [made_for_markdown, !made_for_markdown] {
                let (mut want, mut got) = (Vec::new(), Vec::new());
                render_to(&mut want, &whole, markdown, quotes).unwrap();
                let part = select_for(&state, &opts, made_for_markdown).unwrap();
                render_to(&mut got, &part, markdown, quotes).unwrap();
                proptest::prop_assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
            }
            let wordings = |r: &Report| -> Vec<[String; 5]> {
                r.discrepancies
                    .iter()
                    .map(|d| [d.text.clone(), d.markdown.clone(), d.html.clone(), d.terminal.clone(), d.wording.clone()])
                    .collect()
            };
            let want = build(&state, &opts).unwrap();
            let got = select_for(&state, &opts, made_for_markdown).unwrap().into_report();
            proptest::prop_assert_eq!(wordings(&got), wordings(&want));
            proptest::prop_assert_eq!(
                serde_json::to_string(&got).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
        }

        /// Lines rendered in windows, every other window on a second thread,
        /// are written in their order: the bytes of rendering them one by one,
        /// however the writer splits its writes.
        #[test]
        fn lines_rendered_in_windows_on_two_threads_keep_their_order(
            n in 0usize..3000,
            size in 1usize..300,
            two: bool,
            room in 1usize..5000,
        ) {
            let items: Vec<usize> = (0..n).collect();
            let line = |out: &mut String, i: &usize| {
                out.push_str(&format!("line {i}{}\n", "x".repeat(i % 7)))
            };
            let mut want = String::new();
            for i in &items {
                line(&mut want, i);
            }
            let mut w = Trickle { room, got: Vec::new() };
            write_windows(&mut w, &items, &line, size, two).unwrap();
            proptest::prop_assert_eq!(String::from_utf8(w.got).unwrap(), want);
        }
    }

    #[test]
    fn superseded_and_retracted_facts_leave_the_report() {
        let mut b = base();
        b.push(Body::Fact(fact("x", None, None, &["a"])));
        b.push(Body::Fact(fact("y", None, None, &["a"])));
        b.push(Body::Supersede(Supersede {
            target: "x".into(),
            reason: "corrected".into(),
            fact: fact("x2", None, None, &["c"]),
            disputes: None,
        }));
        b.push(Body::Retract(Retract {
            target: "y".into(),
            reason: RetractReason::Erroneous,
            note: None,
            source: None,
        }));
        let s = replay(b);
        assert_eq!(in_force(&s, "2020-01-01"), ["x2"]);
        let r = build(
            &s,
            &Options {
                subject: None,
                as_of: (2020, 1, 1),
                topics: Vec::new(),
            },
        )
        .unwrap();
        assert_eq!(r.counts.superseded, 1);
        assert_eq!(r.counts.retracted, 1);
        assert_eq!(r.topics[0].facts[0].supersedes.as_deref(), Some("x"));
    }

    #[test]
    fn disputed_fact_stays_and_is_listed_as_a_discrepancy() {
        let mut b = base();
        b.push(Body::Fact(fact("x", None, None, &["a"])));
        b.push(Body::Dispute(Dispute {
            target: "x".into(),
            difference: Difference::Overstates,
            statement: "It says more.".into(),
            citation: Citation {
                source: "b".into(),
                paragraph: Some(2),
                span: None,
                quote: None,
            },
            note: None,
        }));
        let s = replay(b);
        let r = build(
            &s,
            &Options {
                subject: None,
                as_of: (2020, 1, 1),
                topics: Vec::new(),
            },
        )
        .unwrap();
        assert_eq!(r.discrepancies.len(), 1);
        assert_eq!(r.discrepancies[0].kind, DiscrepancyKind::Dispute);
        assert_eq!(r.discrepancies[0].citations[0].label, "[2 ¶2]");
        let id = &r.discrepancies[0].id;
        assert!(id.starts_with("D-") && id.len() == 6, "{id}");
        assert_eq!(r.topics[0].facts[0].discrepancies, std::slice::from_ref(id));
    }

    #[test]
    fn sides_put_the_original_first() {
        // A fact resting on the translation, disputed by the original: the
        // dispute's side (the original) comes first.
        let mut b = base();
        b.push(Body::Fact(fact("x", None, None, &["b"])));
        b.push(Body::Dispute(Dispute {
            target: "x".into(),
            difference: Difference::Overstates,
            statement: "It says less.".into(),
            citation: Citation {
                source: "a".into(),
                paragraph: Some(3),
                span: None,
                quote: Some("less".into()),
            },
            note: None,
        }));
        let s = replay(b);
        let r = build(
            &s,
            &Options {
                subject: None,
                as_of: (2020, 1, 1),
                topics: Vec::new(),
            },
        )
        .unwrap();
        let sides = &r.discrepancies[0].sides;
        assert_eq!(sides.len(), 2);
        assert_eq!((sides[0].fact.as_deref(), sides[0].derived), (None, false));
        assert_eq!(sides[0].text, "It says less.");
        assert_eq!(sides[0].citations[0].quote.as_deref(), Some("less"));
        assert_eq!(
            (sides[1].fact.as_deref(), sides[1].derived),
            (Some("x"), true)
        );
    }

    #[test]
    fn valid_time_edges_at_each_precision() {
        let mut b = base();
        b.push(Body::Fact(fact(
            "month",
            Some("2018-10"),
            Some("2018-10"),
            &["a"],
        )));
        b.push(Body::Fact(fact("year", Some("2017"), None, &["a"])));
        b.push(Body::Fact(fact("day", None, Some("2019-02-28"), &["a"])));
        let s = replay(b);
        assert_eq!(in_force(&s, "2016-12-31"), ["day"]);
        assert_eq!(in_force(&s, "2017-01-01"), ["year", "day"]);
        assert_eq!(in_force(&s, "2018-09-30"), ["year", "day"]);
        assert_eq!(in_force(&s, "2018-10-01"), ["month", "year", "day"]);
        assert_eq!(in_force(&s, "2018-10-31"), ["month", "year", "day"]);
        assert_eq!(in_force(&s, "2018-11-01"), ["year", "day"]);
        assert_eq!(in_force(&s, "2019-02-28"), ["year", "day"]);
        assert_eq!(in_force(&s, "2019-03-01"), ["year"]);
    }

    #[test]
    fn timeline_orders_mixed_precision_and_stops_at_as_of() {
        let mut b = base();
        b.push(Body::Fact(fact(
            "oct",
            Some("2018-10"),
            Some("2018-10"),
            &["a"],
        )));
        b.push(Body::Fact(fact(
            "y2018",
            Some("2018"),
            Some("2018"),
            &["a"],
        )));
        b.push(Body::Fact(fact("jan15", Some("2018-01-15"), None, &["a"])));
        b.push(Body::Fact(fact("y2019", Some("2019"), None, &["a"])));
        b.push(Body::Fact(fact("ended", None, Some("2017-06"), &["a"])));
        let s = replay(b);
        let r = build(
            &s,
            &Options {
                subject: None,
                as_of: (2018, 12, 31),
                topics: Vec::new(),
            },
        )
        .unwrap();
        let order: Vec<(&str, &str)> = r
            .timeline
            .iter()
            .map(|t| (t.fact.id.as_str(), t.precision))
            .collect();
        // By start: the year 2018 begins on 1 January, before the 15th.
        assert_eq!(
            order,
            [
                ("ended", "month"),
                ("y2018", "year"),
                ("jan15", "day"),
                ("oct", "month"),
            ]
        );
        assert_eq!(r.timeline[0].when, "by June 2017");
        assert_eq!(r.timeline[2].when, "from 15 January 2018");
    }

    #[test]
    fn timeline_is_by_start_then_end_then_precision_whatever_the_record_order() {
        // Recorded in an order that the old year-first rule interleaved: a
        // range starting in 2018 between two 2018 events.
        let dated = [
            ("range", Some("2018"), Some("2019")),
            ("year-a", Some("2018"), Some("2018")),
            ("open", Some("2018"), None),
            ("day-range", Some("2018-01-01"), Some("2018-12-31")),
            ("year-b", Some("2018"), Some("2018")),
            ("sept", Some("2018-09"), Some("2018-12")),
            ("jan", Some("2018-01"), Some("2018-01")),
            ("until", None, Some("2018-01")),
        ];
        let mut b = base();
        for (id, from, to) in dated {
            b.push(Body::Fact(fact(id, from, to, &["a"])));
        }
        let s = replay(b);
        let order = |s: &State| -> Vec<String> {
            build(
                s,
                &Options {
                    subject: None,
                    as_of: (2020, 1, 1),
                    topics: Vec::new(),
                },
            )
            .unwrap()
            .timeline
            .iter()
            .map(|t| t.fact.id.clone())
            .collect()
        };
        assert_eq!(
            order(&s),
            [
                // Start 1 January 2018 (`until` is placed by its end): the
                // shortest first, then by seq; the same days at day precision
                // before year precision; an open end last.
                "jan",
                "until",
                "day-range",
                "year-a",
                "year-b",
                "range",
                "open",
                "sept"
            ]
        );
    }

    #[test]
    fn ledger_position_and_world_time_are_independent_axes() {
        let mut b = base();
        b.push(Body::Fact(fact("x", Some("2018"), None, &["a"])));
        b.push(Body::Supersede(Supersede {
            target: "x".into(),
            reason: "newer".into(),
            fact: fact("x2", Some("2019"), None, &["a"]),
            disputes: None,
        }));
        // The ledger after entry 4 (before the supersede) and after entry 5.
        let before = replay(b[..5].to_vec());
        let after = replay(b);
        assert_eq!(in_force(&before, "2018-06-01"), ["x"]);
        assert_eq!(in_force(&before, "2019-06-01"), ["x"]);
        assert!(in_force(&after, "2018-06-01").is_empty());
        assert_eq!(in_force(&after, "2019-06-01"), ["x2"]);
    }

    #[test]
    fn translations_do_not_corroborate() {
        let mut b = base();
        b.push(Body::Fact(fact("both", None, None, &["a", "b"])));
        b.push(Body::Fact(fact("indep", None, None, &["a", "c"])));
        b.push(Body::Fact(fact("derived", None, None, &["b"])));
        let s = replay(b);
        let r = build(
            &s,
            &Options {
                subject: None,
                as_of: (2020, 1, 1),
                topics: Vec::new(),
            },
        )
        .unwrap();
        let f = &r.topics[0].facts;
        assert_eq!((f[0].independent_sources, f[0].derived_only), (1, false));
        assert_eq!((f[1].independent_sources, f[1].derived_only), (2, false));
        assert_eq!((f[2].independent_sources, f[2].derived_only), (1, true));
        assert_eq!(r.sources[1].derivation, ["translation of [1]"]);
        assert_eq!(r.sources[1].root, 1);
    }

    /// Every fact a discrepancy names is one [`may_be_discrepant`] lets
    /// through: on facts with disputes (generated ledgers, the bundled
    /// ledger) and with values that disagree, for each subject and date.
    #[test]
    fn discrepancies_name_only_facts_that_may_be_discrepant() {
        let mut b = base();
        for (id, source, v) in [("p", "a", "studied"), ("q", "b", "ready"), ("r", "c", "no")] {
            let mut f = fact(id, None, None, &[source]);
            f.value = Some(serde_json::json!({ "reopening": v }));
            b.push(Body::Fact(f));
        }
        let read = |text: &str| {
            let mut state = State::live_only();
            for line in text.lines() {
                state
                    .apply(&crate::chain::read_entry(line).entry.unwrap())
                    .unwrap();
            }
            state
        };
        let states = [
            replay(b),
            read(include_str!("../ledger/canada-dprk.jsonl")),
            generated(600, 3),
            generated(900, 8),
        ];
        let mut kinds = BTreeSet::new();
        for state in &states {
            for subject in [None, Some("CA-KP"), Some("KP"), Some("KP-US")] {
                for year in [2012, 2019, 2026] {
                    let opts = Options {
                        subject: subject.map(str::to_string),
                        as_of: (year, 6, 30),
                        topics: Vec::new(),
                    };
                    let Ok(sel) = select(state, &opts) else {
                        continue;
                    };
                    for d in &sel.head.discrepancies {
                        kinds.insert(d.kind_label());
                        for id in &d.facts {
                            let r = state.fact(id).unwrap();
                            assert!(may_be_discrepant(r), "{id} in {}", d.id);
                        }
                    }
                }
            }
        }
        for kind in [
            "Disputed",
            "Sources disagree",
            "Derived source goes further",
        ] {
            assert!(kinds.contains(kind), "{kinds:?}");
        }
    }

    #[test]
    fn derived_source_stating_more_is_detected() {
        let mut b = base();
        let mut orig = fact("orig", None, None, &["a"]);
        orig.modality = Modality::Considered;
        orig.value = Some(serde_json::json!({"reopening": "studied"}));
        let mut derived = fact("derived", None, None, &["b"]);
        derived.modality = Modality::Planned;
        derived.value = Some(serde_json::json!({"reopening": "ready"}));
        let mut other = fact("other", None, None, &["c"]);
        other.value = Some(serde_json::json!({"reopening": "ruled out"}));
        b.push(Body::Fact(orig));
        b.push(Body::Fact(derived));
        b.push(Body::Fact(other));
        let s = replay(b);
        let r = build(
            &s,
            &Options {
                subject: None,
                as_of: (2020, 1, 1),
                topics: Vec::new(),
            },
        )
        .unwrap();
        let kinds: Vec<DiscrepancyKind> = r.discrepancies.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [
                DiscrepancyKind::DerivedOverstates,
                DiscrepancyKind::SourcesDisagree,
                DiscrepancyKind::SourcesDisagree
            ]
        );
        assert!(r.discrepancies[0].text.contains("states more than"));
        assert!(
            r.discrepancies[0]
                .text
                .contains("\"planned\" goes beyond \"considered\"")
        );
    }

    #[test]
    fn a_report_long_after_its_newest_source_says_so() {
        let mut b = base();
        if let Body::Source(s) = &mut b[1] {
            s.published = Some(PartialDate::parse("2020-03").unwrap());
        }
        b.push(Body::Fact(fact("x", Some("2019"), None, &["a"])));
        let s = replay(b);
        let at = |day| {
            render(
                &build(
                    &s,
                    &Options {
                        subject: None,
                        as_of: day,
                        topics: Vec::new(),
                    },
                )
                .unwrap(),
                false,
            )
        };
        assert!(at((2026, 1, 1)).contains("Caution: the newest dated source is from March 2020."));
        assert!(!at((2020, 12, 31)).contains("Caution"));
    }

    #[test]
    fn ranges_read_naturally() {
        let d = |s| PartialDate::parse(s).unwrap();
        assert_eq!(range(d("2018-09"), d("2018-12")), "September–December 2018");
        assert_eq!(
            range(d("2019-02"), d("2019")),
            "from February 2019 through 2019"
        );
        assert_eq!(range(d("2018"), d("2019")), "2018 to 2019");
        assert_eq!(range(d("2018-10"), d("2018-10")), "October 2018");
        assert_eq!(
            range(d("2018-10-03"), d("2018-10-05")),
            "3 October 2018 to 5 October 2018"
        );
    }

    #[test]
    fn worded_is_honest_about_modality_and_attribution() {
        let mut f = fact("x", None, None, &["a"]);
        f.statement = "Canada will reopen its embassy.".into();
        f.modality = Modality::Considered;
        assert_eq!(
            worded(&f),
            "Under consideration: Canada will reopen its embassy."
        );
        f.attributed_to = Some("the minister".into());
        assert_eq!(
            worded(&f),
            "According to the minister (under consideration): Canada will reopen its embassy."
        );
        f.modality = Modality::Reported;
        assert_eq!(
            worded(&f),
            "According to the minister: Canada will reopen its embassy."
        );
        f.attributed_to = None;
        f.modality = Modality::Confirmed;
        assert_eq!(worded(&f), "Canada will reopen its embassy.");
    }

    /// The dates of a line are written into its buffer
    /// (`PartialDate::long_into`, `range_into`, `when_into`,
    /// `placed_when_into`): after any text already there, the words the
    /// `format!`-built versions gave, for every shape of period over a
    /// span of years, months and days.
    #[test]
    fn dates_written_in_place_are_the_words_built_apart() {
        fn long(d: PartialDate) -> String {
            const M: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            match (d.month, d.day) {
                (None, _) => d.year.to_string(),
                (Some(m), None) => format!("{} {}", M[m as usize - 1], d.year),
                (Some(m), Some(x)) => format!("{x} {} {}", M[m as usize - 1], d.year),
            }
        }
        fn range_apart(a: PartialDate, b: PartialDate) -> String {
            if a == b {
                return long(a);
            }
            match ((a.month, a.day), (b.month, b.day)) {
                ((Some(_), None), (Some(_), None)) if a.year == b.year => {
                    let first = long(a);
                    let month = first.split(' ').next().unwrap_or("");
                    format!("{month}–{}", long(b))
                }
                (_, (None, _)) if a.year == b.year => {
                    format!("from {} through {}", long(a), b.year)
                }
                _ => format!("{} to {}", long(a), long(b)),
            }
        }
        let mut dates = Vec::new();
        for year in [999u16, 2018, 2019] {
            dates.push(PartialDate::parse(&format!("{year:04}")).unwrap());
            for month in [1u8, 2, 9, 12] {
                dates.push(PartialDate::parse(&format!("{year:04}-{month:02}")).unwrap());
                for day in [1u8, 9, 28] {
                    let s = format!("{year:04}-{month:02}-{day:02}");
                    dates.push(PartialDate::parse(&s).unwrap());
                }
            }
        }
        let ends = std::iter::once(None).chain(dates.iter().copied().map(Some));
        let ends: Vec<Option<PartialDate>> = ends.collect();
        for &a in &ends {
            for &b in &ends {
                let mut f = fact("f1", None, None, &[]);
                (f.valid_from, f.valid_to) = (a, b);
                let words = match (a, b) {
                    (None, None) => None,
                    (Some(a), Some(b)) => Some(range_apart(a, b)),
                    (Some(a), None) => Some(format!("since {}", long(a))),
                    (None, Some(b)) => Some(format!("until {}", long(b))),
                };
                let placed = match (a, b) {
                    (Some(a), Some(b)) => Some(range_apart(a, b)),
                    (Some(a), None) => Some(format!("from {}", long(a))),
                    (None, Some(b)) => Some(format!("by {}", long(b))),
                    (None, None) => None,
                };
                assert_eq!(when(&f), words);
                assert_eq!(placed_when(&f), placed);
                let mut out = String::from("- x (");
                assert_eq!(when_into(&mut out, &f), words.is_some());
                assert_eq!(out, format!("- x ({}", words.unwrap_or_default()));
                let mut out = String::from("- ");
                assert_eq!(placed_when_into(&mut out, &f), placed.is_some());
                assert_eq!(out, format!("- {}", placed.unwrap_or_default()));
                if let Some(a) = a {
                    assert_eq!(a.long(), long(a));
                }
            }
        }
    }
}
