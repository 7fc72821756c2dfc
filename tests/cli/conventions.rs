//! Command-line conventions: colour only where asked for or on a terminal,
//! GitHub annotations from `verify`, and error displays.

use crate::fixture::{LEDGER, join, lines, replace, sample};
use crate::util::{Env, Run};

const ESC: char = '\u{1b}';

/// A sample ledger with one edited statement (a hash mismatch on line 4) and one
/// deleted line (a seq jump and a broken link on line 6).
fn damaged_env() -> Env {
    let env = Env::new();
    let mut l = lines(&sample(&env));
    l[3] = replace(&l[3], "in 2001", "in 2002");
    l.remove(5);
    env.write(LEDGER, join(&l));
    env
}

fn verify(env: &Env, extra: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut args = vec!["--ledger", LEDGER, "verify"];
    args.extend_from_slice(extra);
    let r = env.run_with_env(&args, vars, None);
    assert_eq!(r.code, 1, "{r}");
    r
}

#[test]
fn verify_github_annotations() {
    let env = damaged_env();
    let r = verify(&env, &["--format", "github"], &[]);
    insta::assert_snapshot!(r.to_string());
    let annotations: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 3, "{r}");
    for a in &annotations {
        assert!(a.contains("file=ledger/test.jsonl,line="), "{a}");
        // A workflow command is one line: newlines inside are escaped.
        assert!(!a.contains('\r'), "{a}");
    }
    assert!(
        r.stdout
            .ends_with("FAILED: ledger/test.jsonl: 3 problems in 6 lines\n"),
        "{r}"
    );

    let ok = Env::new();
    sample(&ok);
    let r = ok.run(&["--ledger", LEDGER, "verify", "--format", "github"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.starts_with("ok: ledger/test.jsonl: 7 entries"),
        "{r}"
    );
    assert!(!r.stdout.contains("::"), "{r}");
}

#[test]
fn colour_only_when_asked_for_or_on_a_terminal() {
    let env = damaged_env();
    // Piped output under `auto` (the default) and under `never`: no escapes.
    for args in [&[][..], &["--color", "never"], &["--color=auto"]] {
        let r = verify(&env, args, &[]);
        assert!(!r.stdout.contains(ESC), "{args:?}: {r}");
    }
    // `always` colours even a pipe; so does CLICOLOR_FORCE under auto.
    let r = verify(&env, &["--color", "always"], &[]);
    assert!(r.stdout.contains(ESC), "{r}");
    let r = verify(&env, &[], &[("CLICOLOR_FORCE", "1")]);
    assert!(r.stdout.contains(ESC), "{r}");
    // NO_COLOR beats CLICOLOR_FORCE under auto, but not an explicit --color always.
    let r = verify(&env, &[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!r.stdout.contains(ESC), "{r}");
    let r = verify(&env, &["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(r.stdout.contains(ESC), "{r}");
    // Machine formats are never coloured.
    for format in ["json", "github"] {
        let r = verify(&env, &["--color", "always", "--format", format], &[]);
        assert!(!r.stdout.contains(ESC), "{format}: {r}");
    }
    // Errors on stderr follow the same rule.
    let r = env.run(&["--color", "always", "--ledger", "missing.jsonl", "verify"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains(ESC), "{r}");
    let r = env.run(&["--ledger", "missing.jsonl", "verify"]);
    assert!(!r.stderr.contains(ESC), "{r}");
}
