//! Ledger text is shown, never executed. A ledger (and a file name) is input
//! from whoever wrote it: whatever it holds, what `ledger` prints shows its
//! characters and nothing else. It cannot move the cursor, set the window
//! title, clear the screen, add a line that looks like output, issue a GitHub
//! Actions workflow command, or become live Markdown or HTML in a report.
//! New text is checked when it is written (single-line fields refuse line
//! breaks and control characters); text already in a ledger still verifies
//! and is escaped wherever it is shown. A closed standard output ends every
//! command quietly, with the exit code it would have had.

use crate::fixture::{LEDGER, edit_and_rehash, join, lines, object, rechain, sample, seal};
use crate::reliability::{add_args, command, import_file, ledger_with_source};
use crate::util::{Env, NOW, Run};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// Sets the window title (an OSC sequence ended by BEL).
const OSC: &str = "\u{1b}]0;pwned\u{7}";
/// Clears the screen.
const CLS: &str = "\u{1b}[2J";
/// A statement whose second line looks like a row of `ledger log`.
const FAKE_ROW: &str = "Nothing happened.\n    3  2026-01-02T03:04:05Z  retract    x1 (erroneous)";

/// Appends one hand-sealed entry after the last line of the test ledger, as
/// another tool (or an older version of this one) could have written it:
/// no write-time rule is applied, only the format's.
fn push(env: &Env, kind: &str, body: Value) {
    let mut bytes = env.read(LEDGER);
    let last = object(lines(&bytes).last().expect("a line"));
    let mut m = Map::new();
    m.insert("body".into(), body);
    // An amendment is format 2 (docs/FORMAT.md 13); every other kind here 1.
    m.insert("format".into(), json!(if kind == "amend" { 2 } else { 1 }));
    m.insert("kind".into(), json!(kind));
    m.insert("prev".into(), last["hash"].clone());
    m.insert("recorded".into(), json!(NOW));
    m.insert("seq".into(), json!(last["seq"].as_u64().expect("seq") + 1));
    bytes.extend(seal(m));
    env.write(LEDGER, bytes);
}

/// Sets the title of the genesis entry and re-links every later line.
fn retitle(env: &Env, title: &str) {
    let mut l = lines(&env.read(LEDGER));
    l[0] = edit_and_rehash(&l[0], |m| {
        m["body"]["title"] = json!(title);
    });
    rechain(&mut l, 1);
    env.write(LEDGER, join(&l));
}

/// The sample ledger with terminal escapes in every kind of text: the
/// ledger's title, a source's title, publisher and note, a topic's label, a
/// fact's statement, attribution, value, quote and note, a dispute, a
/// supersession's reason, a retraction's note, and an amendment's reason and
/// the values it sets.
fn terminal_hostile(env: &Env) {
    sample(env);
    retitle(env, &format!("Hostile{OSC} ledger{CLS}"));
    push(
        env,
        "source",
        json!({"id": "evil", "title": format!("Evil{OSC} title"), "publisher": format!("Pub{CLS}lisher"),
               "type": "other", "note": format!("source note{OSC}")}),
    );
    push(
        env,
        "define",
        json!({"term": "topic", "id": "evil-topic", "label": format!("Evil{CLS} topic")}),
    );
    push(
        env,
        "fact",
        json!({"id": "evil-fact", "subject": "CA-KP", "topic": "evil-topic",
               "statement": format!("Statement{OSC} and{CLS} more"), "modality": "alleged",
               "attributed_to": format!("Some{CLS}one"),
               "value": {format!("k{CLS}"): format!("v{OSC}")},
               "citations": [{"source": "evil", "quote": format!("quote{OSC}")}],
               "note": format!("first line{OSC}\nsecond\rline")}),
    );
    push(
        env,
        "dispute",
        json!({"target": "evil-fact", "difference": "contradicts", "statement": format!("Disputed{CLS}"),
               "citation": {"source": "un-poe-2024"}, "note": format!("dispute note{OSC}")}),
    );
    push(
        env,
        "supersede",
        json!({"target": "f5", "reason": format!("Reason{OSC}"),
               "fact": {"id": "f5b", "subject": "CA-KP", "topic": "trade", "statement": "Trade is negligible.",
                        "modality": "reported", "citations": [{"source": "evil"}]}}),
    );
    push(
        env,
        "retract",
        json!({"target": "f3", "reason": "erroneous", "note": format!("Retracted{CLS}")}),
    );
    push(
        env,
        "amend",
        json!({"target": "evil", "reason": format!("Amended{OSC}"),
               "set": {"publisher": format!("New{CLS} publisher"), "note": format!("new\nnote{OSC}")}}),
    );
}

