//! `ledger sources`: the numbered list of registered sources with their
//! derivation chains (the same numbering as the report), their text escaped
//! for the terminal.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::entry::name;
use crate::error::Result;
use crate::escape::terminal;
use crate::store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

pub type Args = crate::cli::FormatArgs;

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (_, state) = store::load(&path)?;
    let cited = |id: &str| {
        state
            .facts
            .iter()
            .filter(|f| f.is_live() && f.fact.citations.iter().any(|c| c.source == id))
            .count()
    };
    match args.format {
        Format::Json => {
            let items: Vec<Value> = state
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let chain: Vec<&str> = state
                        .derivation_chain(&s.source.id)
                        .iter()
                        .map(|(_, r)| r.source.id.as_str())
                        .collect();
                    json!({
                        "n": i + 1,
                        "seq": s.seq,
                        "source": serde_json::to_value(&s.source).unwrap_or_default(),
                        "derivation_chain": chain,
                        "live_facts_citing": cited(&s.source.id),
                        "amendments": s.amendments.iter().map(|a| json!({
                            "seq": a.seq,
                            "reason": a.reason,
                            "changes": a.changes.iter().map(|(m, before, after)| json!({
                                "member": m,
                                "before": before,
                                "after": after,
                            })).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            emit_json(out, &Value::Array(items))?;
        }
        Format::Text => {
            let abbrev = state.abbrev();
            let mut text = String::new();
            for (i, s) in state.sources.iter().enumerate() {
                text.push_str(&format!(
                    "[{}] {}: {} ({}); cited by {} live fact{}\n",
                    i + 1,
                    terminal(abbrev.shown(&s.source.id)),
                    terminal(&s.source.title),
                    terminal(&s.source.publisher),
                    cited(&s.source.id),
                    if cited(&s.source.id) == 1 { "" } else { "s" }
                ));
                for (relation, up) in state.derivation_chain(&s.source.id) {
                    text.push_str(&format!(
                        "    {} of [{}] {}\n",
                        name(&relation),
                        state.source_number(&up.source.id).unwrap_or(0),
                        terminal(abbrev.shown(&up.source.id))
                    ));
                }
                for a in &s.amendments {
                    let changed: Vec<&str> = a.changes.iter().map(|(m, _, _)| m.as_str()).collect();
                    text.push_str(&format!(
                        "    amended at seq {} ({}): {}\n",
                        a.seq,
                        if changed.is_empty() {
                            "no change".to_string()
                        } else {
                            changed.join(", ")
                        },
                        terminal(&a.reason)
                    ));
                }
            }
            if text.is_empty() {
                text.push_str("no sources registered; add one with `ledger source add`\n");
            }
            emit(out, &text)?;
        }
    }
    Ok(0)
}
