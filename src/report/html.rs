//! The report and the diff as one self-contained HTML file: no script, no
//! request of any kind (a Content-Security-Policy of `default-src 'none'`
//! says so to the browser too), no external font or style; it reads the same
//! without JavaScript and prints (see the `@media print` rules).
//!
//! What it holds: a header naming the entry the report was made at; the
//! timeline drawn as SVG ([`super::timeline`]) followed by the numbered list
//! of its events, which is the drawing's text alternative; the facts by
//! topic, each with its modality, attribution, period, note and citations,
//! every citation showing its quote; the discrepancies with the two sides'
//! words side by side ([`super::Discrepancy::sides`]); the sources with their
//! derivation chains drawn; and, when archived source texts are given, an
//! appendix with each text by paragraph, the cited spans marked and each
//! citation linking to its span (or paragraph). Without texts, a citation
//! links to its source in the source list. Every link within the page
//! resolves to an element of it.
//!
//! Accessibility: real headings in order, landmarks (`header`, `nav`, `main`,
//! `footer`), labelled regions, a skip link, text alternatives for the
//! drawings, colours with at least 4.5:1 contrast for text and 3:1 for the
//! drawing's marks, modality never shown by colour alone, and a layout that
//! reflows to one column at phone width (the drawing scrolls sideways in a
//! focusable region).
//!
//! Every piece of ledger text goes through [`escape::html`]. Like the rest of
//! the report, this is a pure function of its input: the command reads the
//! archived texts and passes them in.

use super::diff::{Change, Diff, Item};
use super::timeline::{self, Event};
use super::{
    CitationView, Discrepancy, DiscrepancyKind, FactView, Medium, Report, Side, SourceView, count,
    long_day, opts_day, source_kind, timeline_order, topic_filter_sentence,
};
use crate::citations;
use crate::entry::name;
use crate::escape;
use std::collections::{BTreeMap, BTreeSet};

/// Archived source texts, by source id, for the appendix. Empty when there
/// is no archive: the appendix is then left out.
pub type Texts = BTreeMap<String, String>;

fn h(s: &str) -> String {
    escape::html(s)
}

/// Where a citation links: the id of an element of the page.
type Target = String;

/// The spans of characters marked in each paragraph (by 0-based index).
type Marks = BTreeMap<usize, BTreeSet<(usize, usize)>>;

/// The appendix: for each source with a text, its paragraphs and the spans
/// cited in each, and where each citation links.
struct Appendix {
    /// Source number → (paragraphs, spans marked).
    texts: BTreeMap<usize, (Vec<String>, Marks)>,
}

impl Appendix {
    fn new(sources: &[SourceView], texts: &Texts, cites: &[&CitationView]) -> Appendix {
        let mut out = BTreeMap::new();
        for s in sources {
            if let Some(text) = texts.get(&s.id) {
                out.insert(s.n, (citations::paragraphs(text), BTreeMap::new()));
            }
        }
        let mut a = Appendix { texts: out };
        for c in cites {
            if let Some((para, Some(span))) = a.locate(c)
                && let Some((_, marks)) = a.texts.get_mut(&c.n)
            {
                marks.entry(para).or_default().insert(span);
            }
        }
        a
    }

    /// The paragraph (0-based) and the span of characters within it that a
    /// citation points at, when the appendix has its text: the span it gives
    /// if it lies within the paragraph, else where its quote first occurs.
    fn locate(&self, c: &CitationView) -> Option<(usize, Option<(usize, usize)>)> {
        let (paras, _) = self.texts.get(&c.n)?;
        let p = usize::try_from(c.paragraph?).ok()?.checked_sub(1)?;
        let text = paras.get(p)?;
        let len = text.chars().count();
        let span = match (c.span, &c.quote) {
            (Some([a, b]), _) if (b as usize) <= len && a < b => Some((a as usize, b as usize)),
            (_, Some(q)) => text.find(q.as_str()).map(|at| {
                let a = text[..at].chars().count();
                (a, a + q.chars().count())
            }),
            _ => None,
        };
        Some((p, span))
    }

    /// The element a citation links to.
    fn target(&self, c: &CitationView) -> Target {
        match self.locate(c) {
            Some((p, Some((a, b)))) => format!("s{}-p{}-{a}-{b}", c.n, p + 1),
            Some((p, None)) => format!("s{}-p{}", c.n, p + 1),
            None => format!("source-{}", c.n),
        }
    }

    fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// What a page is made of, shared by the report and the diff.
struct Page<'a> {
    sources: &'a [SourceView],
    appendix: Appendix,
    /// Facts the page renders in full, each once with its `id`.
    facts: BTreeSet<String>,
    /// Facts already given their `id`.
    placed: BTreeSet<String>,
    /// The element ids of the discrepancies the page shows. A diff shows
    /// discrepancies as listed at its two ends: `from-D-xxxx` and `to-D-xxxx`.
    discs: BTreeSet<String>,
}

