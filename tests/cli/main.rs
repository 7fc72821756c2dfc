//! Integration tests: they drive the real `ledger` binary in temporary
//! directories with a fixed clock (see `util`).

mod data;
mod summary;
mod util;
mod writes;
