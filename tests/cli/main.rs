//! Integration tests: they drive the real `ledger` binary in temporary
//! directories with a fixed clock (see `util`).

mod browser;
mod cdp;
mod concurrency;
mod conventions;
mod crash;
mod data;
mod diff;
mod diff_props;
mod escaping;
mod fixture;
mod fuzz;
mod git;
mod golden;
mod hostile;
mod html;
mod independent;
mod jcs;
mod merge_props;
mod precommit;
mod props;
mod refusals;
mod reliability;
mod replay_props;
mod reports;
mod scale;
mod schemas;
mod seams;
mod since;
mod summary;
mod util;
mod verify;
mod writes;