impl Page<'_> {
    fn source(&self, n: usize) -> Option<&SourceView> {
        self.sources.iter().find(|s| s.n == n)
    }

    fn cite_link(&self, c: &CitationView) -> String {
        format!(
            "<a class=\"cite\" href=\"#{}\">{}</a>",
            h(&self.appendix.target(c)),
            h(&c.label)
        )
    }

    /// A citation with its quote.
    fn cite(&self, c: &CitationView) -> String {
        match &c.quote {
            Some(q) => format!("{} <q>{}</q>", self.cite_link(c), h(q)),
            None => format!(
                "{} <span class=\"noquote\">(no quote recorded)</span>",
                self.cite_link(c)
            ),
        }
    }

    fn cites(&self, cs: &[CitationView]) -> String {
        let items: String = cs
            .iter()
            .map(|c| format!("<li>{}</li>", self.cite(c)))
            .collect();
        format!("<ul class=\"cites\">{items}</ul>")
    }

    /// A fact's id: a link to where the page renders it, or just the id.
    fn fact_ref(&self, id: &str) -> String {
        if self.facts.contains(id) {
            format!("<a href=\"#fact-{0}\"><code>{0}</code></a>", h(id))
        } else {
            format!("<code>{}</code>", h(id))
        }
    }

    /// Discrepancy numbers, linked when the page shows them; `at` is the
    /// prefix of their element ids (see [`Page::discs`]).
    fn discrepancy_refs(&self, ids: &[String], at: &str) -> String {
        ids.iter()
            .map(|d| {
                let id = format!("{at}{d}");
                if self.discs.contains(&id) {
                    format!("<a href=\"#{}\">{}</a>", h(&id), h(d))
                } else {
                    h(d)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A fact in full: worded statement, period, support, note, citations.
    /// The first rendering of a fact carries its `id`.
    fn fact(&mut self, f: &FactView, subject: &str, class: &str, at: &str) -> String {
        let id = if self.placed.insert(f.id.clone()) {
            format!(" id=\"fact-{}\"", h(&f.id))
        } else {
            String::new()
        };
        let look = timeline::look(f.modality);
        let lead = f.text.strip_suffix(f.statement.as_str()).unwrap_or("");
        let statement = if lead.is_empty() {
            h(&f.text)
        } else {
            format!(
                "<span class=\"lead\">{}</span> {}",
                h(lead.trim_end()),
                h(&f.statement)
            )
        };
        let mut meta = vec![format!(
            "<span class=\"mod m-{}\">{}</span>",
            look.class,
            h(&name(&f.modality))
        )];
        meta.push(match &f.when {
            Some(w) => h(w),
            None => "<strong class=\"undated\">undated</strong>".to_string(),
        });
        if f.subject != subject {
            meta.push(format!("about <code>{}</code>", h(&f.subject)));
        }
        meta.push(if f.derived_only {
            format!(
                "<strong class=\"derived\">{} derived source only</strong>",
                timeline::derived_swatch()
            )
        } else {
            h(&support(f))
        });
        if !f.discrepancies.is_empty() {
            meta.push(format!(
                "see {}",
                self.discrepancy_refs(&f.discrepancies, at)
            ));
        }
        if let Some(s) = &f.supersedes {
            meta.push(format!("replaces <code>{}</code>", h(s)));
        }
        meta.push(format!("<code class=\"fid\">{}</code>", h(&f.id)));
        let note = match &f.note {
            Some(n) => format!("<p class=\"note\"><span>Note:</span> {}</p>", h(n)),
            None => String::new(),
        };
        format!(
            "<article class=\"fact {class} m-{}\"{id}><p class=\"statement\">{statement}</p><p class=\"meta\">{}</p>{note}{}</article>",
            look.class,
            meta.join(" · "),
            self.cites(&f.citations)
        )
    }

    /// The label of a side: its role and its sources.
    fn side_heading(&self, d: &Discrepancy, i: usize, side: &Side) -> String {
        let roles: Vec<bool> = d.sides.iter().map(|s| s.derived).collect();
        let role = if roles.len() == 2 && roles[0] != roles[1] {
            if side.derived {
                "Derivative"
            } else {
                "Original"
            }
            .to_string()
        } else {
            match (d.kind, &side.fact) {
                (DiscrepancyKind::Dispute, Some(_)) => "The ledger's fact".to_string(),
                (DiscrepancyKind::Dispute, None) => "The disputing source".to_string(),
                _ => format!("Fact {}", i + 1),
            }
        };
        let mut ns: Vec<usize> = side.citations.iter().map(|c| c.n).collect();
        ns.dedup();
        let named: Vec<String> = ns
            .iter()
            .map(|n| match self.source(*n) {
                Some(s) => {
                    let mut t = format!("[{n}] {}", h(&s.publisher));
                    if !s.derivation.is_empty() {
                        t.push_str(&format!(" ({})", h(&s.derivation.join(", "))));
                    }
                    t
                }
                None => format!("[{n}]"),
            })
            .collect();
        format!(
            "<h4><span class=\"role\">{role}</span> <span class=\"srcs\">{}</span></h4>",
            named.join("; ")
        )
    }

    fn discrepancy(&self, d: &Discrepancy, change: Option<(Change, u64)>, at: &str) -> String {
        let kind = d.kind_label();
        let difference = d
            .difference
            .map(|x| format!(": {}", h(&name(&x))))
            .unwrap_or_default();
        let change = match change {
            Some((Change::Appeared, seq)) => {
                format!("<p class=\"change appeared\">Appeared (as listed at entry {seq})</p>")
            }
            Some((Change::Resolved, seq)) => {
                format!("<p class=\"change resolved\">Resolved (as listed at entry {seq})</p>")
            }
            None => String::new(),
        };
        let sides: String = d
            .sides
            .iter()
            .enumerate()
            .map(|(i, side)| {
                let quotes: String = side
                    .citations
                    .iter()
                    .map(|c| match &c.quote {
                        Some(q) => format!(
                            "<blockquote>{}</blockquote><p class=\"where\">{}</p>",
                            h(q),
                            self.cite_link(c)
                        ),
                        None => format!(
                            "<p class=\"where\">{} <span class=\"noquote\">(no quote recorded)</span></p>",
                            self.cite_link(c)
                        ),
                    })
                    .collect();
                let says = match &side.fact {
                    Some(id) => format!(
                        "<p class=\"says\">The ledger records ({}): {}</p>",
                        self.fact_ref(id),
                        h(&side.text)
                    ),
                    None => format!("<p class=\"says\">It says: {}</p>", h(&side.text)),
                };
                format!(
                    "<section class=\"side{}\">{}{quotes}{says}</section>",
                    if side.derived { " derivative" } else { "" },
                    self.side_heading(d, i, side)
                )
            })
            .collect();
        let facts: Vec<String> = d.facts.iter().map(|f| self.fact_ref(f)).collect();
        format!(
            "<article class=\"disc\" id=\"{0}\" aria-labelledby=\"{0}-h\"><h3 id=\"{0}-h\"><span class=\"did\">{1}</span> {kind}{difference}</h3>{change}<div class=\"sides\">{sides}</div><p class=\"explain\">{2}</p><p class=\"concerns\">Concerns {3}.</p></article>",
            h(&format!("{at}{}", d.id)),
            h(&d.id),
            // Escaped, ids in <code>, when the report was built.
            d.html,
            facts.join(", ")
        )
    }

    fn sources_section(&self, heading: &str) -> String {
        let mut s = format!(
            "<section id=\"sources\" aria-labelledby=\"sources-h\"><h2 id=\"sources-h\">{heading}</h2>"
        );
        // The derivation chains, drawn: each derived source, the relation,
        // and the source it derives from, to the original.
        let chains: String = self
            .sources
            .iter()
            .filter(|src| !src.derivation.is_empty())
            .map(|src| {
                let mut items = format!(
                    "<li class=\"node derived\"><a href=\"#source-{0}\">[{0}]</a> {1}</li>",
                    src.n,
                    h(&src.title)
                );
                for step in &src.derivation {
                    // `translation of [1]`: the relation and the source.
                    let (rel, n) = step.rsplit_once(" of [").unwrap_or((step.as_str(), ""));
                    let n: usize = n.trim_end_matches(']').parse().unwrap_or(0);
                    let title = self.source(n).map(|x| h(&x.title)).unwrap_or_default();
                    items.push_str(&format!(
                        "<li class=\"edge\"><span>{} of</span></li><li class=\"node\"><a href=\"#source-{n}\">[{n}]</a> {title}</li>",
                        h(rel)
                    ));
                }
                format!(
                    "<ol class=\"chain\" aria-label=\"How source {} derives from its original\">{items}</ol>",
                    src.n
                )
            })
            .collect();
        if !chains.is_empty() {
            s.push_str(&format!(
                "<figure class=\"chains\"><figcaption>Which text derives from which: a translation, summary or rewrite is not an independent confirmation of its original.</figcaption>{chains}</figure>"
            ));
        }
        s.push_str("<ol class=\"sources\">");
        for src in self.sources {
            let mut line = format!("<strong>{}</strong> — {}", h(&src.title), h(&src.publisher));
            if let Some(a) = &src.author {
                line.push_str(&format!(", {}", h(a)));
            }
            if let Some(p) = &src.published {
                line.push_str(&format!(", {}", p.long()));
            }
            line.push_str(&format!(". {}", h(&source_kind(src))));
            if let Some(l) = &src.language {
                line.push_str(&format!(", language <code>{}</code>", h(l)));
            }
            line.push('.');
            if !src.derivation.is_empty() {
                line.push_str(&format!(
                    " <strong class=\"derived\">Derived: {} (not independent of [{}]).</strong>",
                    h(&src.derivation.join(", ")),
                    src.root
                ));
            }
            if let Some(u) = &src.url {
                if plain_url(u) {
                    line.push_str(&format!(
                        " <a href=\"{0}\" rel=\"noreferrer noopener\">{0}</a>",
                        h(u)
                    ));
                } else {
                    line.push_str(&format!(" {}", h(u)));
                }
            }
            let mut extra = String::new();
            if let Some(n) = &src.note {
                extra.push_str(&format!("<p class=\"note\">{}</p>", h(n)));
            }
            if let Some(x) = &src.sha256 {
                extra.push_str(&format!(
                    "<p class=\"hash\">SHA-256 of archived text: <code>{}</code></p>",
                    h(x)
                ));
            }
            for a in &src.amendments {
                extra.push_str(&format!(
                    "<p class=\"note\">Amended at entry {} ({}): {}.</p>",
                    a.seq,
                    if a.changed.is_empty() {
                        "no change".to_string()
                    } else {
                        h(&a.changed.join(", "))
                    },
                    h(a.reason.trim_end_matches('.'))
                ));
            }
            if self.appendix.texts.contains_key(&src.n) {
                extra.push_str(&format!(
                    "<p><a href=\"#s{}-text\">The archived text</a>, cited passages marked.</p>",
                    src.n
                ));
            }
            s.push_str(&format!(
                "<li id=\"source-{}\" value=\"{}\"><p>{line}</p>{extra}</li>",
                src.n, src.n
            ));
        }
        s.push_str("</ol></section>");
        s
    }

    fn appendix_section(&self) -> String {
        if self.appendix.is_empty() {
            return String::new();
        }
        let mut s = String::from(
            "<section id=\"appendix\" aria-labelledby=\"appendix-h\"><h2 id=\"appendix-h\">Appendix: archived source texts</h2><p>Each text by paragraph, numbered as citations count them; the cited passages are marked.</p>",
        );
        for (n, (paras, marks)) in &self.appendix.texts {
            let title = self.source(*n).map(|x| h(&x.title)).unwrap_or_default();
            s.push_str(&format!(
                "<section class=\"text\" id=\"s{n}-text\" aria-labelledby=\"s{n}-text-h\"><h3 id=\"s{n}-text-h\">[{n}] {title}</h3><ol class=\"paras\">"
            ));
            for (i, p) in paras.iter().enumerate() {
                let spans = marks.get(&i).cloned().unwrap_or_default();
                s.push_str(&format!(
                    "<li id=\"s{n}-p{0}\" value=\"{0}\">{1}</li>",
                    i + 1,
                    marked(p, &spans, &format!("s{n}-p{}", i + 1))
                ));
            }
            s.push_str("</ol></section>");
        }
        s.push_str("</section>");
        s
    }
}

/// A paragraph with its cited spans marked; an empty anchor with the id
/// `PREFIX-A-B` stands at the start of each span, for citations to link to.
fn marked(text: &str, spans: &BTreeSet<(usize, usize)>, prefix: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut cuts: BTreeSet<usize> = BTreeSet::from([0, chars.len()]);
    for (a, b) in spans {
        cuts.insert((*a).min(chars.len()));
        cuts.insert((*b).min(chars.len()));
    }
    let cuts: Vec<usize> = cuts.into_iter().collect();
    let mut out = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        for (x, y) in spans.iter().filter(|(x, _)| *x == a) {
            out.push_str(&format!(
                "<span class=\"anchor\" id=\"{prefix}-{x}-{y}\"></span>"
            ));
        }
        let piece: String = chars[a..b].iter().collect();
        if spans.iter().any(|(x, y)| *x <= a && b <= *y) {
            out.push_str(&format!("<mark>{}</mark>", h(&piece)));
        } else {
            out.push_str(&h(&piece));
        }
    }
    out
}

/// An `http(s)` URL of printable ASCII without the characters that would
/// need quoting: shown as a link (its text is the link itself).
fn plain_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'<' | b'>' | b'"' | b'\'' | b'`' | b'\\' | b'{' | b'}' | b'|' | b'^'
                )
        })
}

