//! The HTML report in a real browser: headless Chromium (driven over the
//! DevTools protocol, see `cdp`) opens the bundled ledger's report, with its
//! archived source texts, a diff, and a report of a hostile ledger, at
//! desktop and at phone width. It saves screenshots under
//! `target/tmp/browser/` and checks the page: every fact of the JSON report
//! is there, every link within the page resolves, no request leaves the
//! file, no console error, ledger markup shows as text, headings go in order,
//! text has enough contrast, and nothing overflows the phone's width.
//!
//! Without a browser the test says so and passes, except in CI (`CI=true`),
//! where it fails: `.ci/run` installs Debian's `chromium`.

use crate::cdp::{Browser, find_chromium};
use crate::reports::{bundled, changed_ledger, report_facts};
use crate::util::{Env, shared};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Where the screenshots go.
fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&d).expect("create the output directory");
    d
}

/// What the page says about itself, gathered in the page.
const PROBE: &str = r#"(() => {
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const lum = c => {
    const m = c.match(/[\d.]+/g).map(Number);
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return [0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]), m.length > 3 ? m[3] : 1];
  };
  const background = e => {
    for (let x = e; x; x = x.parentElement) {
      const b = getComputedStyle(x).backgroundColor;
      if (lum(b)[1] > 0) return lum(b)[0];
    }
    return 1;
  };
  const lowContrast = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || e.getClientRects().length === 0) continue;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const inSvg = e.closest('svg');
    const fg = lum(inSvg ? s.fill : s.color)[0];
    const bg = inSvg ? 1 : background(e);
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) lowContrast.push(n.textContent.trim().slice(0, 40) + ' (' + ratio.toFixed(2) + ')');
  }
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => Number(h.tagName[1]));
  const skipped = levels.filter((l, i) => i > 0 && l > levels[i - 1] + 1).length;
  return {
    text: document.body.innerText.replace(/\s+/g, ' '),
    title: document.title,
    broken: links.filter(h => h.startsWith('#') && !document.getElementById(decodeURIComponent(h.slice(1)))),
    external: links.filter(h => !h.startsWith('#')),
    citeLinks: [...document.querySelectorAll('a.cite')].map(a => a.getAttribute('href')),
    duplicateIds: ids.filter((x, i) => ids.indexOf(x) !== i),
    hasId: ids,
    scripts: document.querySelectorAll('script').length,
    embedded: document.querySelectorAll('img,iframe,object,embed,video,audio,link,form,input').length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    timelines: [...document.querySelectorAll('svg.timeline')].map(s => ({
      label: s.getAttribute('aria-labelledby'),
      title: (s.querySelector('title') || {}).textContent || '',
      desc: (s.querySelector('desc') || {}).textContent || '',
    })),
    marks: document.querySelectorAll('#appendix mark').length,
    sides: document.querySelectorAll('.sides .side').length,
    landmarks: ['header', 'nav', 'main', 'footer'].map(t => document.querySelectorAll(t).length),
    h1: document.querySelectorAll('h1').length,
    skipped,
    lowContrast,
    width: document.documentElement.scrollWidth,
  };
})()"#;

/// One page opened at one width: the probe's findings and what the browser
/// reported meanwhile.
struct Visit {
    dom: Value,
    events: Vec<Value>,
}

fn visit(b: &mut Browser, file: &Path, name: &str, width: u32, mobile: bool) -> Visit {
    b.viewport(width, if mobile { 844 } else { 900 }, mobile);
    b.take_events();
    let url = format!("file://{}", file.display());
    b.navigate(&url);
    let dom = b.eval(PROBE);
    let png = b.screenshot(width, if mobile { 3200 } else { 2400 });
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: not a PNG");
    let shot = out_dir().join(format!("{name}.png"));
    std::fs::write(&shot, &png).expect("save the screenshot");
    eprintln!("browser: saved {}", shot.display());
    let events = b.take_events();
    Visit { dom, events }
}

