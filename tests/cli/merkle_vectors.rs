//! The public RFC 6962 / RFC 9162 proof vectors of transparency-dev/merkle
//! (`testdata/`, read from `../shared/merkle-testdata`; see its README),
//! including those that must fail: every inclusion and consistency case is
//! checked by `ledger::merkle` and must succeed exactly when `wantErr` is
//! false. Skipped with a message when `../shared` is absent, except in CI
//! (`CI=true`), where that is a failure.

use crate::util::shared;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn testdata() -> Option<PathBuf> {
    match shared() {
        Some(s) => Some(s.join("merkle-testdata")),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("../shared/merkle-testdata is missing, and CI must run the Merkle vectors")
        }
        None => {
            println!("skipped: ../shared/merkle-testdata not found (the Merkle proof vectors)");
            None
        }
    }
}

/// Every `*.json` file under `dir`, sorted.
fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn b64(v: &Value) -> Vec<u8> {
    // The negative cases hold garbage, but always valid base64.
    STANDARD
        .decode(v.as_str().expect("base64 string"))
        .expect("valid base64")
}

fn read(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).expect("read vector");
    serde_json::from_str(&text).expect("vector is JSON")
}

#[test]
fn inclusion_vectors() {
    let Some(dir) = testdata() else { return };
    let files = cases(&dir.join("inclusion"));
    assert!(files.len() > 20, "only {} inclusion vectors", files.len());
    let (mut good, mut bad) = (0, 0);
    for f in files {
        let v = read(&f);
        let proof: Vec<Vec<u8>> = v["proof"]
            .as_array()
            .map(|a| a.iter().map(b64).collect())
            .unwrap_or_default();
        let got = ledger::merkle::verify_inclusion(
            v["leafIdx"].as_u64().expect("leafIdx"),
            v["treeSize"].as_u64().expect("treeSize"),
            &b64(&v["leafHash"]),
            &proof,
            &b64(&v["root"]),
        );
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        assert_eq!(
            got.is_err(),
            want_err,
            "{} ({}): got {got:?}",
            f.display(),
            v["desc"]
        );
        if want_err { bad += 1 } else { good += 1 }
    }
    assert!(
        good > 0 && bad > 0,
        "{good} passing and {bad} failing cases"
    );
}

#[test]
fn consistency_vectors() {
    let Some(dir) = testdata() else { return };
    let files = cases(&dir.join("consistency"));
    assert!(files.len() > 20, "only {} consistency vectors", files.len());
    let (mut good, mut bad) = (0, 0);
    for f in files {
        let v = read(&f);
        let proof: Vec<Vec<u8>> = v["proof"]
            .as_array()
            .map(|a| a.iter().map(b64).collect())
            .unwrap_or_default();
        let got = ledger::merkle::verify_consistency(
            v["size1"].as_u64().expect("size1"),
            v["size2"].as_u64().expect("size2"),
            &proof,
            &b64(&v["root1"]),
            &b64(&v["root2"]),
        );
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        assert_eq!(
            got.is_err(),
            want_err,
            "{} ({}): got {got:?}",
            f.display(),
            v["desc"]
        );
        if want_err { bad += 1 } else { good += 1 }
    }
    assert!(
        good > 0 && bad > 0,
        "{good} passing and {bad} failing cases"
    );
}
