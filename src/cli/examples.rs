//! The "Examples:" block of every command's `--help`, kept in one table so a
//! new command needs one entry here (a test fails for a command without one,
//! and runs every example against a small ledger).
//!
//! Each example is a comment line (`# ...`) followed by one shell command line.
//! The test's ledger (under `./ledger/`) holds sources `globe` (archived as
//! `article.txt`) and `transl`, and a fact `embassy-study`; `batch.jsonl` is an
//! import file.

/// `(command path, examples)`; the path is the subcommand names joined by a
/// space (`source add`), the empty path is `ledger` itself.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "",
        "\
# Inside a project: which ledger is used, its head and counts
ledger
# Check the ledger found under ./ledger/
ledger verify
# The state-of-relations report
ledger summary",
    ),
    (
        "init",
        "\
# Create ledger/canada-north-korea-relations.jsonl
ledger init --title \"Canada – North Korea relations\"
# Create a ledger at a chosen path
ledger --ledger notes/trial.jsonl init --title \"Trial\"",
    ),
    (
        "verify",
        "\
# Check the ledger found under ./ledger/ (exit 1 if it has problems)
ledger verify
# Also require history up to a pinned head to be unchanged
ledger verify --anchor \"$(ledger head)\"
# In GitHub Actions: problems become annotations on the pull request
ledger verify --format github
# For scripts
ledger verify --format json --max-errors 10
# Also check every citation against the archived texts (see `cite-check`)
ledger verify --citations",
    ),
    (
        "head",
        "\
# Print SEQ:HASH of the last entry, to pin with `verify --anchor`
ledger head
ledger head --format json
# The head of a ledger read from standard input (e.g. from `git show`)
ledger head --stdin < ledger/test.jsonl",
    ),
    (
        "git-setup",
        "\
# Once in each clone: merge ledgers with `ledger merge-driver`
ledger git-setup
# Use another program as the driver (e.g. a pinned path)
ledger git-setup --program /usr/local/bin/ledger",
    ),
    (
        "merge-driver",
        "\
# Git runs it (after `ledger git-setup`); by hand: BASE OURS THEIRS, result in OURS
ledger merge-driver base.jsonl ours.jsonl theirs.jsonl",
    ),
    (
        "rebase",
        "\
# Put this copy's own entries after those of another copy of the ledger
ledger --ledger offline.jsonl rebase --onto ledger/test.jsonl",
    ),
    (
        "repair",
        "\
# After an interrupted write: move a torn last line to a side file
ledger repair",
    ),
    (
        "source",
        "\
# Register a source with an archived copy of its text
ledger source add --id globe-2020 --title \"Report on Canada's secret talks\" --publisher \"The Globe and Mail\" --published 2020 --file article.txt",
    ),
    (
        "source add",
        "\
# Register a source with an archived copy of its text
ledger source add --id globe-2020 --title \"Report on Canada's secret talks\" --publisher \"The Globe and Mail\" --published 2020 --language en --file article.txt
# Register a translation of it
ledger source add --id globe-ko --title \"Canada moved closer to North Korea\" --publisher \"Unknown\" --derived-from globe --derivation translation",
    ),
    (
        "add",
        "\
# A fact, cited to a paragraph of a source with a verbatim quote
ledger add --subject CA-KP --topic embassy --modality considered --statement \"Canada studied reopening its embassy in Pyongyang.\" --source globe --locator p1 --quote \"studying the possibility of reopening its embassy\" --valid-from 2019 --id embassy-reopening
# A fact with a structured value, cited to two sources
ledger add --subject CA-KP --topic embassy --statement \"Canada has no embassy in Pyongyang.\" --value '{\"embassy\":\"closed\"}' --source globe --locator p1 --source transl",
    ),
    (
        "supersede",
        "\
# Correct a fact: the new version cites its evidence; the old stays in history
ledger supersede embassy-study --reason \"the report dates the study to 2018\" --source globe --locator p1 --valid-from 2018 --id embassy-study-2018",
    ),
    (
        "retract",
        "\
# Withdraw a fact that rested on a bad translation
ledger retract embassy-study --reason mistranslated --note \"the original says 'studying', not 'ready'\"",
    ),
    (
        "dispute",
        "\
# Record that a derived source goes further than the fact
ledger dispute embassy-study --source transl --locator p1 --difference overstates --statement \"Says Ottawa was ready to reopen the embassy.\"",
    ),
    (
        "define",
        "\
# Add an actor and a topic to the vocabulary
ledger define actor HANVOICE --label \"HanVoice\"
ledger define topic sanctions-relief --label \"Sanctions relief\" --note \"Exemptions and waivers\"",
    ),
    (
        "import",
        "\
# Append every entry of a file, or none of them
ledger import batch.jsonl",
    ),
    (
        "log",
        "\
# Every entry
ledger log
# Facts about Canada and North Korea under one topic
ledger log --kind fact --subject CA-KP --topic embassy
ledger log --format json",
    ),
    (
        "show",
        "\
# A fact with every supersession, retraction and dispute
ledger show embassy-study
# A source with the facts that cite it
ledger show globe
# Each cited span in its paragraph of the archived text, marked
ledger show embassy-study --evidence",
    ),
    (
        "locate",
        "\
# Where a quote is in the archived text of `globe`: pN:A-B, then the paragraph
ledger locate globe \"reopening its embassy in Pyongyang\"
# Straight quotes and hyphens find curly quotes and dashes; for scripts
ledger locate globe \"Canada was studying\" --format json",
    ),
    (
        "sources",
        "\
ledger sources
ledger sources --format json",
    ),
    (
        "cite-check",
        "\
# Check the citations of every source against its archived text
ledger cite-check
# One source, against a copy of its text
ledger cite-check globe article.txt",
    ),
    (
        "summary",
        "\
# The report as Markdown
ledger summary
# What was in force at the end of 2018, as plain text
ledger summary --as-of 2018 --format text
# What the ledger knew after entry 3
ledger summary --at 3 --format json
# With the quote of every citation under its fact
ledger summary --quotes",
    ),
    (
        "keygen",
        "\
# A log key pair: example.org_relations.key (secret) and example.org_relations.pub
ledger keygen example.org/relations
# A witness key pair, for `ledger cosign`, in keys/
ledger keygen witness.example/w1 --witness --out keys",
    ),
    (
        "checkpoint",
        "\
# Sign the ledger's tree with a log key and keep the checkpoint beside the ledger
ledger keygen example.org/relations
ledger checkpoint --key example.org_relations.key > ledger/test.checkpoint
# The tree of the first two entries, for another origin, as JSON
ledger checkpoint --key example.org_relations.key --at 1 --origin example.org/other --format json",
    ),
    (
        "check-checkpoint",
        "\
# Check a checkpoint with the log's verifier key (a file or the key text)
ledger keygen example.org/relations
ledger checkpoint --key example.org_relations.key > ledger/test.checkpoint
ledger check-checkpoint ledger/test.checkpoint --key example.org_relations.pub
# A checkpoint of Go's checksum database, with its published key
ledger check-checkpoint go.checkpoint --key sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8 --origin \"go.sum database tree\"",
    ),
    (
        "cosign",
        "\
# The log signs a checkpoint; a witness checks it against the ledger and cosigns it
ledger keygen example.org/relations
ledger keygen witness.example/w1 --witness
ledger checkpoint --key example.org_relations.key > ledger/test.checkpoint
ledger cosign ledger/test.checkpoint --key witness.example_w1.key --log-key example.org_relations.pub --state witness-state > cosigned.checkpoint
# Readers then require the witness's cosignature
ledger verify --checkpoint cosigned.checkpoint --key example.org_relations.pub --witness witness.example_w1.pub
# After the log grew: cosign its new checkpoint from a consistency proof instead of the ledger
ledger define actor HANVOICE --label HanVoice
ledger checkpoint --key example.org_relations.key > new.checkpoint
ledger consistency --from 4 > grew.json
ledger cosign new.checkpoint --key witness.example_w1.key --log-key example.org_relations.pub --state witness-state --proof grew.json",
    ),
    (
        "prove",
        "\
# Prove that fact embassy-study is in the ledger, for a reader who has a checkpoint
ledger prove embassy-study > embassy-study.proof.json
# Entry 1, in the tree of the first 3 entries (an older checkpoint's size)
ledger prove 1 --size 3",
    ),
    (
        "consistency",
        "\
# Prove that the tree of the first 2 entries is a prefix of today's
ledger consistency --from 2
ledger consistency --from 2 --to 3",
    ),
    (
        "check-proof",
        "\
# Check a proof of a fact against a signed checkpoint, without the ledger
ledger keygen example.org/relations
ledger checkpoint --key example.org_relations.key > now.checkpoint
ledger prove embassy-study > embassy-study.proof.json
ledger check-proof embassy-study.proof.json --checkpoint now.checkpoint --key example.org_relations.pub
# A consistency proof needs the checkpoints of both sizes
ledger checkpoint --key example.org_relations.key --at 1 > old.checkpoint
ledger consistency --from 2 > grew.json
ledger check-proof grew.json --checkpoint old.checkpoint --checkpoint now.checkpoint --key example.org_relations.pub",
    ),
    (
        "publish",
        "\
# Publish the ledger's tree for any static host (public/checkpoint, public/tile/...)
ledger keygen example.org/relations
ledger publish public --key example.org_relations.key
# After new entries, publish again: only the changed tiles are rewritten
ledger define actor HANVOICE --label HanVoice
ledger publish public --key example.org_relations.key --format json",
    ),
    (
        "check-published",
        "\
# Check a published log, and that fact embassy-study is in it, from its files alone
ledger keygen example.org/relations
ledger publish public --key example.org_relations.key
ledger check-published public --key example.org_relations.pub
ledger check-published public --key example.org_relations.pub --prove embassy-study --line \"$(grep '\"id\":\"embassy-study\"' ledger/test.jsonl)\"",
    ),
    (
        "diff",
        "\
# What changed since entry 2 (a seq, or SEQ:HASH from a report's header or `ledger head`)
ledger diff --from 2
# Since a day, as plain text, for one topic
ledger diff --from 2026-01-03 --format text --topic embassy
# Between two entries, for scripts
ledger diff --from 1 --to 3 --format json",
    ),
    (
        "export",
        "\
# Every fact, for a spreadsheet
ledger export > facts.csv
# The facts under one topic, one JSON object per line
ledger export --format jsonl --topic embassy",
    ),
    (
        "completions",
        "\
# Install completions for fish
mkdir -p ~/.config/fish/completions && ledger completions fish > ~/.config/fish/completions/ledger.fish
# For bash, in ~/.bashrc: eval \"$(ledger completions bash)\"
ledger completions bash > ledger.bash",
    ),
    (
        "man",
        "\
# The manual page of `ledger` (read it with `man -l ledger.1`)
ledger man > ledger.1
# One page per command, ledger.1, ledger-verify.1, ...
ledger man --out man/",
    ),
];

/// The examples of the command at `path` (`""`, `"verify"`, `"source add"`).
pub fn examples(path: &str) -> Option<&'static str> {
    EXAMPLES.iter().find(|(p, _)| *p == path).map(|(_, e)| *e)
}

/// The example command lines (without their comments) of the command at `path`.
pub fn commands(path: &str) -> Vec<&'static str> {
    examples(path)
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

/// Adds each command's examples to its `--help`, recursively.
pub fn apply(cmd: clap::Command) -> clap::Command {
    apply_at(cmd, "")
}

fn apply_at(cmd: clap::Command, path: &str) -> clap::Command {
    let cmd = match examples(path) {
        Some(e) => {
            let block: String = e.lines().map(|l| format!("  {l}\n")).collect();
            cmd.after_help(format!("Examples:\n{}", block.trim_end()))
        }
        None => cmd,
    };
    let path = path.to_string();
    cmd.mut_subcommands(move |sub| {
        let name = sub.get_name().to_string();
        let sub_path = if path.is_empty() {
            name
        } else {
            format!("{path} {name}")
        };
        apply_at(sub, &sub_path)
    })
}
