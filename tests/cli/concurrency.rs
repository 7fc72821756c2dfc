//! Concurrent writers: appends under the file lock never fork or lose entries.

use crate::fixture::{LEDGER, ledger_path, lines, object, source, verify_bytes};
use crate::util::{Env, NOW};
use ledger::entry::{Body, SourceType};
use std::sync::{Arc, Barrier};

const WRITERS: usize = 8;
const EACH: usize = 25;

#[test]
fn concurrent_appends_neither_fork_nor_lose_entries() {
    let env = Env::new();
    env.init();
    let path = ledger_path(&env);
    let start = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let path = path.clone();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                for i in 0..EACH {
                    let id = format!("w{w}-{i}");
                    let body =
                        Body::Source(source(&id, "A title", "A publisher", SourceType::Report));
                    // Half the writers take the O(1) path, half the checked one.
                    if w % 2 == 0 {
                        ledger::store::lock(&path)
                            .and_then(|mut l| l.append(NOW, vec![body]))
                            .expect("append");
                    } else {
                        ledger::store::append_checked(&path, NOW, |_, _| Ok(vec![body]))
                            .expect("append_checked");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }

    let bytes = env.read(LEDGER);
    let report = verify_bytes(&bytes, Vec::new());
    assert!(report.ok(), "{:#?}", report.problems);
    assert_eq!(report.entries, 1 + (WRITERS * EACH) as u64);
    // Every writer's entries are all there, each once, in its own order.
    let ids: Vec<String> = lines(&bytes)[1..]
        .iter()
        .map(|l| object(l)["body"]["id"].as_str().expect("id").to_string())
        .collect();
    for w in 0..WRITERS {
        let mine: Vec<&String> = ids
            .iter()
            .filter(|id| id.starts_with(&format!("w{w}-")))
            .collect();
        let expected: Vec<String> = (0..EACH).map(|i| format!("w{w}-{i}")).collect();
        assert_eq!(mine, expected.iter().collect::<Vec<_>>(), "writer {w}");
    }
    let r = env.ok(&["--ledger", LEDGER, "verify"]);
    assert!(
        r.stdout.starts_with("ok: ledger/test.jsonl: 201 entries"),
        "{r}"
    );
}

#[test]
fn concurrent_processes_neither_fork_nor_lose_entries() {
    // The same through the binary: separate processes, each with its own lock.
    let env = Env::new();
    env.init();
    let procs: Vec<_> = (0..WRITERS)
        .map(|w| {
            let dir = env.path().to_path_buf();
            std::thread::spawn(move || {
                for i in 0..EACH / 5 {
                    let out = std::process::Command::new(crate::util::bin())
                        .args(["--ledger", LEDGER, "define", "topic"])
                        .arg(format!("topic-{w}-{i}"))
                        .args(["--label", "A topic"])
                        .current_dir(&dir)
                        .env("LEDGER_NOW", NOW)
                        .env_remove("LEDGER_PATH")
                        .output()
                        .expect("run ledger");
                    assert!(out.status.success(), "{out:?}");
                }
            })
        })
        .collect();
    for p in procs {
        p.join().expect("writer");
    }
    let report = verify_bytes(&env.read(LEDGER), Vec::new());
    assert!(report.ok(), "{:#?}", report.problems);
    assert_eq!(report.entries, 1 + (WRITERS * (EACH / 5)) as u64);
}
