//! One module per command.

pub mod add;
pub mod define;
pub mod dispute;
pub mod head;
pub mod init;
pub mod repair;
pub mod retract;
pub mod source;
pub mod summary;
pub mod supersede;
pub mod verify;
