//! Integration tests: they drive the real `ledger` binary in temporary
//! directories with a fixed clock (see `util`).

mod concurrency;
mod conventions;
mod crash;
mod data;
mod escaping;
mod evidence;
mod fixture;
mod fuzz;
mod git;
mod golden;
mod hostile;
mod independent;
mod independent_tlog;
mod jcs;
mod locate_props;
mod merge_props;
mod merkle_vectors;
mod precommit;
mod proofs;
mod props;
mod refusals;
mod reliability;
mod replay_props;
mod scale;
mod schemas;
mod seams;
mod signed;
mod since;
mod summary;
mod tiles;
mod util;
mod verify;
mod witness;
mod writes;
