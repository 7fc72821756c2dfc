//! Integration tests: they drive the real `ledger` binary in temporary
//! directories with a fixed clock (see `util`).

mod concurrency;
mod conventions;
mod data;
mod fixture;
mod git;
mod golden;
mod independent;
mod jcs;
mod merge_props;
mod precommit;
mod props;
mod refusals;
mod replay_props;
mod schemas;
mod summary;
mod util;
mod verify;
mod writes;
