//! The timeline drawn as SVG, for the HTML report: one row per event, in the
//! timeline's order (docs/FORMAT.md 11.4), each a bar from the first day of
//! its start to the last day of its end, so a year or a month is drawn as the
//! span it is, never as a point; only a single day is a point (a diamond).
//! An open end runs to the edge as an arrow. Bars are coloured and patterned
//! by modality (colour is never the only cue), a fact resting on derived
//! sources only gets a triangle beside its number, and each row's number is
//! the event's number in the list that follows the drawing, which is its text
//! alternative.
//!
//! Years in which no event starts or ends are drawn narrow, so decades of
//! quiet do not squeeze the busy years; the axis labels them as a range.

use super::FactView;
use crate::date::{Day, PartialDate};
use crate::entry::Modality;
use crate::escape;

/// One row of the drawing.
pub struct Event<'a> {
    /// Its number in the list of events.
    pub number: usize,
    pub fact: &'a FactView,
    /// When, in words (`September–December 2018`).
    pub when: String,
}

/// How a modality is drawn and named in the legend.
pub struct Look {
    /// A CSS-safe class name.
    pub class: &'static str,
    /// The legend's words.
    pub name: &'static str,
    pub fill: &'static str,
    pub stroke: &'static str,
    /// The stroke's dash pattern, empty for a solid line.
    pub dash: &'static str,
}

/// The looks, in legend order. Every colour has a contrast of at least 3:1
/// against white (WCAG 1.4.11); each look also differs in pattern or line.
pub const LOOKS: [Look; 5] = [
    Look {
        class: "confirmed",
        name: "confirmed",
        fill: "#1b5e20",
        stroke: "#1b5e20",
        dash: "",
    },
    Look {
        class: "reported",
        name: "reported",
        fill: "url(#tl-reported)",
        stroke: "#0d47a1",
        dash: "",
    },
    Look {
        class: "intended",
        name: "planned, proposed or considered",
        fill: "#fbe3cc",
        stroke: "#9a4400",
        dash: "4 2",
    },
    Look {
        class: "alleged",
        name: "alleged",
        fill: "url(#tl-alleged)",
        stroke: "#6a1b9a",
        dash: "",
    },
    Look {
        class: "denied",
        name: "denied",
        fill: "url(#tl-denied)",
        stroke: "#4a4a4a",
        dash: "1 2",
    },
];

/// The look of a modality.
pub fn look(m: Modality) -> &'static Look {
    match m {
        Modality::Confirmed => &LOOKS[0],
        Modality::Reported => &LOOKS[1],
        Modality::Planned | Modality::Proposed | Modality::Considered => &LOOKS[2],
        Modality::Alleged => &LOOKS[3],
        Modality::Denied => &LOOKS[4],
    }
}

/// The colour of the derived-only mark.
pub const DERIVED: &str = "#b71c1c";

/// The patterns the looks use, to put once in a document's first SVG.
pub fn defs() -> String {
    "<defs>\
<pattern id=\"tl-reported\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#0d47a1\"/><rect y=\"4\" width=\"6\" height=\"1.2\" fill=\"#9ec2f5\"/></pattern>\
<pattern id=\"tl-alleged\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3e5f5\"/><rect width=\"2.4\" height=\"6\" fill=\"#6a1b9a\"/></pattern>\
<pattern id=\"tl-denied\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#4a4a4a\" stroke-width=\"1\"/></pattern>\
</defs>"
        .to_string()
}

/// A small swatch of a look, for the legend (uses the patterns of [`defs`]).
pub fn swatch(l: &Look) -> String {
    format!(
        "<svg class=\"swatch\" width=\"28\" height=\"14\" viewBox=\"0 0 28 14\" aria-hidden=\"true\" focusable=\"false\"><rect x=\"1\" y=\"2\" width=\"26\" height=\"10\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"{}/></svg>",
        l.fill,
        l.stroke,
        dash_attr(l.dash)
    )
}

/// The derived-only mark as a swatch.
pub fn derived_swatch() -> String {
    format!(
        "<svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\" focusable=\"false\"><path d=\"M7 1L13 13H1Z\" fill=\"{DERIVED}\"/></svg>"
    )
}

fn dash_attr(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{d}\"")
    }
}

const WIDTH: f64 = 960.0;
const GUTTER: f64 = 46.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 44.0;
const ROW: f64 = 20.0;
const BAR: f64 = 12.0;
/// The share of a full year's width given to a year in which nothing starts
/// or ends.
const QUIET: f64 = 0.15;