/// Asserts `s` holds no character a terminal acts on: no C0 control but LF,
/// no DEL, no C1 control, no bidirectional override or isolate, no Unicode
/// line or paragraph separator.
fn assert_inert(what: &str, s: &str) {
    let bad: Vec<char> = s
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {bad:?} reach the output:\n{}",
        s.escape_debug()
    );
}

fn run_inert(env: &Env, args: &[&str]) -> Run {
    let mut all = vec!["--ledger", LEDGER];
    all.extend_from_slice(args);
    let r = env.run(&all);
    assert_inert(&format!("ledger {args:?} stdout"), &r.stdout);
    assert_inert(&format!("ledger {args:?} stderr"), &r.stderr);
    r
}

/// An OSC title sequence and a screen clear, in every kind of text a ledger
/// holds, reach no command's output raw: `show`, `log`, `sources`, `summary`
/// (text and Markdown), bare `ledger` and `verify` show them as `\u{1b}`.
/// The ledger still verifies: the rule for new text is a write-time rule.
#[test]
fn osc_title_and_screen_clear_are_shown_escaped() {
    let env = Env::new();
    terminal_hostile(&env);
    // Each command, and how it shows ESC if it shows some of that text (the
    // Markdown report writes `\u\{1b\}`, which renders as `\u{1b}`).
    let plain = Some(r"\u{1b}");
    let shown = [
        (vec!["show", "evil-fact"], plain),
        (vec!["show", "evil"], plain),
        (vec!["show", "f5b"], plain),
        (vec!["show", "f3"], None),
        (vec!["log"], plain),
        (vec!["sources"], plain),
        (vec!["summary", "--format", "text"], plain),
        (vec!["summary"], Some(r"\u\{1b\}")),
        (vec![], plain),
        (vec!["verify"], None),
    ];
    let mut all = String::new();
    for (args, escape) in shown {
        let r = run_inert(&env, &args);
        assert_eq!(r.code, 0, "ledger {args:?}:\n{r}");
        if let Some(escape) = escape {
            assert!(
                r.stdout.contains(escape),
                "ledger {args:?} does not show the escape:\n{r}"
            );
        }
        all.push_str(&format!("=== ledger {}\n{}", args.join(" "), r.stdout));
    }
    insta::assert_snapshot!("terminal_escapes", all);
}

/// A statement holding a line break followed by what looks like a `log` row
/// (`    3  2026-…  retract    x1 (erroneous)`) shows on its own row, with
/// the break as `\n`: `log` prints one row per entry, and no retraction that
/// does not exist.
#[test]
fn a_statement_cannot_fake_a_log_row() {
    let env = Env::new();
    sample(&env);
    push(
        &env,
        "fact",
        json!({"id": "x1", "subject": "CA-KP", "topic": "trade", "statement": FAKE_ROW,
               "modality": "reported", "citations": [{"source": "gac-statement"}]}),
    );
    let entries = lines(&env.read(LEDGER)).len();
    let r = run_inert(&env, &["log"]);
    assert_eq!(r.code, 0, "{r}");
    let rows: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(rows.len(), entries, "one row per entry:\n{r}");
    for (seq, row) in rows.iter().enumerate() {
        assert!(
            row.starts_with(&format!("{seq:>5}  ")),
            "row {seq} is not entry {seq}: {row:?}"
        );
    }
    assert!(
        !rows
            .iter()
            .any(|l| l.split_whitespace().nth(2) == Some("retract")),
        "{r}"
    );
    assert!(r.stdout.contains(r"Nothing happened.\n    3  2026"), "{r}");
    // `show` and the report keep it on one line too.
    let r = run_inert(&env, &["show", "x1"]);
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("3  2026")),
        "{r}"
    );
    let r = run_inert(&env, &["summary", "--format", "text"]);
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("3  2026")),
        "{r}"
    );
}

/// A file name chosen to inject GitHub Actions workflow commands.
const GH_NAME: &str = "ledger/x\n::add-mask::s3cret\n::set-output name=ok::pwned\n.jsonl";