/// The checks every page passes, at every width.
fn check_page(v: &Visit, file: &Path, name: &str, width: u32) {
    let d = &v.dom;
    let url = format!("file://{}", file.display());
    // No request but the file itself.
    let requests: Vec<&str> = v
        .events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .map(|e| e["params"]["request"]["url"].as_str().unwrap_or(""))
        .filter(|u| *u != url)
        .collect();
    assert!(
        requests.is_empty(),
        "{name}: the page requested {requests:?}"
    );
    // No console error, exception or error log entry (a blocked load would
    // log one).
    let errors: Vec<&Value> = v
        .events
        .iter()
        .filter(|e| {
            let p = &e["params"];
            match e["method"].as_str() {
                Some("Runtime.exceptionThrown") => true,
                Some("Runtime.consoleAPICalled") => {
                    matches!(p["type"].as_str(), Some("error" | "assert" | "warning"))
                }
                Some("Log.entryAdded") => {
                    matches!(p["entry"]["level"].as_str(), Some("error" | "warning"))
                }
                _ => false,
            }
        })
        .collect();
    assert!(errors.is_empty(), "{name}: console errors {errors:?}");
    assert_eq!(
        d["broken"],
        serde_json::json!([]),
        "{name}: links to no element"
    );
    assert_eq!(
        d["duplicateIds"],
        serde_json::json!([]),
        "{name}: ids used twice"
    );
    assert_eq!(d["scripts"], 0, "{name}: a script element");
    assert_eq!(d["embedded"], 0, "{name}: an embedded or loading element");
    assert_eq!(d["handlers"], 0, "{name}: an event handler attribute");
    for href in d["external"].as_array().unwrap() {
        let h = href.as_str().unwrap();
        assert!(
            h.starts_with("https://") || h.starts_with("http://"),
            "{name}: a link to {h}"
        );
    }
    assert_eq!(
        d["landmarks"],
        serde_json::json!([1, 1, 1, 1]),
        "{name}: landmarks"
    );
    assert_eq!(d["h1"], 1, "{name}: one h1");
    assert_eq!(d["skipped"], 0, "{name}: a heading level skipped");
    assert_eq!(
        d["lowContrast"],
        serde_json::json!([]),
        "{name}: low contrast text"
    );
    // Wider than the device, a page would have to be zoomed out or scrolled
    // sideways to be read (on a phone the browser zooms out to fit it, so
    // compare with the device's width, not the window's).
    assert!(
        d["width"].as_u64().unwrap_or(u64::MAX) <= u64::from(width),
        "{name}: the page is {}px wide, wider than the {width}px device",
        d["width"]
    );
    for t in d["timelines"].as_array().unwrap() {
        assert_eq!(t["label"], "tl-title tl-desc", "{name}");
        assert!(
            t["title"].as_str().unwrap().starts_with("Timeline of "),
            "{name}"
        );
        assert!(!t["desc"].as_str().unwrap().is_empty(), "{name}");
    }
}

