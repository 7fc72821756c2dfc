//! Integration tests: they drive the real `ledger` binary in temporary
//! directories with a fixed clock (see `util`).

mod concurrency;
mod data;
mod fixture;
mod golden;
mod independent;
mod jcs;
mod props;
mod refusals;
mod replay_props;
mod scale;
mod schemas;
mod summary;
mod util;
mod verify;
mod writes;