/// The lines of `s` the Actions runner would take as workflow commands: it
/// trims leading whitespace, then looks for `::` (or the older `##[`).
fn workflow_commands(s: &str) -> Vec<&str> {
    s.lines()
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("::") || t.starts_with("##[")
        })
        .collect()
}

/// `verify --format github` on a ledger whose file name holds newlines and
/// workflow commands: the annotations escape the name in their `file`
/// property, and the closing `ok:`/`FAILED:` line, the text report and error
/// messages (the usage error for a name that looks like an option too) show
/// it escaped. No line of stdout or stderr is a workflow
/// command except the genuine `::error` annotations.
#[test]
fn workflow_commands_cannot_be_injected_through_a_file_name() {
    let env = Env::new();
    let good = sample(&env);
    env.write(GH_NAME, &good);
    let check = |args: &[&str], code: i32| {
        let r = env.run(args);
        assert_eq!(r.code, code, "ledger {args:?}:\n{r}");
        for l in workflow_commands(&r.stdout) {
            assert!(
                l.starts_with("::error file=ledger/x%0A%3A%3Aadd-mask"),
                "injected: {l:?}\n{r}"
            );
        }
        assert_eq!(workflow_commands(&r.stderr), Vec::<&str>::new(), "{r}");
        assert_inert("stdout", &r.stdout);
        assert_inert("stderr", &r.stderr);
        r
    };
    let mut shown = String::new();
    let ok = check(&["verify", "--format", "github", GH_NAME], 0);
    assert!(workflow_commands(&ok.stdout).is_empty(), "{ok}");
    shown.push_str(&format!("=== valid, github\n{ok}"));
    shown.push_str(&format!(
        "=== valid, text\n{}",
        check(&["verify", GH_NAME], 0)
    ));

    // Damaged: a changed statement (hash mismatch) gives one annotation.
    let mut l = lines(&good);
    l[3] = crate::fixture::replace(&l[3], "established", "ended");
    env.write(GH_NAME, join(&l));
    let failed = check(&["verify", "--format", "github", GH_NAME], 1);
    assert_eq!(workflow_commands(&failed.stdout).len(), 1, "{failed}");
    shown.push_str(&format!("=== damaged, github\n{failed}"));
    shown.push_str(&format!(
        "=== damaged, text\n{}",
        check(&["verify", GH_NAME], 1)
    ));
    // Writing to it refuses, naming the file.
    let refused = check(
        &[
            "--ledger",
            GH_NAME,
            "retract",
            "f5",
            "--reason",
            "erroneous",
        ],
        1,
    );
    shown.push_str(&format!("=== damaged, refused write\n{refused}"));
    // A name that does not exist is an I/O error on stderr.
    let missing = format!("{GH_NAME}.missing");
    shown.push_str(&format!(
        "=== missing, github\n{}",
        check(&["verify", "--format", "github", &missing], 2)
    ));
    // A name that looks like an option (a glob in the repository's root can
    // give one) is a usage error, quoting it escaped.
    let option = "--x\n::add-mask::s3cret\n.jsonl";
    shown.push_str(&format!(
        "=== option-like name\n{}",
        check(&["verify", "--format", "github", option], 2)
    ));
    insta::assert_snapshot!("workflow_command_file_name", shown);
}

