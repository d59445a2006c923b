//! What the contract suites cannot see: the number of statements each port call
//! costs, that each statement is prepared once per connection, and that a page deep
//! in a list reads no more rows than a first page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cascades;
mod pages;
mod session;
mod statements;
