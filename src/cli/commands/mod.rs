//! One module per command.

pub mod add;
pub mod cite_check;
pub mod completions;
pub mod define;
pub mod diff;
pub mod dispute;
pub mod export;
pub mod git_setup;
pub mod head;
pub mod import;
pub mod init;
pub mod log;
pub mod man;
pub mod merge_driver;
pub mod overview;
pub mod rebase;
pub mod repair;
pub mod retract;
pub mod show;
pub mod source;
pub mod sources;
pub mod summary;
pub mod supersede;
pub mod verify;