/// Markdown and HTML a statement (or a title, label, note, publisher or
/// quote) could carry.
const MD_ATTACKS: [&str; 6] = [
    "\n## Heading",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![](http://tracker.example/pixel.png)",
    "[x](javascript:alert(1))",
    "**bold** _em_ `code` | table | <http://auto.example> www.example.com a@b.example",
];

fn md_hostile(env: &Env) {
    sample(env);
    let all = MD_ATTACKS.concat();
    retitle(env, &format!("# Ledger {}", MD_ATTACKS[1]));
    push(
        env,
        "source",
        json!({"id": "md", "title": format!("Title {}", MD_ATTACKS[3]), "publisher": format!("<b>Pub</b> {}", MD_ATTACKS[2]),
               "type": "other", "author": "[a](javascript:x)", "note": format!("Note {}", MD_ATTACKS[4]),
               "derived_from": {"source": "un-poe-2024", "relation": "summary"}}),
    );
    push(
        env,
        "define",
        json!({"term": "topic", "id": "md-topic", "label": format!("Topic {} {{#evil .x}} #", MD_ATTACKS[1])}),
    );
    for (i, attack) in MD_ATTACKS.iter().enumerate() {
        push(
            env,
            "fact",
            json!({"id": format!("md{i}"), "subject": "CA-KP", "topic": "md-topic",
                   "statement": format!("Statement {i}{attack}"), "modality": if i % 2 == 0 { "confirmed" } else { "reported" },
                   "valid_from": "2019",
                   "citations": [{"source": "md", "quote": attack}]}),
        );
    }
    push(
        env,
        "fact",
        json!({"id": "md-all", "subject": "CA-KP", "topic": "trade", "statement": all,
               "modality": "alleged", "attributed_to": MD_ATTACKS[4], "value": {"key": MD_ATTACKS[2]},
               "citations": [{"source": "md"}], "note": format!("Note {all}")}),
    );
    push(
        env,
        "fact",
        json!({"id": "md-other", "subject": "CA-KP", "topic": "trade", "statement": "Other value.",
               "modality": "reported", "value": {"key": "plain"}, "citations": [{"source": "un-poe-2024"}]}),
    );
    push(
        env,
        "dispute",
        json!({"target": "md0", "difference": "overstates", "statement": all,
               "citation": {"source": "gac-statement"}, "note": MD_ATTACKS[0]}),
    );
}

/// Everything a Markdown document does that is not plain text, in order.
fn structure(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut heading = None::<String>;
    for ev in Parser::new_ext(markdown, Options::all() - Options::ENABLE_SMART_PUNCTUATION) {
        match ev {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                heading = Some(if id.is_none() && classes.is_empty() && attrs.is_empty() {
                    format!("{level} ")
                } else {
                    format!("{level} with attributes {id:?} {classes:?} {attrs:?}: ")
                })
            }
            Event::End(TagEnd::Heading(_)) => out.push(heading.take().unwrap_or_default()),
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Text(_)
            | Event::SoftBreak
            | Event::Start(
                Tag::Paragraph | Tag::List(_) | Tag::Item | Tag::Emphasis | Tag::Strong,
            )
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::Emphasis
                | TagEnd::Strong,
            ) => {}
            Event::Code(c) => {
                // Our own code spans hold ids, subjects and language tags.
                if !c
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
                {
                    out.push(format!("code {c:?}"));
                }
            }
            other => out.push(format!("{other:?}")),
        }
    }
    out
}

/// `summary` of a ledger whose text carries headings, raw HTML (`<script>`,
/// `<img onerror=…>`), a tracking image, a `javascript:` link, emphasis, code,
/// tables, autolinks and heading attributes: the Markdown report shows all of
/// it as text. Parsed with a CommonMark/GFM parser, the only structure in it
/// is the report's own (its headings, lists, emphasis, code spans of ids, the
/// `<br>` before a note and the autolink of a plain https source URL): no
/// HTML, link or image from ledger text, and no heading made from it.
#[test]
fn markdown_and_html_in_summary_stay_text() {
    let env = Env::new();
    md_hostile(&env);
    let r = run_inert(&env, &["summary", "--as-of", "2020-01-01"]);
    assert_eq!(r.code, 0, "{r}");
    let report = r.stdout.as_str();
    // The report's own structure only: its headings (a topic label is ledger
    // text, shown as text inside the report's heading), the `<br>` before a
    // note, and the autolink of a source's plain https URL.
    assert_eq!(
        structure(report),
        [
            "h1 State of relations: Canada – North Korea",
            "h2 Diplomatic status",
            "h2 Topic <script>alert(1)</script> {#evil .x} #",
            "h2 Trade",
            "InlineHtml(Borrowed(\"<br>\"))",
            "h2 Timeline",
            "h2 Discrepancies",
            "h2 Sources",
            "Start(Link { link_type: Autolink, dest_url: Borrowed(\"https://example.org/un/poe-2024\"), title: Borrowed(\"\"), id: Borrowed(\"\") })",
            "End(Link)",
        ],
        "{report}"
    );
    // Every attack is there, as text.
    let text: String = Parser::new_ext(report, Options::all() - Options::ENABLE_SMART_PUNCTUATION)
        .filter_map(|e| match e {
            Event::Text(t) => Some(t.into_string()),
            Event::SoftBreak => Some(" ".into()),
            _ => None,
        })
        .collect();
    for attack in MD_ATTACKS {
        assert!(
            text.contains(attack.trim_start()),
            "{attack:?} is not shown as text:\n{report}"
        );
    }
    insta::assert_snapshot!("markdown_injection", report);
    let text_report = run_inert(
        &env,
        &["summary", "--as-of", "2020-01-01", "--format", "text"],
    );
    insta::assert_snapshot!("markdown_injection_text", text_report.stdout);
}

