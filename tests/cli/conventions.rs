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
    // So does clap's own help.
    let r = env.run(&["--color", "always", "verify", "--help"]);
    assert!(r.stdout.contains(ESC), "{r}");
    let r = env.run(&["verify", "--help"]);
    assert!(!r.stdout.contains(ESC), "{r}");
}

/// Every command path (`["verify"]`, `["source", "add"]`), from the same
/// definitions the binary parses with, so a new command cannot be missed.
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = vec![Vec::new()];
    walk(&ledger::cli::command(), &[], &mut out);
    out
}

#[test]
fn every_command_has_help_with_examples() {
    let env = Env::new();
    for path in command_paths() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let r = env.run(&args);
        assert_eq!(r.code, 0, "{args:?}: {r}");
        let joined = path.join(" ");
        assert!(
            r.stdout.contains("\nExamples:\n")
                && !ledger::cli::examples::commands(&joined).is_empty(),
            "`ledger {joined} --help` has no examples: add them to src/cli/examples.rs"
        );
        let name = if path.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", path.join("_"))
        };
        insta::assert_snapshot!(name, r.stdout);
    }
}

/// A project like the one the examples speak of: a ledger under ./ledger/
/// with sources `globe` (archived as article.txt) and `transl`, a fact
/// `embassy-study`, and an import file `batch.jsonl`.
fn example_project() -> Env {
    let env = Env::new();
    env.init();
    env.write(
        "article.txt",
        "Canada was studying the possibility of reopening its embassy in Pyongyang.\n",
    );
    env.ok(&[
        "source",
        "add",
        "--id",
        "globe",
        "--title",
        "Report",
        "--publisher",
        "The Globe and Mail",
        "--published",
        "2020",
        "--file",
        "article.txt",
    ]);
    env.ok(&[
        "source",
        "add",
        "--id",
        "transl",
        "--title",
        "Translation",
        "--publisher",
        "Unknown",
        "--derived-from",
        "globe",
        "--derivation",
        "translation",
    ]);
    env.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--modality",
        "considered",
        "--statement",
        "Canada studied reopening its embassy in Pyongyang.",
        "--source",
        "globe",
        "--locator",
        "p1",
        "--quote",
        "studying the possibility of reopening its embassy",
        "--valid-from",
        "2018",
        "--id",
        "embassy-study",
    ]);
    env.write(
        "batch.jsonl",
        r#"{"kind":"fact","body":{"citations":[{"source":"globe"}],"id":"no-embassy","modality":"reported","statement":"Canada has no embassy in Pyongyang.","subject":"CA-KP","topic":"embassy"}}
"#,
    );
    // A real checkpoint of Go's checksum database (for `check-checkpoint`).
    env.write("go.checkpoint", crate::signed::sumdb_checkpoint());
    // A git clone (for `git-setup`) and other copies of the ledger (for
    // `merge-driver` and `rebase`).
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(env.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", env.path())
        .status()
        .expect("run git");
    assert!(git.success(), "git init");
    let copy = String::from_utf8(env.read("ledger/test.jsonl")).expect("utf-8 ledger");
    for name in ["base.jsonl", "ours.jsonl", "theirs.jsonl", "offline.jsonl"] {
        env.write(name, &copy);
    }
    env
}