/// Every fact in `facts` is in the page: its statement as text, and the
/// element its links point at.
fn check_facts(v: &Visit, facts: &[&Value], name: &str) {
    let text = v.dom["text"].as_str().unwrap();
    let ids: Vec<&str> = v.dom["hasId"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(!facts.is_empty(), "{name}: no facts to look for");
    for f in facts {
        let id = f["id"].as_str().unwrap();
        let statement: String = f["statement"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(&statement),
            "{name}: fact {id} not shown: {statement}"
        );
        assert!(
            ids.contains(&format!("fact-{id}").as_str()),
            "{name}: no #fact-{id}"
        );
    }
}

/// Runs `ledger ARGS` in `env` and writes its output to `file`.
fn render(env: &Env, args: &[&str], file: &Path) -> String {
    let out = env.ok(args).stdout;
    std::fs::write(file, &out).expect("write the page");
    out
}

#[test]
fn reports_in_a_real_browser() {
    let Some(chromium) = find_chromium() else {
        assert!(
            !in_ci(),
            "no Chromium found (chromium, chromium-browser, google-chrome on PATH, or LEDGER_CHROMIUM): .ci/run installs Debian's chromium"
        );
        eprintln!(
            "skipped: no Chromium found (install Debian's `chromium`, or set LEDGER_CHROMIUM); the HTML report was not checked in a browser"
        );
        return;
    };
    let out = out_dir();
    let mut env = Env::new();
    let ledger_path = changed_ledger(&mut env);
    // The bundled ledger with its archived texts, from ../shared/seeds.
    env.write(
        "ledger/canada-dprk.jsonl",
        std::fs::read(bundled()).expect("read the bundled ledger"),
    );
    let archived = match shared() {
        Some(s) => {
            for f in std::fs::read_dir(s.join("seeds")).expect("read seeds") {
                let f = f.expect("seed").path();
                let bytes = std::fs::read(&f).expect("read a seed");
                let digest = ledger::hash::sha256(&bytes).to_hex();
                env.write(&format!("ledger/sources/{digest}.txt"), &bytes);
            }
            true
        }
        None if in_ci() => {
            panic!("../shared is missing in CI: the archived texts come from its seeds")
        }
        None => {
            eprintln!(
                "note: ../shared not found: the report is checked without its archived texts (no appendix)"
            );
            false
        }
    };
    let report = env.path().join("report.html");
    let diff = env.path().join("diff.html");
    let hostile = env.path().join("hostile.html");
    let l = "ledger/canada-dprk.jsonl";
    render(
        &env,
        &[
            "--ledger",
            l,
            "summary",
            "--as-of",
            "2019-12-31",
            "--format",
            "html",
        ],
        &report,
    );
    let summary_json: Value = serde_json::from_str(
        &env.ok(&[
            "--ledger",
            l,
            "summary",
            "--as-of",
            "2019-12-31",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    render(
        &env,
        &[
            "--ledger",
            ledger_path,
            "diff",
            "--from",
            "40",
            "--format",
            "html",
        ],
        &diff,
    );
    let diff_json: Value = serde_json::from_str(
        &env.ok(&[
            "--ledger",
            ledger_path,
            "diff",
            "--from",
            "40",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    // A ledger whose text is markup and script.
    let h = crate::reports::hostile_ledger(&env);
    render(
        &env,
        &["--ledger", h, "summary", "--format", "html"],
        &hostile,
    );
    std::fs::copy(&report, out.join("summary.html")).expect("keep the page");
    std::fs::copy(&diff, out.join("diff.html")).expect("keep the page");

    let mut b = Browser::start(&chromium, &out.join("chromium.log"));
    for (width, mobile, tag) in [(1280, false, "desktop"), (390, true, "phone")] {
        let v = visit(&mut b, &report, &format!("summary-{tag}"), width, mobile);
        // The discrepancies, side by side, for docs/USAGE.md.
        let png = b.screenshot_from("document.getElementById('discrepancies')", width, 1400);
        std::fs::write(out.join(format!("summary-discrepancies-{tag}.png")), png)
            .expect("save the screenshot");
        check_page(&v, &report, &format!("summary at {tag} width"), width);
        check_facts(&v, &report_facts(&summary_json), "summary");
        assert_eq!(v.dom["timelines"].as_array().unwrap().len(), 1);
        // The side-by-side views of the discrepancies: two sides each.
        assert_eq!(
            v.dom["sides"].as_u64().unwrap() as usize,
            2 * summary_json["discrepancies"].as_array().unwrap().len()
        );
        if archived {
            assert!(v.dom["marks"].as_u64().unwrap() > 20, "cited spans marked");
            // Citations link into the archived texts, to the span or its
            // paragraph.
            for href in v.dom["citeLinks"].as_array().unwrap() {
                let h = href.as_str().unwrap();
                assert!(h.starts_with("#s1-p") || h.starts_with("#s2-p"), "{h}");
            }
        }

        if !mobile {
            // Printed: on an A4 page (794 CSS pixels wide) the navigation is
            // left out and nothing is wider than the page.
            b.call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"media": "print"}),
            );
            b.viewport(794, 1123, false);
            let printed = b.eval(
                "({nav: getComputedStyle(document.querySelector('nav')).display, width: document.documentElement.scrollWidth})",
            );
            assert_eq!(printed["nav"], "none", "the navigation is printed");
            assert!(
                printed["width"].as_u64().unwrap_or(u64::MAX) <= 794,
                "printed, the page is {}px wide",
                printed["width"]
            );
            let pdf = b.call(
                "Page.printToPDF",
                serde_json::json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": true}),
            );
            let pdf = crate::cdp::base64(pdf["data"].as_str().expect("PDF data"));
            assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
            std::fs::write(out.join("summary.pdf"), pdf).expect("save the PDF");
            b.call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"media": ""}),
            );
        }
        let v = visit(&mut b, &diff, &format!("diff-{tag}"), width, mobile);
        check_page(&v, &diff, &format!("diff at {tag} width"), width);
        let mut facts: Vec<&Value> = Vec::new();
        facts.extend(diff_json["added"].as_array().unwrap());
        for s in diff_json["superseded"].as_array().unwrap() {
            facts.push(&s["old"]);
            facts.push(&s["new"]);
        }
        facts.extend(
            diff_json["retracted"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["fact"]),
        );
        facts.extend(
            diff_json["disputed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["fact"]),
        );
        check_facts(&v, &facts, "diff");

        let v = visit(&mut b, &hostile, &format!("hostile-{tag}"), width, mobile);
        check_page(
            &v,
            &hostile,
            &format!("hostile report at {tag} width"),
            width,
        );
        let text = v.dom["text"].as_str().unwrap();
        for shown in crate::reports::HOSTILE_SHOWN {
            assert!(
                text.contains(shown),
                "the page does not show {shown:?} as text"
            );
        }
        assert_eq!(v.dom["title"], "State of relations: Canada – North Korea");
    }
}