/// Runs `ledger ARGS`, reads one line of its output and closes the pipe while
/// it still has more to write. Returns the exit code and what it wrote to
/// stderr.
fn close_after_one_line(env: &Env, args: &[&str]) -> (i32, String) {
    let mut child = command(env.path(), args, &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("read a line");
    assert!(!first.is_empty(), "ledger {args:?} printed nothing");
    drop(out);
    let done = child.wait_with_output().expect("wait");
    (
        done.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&done.stderr).into_owned(),
    )
}

/// `ledger log | head -1` and the like: a reader that stops early closes the
/// pipe while `ledger` still writes (each output here is far larger than a
/// pipe's buffer). The command ends quietly, with nothing on stderr, and
/// exits with the code it would have had: 0 for `log` and `summary`, and 1 for
/// a `verify` that failed (a closed pipe never turns a failure into success).
#[test]
fn a_closed_pipe_ends_log_summary_and_verify_quietly() {
    let env = Env::new();
    ledger_with_source(&env);
    env.write("batch.jsonl", import_file("p", 4000));
    env.ok(&["--ledger", LEDGER, "import", "batch.jsonl"]);
    for args in [
        vec!["--ledger", LEDGER, "log"],
        vec!["--ledger", LEDGER, "summary", "--as-of", "2020-01-01"],
        vec!["--ledger", LEDGER, "log", "--format", "json"],
        vec!["--ledger", LEDGER, "show", "src", "--format", "json"],
    ] {
        let (code, stderr) = close_after_one_line(&env, &args);
        assert_eq!((code, stderr.as_str()), (0, ""), "ledger {args:?}");
    }
    // 3,000 damaged lines: far more problem reports than a pipe holds.
    let mut bytes = env.read(LEDGER);
    bytes.extend(b"{}\n".repeat(3000));
    env.write(LEDGER, bytes);
    for format in ["text", "github", "json"] {
        let args = [
            "--ledger",
            LEDGER,
            "verify",
            "--max-errors",
            "5000",
            "--format",
            format,
        ];
        let (code, stderr) = close_after_one_line(&env, &args);
        assert_eq!((code, stderr.as_str()), (1, ""), "ledger {args:?}");
    }
}