/// How well a fact is supported, in words.
fn support(f: &FactView) -> String {
    match f.independent_sources {
        1 if f.citations.len() > 1 => "1 independent source".to_string(),
        1 => "single source".to_string(),
        n => format!("{n} independent sources"),
    }
}

/// Every citation a page shows, for the appendix to mark.
fn all_cites<'a>(
    facts: impl Iterator<Item = &'a FactView>,
    discrepancies: impl Iterator<Item = &'a Discrepancy>,
    more: impl Iterator<Item = &'a CitationView>,
) -> Vec<&'a CitationView> {
    let mut out: Vec<&CitationView> = Vec::new();
    for f in facts {
        out.extend(&f.citations);
    }
    for d in discrepancies {
        out.extend(&d.citations);
        for s in &d.sides {
            out.extend(&s.citations);
        }
    }
    out.extend(more);
    out
}

/// The timeline section: the drawing, its legend, and the numbered list of
/// events that is its text alternative.
fn timeline_section(
    page: &mut Page<'_>,
    (heading, empty): (&str, &str),
    events: &[(String, &FactView, Option<&str>)],
    as_of: &str,
    subject: &str,
) -> String {
    let mut s = format!(
        "<section id=\"timeline\" aria-labelledby=\"timeline-h\"><h2 id=\"timeline-h\">{heading}</h2>"
    );
    if events.is_empty() {
        s.push_str(&format!("<p>{empty}</p></section>"));
        return s;
    }
    let drawn: Vec<Event<'_>> = events
        .iter()
        .enumerate()
        .map(|(i, (when, f, _))| Event {
            number: i + 1,
            fact: f,
            when: when.clone(),
        })
        .collect();
    let years: Vec<u16> = events
        .iter()
        .flat_map(|(_, f, _)| [f.valid_from, f.valid_to])
        .flatten()
        .map(|d| d.year)
        .collect();
    let (lo, hi) = (
        years.iter().min().copied().unwrap_or(0),
        years.iter().max().copied().unwrap_or(0),
    );
    let title = format!(
        "Timeline of {}, {lo} to {hi}",
        count(events.len(), "event", "events")
    );
    let desc = "Each numbered row is an event of the list that follows, drawn as a bar over the period it covers at the precision the sources give: a year or a month is a span, a single day a diamond, an open end an arrow. The fill and outline show the modality, a triangle beside the number marks a fact resting on derived sources only, and the dashed line is the report's date.";
    let legend: String = timeline::LOOKS
        .iter()
        .map(|l| format!("<li>{} {}</li>", timeline::swatch(l), h(l.name)))
        .chain(std::iter::once(format!(
            "<li>{} rests on derived sources only</li>",
            timeline::derived_swatch()
        )))
        .collect();
    s.push_str(&format!(
        "<figure class=\"tl\"><div class=\"scroll\" tabindex=\"0\" role=\"group\" aria-label=\"Timeline drawing, scrolls sideways\">{}</div><figcaption><ul class=\"legend\" aria-label=\"Legend\">{legend}</ul><p class=\"howto\">A bar spans the period an event covers: a year or a month is drawn as a span, a single day as a diamond, an open end as an arrow. Years in which no event starts or ends are drawn narrow.</p></figcaption></figure>",
        timeline::svg(&drawn, opts_day(as_of), &title, desc)
    ));
    s.push_str("<ol class=\"events\">");
    for (i, (when, f, kind)) in events.iter().enumerate() {
        let n = i + 1;
        let look = timeline::look(f.modality);
        let kind = kind
            .map(|k| format!("<span class=\"kind\">{k}</span> "))
            .unwrap_or_default();
        let mark = if f.derived_only {
            format!(" {}", timeline::derived_swatch())
        } else {
            String::new()
        };
        let subject_note = if f.subject != subject {
            format!(
                " <span class=\"about\">(about <code>{}</code>)</span>",
                h(&f.subject)
            )
        } else {
            String::new()
        };
        // A fact that the page shows elsewhere is linked; one it shows only
        // here is given in full.
        let body = if page.facts.contains(&f.id) && !page.placed.contains(&f.id) && kind.is_empty()
        {
            page.fact(f, subject, "in-timeline", "")
        } else {
            let cites: Vec<String> = f.citations.iter().map(|c| page.cite_link(c)).collect();
            format!(
                "<span class=\"text\">{}</span> {} <a class=\"more\" href=\"#fact-{}\">details</a>",
                h(&f.text),
                cites.join(" "),
                h(&f.id)
            )
        };
        s.push_str(&format!(
            "<li id=\"event-{n}\" value=\"{n}\" class=\"m-{}\"><span class=\"when\">{kind}{}</span>{mark}{subject_note} {body}</li>",
            look.class,
            h(when)
        ));
    }
    s.push_str("</ol></section>");
    s
}

