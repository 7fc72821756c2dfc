//! The vocabulary of actors and topics that subjects and facts use.
//!
//! A built-in list covers the common cases (ISO 3166-1 alpha-2 codes for states,
//! short codes for organisations; topics of a bilateral relationship). A ledger
//! extends it with `define` entries; nothing here is ever removed, so a ledger
//! that verified once keeps verifying.

/// Built-in actors: `(id, label)`.
pub const ACTORS: &[(&str, &str)] = &[
    ("CA", "Canada"),
    ("KP", "North Korea"),
    ("KR", "South Korea"),
    ("US", "United States"),
    ("JP", "Japan"),
    ("CN", "China"),
    ("RU", "Russia"),
    ("GB", "United Kingdom"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("SE", "Sweden"),
    ("UN", "United Nations"),
    ("EU", "European Union"),
    ("NATO", "NATO"),
];

/// Built-in topics: `(id, label)`, in report order.
pub const TOPICS: &[(&str, &str)] = &[
    ("diplomatic-status", "Diplomatic status"),
    ("embassy", "Embassy"),
    ("engagement", "Engagement and talks"),
    ("nuclear", "Nuclear and missile programmes"),
    ("security", "Security"),
    ("sanctions", "Sanctions"),
    ("humanitarian", "Humanitarian"),
    ("human-rights", "Human rights"),
    ("people-to-people", "People-to-people"),
    ("consular", "Consular"),
    ("allies", "Allies and partners"),
    ("statements", "Official statements"),
    ("civil-society", "Civil society views"),
];

/// Splits a subject into its actors: `CA-KP` → `["CA", "KP"]`, `KP` → `["KP"]`.
pub fn parse_subject(s: &str) -> Result<Vec<&str>, String> {
    subject_actors(s).map(Iterator::collect)
}

/// [`parse_subject`] without allocating: the actors in order.
pub fn subject_actors(s: &str) -> Result<impl Iterator<Item = &str>, String> {
    // Split at the first `-` by hand: subjects are a few bytes, and the
    // search of `split` costs more to set up than to run (checked once per
    // entry on each side of verify). A second `-` is refused below, as part
    // of an actor.
    let (one, two) = match s.bytes().position(|b| b == b'-') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let actor = |p: &str| {
        !p.is_empty()
            && p.len() <= 16
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let ok = actor(one) && two.is_none_or(|t| actor(t) && t != one);
    if ok {
        Ok(std::iter::once(one).chain(two))
    } else {
        Err(format!(
            "subject `{s}` is not an actor (`KP`) or a pair of different actors (`CA-KP`); actor ids are uppercase"
        ))
    }
}

/// The label of a built-in actor.
pub fn builtin_actor(id: &str) -> Option<&'static str> {
    ACTORS.iter().find(|(a, _)| *a == id).map(|(_, l)| *l)
}

/// The label of a built-in topic.
pub fn builtin_topic(id: &str) -> Option<&'static str> {
    TOPICS.iter().find(|(t, _)| *t == id).map(|(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule as first written (split, collect, then check), against which
    /// the allocation-free [`subject_actors`] is held.
    fn reference(s: &str) -> Option<Vec<&str>> {
        let parts: Vec<&str> = s.split('-').collect();
        let ok = (1..=2).contains(&parts.len())
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 16
                    && p.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            })
            && !(parts.len() == 2 && parts[0] == parts[1]);
        ok.then_some(parts)
    }

    #[test]
    fn subject_actors_decides_as_the_reference() {
        let long = "A".repeat(17);
        let cases = [
            "", "-", "CA", "CA-KP", "KP-CA", "CA-CA", "CA-", "-KP", "CA-KP-US", "ca-KP", "C1-X9",
            "CA--KP", "A", &long, "ÉÉ", "CA KP", "NATO-EU",
        ];
        for s in cases {
            assert_eq!(
                subject_actors(s).ok().map(Iterator::collect::<Vec<_>>),
                reference(s),
                "{s:?}"
            );
            assert_eq!(parse_subject(s).ok(), reference(s), "{s:?}");
        }
    }
}
