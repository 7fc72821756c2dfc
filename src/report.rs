//! The "state of relations" report.
