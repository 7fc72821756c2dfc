//! The "Examples:" block of every command's `--help`, kept in one table so a
//! new command needs one entry here (a test fails for a command without one).
//!
//! Each example is a comment line (`# ...`) followed by one shell command,
//! which may continue on following lines after a `\` (the continuation lines
//! indented by four spaces). No line is longer than [`MAX_LINE`] characters,
//! so `--help` on a terminal of 80 columns or more never wraps one, and never
//! inside a quoted argument: what is shown can be pasted as it is.
//!
//! The table is also a walk-through: `every_help_example_runs`
//! (tests/cli/conventions.rs) reads the examples from each command's real
//! `--help` output and runs them all, in the table's order, in one fresh
//! directory, so each example may only use what an earlier one created. The
//! directory starts as a new git repository holding `article.txt` and
//! `translation.txt` (the texts of the sources `globe` and `transl`),
//! `batch.jsonl` (an import file), and `go.checkpoint` and `sumdb.vkey` (a
//! real checkpoint of Go's checksum database and its verifier key); before
//! the `merge-driver` and `rebase` examples the test copies the ledger to
//! `base.jsonl`, `ours.jsonl`, `theirs.jsonl` and `offline.jsonl`.

/// The longest example line, in characters: with `--help`'s indent of two,
/// it fits 80 columns.
pub const MAX_LINE: usize = 76;