/// Each writing command refuses a line break (or another control character)
/// in a single-line text field at write time, naming the field and how to
/// fix it, with the ledger unchanged; a `note` may hold line breaks.
#[test]
fn line_breaks_are_refused_at_write_time_in_single_line_fields() {
    let env = Env::new();
    ledger_with_source(&env);
    env.ok(&add_args("base")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    let add = |flag: &str, value: &str| -> Vec<String> {
        let mut a = add_args("new");
        a.extend([flag.to_string(), value.to_string()]);
        a
    };
    let with_statement = {
        let mut a = add_args("new");
        a[12] = "Two\nlines".into();
        a
    };
    let source = |flag: &str, value: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "--ledger",
            LEDGER,
            "source",
            "add",
            "--id",
            "s2",
            "--title",
            "T",
            "--publisher",
            "P",
        ]
        .map(String::from)
        .to_vec();
        a.extend([flag.to_string(), value.to_string()]);
        a
    };
    let args = |v: &[&str]| -> Vec<String> {
        let mut a = vec!["--ledger".to_string(), LEDGER.to_string()];
        a.extend(v.iter().map(|s| s.to_string()));
        a
    };
    env.write(
        "batch.jsonl",
        "{\"kind\":\"fact\",\"body\":{\"citations\":[{\"source\":\"src\"}],\"id\":\"i1\",\"modality\":\"reported\",\"statement\":\"Fine.\",\"subject\":\"CA-KP\",\"topic\":\"embassy\"}}\n\
         {\"kind\":\"fact\",\"body\":{\"citations\":[{\"source\":\"src\"}],\"id\":\"i2\",\"modality\":\"reported\",\"statement\":\"Two\\nlines\",\"subject\":\"CA-KP\",\"topic\":\"embassy\"}}\n",
    );
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("add --statement", with_statement),
        ("add --quote", add("--quote", "a\nb")),
        (
            "add --attributed-to",
            add("--attributed-to", "the\rminister"),
        ),
        ("add --value", add("--value", "{\"k\":\"a\\nb\"}")),
        (
            "add --note with an escape",
            add("--note", &format!("a{CLS}b")),
        ),
        ("add --statement with a C1 control", {
            let mut a = add_args("new");
            a[12] = "CSI\u{9b}2J".into();
            a
        }),
        (
            "supersede --reason",
            args(&[
                "supersede",
                "base",
                "--reason",
                "new\ninfo",
                "--source",
                "src",
            ]),
        ),
        (
            "supersede --statement",
            args(&[
                "supersede",
                "base",
                "--reason",
                "r",
                "--source",
                "src",
                "--statement",
                "a\u{2028}b",
            ]),
        ),
        (
            "retract --note with a bell",
            args(&[
                "retract",
                "base",
                "--reason",
                "erroneous",
                "--note",
                "ding\u{7}",
            ]),
        ),
        (
            "dispute --statement",
            args(&["dispute", "base", "--source", "src", "--statement", "a\nb"]),
        ),
        (
            "dispute --quote",
            args(&[
                "dispute",
                "base",
                "--source",
                "src",
                "--statement",
                "s",
                "--quote",
                "a\tb",
            ]),
        ),
        ("source add --title", {
            let mut a = source("--language", "en");
            a[7] = "Ti\u{1b}[2Jtle".into();
            a
        }),
        ("source add --publisher", {
            let mut a = source("--language", "en");
            a[9] = "Pub\nlisher".into();
            a
        }),
        ("source add --author", source("--author", "A\nB")),
        (
            "source add --url",
            source("--url", "https://example.org/\n::x"),
        ),
        (
            "source amend --reason",
            args(&["source", "amend", "src", "--reason", "a\nb", "--title", "T"]),
        ),
        (
            "source amend --title",
            args(&[
                "source",
                "amend",
                "src",
                "--reason",
                "r",
                "--title",
                "T\u{1b}[2J",
            ]),
        ),
        (
            "source amend --note with a bell",
            args(&[
                "source", "amend", "src", "--reason", "r", "--note", "n\u{7}",
            ]),
        ),
        (
            "define --label",
            args(&["define", "topic", "trade", "--label", "Tr\nade"]),
        ),
        ("import", args(&["import", "batch.jsonl"])),
    ];
    let mut shown = String::new();
    for (name, a) in cases {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let r = env.refused(LEDGER, &a, 2);
        assert_inert(name, &r.stderr);
        shown.push_str(&format!("=== {name}\n{}", r.stderr));
    }
    // init refuses and creates nothing.
    let r = env.run(&[
        "--ledger",
        "ledger/new.jsonl",
        "init",
        "--title",
        "Two\nlines",
    ]);
    assert_eq!(r.code, 2, "{r}");
    assert!(!env.path().join("ledger/new.jsonl").exists(), "{r}");
    shown.push_str(&format!("=== init --title\n{}", r.stderr));
    insta::assert_snapshot!("line_breaks_refused", shown);

    // A note may span lines; it is stored exactly and shown escaped.
    let mut a = add_args("noted");
    a.extend(["--note".into(), "first line\nsecond line\tindented".into()]);
    env.ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let last = object(lines(&env.read(LEDGER)).last().expect("a line"));
    assert_eq!(last["body"]["note"], "first line\nsecond line\tindented");
    let r = run_inert(&env, &["show", "noted"]);
    assert!(
        r.stdout.contains(r"first line\nsecond line\tindented"),
        "{r}"
    );
    env.ok(&["--ledger", LEDGER, "verify"]);
}

