//! Query parameters of list endpoints: `limit`, `starting_after`, `ending_before`
//! and per-endpoint filters. Unknown parameters are refused.

use super::error::ApiError;
use actix_web::HttpRequest;
use passmint_domain::page::{Cursor, PageRequest};
use std::collections::BTreeMap;

/// Parsed query string: every parameter once.
pub struct Query {
    params: BTreeMap<String, String>,
}

impl Query {
    pub fn parse(req: &HttpRequest, allowed: &[&str]) -> Result<Query, ApiError> {
        let pairs: Vec<(String, String)> =
            actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                .map_err(|e| ApiError::invalid(format!("Invalid query string: {e}")))?
                .into_inner();
        let mut params = BTreeMap::new();
        for (k, v) in pairs {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::invalid(format!("Unknown query parameter: {k}")).param(k));
            }
            if params.insert(k.clone(), v).is_some() {
                return Err(ApiError::invalid(format!(
                    "Query parameter {k} was given more than once"
                ))
                .param(k));
            }
        }
        Ok(Query { params })
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.params.get(k).map(String::as_str)
    }

    /// `limit` in 1..=max (default `default`) and at most one cursor.
    pub fn page(&self, default: u32, max: u32) -> Result<PageRequest, ApiError> {
        let limit = match self.get("limit") {
            None => default,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid(format!(
                        "limit must be an integer between 1 and {max}"
                    ))
                    .param("limit"));
                }
            },
        };
        let cursor = match (self.get("starting_after"), self.get("ending_before")) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "starting_after and ending_before cannot be used together",
                )
                .param("ending_before"));
            }
            (Some(id), None) => Cursor::After(id.to_owned()),
            (None, Some(id)) => Cursor::Before(id.to_owned()),
            (None, None) => Cursor::First,
        };
        Ok(PageRequest { limit, cursor })
    }
}

pub const PAGE_PARAMS: [&str; 3] = ["limit", "starting_after", "ending_before"];
