//! One module per command.

pub mod head;
pub mod init;
pub mod repair;
pub mod verify;