/// Days from 1 January of `d`'s year, and the days in that year.
fn ordinal(d: Day) -> (u32, u32) {
    let month_days = |y: u16, m: u8| {
        u32::from(
            PartialDate {
                year: y,
                month: Some(m),
                day: None,
            }
            .last_day()
            .2,
        )
    };
    let before: u32 = (1..d.1).map(|m| month_days(d.0, m)).sum();
    let total: u32 = (1..=12).map(|m| month_days(d.0, m)).sum();
    (before + u32::from(d.2) - 1, total)
}

/// The horizontal scale: each year's left edge and width.
struct Scale {
    first: u16,
    edges: Vec<(f64, f64)>,
}

impl Scale {
    fn new(first: u16, last: u16, busy: &[u16]) -> Scale {
        let weights: Vec<f64> = (first..=last)
            .map(|y| if busy.contains(&y) { 1.0 } else { QUIET })
            .collect();
        let total: f64 = weights.iter().sum();
        let unit = (WIDTH - GUTTER - RIGHT) / total;
        let mut x = GUTTER;
        let edges = weights
            .iter()
            .map(|w| {
                let e = (x, w * unit);
                x += w * unit;
                e
            })
            .collect();
        Scale { first, edges }
    }

    fn year(&self, y: u16) -> (f64, f64) {
        let i = usize::from(y.saturating_sub(self.first)).min(self.edges.len() - 1);
        self.edges[i]
    }

    /// The left edge of a day.
    fn start(&self, d: Day) -> f64 {
        let (x, w) = self.year(d.0);
        let (n, total) = ordinal(d);
        x + w * f64::from(n) / f64::from(total)
    }

    /// The right edge of a day.
    fn end(&self, d: Day) -> f64 {
        let (x, w) = self.year(d.0);
        let (n, total) = ordinal(d);
        x + w * f64::from(n + 1) / f64::from(total)
    }

    fn left(&self) -> f64 {
        GUTTER
    }

    fn right(&self) -> f64 {
        WIDTH - RIGHT
    }
}

fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The drawing, with `title` and `desc` (already worded; escaped here) as its
/// text alternative.
pub fn svg(events: &[Event<'_>], as_of: Day, title: &str, desc: &str) -> String {
    let placed = |f: &FactView| f.valid_from.or(f.valid_to);
    let mut busy: Vec<u16> = Vec::new();
    for e in events {
        busy.extend(e.fact.valid_from.map(|d| d.year));
        busy.extend(e.fact.valid_to.map(|d| d.year));
    }
    busy.sort_unstable();
    busy.dedup();
    let (Some(&first), Some(&last)) = (busy.first(), busy.last()) else {
        return String::new();
    };
    let scale = Scale::new(first, last, &busy);
    let height = TOP + ROW * events.len() as f64 + 8.0;
    let mut s = format!(
        "<svg class=\"timeline\" role=\"img\" aria-labelledby=\"tl-title tl-desc\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"tl-title\">{}</title><desc id=\"tl-desc\">{}</desc>{}",
        num(WIDTH),
        num(height),
        num(WIDTH),
        num(height),
        escape::html(title),
        escape::html(desc),
        defs()
    );
    // Zebra rows guide the eye from a number to its bar.
    for i in (0..events.len()).step_by(2) {
        s.push_str(&format!(
            "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>",
            num(TOP + ROW * i as f64),
            num(WIDTH),
            num(ROW)
        ));
    }
    // The axis: a label and a line per year in which something starts or
    // ends; a quiet run of years gets one label for the run.
    let mut y = first;
    while y <= last {
        let (x, w) = scale.year(y);
        if busy.contains(&y) {
            s.push_str(&format!(
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#bdbdbd\"/><text x=\"{3}\" y=\"16\" text-anchor=\"middle\" class=\"tl-year\">{y}</text>",
                num(x),
                num(TOP - 6.0),
                num(height),
                num(x + w / 2.0)
            ));
            y += 1;
        } else {
            let mut end = y;
            while end < last && !busy.contains(&(end + 1)) {
                end += 1;
            }
            let (x2, w2) = scale.year(end);
            let span = x2 + w2 - x;
            let label = if end == y {
                y.to_string()
            } else {
                format!("{y}–{}", end % 100)
            };
            s.push_str(&format!(
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#bdbdbd\" stroke-dasharray=\"2 3\"/>",
                num(x),
                num(TOP - 6.0),
                num(height)
            ));
            if span >= 7.0 * label.chars().count() as f64 {
                s.push_str(&format!(
                    "<text x=\"{}\" y=\"16\" text-anchor=\"middle\" class=\"tl-quiet\">{label}</text>",
                    num(x + span / 2.0)
                ));
            }
            y = end + 1;
        }
    }
    // The report's date, when it falls within the drawing.
    if (first..=last).contains(&as_of.0) {
        let x = scale.end(as_of);
        s.push_str(&format!(
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#212121\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"end\" class=\"tl-asof\">report date</text>",
            num(x),
            num(TOP - 6.0),
            num(height),
            num(x - 3.0),
            num(TOP - 9.0)
        ));
    }
    for (i, e) in events.iter().enumerate() {
        let f = e.fact;
        if placed(f).is_none() {
            continue;
        }
        let top = TOP + ROW * i as f64;
        let mid = top + ROW / 2.0;
        let l = look(f.modality);
        s.push_str(&format!(
            "<g class=\"tl-event\"><title>{}</title>",
            escape::html(&format!("{}. {}: {}", e.number, e.when, f.text))
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"tl-num\">{}</text>",
            num(GUTTER - 20.0),
            num(mid + 4.0),
            e.number
        ));
        if f.derived_only {
            let x = GUTTER - 15.0;
            s.push_str(&format!(
                "<path d=\"M{} {}L{} {}H{}Z\" fill=\"{DERIVED}\"/>",
                num(x + 5.0),
                num(mid - 5.0),
                num(x + 10.0),
                num(mid + 5.0),
                num(x)
            ));
        }
        let x1 = match f.valid_from {
            Some(d) => scale.start(d.first_day()),
            None => scale.left(),
        };
        let x2 = match f.valid_to {
            Some(d) => scale.end(d.last_day()),
            None => scale.right(),
        };
        let point = f.valid_from.is_some_and(|a| a.day.is_some())
            && f.valid_to.is_some_and(|b| Some(b) == f.valid_from);
        let attrs = format!(
            "fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"{}",
            l.fill,
            l.stroke,
            dash_attr(l.dash)
        );
        if point {
            let x = (x1 + x2) / 2.0;
            s.push_str(&format!(
                "<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" {attrs}/>",
                num(x),
                num(mid - 6.0),
                num(x + 6.0),
                num(mid),
                num(x),
                num(mid + 6.0),
                num(x - 6.0),
                num(mid)
            ));
        } else {
            let w = (x2 - x1).max(3.0);
            s.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
                num(x1),
                num(mid - BAR / 2.0),
                num(w),
                num(BAR)
            ));
        }
        // Open ends: an arrowhead at the edge the bar runs to.
        if f.valid_to.is_none() {
            let x = scale.right();
            s.push_str(&format!(
                "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>",
                num(x),
                num(mid - 7.0),
                num(x + 9.0),
                num(mid),
                num(x),
                num(mid + 7.0),
                l.stroke
            ));
        }
        if f.valid_from.is_none() {
            let x = scale.left();
            s.push_str(&format!(
                "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>",
                num(x),
                num(mid - 7.0),
                num(x - 9.0),
                num(mid),
                num(x),
                num(mid + 7.0),
                l.stroke
            ));
        }
        // The period in words beside the bar, where there is room.
        let width = 6.2 * e.when.chars().count() as f64;
        if x2 + 12.0 + width < scale.right() {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" class=\"tl-when\">{}</text>",
                num(x2 + 12.0),
                num(mid + 4.0),
                escape::html(&e.when)
            ));
        } else if x1 - 8.0 - width > scale.left() {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"tl-when\">{}</text>",
                num(x1 - 8.0),
                num(mid + 4.0),
                escape::html(&e.when)
            ));
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_fall_within_their_year_in_order() {
        let s = Scale::new(2017, 2019, &[2017, 2019]);
        // 2018 is quiet: narrow.
        assert!(s.year(2018).1 < s.year(2017).1 / 5.0);
        assert!(s.start((2017, 1, 1)) < s.end((2017, 1, 1)));
        assert!(s.end((2017, 12, 31)) <= s.start((2018, 1, 1)) + 1e-9);
        assert!((s.end((2019, 12, 31)) - s.right()).abs() < 1e-6);
        assert_eq!(ordinal((2016, 3, 1)), (60, 366));
        assert_eq!(ordinal((2018, 12, 31)), (364, 365));
    }
}