/// The "Examples:" block of a `--help` output, without its two-space indent.
fn examples_in_help(help: &str) -> String {
    let Some((_, block)) = help.split_once("\nExamples:\n") else {
        return String::new();
    };
    block
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every example in every `--help` works as written: each command's examples
/// are read from its real `--help` output (on a terminal of 80 columns, and
/// of 100), which must show them exactly as written, unwrapped; then they all
/// run, through `sh`, in the order of the examples table, in one fresh
/// directory, so an example can only use what an earlier example created
/// (see src/cli/examples.rs).
#[test]
fn every_help_example_runs() {
    use ledger::cli::examples::{EXAMPLES, MAX_LINE, joined};
    let bin_dir = crate::util::bin().parent().expect("bin dir").to_path_buf();
    let path_var = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Every command has its place in the walk-through.
    for path in command_paths() {
        let joined_path = path.join(" ");
        assert!(
            EXAMPLES.iter().any(|(p, _)| *p == joined_path),
            "`ledger {joined_path}` has no examples in src/cli/examples.rs"
        );
    }
    let env = Env::new();
    env.write(
        "article.txt",
        "Canada was studying the possibility of reopening its embassy in Pyongyang.\n",
    );
    env.write(
        "translation.txt",
        "Documents show that Ottawa was ready to reopen its embassy in Pyongyang.\n",
    );
    env.write(
        "batch.jsonl",
        r#"{"kind":"fact","body":{"citations":[{"source":"globe"}],"id":"no-embassy-2019","modality":"reported","statement":"Canada had no embassy in Pyongyang in 2019.","subject":"CA-KP","topic":"embassy","valid_from":"2019"}}
"#,
    );
    // A real checkpoint of Go's checksum database and its key.
    env.write("go.checkpoint", crate::signed::sumdb_checkpoint());
    env.write("sumdb.vkey", format!("{}\n", crate::signed::SUMDB_KEY));
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(env.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", env.path())
        .status()
        .expect("run git");
    assert!(git.success(), "git init");
    let ledger_file = "ledger/canada-north-korea-relations.jsonl";
    let mut ran = 0;
    for (path, block) in EXAMPLES {
        for line in block.lines() {
            assert!(
                line.chars().count() <= MAX_LINE,
                "an example of `ledger {path}` is longer than {MAX_LINE} characters: {line}"
            );
        }
        let mut args: Vec<&str> = path.split_whitespace().collect();
        args.push("--help");
        for columns in ["80", "100"] {
            let r = env.run_with_env(&args, &[("COLUMNS", columns)], None);
            assert_eq!(r.code, 0, "{args:?}: {r}");
            assert_eq!(
                examples_in_help(&r.stdout).trim_end(),
                *block,
                "`ledger {path} --help` at {columns} columns does not show its examples as written"
            );
        }
        match *path {
            "merge-driver" => {
                let copy = env.read(ledger_file);
                for name in ["base.jsonl", "ours.jsonl", "theirs.jsonl"] {
                    env.write(name, &copy);
                }
            }
            "rebase" => env.write("offline.jsonl", env.read(ledger_file)),
            _ => {}
        }
        let commands = joined(block);
        for (i, c) in commands.iter().enumerate() {
            assert!(
                !commands[..i].contains(c),
                "`ledger {path} --help` shows `{c}` twice"
            );
        }
        for command in commands {
            let out = std::process::Command::new("sh")
                .args(["-c", &command])
                .current_dir(env.path())
                .env("PATH", &path_var)
                .env("HOME", env.path())
                .env("LEDGER_NOW", crate::util::NOW)
                .env("LEDGER_CEILING_DIRECTORIES", env.ceiling())
                .env_remove("LEDGER_PATH")
                .env_remove("LEDGER_ID_SEED")
                .env_remove("NO_COLOR")
                .env_remove("CLICOLOR_FORCE")
                .stdin(std::process::Stdio::null())
                .output()
                .expect("run sh");
            assert!(
                out.status.success(),
                "example of `ledger {path}` failed: {command}\n--- stdout\n{}--- stderr\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 40, "only {ran} examples ran");
    // The walk-through left a ledger that verifies, with every kind in it.
    let r = env.ok(&["--ledger", ledger_file, "verify"]);
    assert!(r.stdout.starts_with("ok: "), "{r}");
    let log = env.ok(&["--ledger", ledger_file, "log"]).stdout;
    for kind in [
        "source",
        "fact",
        "dispute",
        "supersede",
        "retract",
        "define",
        "amend",
    ] {
        assert!(log.contains(&format!("  {kind} ")), "no {kind} in:\n{log}");
    }
}

#[test]
fn completions_for_every_shell() {
    let env = Env::new();
    let mut heads = String::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = env.ok(&["completions", shell]);
        for path in command_paths().iter().filter(|p| p.len() == 1) {
            assert!(r.stdout.contains(&path[0]), "{shell}: no `{}`", path[0]);
        }
        heads.push_str(&format!("--- {shell}\n"));
        for l in r.stdout.lines().take(6) {
            heads.push_str(l);
            heads.push('\n');
        }
        if shell == "bash" {
            env.write("ledger.bash", &r.stdout);
            let check = std::process::Command::new("bash")
                .args(["-n", "ledger.bash"])
                .current_dir(env.path())
                .output();
            match check {
                Ok(o) => assert!(
                    o.status.success(),
                    "bash -n: {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(e) => println!("skipped `bash -n`: cannot run bash: {e}"),
            }
        }
    }
    insta::assert_snapshot!(heads);
    let r = env.run(&["completions", "tcsh"]);
    assert_eq!(r.code, 2, "{r}");
}

#[test]
fn man_page_names_every_command() {
    let env = Env::new();
    let r = env.ok(&["man"]);
    assert!(
        r.stdout.starts_with(".ie"),
        "not roff: {}",
        &r.stdout[..80.min(r.stdout.len())]
    );
    assert!(r.stdout.contains(".TH ledger 1"), "{}", r.stdout);
    for path in command_paths().iter().filter(|p| p.len() == 1) {
        let roff_name = path[0].replace('-', "\\-");
        assert!(
            r.stdout.contains(&format!("ledger\\-{roff_name}(1)")) || r.stdout.contains(&roff_name),
            "man page does not mention `{}`",
            path[0]
        );
    }
    let r = env.ok(&["man", "--out", "man"]);
    for path in command_paths() {
        let name = std::iter::once("ledger".to_string())
            .chain(path.iter().cloned())
            .collect::<Vec<_>>()
            .join("-");
        let file = format!("man/{name}.1");
        assert!(env.path().join(&file).is_file(), "no {file}");
        assert!(
            r.stdout.contains(&file),
            "`man --out` does not say it wrote {file}: {r}"
        );
    }
}

#[test]
fn no_command_shows_the_ledger_in_use() {
    let env = example_project();
    let r = env.run(&[]);
    insta::assert_snapshot!("overview", r.to_string());
    assert_eq!(r.code, 0);
    let r = env.run_with_env(&[], &[("LEDGER_PATH", "ledger/test.jsonl")], None);
    assert!(
        r.stdout
            .starts_with("ledger: ledger/test.jsonl (from LEDGER_PATH)"),
        "{r}"
    );
    let outside = Env::new();
    let r = outside.run(&[]);
    insta::assert_snapshot!("overview_outside", r.to_string());
    assert_eq!(r.code, 2);
}

/// Long reads report progress: silent on piped stderr, a bar when forced.
#[test]
fn progress_only_on_a_terminal() {
    let runs: [(&[&str], &str); 3] = [
        (&["verify"], "verifying"),
        (&["summary"], "reading"),
        // A write reads the whole ledger only to rebuild its index.
        (&["import", "batch.jsonl"], "indexing"),
    ];
    for (args, label) in runs {
        let env = example_project();
        let index = env.path().join("ledger/.test.jsonl.idx");
        let _ = std::fs::remove_file(&index);
        let plain = env.run(args);
        assert_eq!(plain.code, 0, "{plain}");
        assert_eq!(plain.stderr, "", "progress on piped stderr: {plain}");
        let env = example_project();
        let _ = std::fs::remove_file(env.path().join("ledger/.test.jsonl.idx"));
        let r = env.run_with_env(args, &[("LEDGER_PROGRESS", "always")], None);
        assert_eq!(r.code, 0, "{r}");
        assert!(
            r.stderr.contains(label) && r.stderr.contains(" B/"),
            "{args:?}: no bar: {r}"
        );
        // The bar is on stderr only: stdout is the same with and without it.
        assert_eq!(r.stdout, plain.stdout, "{args:?}");
    }
}

/// With `--format json`, an error is one JSON object on stderr carrying what
/// the text display shows: kind, message, file, line, seq, span and help.
#[test]
fn errors_in_json_carry_the_same_information() {
    let env = example_project();
    let r = env.refused(
        "ledger/test.jsonl",
        &[
            "retract",
            "ghost",
            "--reason",
            "erroneous",
            "--format",
            "json",
        ],
        2,
    );
    let v: serde_json::Value = serde_json::from_str(&r.stderr).expect("JSON error");
    assert_eq!(v["error"]["kind"], "refused", "{r}");
    assert_eq!(v["error"]["path"], "ledger/test.jsonl", "{r}");
    assert_eq!(
        (v["error"]["line"].as_u64(), v["error"]["seq"].as_u64()),
        (Some(5), Some(4)),
        "{r}"
    );
    assert_eq!(r.stdout, "", "{r}");

    // A damaged ledger: the error names the line and the span at fault, as
    // the text display underlines it.
    let damaged = damaged_env();
    let args = [
        "--ledger", LEDGER, "define", "topic", "trade2", "--label", "T",
    ];
    let text = damaged.refused(LEDGER, &args, 1);
    insta::assert_snapshot!("damaged_refusal_text", text.to_string());
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let r = damaged.refused(LEDGER, &json_args, 1);
    insta::assert_snapshot!("damaged_refusal_json", r.to_string());
    let v: serde_json::Value = serde_json::from_str(&r.stderr).expect("JSON error");
    assert_eq!(v["error"]["kind"], "damaged");
    assert!(v["error"]["span"]["start"].is_u64(), "{r}");
    assert!(!r.stderr.contains(ESC));
}

/// A big import says where it wrote and lists its first entries and the new
/// head, not every entry.
#[test]
fn big_import_lists_its_first_entries_and_its_last() {
    let env = example_project();
    let batch: String = (0..25)
        .map(|i| {
            format!(
                r#"{{"kind":"fact","body":{{"citations":[{{"source":"globe"}}],"id":"b{i}","modality":"reported","statement":"S{i}.","subject":"CA-KP","topic":"embassy"}}}}"#
            ) + "\n"
        })
        .collect();
    env.write("big.jsonl", batch);
    let r = env.ok(&["import", "big.jsonl"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0], "appended 25 entries to ledger/test.jsonl, seq 4 to 28:",
        "{r}"
    );
    assert_eq!(lines.len(), 1 + 20 + 1 + 1, "{r}");
    assert_eq!(lines[21], "  ... 4 more", "{r}");
    let head = env.ok(&["head"]).stdout;
    let (seq, hash) = head.trim().split_once(':').expect("SEQ:HASH");
    assert_eq!(
        lines[22],
        format!("  seq {seq}: fact b24, hash {hash}"),
        "{r}"
    );
}

/// Under `auto`, a real terminal gets colour and `NO_COLOR` takes it away.
/// Runs the binary on a pseudo-terminal through util-linux `script`; skipped
/// (with a message) where `script` is not installed.
#[test]
fn auto_colours_a_terminal() {
    let env = damaged_env();
    let on_tty = |vars: &[(&str, &str)]| -> Option<String> {
        let cmd = format!("{} --ledger {LEDGER} verify", crate::util::bin().display());
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(env.path())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(vars.iter().copied())
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let Some(coloured) = on_tty(&[]) else {
        println!("skipped: util-linux `script` is not available to provide a terminal");
        return;
    };
    assert!(
        coloured.contains("error[hash]") || coloured.contains("hash"),
        "{coloured}"
    );
    assert!(
        coloured.contains(ESC),
        "no colour on a terminal: {coloured}"
    );
    let plain = on_tty(&[("NO_COLOR", "1")]).unwrap_or_default();
    assert!(plain.contains("FAILED"), "{plain}");
    assert!(!plain.contains(ESC), "colour despite NO_COLOR: {plain}");
}
