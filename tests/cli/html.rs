//! The HTML report and diff: snapshots (the style sheet and the version
//! filtered out), escaping of every piece of ledger text, and the appendix of
//! archived source texts. `browser` checks the same pages in Chromium.

use crate::reports::{bundled, changed_ledger, hostile_ledger};
use crate::util::Env;

/// Snapshots `html` with the parts that change without changing what it
/// shows filtered out: the style sheet (checked in the browser) and the
/// version in the footer.
fn snapshot(name: &str, html: &str) {
    insta::with_settings!({filters => vec![
        (r"(?s)<style>.*?</style>", "<style>[CSS]</style>"),
        (r"ledger \d+\.\d+\.\d+", "ledger [VERSION]"),
    ]}, {
        insta::assert_snapshot!(name, html);
    });
}

/// The element names used in `html`: only the page's own.
fn tags(html: &str) -> Vec<String> {
    let mut out: Vec<String> = html
        .split('<')
        .skip(1)
        .map(|t| {
            t.trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

const ALLOWED: [&str; 41] = [
    "!doctype",
    "a",
    "article",
    "blockquote",
    "body",
    "code",
    "defs",
    "desc",
    "div",
    "figcaption",
    "figure",
    "footer",
    "g",
    "h1",
    "h2",
    "h3",
    "h4",
    "head",
    "header",
    "html",
    "li",
    "line",
    "main",
    "mark",
    "meta",
    "nav",
    "ol",
    "p",
    "path",
    "pattern",
    "q",
    "rect",
    "section",
    "span",
    "strong",
    "style",
    "svg",
    "text",
    "title",
    "ul",
    "del",
];

#[test]
fn html_report_snapshot() {
    let env = Env::new();
    let out = env
        .ok(&[
            "--ledger",
            &bundled(),
            "summary",
            "--as-of",
            "2019-12-31",
            "--topic",
            "embassy",
            "--format",
            "html",
        ])
        .stdout;
    for t in tags(&out) {
        assert!(ALLOWED.contains(&t.as_str()), "unexpected element <{t}>");
    }
    snapshot("html_report_embassy_2019", &out);
}

#[test]
fn html_diff_snapshot() {
    let mut env = Env::new();
    let path = changed_ledger(&mut env);
    let out = env
        .ok(&["--ledger", path, "diff", "--from", "65", "--format", "html"])
        .stdout;
    for t in tags(&out) {
        assert!(ALLOWED.contains(&t.as_str()), "unexpected element <{t}>");
    }
    snapshot("html_diff", &out);
}

/// Every piece of a hostile ledger's text is escaped: the page holds only
/// its own elements and no event handler, and shows the markup as text.
#[test]
fn html_escapes_every_piece_of_ledger_text() {
    let env = Env::new();
    let path = hostile_ledger(&env);
    let out = env
        .ok(&["--ledger", path, "summary", "--format", "html"])
        .stdout;
    for t in tags(&out) {
        assert!(ALLOWED.contains(&t.as_str()), "unexpected element <{t}>");
    }
    // No element has an event handler or a script URL: the text between
    // `<` and `>` is a tag of the page (ledger text holds no `<` once
    // escaped), and none has an `on…=` attribute.
    for tag in out
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        let lower = tag.to_ascii_lowercase();
        assert!(
            !lower
                .split_whitespace()
                .any(|a| a.starts_with("on") && a.contains('=')),
            "an event handler in <{tag}>"
        );
        assert!(!lower.contains("javascript:"), "a script URL in <{tag}>");
    }
    // The only link out is the one plain http(s) URL, and it is not this one.
    assert!(
        !out.contains("href=\"https://example.org/a"),
        "a URL with a quote became a link"
    );
    assert!(out.contains("&lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt;"));
    snapshot("html_hostile", &out);
}

/// A ledger whose source has an archived text in `ledger/sources/`: the
/// appendix gives it by paragraph with the cited span marked, and the
/// citation links to it.
#[test]
fn html_appendix_marks_the_cited_span() {
    let env = Env::new();
    env.init();
    let text = "Title line\n\nCanada was studying the possibility of reopening its embassy in Pyongyang.\nA second line <of the> same paragraph.\n\nLast paragraph.\n";
    env.write("article.txt", text);
    env.ok(&[
        "source",
        "add",
        "--id",
        "globe",
        "--title",
        "Report",
        "--publisher",
        "P",
        "--file",
        "article.txt",
    ]);
    env.ok(&[
        "add",
        "--id",
        "study",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--modality",
        "considered",
        "--statement",
        "Canada studied reopening its embassy.",
        "--source",
        "globe",
        "--locator",
        "p2:11-60",
        "--quote",
        "studying the possibility of reopening its embassy",
        "--source",
        "globe",
        "--locator",
        "p3",
    ]);
    // `source add --file` archived the text in ledger/sources/.
    let digest = ledger::hash::sha256(text.as_bytes()).to_hex();
    let archived = format!("ledger/sources/{digest}.txt");
    assert_eq!(env.read(&archived), text.as_bytes());
    // Without the archived text: no appendix, citations link to the source
    // list, and nothing is said (a report needs no archive).
    std::fs::remove_file(env.path().join(&archived)).unwrap();
    let r = env.ok(&["summary", "--format", "html"]);
    assert!(!r.stdout.contains("id=\"appendix\""));
    assert!(r.stdout.contains("href=\"#source-1\">[1 ¶2]</a>"), "{r}");
    assert_eq!(r.stderr, "");
    // With it.
    env.write(&archived, text);
    let out = env.ok(&["summary", "--format", "html"]).stdout;
    assert!(out.contains("href=\"#s1-p2-11-60\">[1 ¶2]</a>"), "{out}");
    assert!(out.contains("href=\"#s1-p3\">[1 ¶3]</a>"), "{out}");
    let appendix = &out[out.find("<section id=\"appendix\"").expect("an appendix")..];
    let appendix = &appendix[..appendix.find("<footer>").unwrap_or(appendix.len())];
    insta::assert_snapshot!("html_appendix", appendix);
    // An archived file that is not the recorded text is never shown.
    env.write(
        &format!("ledger/sources/{digest}.txt"),
        text.replace("Canada", "Kanada"),
    );
    let r = env.ok(&["summary", "--format", "html"]);
    assert!(!r.stdout.contains("Kanada") && !r.stdout.contains("id=\"appendix\""));
    assert!(r.stderr.contains("was altered"), "{r}");
}

/// The explanation of a discrepancy shows ids as the rest of the page does,
/// in `<code>`, never as Markdown backticks; the plain-text report shows
/// them bare, as it shows every other id, and the Markdown report as code
/// spans.
#[test]
fn discrepancy_prose_shows_ids_in_each_medium_s_own_way() {
    let env = Env::new();
    let summary = |format: &str| {
        env.ok(&[
            "--ledger",
            &bundled(),
            "summary",
            "--as-of",
            "2019-12-31",
            "--format",
            format,
        ])
        .stdout
    };
    let html = summary("html");
    let explains: Vec<&str> = html
        .split("<p class=\"explain\">")
        .skip(1)
        .map(|p| p.split("</p>").next().unwrap_or(""))
        .collect();
    assert!(explains.len() >= 5, "{explains:?}");
    for p in &explains {
        assert!(!p.contains('`'), "Markdown backticks in the HTML: {p}");
    }
    assert!(
        explains.iter().any(|p| p.contains(
            "A derived source states more than its original: <code>embassy-reopening-ready-per-translation</code> (planned"
        )),
        "{explains:#?}"
    );
    let text = summary("text");
    let line = text
        .lines()
        .find(|l| l.starts_with("- D-xrry "))
        .expect("D-xrry in the text report");
    assert!(
        !line.contains('`'),
        "Markdown backticks in plain text: {line}"
    );
    assert!(
        line.contains("original: embassy-reopening-ready-per-translation (planned"),
        "{line}"
    );
    let md = summary("markdown");
    assert!(
        md.contains("original: `embassy-reopening-ready-per-translation` (planned"),
        "the Markdown report keeps its code spans"
    );
}
