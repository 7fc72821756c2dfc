//! Every fact of a ledger as one row, for spreadsheets (CSV, RFC 4180) and
//! scripts (JSON Lines): each version of each fact, in the order recorded,
//! with its status.
//!
//! CSV is written by the `csv` crate, which quotes per RFC 4180 (fields with
//! `,`, `"`, CR or LF are quoted, `"` doubled, CRLF between records). Its
//! cells go through [`escape::spreadsheet`]: a cell that would start a
//! formula is prefixed with `'`, and control characters are shown as escapes.
//! The citations of a fact are given in three columns, `sources`, `locators`
//! and `quotes`, one citation per line of the cell, so the i-th line of each
//! belongs to the same citation. JSON Lines carries every string exactly.

use crate::date::PartialDate;
use crate::entry::{Citation, Modality, RetractReason, name};
use crate::escape;
use crate::replay::{State, Status};
use serde::Serialize;
use serde_json::Value;

/// One fact, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: String,
    /// The entry that recorded it.
    pub seq: u64,
    /// `live`, `superseded` or `retracted`.
    pub status: &'static str,
    /// The entry that superseded or retracted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_seq: Option<u64>,
    /// The fact that superseded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retract_reason: Option<RetractReason>,
    /// The fact it supersedes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    pub subject: String,
    pub topic: String,
    pub modality: Modality,
    pub statement: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<PartialDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<PartialDate>,
    pub citations: Vec<Citation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The rows of every fact under `topics` (every fact when empty).
pub fn rows(state: &State, topics: &[String]) -> Vec<Row> {
    state
        .facts
        .iter()
        .filter(|r| topics.is_empty() || topics.contains(&r.fact.topic))
        .map(|r| {
            let f = &r.fact;
            let (status, status_seq, superseded_by, retract_reason) = match &r.status {
                Status::Live => ("live", None, None, None),
                Status::Superseded { by, seq, .. } => {
                    ("superseded", Some(*seq), Some(by.clone()), None)
                }
                Status::Retracted { seq, retract } => {
                    ("retracted", Some(*seq), None, Some(retract.reason))
                }
            };
            Row {
                id: f.id.clone(),
                seq: r.seq,
                status,
                status_seq,
                superseded_by,
                retract_reason,
                supersedes: r.supersedes.as_deref().map(|(id, _)| id.clone()),
                subject: f.subject.clone(),
                topic: f.topic.clone(),
                modality: f.modality,
                statement: f.statement.clone(),
                attributed_to: f.attributed_to.clone(),
                valid_from: f.valid_from,
                valid_to: f.valid_to,
                citations: f.citations.clone(),
                note: f.note.clone(),
                value: f.value.clone(),
            }
        })
        .collect()
}

/// The CSV columns, in order.
pub const COLUMNS: [&str; 19] = [
    "id",
    "seq",
    "status",
    "status_seq",
    "superseded_by",
    "retract_reason",
    "supersedes",
    "subject",
    "topic",
    "modality",
    "statement",
    "attributed_to",
    "valid_from",
    "valid_to",
    "sources",
    "locators",
    "quotes",
    "note",
    "value",
];

/// A citation's locator as `--locator` writes it: `p5`, `p5:155-217`, or
/// `:A-B` for a span of the whole text; empty for the whole text.
fn locator(c: &Citation) -> String {
    let mut s = c.paragraph.map(|p| format!("p{p}")).unwrap_or_default();
    if let Some([a, b]) = c.span {
        s.push_str(&format!(":{a}-{b}"));
    }
    s
}

/// The rows as CSV: a header, then one record per row (RFC 4180).
pub fn csv(rows: &[Row]) -> Result<String, String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(|e| e.to_string())?;
    for r in rows {
        let opt = |x: &Option<String>| x.clone().unwrap_or_default();
        let date = |d: Option<PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let lines = |f: &dyn Fn(&Citation) -> String| {
            r.citations.iter().map(f).collect::<Vec<_>>().join("\n")
        };
        let record = [
            r.id.clone(),
            r.seq.to_string(),
            r.status.to_string(),
            r.status_seq.map(|s| s.to_string()).unwrap_or_default(),
            opt(&r.superseded_by),
            r.retract_reason.map(|x| name(&x)).unwrap_or_default(),
            opt(&r.supersedes),
            r.subject.clone(),
            r.topic.clone(),
            name(&r.modality),
            r.statement.clone(),
            opt(&r.attributed_to),
            date(r.valid_from),
            date(r.valid_to),
            lines(&|c| c.source.clone()),
            lines(&locator),
            lines(&|c| c.quote.clone().unwrap_or_default()),
            opt(&r.note),
            r.value.as_ref().map(Value::to_string).unwrap_or_default(),
        ];
        w.write_record(record.iter().map(|s| escape::spreadsheet(s)))
            .map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The rows as JSON Lines: one compact JSON object per line.
pub fn jsonl(rows: &[Row]) -> Result<String, String> {
    let mut out = String::new();
    for r in rows {
        out.push_str(&serde_json::to_string(r).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    Ok(out)
}