/// `(command path, examples)`, in walk-through order; the path is the
/// subcommand names joined by a space (`source add`), the empty path is
/// `ledger` itself.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "init",
        "\
# Create ledger/canada-north-korea-relations.jsonl
ledger init --title \"Canada – North Korea relations\"
# Create a ledger at a chosen path
ledger --ledger notes/trial.jsonl init --title \"Trial\"",
    ),
    (
        "",
        "\
# Inside a project: which ledger is used, its head and counts
ledger
# Check the ledger found in the nearest ledger/ directory
ledger verify
# The state-of-relations report
ledger summary",
    ),
    (
        "source add",
        "\
# Register a source, with an archived copy of its text
ledger source add --id globe --title \"Report on Canada's secret talks\" \\
    --publisher \"The Globe and Mail\" --published 2020 --language en \\
    --file article.txt
# Register a translation of it
ledger source add --id transl --title \"Canada moved closer to North Korea\" \\
    --publisher \"Unknown\" --derived-from globe --derivation translation
# Without --id the source gets a change id, shown by a short prefix
ledger source add --title \"Weekly digest\" --publisher \"Example Weekly\"",
    ),
    (
        "source",
        "\
# Register a source, then correct its description
ledger source add --id digest --title \"Digest\" --publisher \"Example Weekly\"
ledger source amend digest --reason \"the issue is dated\" --published 2019-05",
    ),
    (
        "source amend",
        "\
# Correct a title; the old one stays in the source's history
ledger source amend globe --reason \"the headline was mistyped\" \\
    --title \"Report on Canada's secret 2018 talks\"
# Record the language of the translation, and drop a date set by mistake
ledger source amend transl --reason \"checked the archived text\" \\
    --language en --unset published
# Archive the translation's text: its citations are checked against it
ledger source amend transl --reason \"the text was found\" \\
    --file translation.txt",
    ),
    (
        "add",
        "\
# A fact cited to a paragraph of a source, with a verbatim quote
ledger add --subject CA-KP --topic embassy --modality considered \\
    --statement \"Canada studied reopening its embassy in Pyongyang.\" \\
    --source globe --locator p1 \\
    --quote \"studying the possibility of reopening its embassy\" \\
    --valid-from 2019 --id embassy-study
# Without --id: a change id (printed), typed later by any unique prefix
ledger add --subject CA-KP --topic embassy \\
    --statement \"Canada has no embassy in Pyongyang.\" \\
    --value '{\"embassy\":\"closed\"}' --source globe --locator p1 \\
    --source transl",
    ),
    (
        "dispute",
        "\
# Record that a derived source goes further than the fact; the quote is
# located in the source's archived text
ledger dispute embassy-study --source transl \\
    --quote \"ready to reopen its embassy\" --difference overstates \\
    --statement \"Ottawa was ready to reopen the embassy.\"",
    ),
    (
        "supersede",
        "\
# Correct a fact: citations, dates and the rest carry over unless given;
# the dispute still applies, so it is carried to the new version
ledger supersede embassy-study --reason \"the report dates it to 2018\" \\
    --valid-from 2018 --disputes carry --id embassy-study-2018",
    ),
    (
        "retract",
        "\
# Withdraw a fact that rested on a bad translation
ledger retract embassy-study-2018 --reason mistranslated \\
    --note \"the original says 'studying', not 'ready'\"",
    ),
    (
        "define",
        "\
# Add an actor and a topic to the vocabulary
ledger define actor HANVOICE --label \"HanVoice\"
ledger define topic sanctions-relief --label \"Sanctions relief\" \\
    --note \"Exemptions and waivers\"",
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
# Every entry, change ids shortened to a unique prefix
ledger log
# Facts about Canada and North Korea under one topic
ledger log --kind fact --subject CA-KP --topic embassy
# Every entry in full, for scripts
ledger log --format json",
    ),
    (
        "show",
        "\
# A fact with every version, dispute and retraction
ledger show embassy-study
# A source with its amendments and the facts that cite it
ledger show globe
# Each cited span in its paragraph of the archived text, marked
ledger show embassy-study --evidence",
    ),
    (
        "locate",
        "\
# Where a quote is in the archived text of `globe`, then its paragraph
ledger locate globe \"reopening its embassy in Pyongyang\"
# Straight quotes and hyphens find curly ones and dashes; any unique
# prefix of the source's id will do; for scripts
ledger locate glo \"Canada was studying\" --format json",
    ),
    (
        "sources",
        "\
# The numbered sources with their derivation chains and amendments
ledger sources
# The same for scripts
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
        "diff",
        "\
# What changed since entry 2 (a seq, or SEQ:HASH as `ledger head` prints)
ledger diff --from 2
# Since a day, as plain text, for one topic
ledger diff --from 2026-01-03 --format text --topic embassy
# Between two entries, for scripts
ledger diff --from 9 --to 12 --format json",
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
        "verify",
        "\
# Check the ledger (exit 1 if it has problems)
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
ledger head --stdin < ledger/canada-north-korea-relations.jsonl",
    ),
    (
        "repair",
        "\
# After an interrupted write: move a torn last line to a side file
ledger repair",
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
# Git runs it (after `ledger git-setup`); by hand: BASE OURS THEIRS,
# the result replaces OURS
ledger merge-driver base.jsonl ours.jsonl theirs.jsonl",
    ),
    (
        "rebase",
        "\
# Put this copy's own entries after those of another copy of the ledger
ledger --ledger offline.jsonl rebase \\
    --onto ledger/canada-north-korea-relations.jsonl",
    ),
    (
        "keygen",
        "\
# A log key pair: example.org_relations.key (secret) and its .pub
ledger keygen example.org/relations
# A witness key pair, for `ledger cosign`, in keys/
ledger keygen witness.example/w1 --witness --out keys",
    ),
    (
        "checkpoint",
        "\
# Sign the tree of every entry with the log key (see `ledger keygen`),
# and keep the checkpoint beside the ledger
ledger checkpoint --key example.org_relations.key \\
    > ledger/relations.checkpoint
# The tree of entries 0 and 1, for another origin, as JSON
ledger checkpoint --key example.org_relations.key --at 1 \\
    --origin example.org/other --format json",
    ),
    (
        "check-checkpoint",
        "\
# Check a checkpoint with the log's verifier key: a file, or the key text
ledger check-checkpoint ledger/relations.checkpoint \\
    --key example.org_relations.pub
ledger check-checkpoint ledger/relations.checkpoint \\
    --key \"$(cat example.org_relations.pub)\"
# A checkpoint of Go's checksum database, with its published key
# (sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8,
# here in the file sumdb.vkey)
ledger check-checkpoint go.checkpoint --key sumdb.vkey \\
    --origin \"go.sum database tree\"",
    ),
    (
        "cosign",
        "\
# A witness checks the log's checkpoint against the ledger and cosigns it
ledger cosign ledger/relations.checkpoint \\
    --key keys/witness.example_w1.key --log-key example.org_relations.pub \\
    --state witness-state > cosigned.checkpoint
# Readers then require the witness's cosignature
ledger verify --checkpoint cosigned.checkpoint \\
    --key example.org_relations.pub --witness keys/witness.example_w1.pub
# After the log grew: cosign its new checkpoint from a consistency proof
# from the size last cosigned (a checkpoint's second line), not the ledger
ledger define topic food-aid --label \"Food aid\"
ledger checkpoint --key example.org_relations.key > new.checkpoint
ledger consistency --from \"$(sed -n 2p cosigned.checkpoint)\" > grew.json
ledger cosign new.checkpoint --key keys/witness.example_w1.key \\
    --log-key example.org_relations.pub --state witness-state \\
    --proof grew.json",
    ),
    (
        "prove",
        "\
# Prove that fact embassy-study is in the ledger, for a checkpoint's reader
ledger prove embassy-study > embassy-study.proof.json
# Source globe's entry, named by a prefix of its id, in the tree of the
# first 3 entries (the size of an older checkpoint)
ledger prove glo --size 3",
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
ledger checkpoint --key example.org_relations.key > now.checkpoint
ledger prove embassy-study > embassy-study.proof.json
ledger check-proof embassy-study.proof.json --checkpoint now.checkpoint \\
    --key example.org_relations.pub
# A consistency proof needs the checkpoints of both sizes
ledger checkpoint --key example.org_relations.key --at 1 > old.checkpoint
ledger consistency --from 2 > grew.json
ledger check-proof grew.json --checkpoint old.checkpoint \\
    --checkpoint now.checkpoint --key example.org_relations.pub",
    ),
    (
        "publish",
        "\
# Publish the tree for a static host: public/checkpoint, public/tile/...
ledger publish public --key example.org_relations.key
# After new entries, publish again: only the changed tiles are rewritten
ledger define topic sports --label \"Sports exchanges\"
ledger publish public --key example.org_relations.key --format json",
    ),
    (
        "check-published",
        "\
# Check a published log from its files alone
ledger check-published public --key example.org_relations.pub
# Check that fact embassy-study is in it, reading only the tiles it needs
ledger check-published public --key example.org_relations.pub \\
    --prove embassy-study --line \"$(grep '\"id\":\"embassy-study\"' \\
    ledger/canada-north-korea-relations.jsonl)\"",
    ),
    (
        "completions",
        "\
# Install completions for fish
mkdir -p ~/.config/fish/completions
ledger completions fish > ~/.config/fish/completions/ledger.fish
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

/// The example commands (without their comments) of the command at `path`,
/// each with its continuation lines joined as a shell joins them.
pub fn commands(path: &str) -> Vec<String> {
    joined(examples(path).unwrap_or(""))
}

/// The commands of an examples block: comment lines dropped, and a line
/// ending in `\` joined with the next (the backslash and newline removed,
/// as `sh` removes them).
pub fn joined(block: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in block.lines() {
        let t = line.trim();
        if !open && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        let (text, more) = match line.strip_suffix('\\') {
            Some(head) => (head, true),
            None => (line, false),
        };
        match out.last_mut() {
            Some(last) if open => last.push_str(text),
            _ => out.push(text.trim_start().to_string()),
        }
        open = more;
    }
    out
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