const STYLE: &str = r#"
:root{--fg:#1b1b1b;--muted:#4d4d4d;--line:#c9c9c9;--soft:#f4f4f4;--link:#0b50b8;--derived:#b71c1c;--mark:#fff0a8;--confirmed:#1b5e20;--reported:#0d47a1;--intended:#9a4400;--alleged:#6a1b9a;--denied:#4a4a4a}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;overflow-wrap:anywhere;color:var(--fg);background:#fff;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
header,nav,main,footer{max-width:70rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.5rem;border-bottom:2px solid var(--fg)}
h1{font-size:1.9rem;line-height:1.2;margin:.2rem 0 .6rem}
h2{font-size:1.45rem;margin:2.2rem 0 .8rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.15rem;margin:1.6rem 0 .6rem}
h4{font-size:1rem;margin:0 0 .4rem}
a{color:var(--link)}
a:focus-visible,.scroll:focus-visible{outline:3px solid #111;outline-offset:2px}
code{font:.88em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.4rem .8rem}
.skip:focus{left:1rem}
.lede{font-size:1.05rem}
.caution{border-left:4px solid var(--derived);padding:.2rem .8rem;background:#fdf0f0}
nav ol{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;list-style:none;padding:0;margin:.8rem 0}
.facts,.events,.changes{list-style:none;padding:0;margin:0}
.fact{border-left:5px solid var(--line);padding:.5rem .8rem;margin:.8rem 0;background:#fff}
.fact.m-confirmed{border-left-color:var(--confirmed)}.fact.m-reported{border-left-color:var(--reported)}.fact.m-intended{border-left-color:var(--intended);border-left-style:dashed}.fact.m-alleged{border-left-color:var(--alleged);border-left-style:double}.fact.m-denied{border-left-color:var(--denied);border-left-style:dotted}
.statement{margin:0 0 .3rem;font-size:1.02rem}
.lead{font-weight:700}
.meta{margin:0 0 .3rem;color:var(--muted);font-size:.9rem}
.mod{font-weight:700;text-transform:uppercase;letter-spacing:.03em;font-size:.8rem}
.mod.m-confirmed{color:var(--confirmed)}.mod.m-reported{color:var(--reported)}.mod.m-intended{color:var(--intended)}.mod.m-alleged{color:var(--alleged)}.mod.m-denied{color:var(--denied)}
.derived{color:var(--derived)}
.undated{color:var(--derived)}
.note{margin:.2rem 0;font-size:.92rem;color:var(--muted)}
.note span{font-weight:700}
.cites{margin:.3rem 0 0;padding-left:0;list-style:none;font-size:.93rem}
.cites li{margin:.15rem 0}
q{font-style:italic}
.noquote{color:var(--muted);font-size:.88em}
.swatch{vertical-align:-2px}
.tl{margin:0}
.scroll{overflow-x:auto;border:1px solid var(--line);background:#fff}
svg.timeline{display:block;width:100%;min-width:44rem;height:auto}
.tl-year{font:600 12px system-ui,sans-serif;fill:#1b1b1b}
.tl-quiet{font:11px system-ui,sans-serif;fill:#4d4d4d}
.tl-num{font:600 11px system-ui,sans-serif;fill:#1b1b1b}
.tl-when{font:11px system-ui,sans-serif;fill:#333}
.tl-asof{font:11px system-ui,sans-serif;fill:#1b1b1b}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;list-style:none;padding:0;margin:.6rem 0 .2rem;font-size:.9rem}
.howto{font-size:.88rem;color:var(--muted);margin:.2rem 0 1rem}
.events>li{padding:.45rem 0 .45rem 2.6rem;border-bottom:1px solid var(--soft);position:relative}
.events>li::before{content:attr(value);position:absolute;left:0;width:2rem;text-align:right;font-weight:700}
.events .when{font-weight:700;margin-right:.4rem}
.events .kind{font-weight:400;font-style:italic}
.events .fact{margin:.3rem 0 0}
.disc{border:1px solid var(--line);border-radius:4px;padding:.2rem 1rem .6rem;margin:1rem 0}
.did{display:inline-block;min-width:2.4rem;background:var(--fg);color:#fff;border-radius:3px;padding:0 .35rem;text-align:center;margin-right:.3rem}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1rem;margin:.6rem 0}
.side{border-top:4px solid var(--confirmed);background:var(--soft);padding:.6rem .8rem}
.side.derivative{border-top:4px dashed var(--derived)}
.side blockquote{margin:.2rem 0;padding:.2rem .6rem;border-left:3px solid var(--line);background:#fff;font-size:1.02rem}
.side .where{margin:.1rem 0 .5rem;font-size:.88rem}
.says{font-size:.92rem;margin:.3rem 0 0}
.role{text-transform:uppercase;letter-spacing:.04em;font-size:.85rem}
.srcs{font-weight:400;color:var(--muted)}
.explain{margin:.4rem 0}
.concerns{font-size:.9rem;color:var(--muted);margin:.2rem 0}
.change{font-weight:700;margin:.2rem 0}
.change.resolved{color:var(--confirmed)}.change.appeared{color:var(--derived)}
.changes>li{margin:1rem 0;padding:.2rem 0 .2rem .8rem;border-left:3px solid var(--line)}
.changes .kind{font-size:1.05rem;margin:.2rem 0}
.gone .statement{text-decoration:line-through}
.chains{margin:0 0 1rem}
.chains figcaption{font-size:.9rem;color:var(--muted);margin-bottom:.4rem}
.chain{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem;list-style:none;padding:0;margin:.4rem 0}
.chain .node{border:2px solid var(--confirmed);border-radius:4px;padding:.25rem .6rem;background:#fff;max-width:26rem}
.chain .node.derived{border:2px dashed var(--derived);color:var(--fg)}
.chain .edge span{display:inline-block;padding:0 .2rem;font-style:italic}
.chain .edge span::after{content:" \2192";font-style:normal;font-weight:700}
.sources>li{margin:.6rem 0}
.sources p{margin:.1rem 0}
.hash code{font-size:.8em}
.paras{padding-left:2.6rem}
.paras li{margin:.5rem 0;white-space:pre-line}
.paras li:target,.anchor:target+mark{outline:3px solid var(--link)}
mark{background:var(--mark);color:inherit;padding:0 .1em}
footer{margin-top:3rem;padding:1rem;border-top:1px solid var(--line);font-size:.88rem;color:var(--muted)}
@media (max-width:40rem){body{font-size:15px}h1{font-size:1.5rem}.sides{grid-template-columns:1fr}.events li{padding-left:2.2rem}.paras{padding-left:1.8rem}}
@media print{body{font-size:11pt}nav,.skip,.howto{display:none}a{color:inherit;text-decoration:none}.fact,.disc,.side,.events li,.sources>li{break-inside:avoid}h2,h3{break-after:avoid}#appendix{break-before:page}.scroll{overflow:visible;border:0}svg.timeline{min-width:0}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

/// A line break after each block's end tag, so that the document reads (and
/// compares) line by line. Ledger text holds no `<` once escaped, so only the
/// page's own tags are matched.
fn lines(html: &str) -> String {
    const ENDS: [&str; 15] = [
        "</p>",
        "</li>",
        "</ul>",
        "</ol>",
        "</section>",
        "</article>",
        "</h1>",
        "</h2>",
        "</h3>",
        "</h4>",
        "</figure>",
        "</figcaption>",
        "</blockquote>",
        "</div>",
        "</g>",
    ];
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(at) = rest.find("</") {
        let tail = &rest[at..];
        let end = ENDS.iter().find(|e| tail.starts_with(**e));
        match end {
            Some(e) => {
                out.push_str(&rest[..at + e.len()]);
                out.push('\n');
                rest = &rest[at + e.len()..];
            }
            None => {
                out.push_str(&rest[..at + 2]);
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The document around a page's sections.
fn document(title: &str, header: &str, nav: &[(&str, &str)], main: &str, footer: &str) -> String {
    let (header, main, footer) = (lines(header), lines(main), lines(footer));
    let nav: String = nav
        .iter()
        .map(|(id, label)| format!("<li><a href=\"#{id}\">{label}</a></li>"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the report</a>\n<header>{header}</header>\n<nav aria-label=\"Contents\"><ol>{nav}</ol></nav>\n<main id=\"main\">{main}</main>\n<footer>{footer}</footer>\n</body>\n</html>\n",
        h(title)
    )
}

fn footer(ledger_title: &str, seq: u64, hash: &str) -> String {
    format!(
        "<p>Made by ledger {} from entry {seq} (<code>{}</code>) of the ledger “{}”. Every statement cites its sources by number: [n ¶p] is paragraph p of source n. This page makes no network request and runs no script.</p>",
        env!("CARGO_PKG_VERSION"),
        h(hash),
        h(ledger_title)
    )
}

/// The report as one HTML document (see the module docs).
pub fn summary(r: &Report, texts: &Texts) -> String {
    let shown: Vec<&FactView> = r
        .topics
        .iter()
        .flat_map(|t| t.facts.iter())
        .chain(r.context.iter())
        .chain(r.timeline.iter().map(|t| &t.fact))
        .collect();
    let appendix = Appendix::new(
        &r.sources,
        texts,
        &all_cites(
            shown.iter().copied(),
            r.discrepancies.iter(),
            std::iter::empty(),
        ),
    );
    let mut page = Page {
        sources: &r.sources,
        appendix,
        facts: shown.iter().map(|f| f.id.clone()).collect(),
        placed: BTreeSet::new(),
        discs: r.discrepancies.iter().map(|d| d.id.clone()).collect(),
    };
    // Facts in force are given in full in their topic (or context); the
    // timeline gives in full only the facts it alone shows. Place the
    // former first, so the timeline links to them.
    let mut topics = String::new();
    for t in &r.topics {
        let facts: String = t
            .facts
            .iter()
            .map(|f| format!("<li>{}</li>", page.fact(f, &r.subject, "", "")))
            .collect();
        topics.push_str(&format!(
            "<section id=\"topic-{0}\" aria-labelledby=\"topic-{0}-h\"><h3 id=\"topic-{0}-h\">{1}</h3><ul class=\"facts\">{facts}</ul></section>",
            h(&t.topic),
            h(&t.label)
        ));
    }
    let context: String = r
        .context
        .iter()
        .map(|f| format!("<li>{}</li>", page.fact(f, &r.subject, "", "")))
        .collect();
    let events: Vec<(String, &FactView, Option<&str>)> = r
        .timeline
        .iter()
        .map(|t| (t.when.clone(), &t.fact, None))
        .collect();
    let timeline = timeline_section(
        &mut page,
        ("Timeline", "No dated event up to this date."),
        &events,
        &r.as_of,
        &r.subject,
    );

    let mut main = timeline;
    main.push_str(
        "<section id=\"facts\" aria-labelledby=\"facts-h\"><h2 id=\"facts-h\">Facts in force, by topic</h2>",
    );
    if r.topics.is_empty() && r.context.is_empty() {
        main.push_str(&format!(
            "<p>No fact about {} is in force on this date.</p>",
            h(&r.subject)
        ));
    }
    main.push_str(&topics);
    main.push_str("</section>");
    if !context.is_empty() {
        main.push_str(&format!(
            "<section id=\"context\" aria-labelledby=\"context-h\"><h2 id=\"context-h\">Context</h2><p>Facts in force about one of the actors, or about another relation that includes one.</p><ul class=\"facts\">{context}</ul></section>"
        ));
    }
    main.push_str(
        "<section id=\"discrepancies\" aria-labelledby=\"discrepancies-h\"><h2 id=\"discrepancies-h\">Discrepancies</h2>",
    );
    if r.discrepancies.is_empty() {
        main.push_str("<p>None recorded or detected.</p>");
    }
    for d in &r.discrepancies {
        main.push_str(&page.discrepancy(d, None, ""));
    }
    main.push_str("</section>");
    main.push_str(&page.sources_section("Sources"));
    main.push_str(&page.appendix_section());

    let mut header = format!("<h1>{}</h1>", h(&r.title));
    header.push_str(&format!(
        "<p class=\"lede\">Facts in force on {} as recorded in the ledger “{}” up to entry {} (<code>{}</code>).{} {} in force; {} live, {} superseded, {} retracted; {}.</p>",
        long_day(&r.as_of),
        h(&r.ledger_title),
        r.at_seq,
        h(r.at_hash.get(..12).unwrap_or("")),
        h(&topic_filter_sentence(&r.topic_filter, Medium::Text)),
        count(r.counts.facts_in_force, "fact", "facts"),
        r.counts.live_facts,
        r.counts.superseded,
        r.counts.retracted,
        count(r.counts.disputes, "dispute", "disputes"),
    ));
    if let Some(n) = r.newest_source
        && n.last_day() < opts_day(&r.as_of)
        && n.year < opts_day(&r.as_of).0
    {
        header.push_str(&format!(
            "<p class=\"caution\">Caution: the newest dated source is from {}. Facts with no end date are carried forward from what the sources said then; they may no longer hold.</p>",
            n.long()
        ));
    }
    let mut nav = vec![("timeline", "Timeline"), ("facts", "Facts by topic")];
    if !r.context.is_empty() {
        nav.push(("context", "Context"));
    }
    nav.push(("discrepancies", "Discrepancies"));
    nav.push(("sources", "Sources"));
    if !page.appendix.is_empty() {
        nav.push(("appendix", "Archived texts"));
    }
    document(
        &r.title,
        &header,
        &nav,
        &main,
        &footer(&r.ledger_title, r.at_seq, &r.at_hash),
    )
}

/// The diff as one HTML document (see the module docs).
pub fn diff(d: &Diff, texts: &Texts) -> String {
    let facts: Vec<&FactView> = d
        .added
        .iter()
        .chain(d.superseded.iter().flat_map(|s| [&s.old, &s.new]))
        .chain(d.retracted.iter().map(|r| &r.fact))
        .chain(d.disputed.iter().map(|x| &x.fact))
        .collect();
    let appendix = Appendix::new(
        &d.sources,
        texts,
        &all_cites(
            facts.iter().copied(),
            d.discrepancies.iter().map(|c| &c.discrepancy),
            d.disputed
                .iter()
                .map(|x| &x.citation)
                .chain(d.retracted.iter().filter_map(|r| r.source.as_ref())),
        ),
    );
    let mut page = Page {
        sources: &d.sources,
        appendix,
        facts: facts.iter().map(|f| f.id.clone()).collect(),
        placed: BTreeSet::new(),
        discs: d
            .discrepancies
            .iter()
            .map(|c| format!("{}{}", numbering(c.change), c.discrepancy.id))
            .collect(),
    };
    // The topics first, where every changed fact is given in full.
    let mut topics = String::new();
    for t in &d.topics {
        let items: String = d
            .items(&t.topic)
            .iter()
            .map(|i| format!("<li>{}</li>", change(&mut page, i, &d.subject)))
            .collect();
        topics.push_str(&format!(
            "<section id=\"topic-{0}\" aria-labelledby=\"topic-{0}-h\"><h2 id=\"topic-{0}-h\">{1}</h2><ul class=\"changes\">{items}</ul></section>",
            h(&t.topic),
            h(&t.label)
        ));
    }
    // The timeline of what entered the picture: new facts and new versions,
    // and facts newly disputed, each once.
    let mut entered: Vec<(&FactView, &str)> = Vec::new();
    for f in &d.added {
        entered.push((f, "added"));
    }
    for s in d.superseded.iter().filter(|s| s.new_in_view) {
        entered.push((&s.new, "new version"));
    }
    for x in &d.disputed {
        if !entered.iter().any(|(f, _)| f.id == x.fact.id) {
            entered.push((&x.fact, "disputed"));
        }
    }
    entered.retain(|(f, _)| f.valid_from.is_some() || f.valid_to.is_some());
    entered.sort_by(|a, b| timeline_order(a.0, b.0));
    let events: Vec<(String, &FactView, Option<&str>)> = entered
        .iter()
        .map(|(f, k)| (when_placed(f), *f, Some(*k)))
        .collect();
    let mut main = timeline_section(
        &mut page,
        (
            "Timeline of the changes",
            "No dated fact came in or changed.",
        ),
        &events,
        &d.as_of,
        &d.subject,
    );
    if d.is_empty() {
        main.push_str(&format!(
            "<p>No change to what the report shows between entry {} and entry {}.</p>",
            d.from.seq, d.to.seq
        ));
    }
    main.push_str(&topics);
    if !d.discrepancies.is_empty() {
        main.push_str(
            "<section id=\"discrepancies\" aria-labelledby=\"discrepancies-h\"><h2 id=\"discrepancies-h\">Discrepancies</h2>",
        );
        for c in &d.discrepancies {
            let at = match c.change {
                Change::Appeared => d.to.seq,
                Change::Resolved => d.from.seq,
            };
            main.push_str(&page.discrepancy(
                &c.discrepancy,
                Some((c.change, at)),
                numbering(c.change),
            ));
        }
        main.push_str("</section>");
    }
    if !d.sources.is_empty() {
        main.push_str(&page.sources_section("Sources cited"));
    }
    main.push_str(&page.appendix_section());

    let intro = super::diff::intro(
        d,
        &d.ledger_title,
        &topic_filter_sentence(&d.topic_filter, Medium::Text),
    );
    let header = format!(
        "<h1>{}</h1><p class=\"lede\">{}</p>",
        h(&d.title),
        h(&intro)
    );
    let mut nav = vec![("timeline", "Timeline")];
    let topic_links: Vec<(String, String)> = d
        .topics
        .iter()
        .map(|t| (format!("topic-{}", h(&t.topic)), h(&t.label)))
        .collect();
    for (id, label) in &topic_links {
        nav.push((id, label));
    }
    if !d.discrepancies.is_empty() {
        nav.push(("discrepancies", "Discrepancies"));
    }
    if !d.sources.is_empty() {
        nav.push(("sources", "Sources"));
    }
    if !page.appendix.is_empty() {
        nav.push(("appendix", "Archived texts"));
    }
    document(
        &d.title,
        &header,
        &nav,
        &main,
        &footer(&d.ledger_title, d.to.seq, &d.to.hash),
    )
}

/// The prefix of the element ids of a diff's discrepancies: those resolved
/// are listed as at its start, those that appeared as at its end.
fn numbering(c: Change) -> &'static str {
    match c {
        Change::Resolved => "from-",
        Change::Appeared => "to-",
    }
}

/// A timeline item's date in words, as the report's timeline words it.
fn when_placed(f: &FactView) -> String {
    match (f.valid_from, f.valid_to) {
        (Some(a), Some(b)) => super::range(a, b),
        (Some(a), None) => format!("from {}", a.long()),
        (None, Some(b)) => format!("by {}", b.long()),
        (None, None) => "undated".to_string(),
    }
}

/// One change of a diff.
fn change(page: &mut Page<'_>, item: &Item<'_>, subject: &str) -> String {
    match item {
        Item::Added(f) => format!(
            "<h3 class=\"kind\">Added</h3>{}",
            page.fact(f, subject, "added", "to-")
        ),
        Item::Superseded(x) => {
            let now = if x.new_in_view {
                "Now"
            } else {
                "Now, outside this report (another subject, topic or period)"
            };
            let old = page.fact(&x.old, subject, "gone", "from-");
            let new = page.fact(&x.new, subject, "added", "to-");
            format!(
                "<h3 class=\"kind\">Superseded: {} → {}</h3><p>Because: {}</p><div class=\"sides\"><section class=\"side\"><h4><span class=\"role\">Was</span></h4>{old}</section><section class=\"side\"><h4><span class=\"role\">{now}</span></h4>{new}</section></div>",
                page.fact_ref(&x.old.id),
                page.fact_ref(&x.new.id),
                h(&x.reason)
            )
        }
        Item::Retracted(x) => {
            let mut s = format!(
                "<h3 class=\"kind\">Retracted ({})</h3>{}",
                h(&name(&x.reason).replace('-', " ")),
                page.fact(&x.fact, subject, "gone", "from-")
            );
            if x.target != x.fact.id {
                s.push_str(&format!(
                    "<p>It was superseded first; the retraction names <code>{}</code>.</p>",
                    h(&x.target)
                ));
            }
            if let Some(src) = &x.source {
                s.push_str(&format!(
                    "<p>Because of source {}.</p>",
                    page.cite_link(src)
                ));
            }
            if let Some(n) = &x.note {
                s.push_str(&format!(
                    "<p class=\"note\"><span>Note:</span> {}</p>",
                    h(n)
                ));
            }
            s
        }
        Item::Disputed(x) => {
            let fact = page.fact(&x.fact, subject, "", "to-");
            let derived = page
                .source(x.citation.n)
                .is_some_and(|s| !s.derivation.is_empty());
            let mut s = format!(
                "<h3 class=\"kind\">Disputed: {} {} {}</h3><div class=\"sides\"><section class=\"side\"><h4><span class=\"role\">The ledger's fact</span></h4>{fact}</section><section class=\"side{}\"><h4><span class=\"role\">The disputing source</span></h4>{}<p class=\"says\">It says: {}</p></section></div>",
                page.cite_link(&x.citation),
                h(super::difference_verb(x.difference)),
                page.fact_ref(&x.fact.id),
                if derived { " derivative" } else { "" },
                match &x.citation.quote {
                    Some(q) => format!("<blockquote>{}</blockquote>", h(q)),
                    None => "<p class=\"noquote\">(no quote recorded)</p>".to_string(),
                },
                h(&x.statement)
            );
            if let Some(old) = &x.carried_from {
                s.push_str(&format!(
                    "<p class=\"note\">Recorded against <code>{}</code>, the version it replaced, and carried to it.</p>",
                    h(old)
                ));
            }
            if let Some(n) = &x.note {
                s.push_str(&format!(
                    "<p class=\"note\"><span>Note:</span> {}</p>",
                    h(n)
                ));
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_spans_are_marked_once_with_an_anchor_each() {
        let spans = BTreeSet::from([(0, 5), (3, 9), (3, 4)]);
        let out = marked("abcdefghij<k>", &spans, "s1-p2");
        assert_eq!(
            out,
            "<span class=\"anchor\" id=\"s1-p2-0-5\"></span><mark>abc</mark>\
<span class=\"anchor\" id=\"s1-p2-3-4\"></span><span class=\"anchor\" id=\"s1-p2-3-9\"></span><mark>d</mark>\
<mark>e</mark><mark>fghi</mark>j&lt;k&gt;"
        );
        // Characters, not bytes.
        assert_eq!(
            marked("é€x", &BTreeSet::from([(1, 2)]), "p"),
            "é<span class=\"anchor\" id=\"p-1-2\"></span><mark>€</mark>x"
        );
    }

    #[test]
    fn only_plain_web_urls_become_links() {
        assert!(plain_url("https://example.org/a?b=c"));
        assert!(!plain_url("javascript:alert(1)"));
        assert!(!plain_url("https://example.org/\"onmouseover=x"));
        assert!(!plain_url("https://exa mple.org"));
    }
}