/// `verify` shows a damaged line under its problem: a line holding raw
/// control bytes (an OSC title sequence, a screen clear) is shown escaped,
/// with the caret still under the character at fault; a member name holding
/// an escape (which serde quotes in its message) is escaped in the headline.
#[test]
fn verify_snippets_and_messages_escape_raw_control_bytes() {
    let env = Env::new();
    let mut l = lines(&sample(&env));
    l[2] = format!("{{\"a\":\"b{OSC}c{CLS}\"}}\n").into_bytes();
    l[3] = edit_and_rehash(&l[3], |m| {
        m["body"][OSC] = json!(1);
    });
    env.write(LEDGER, join(&l));
    let r = run_inert(&env, &["verify"]);
    assert_eq!(r.code, 1, "{r}");
    // The caret sits under the escaped form of the first raw byte.
    let shown: Vec<&str> = r.stdout.lines().collect();
    let at = shown
        .iter()
        .position(|l| l.starts_with("3 |"))
        .expect("line 3 is shown");
    let col = shown[at].find(r"\u{1b}").expect("escaped ESC");
    let caret = shown[at + 1].find('^').expect("a caret");
    assert_eq!(caret, col, "{r}");
    let json = env.run(&["--ledger", LEDGER, "verify", "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(
        v["errors"][0]["column"], 8,
        "JSON keeps the raw column:\n{json}"
    );
    let r2 = run_inert(&env, &["verify", "--format", "github"]);
    insta::assert_snapshot!("verify_control_bytes", format!("{r}\n{r2}"));
}

/// Arguments quoted back in error messages (an id that names nothing, a
/// source given to cite-check) are shown escaped on stderr.
#[test]
fn error_messages_escape_what_they_quote() {
    let env = Env::new();
    sample(&env);
    let mut shown = String::new();
    for args in [
        vec!["show", "x\u{1b}[2J\ny"],
        vec!["cite-check", "no\u{1b}]0;t\u{7}", "missing.txt"],
        vec!["log", "--subject", "CA-\u{1b}[2J"],
    ] {
        let r = run_inert(&env, &args);
        assert_eq!(r.code, 2, "{r}");
        assert_eq!(workflow_commands(&r.stderr), Vec::<&str>::new());
        // What is quoted stays on the message's line.
        assert!(
            r.stderr.starts_with("error: ")
                && !r.stderr.lines().nth(1).unwrap_or("").starts_with("   "),
            "{r}"
        );
        shown.push_str(&format!("=== {}\n{}", args[0], r.stderr));
    }
    insta::assert_snapshot!("error_messages_escaped", shown);
}

/// The commands of signed checkpoints and publication show the names of the
/// files and directories they read and write, and the origins and key names
/// of checkpoints: all escaped.
#[test]
fn checkpoint_commands_show_file_names_escaped() {
    let env = crate::signed::signed_env();
    let hostile = format!("dir{OSC}{CLS}");
    std::fs::create_dir(env.path().join(&hostile)).expect("create dir");
    let cp = format!("{hostile}/cp{CLS}.txt");
    let r = env.ok(&["--ledger", LEDGER, "checkpoint", "--key", "log.key"]);
    env.write(&cp, &r.stdout);
    for args in [
        vec!["keygen", "witness.example", "--out", hostile.as_str()],
        vec!["check-checkpoint", cp.as_str(), "--key", "log.pub"],
        vec!["verify", "--checkpoint", cp.as_str(), "--key", "log.pub"],
        vec!["publish", hostile.as_str(), "--key", "log.key"],
        vec!["check-published", hostile.as_str(), "--key", "log.pub"],
    ] {
        let r = run_inert(&env, &args);
        assert_eq!(r.code, 0, "{args:?}: {r}");
        assert!(
            r.stdout.contains("\\u{1b}"),
            "{args:?} does not name the file: {r}"
        );
    }
}

/// The candidates of an ambiguous id prefix are listed one per line, each
/// escaped: a statement (shown to tell the candidates apart) cannot add a
/// line of its own to the list or act on the terminal.
#[test]
fn ambiguous_prefix_candidates_are_escaped_one_per_line() {
    let env = Env::new();
    sample(&env);
    for id in ["x1", "x2"] {
        push(
            &env,
            "fact",
            json!({"id": id, "subject": "CA-KP", "topic": "trade",
                   "statement": format!("{FAKE_ROW}{OSC}"), "modality": "reported",
                   "citations": [{"source": "gac-statement"}]}),
        );
    }
    for args in [vec!["show", "x"], vec!["prove", "x"]] {
        let r = run_inert(&env, &args);
        assert_eq!(r.code, 2, "{r}");
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert!(
            lines[0].starts_with("error: id `x` is ambiguous: 2 ids start with it:"),
            "{r}"
        );
        for (i, id) in ["x1", "x2"].iter().enumerate() {
            assert!(
                lines[i + 1].trim_start().starts_with(&format!("{id}  ")),
                "candidate {id} is not on line {}:\n{r}",
                i + 2
            );
        }
        assert!(!lines[3].trim_start().starts_with("3  2026"), "{r}");
    }
    let r = run_inert(&env, &["show", "x"]);
    assert!(r.stderr.contains(r"Nothing happened.\n    3  2026"), "{r}");
}
