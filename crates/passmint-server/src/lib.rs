//! The `passmint` server: the actix-web REST API over the domain's use cases, the
//! CLI, configuration and wiring. Routes only translate between HTTP and the
//! domain; every rule lives in `passmint-domain`.

pub mod app;
pub mod cli;
pub mod compose;
pub mod config;
pub mod dto;
pub mod http;
pub mod openapi;
pub mod pkpass;
pub mod routes;
pub mod secrets;
pub mod slow;
pub mod state;
pub mod workers;
