//! `relevant_dates` of a design (docs/api.md §3): intervals or single dates,
//! RFC 3339 or placeholders, exclusive with the older `relevant_date`.

use super::placeholders::{check_placeholders, placeholders};
use super::text::check_text;
use super::values::{check_date, parse_date};
use crate::design::Design;
use crate::error::DomainError;
use time::OffsetDateTime;

/// The most entries of `relevant_dates`. Apple sets no figure; a pass stands for
/// one event or a few sessions of it, and ten (as many as `locations`) keeps
/// pass.json and the lock screen's work small (docs/api.md §10).
pub const MAX_RELEVANT_DATES: usize = 10;
/// The longest value of a relevant date in a design, in characters: an RFC 3339
/// date-time, or placeholders such as `{{eventStart}}`.
pub const MAX_RELEVANT_DATE_LEN: usize = 100;

pub(super) fn check_relevant_dates(design: &Design) -> Result<(), DomainError> {
    let dates = &design.relevant_dates;
    if dates.is_empty() {
        return Ok(());
    }
    if design.relevant_date.is_some() {
        return Err(DomainError::invalid(
            "relevant_dates",
            "give relevant_dates or relevant_date, not both: the first of relevant_dates \
             is also written as relevantDate for older devices, so remove relevant_date",
        ));
    }
    if dates.len() > MAX_RELEVANT_DATES {
        return Err(DomainError::invalid(
            "relevant_dates",
            format!(
                "a design may have at most {MAX_RELEVANT_DATES} relevant dates, but {} were \
                 given: keep the {MAX_RELEVANT_DATES} soonest",
                dates.len()
            ),
        ));
    }
    for (i, entry) in dates.iter().enumerate() {
        let at = format!("relevant_dates[{i}]");
        match (&entry.start_date, &entry.end_date, &entry.date) {
            (None, None, None) => {
                return Err(DomainError::invalid(
                    &at,
                    format!(
                        "{at} is empty: give start_date and end_date for an interval, or \
                         date for a single date"
                    ),
                ));
            }
            (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                return Err(DomainError::invalid(
                    &at,
                    format!(
                        "{at} is either an interval (start_date and end_date) or a single \
                         date, not both: remove date, or start_date and end_date"
                    ),
                ));
            }
            (Some(_), None, None) => {
                return Err(DomainError::invalid(
                    format!("{at}.end_date"),
                    format!(
                        "{at}.end_date is required with start_date: give the end of the \
                         interval, or write a single date as {{\"date\": ...}}"
                    ),
                ));
            }
            (None, Some(_), None) => {
                return Err(DomainError::invalid(
                    format!("{at}.start_date"),
                    format!(
                        "{at}.start_date is required with end_date: give the start of the \
                         interval, or write a single date as {{\"date\": ...}}"
                    ),
                ));
            }
            (Some(start), Some(end), None) => {
                let start_param = format!("{at}.start_date");
                let end_param = format!("{at}.end_date");
                let start = check_value(&start_param, start, design)?;
                let end = check_value(&end_param, end, design)?;
                if let (Some(start), Some(end)) = (start, end) {
                    check_order(&end_param, start, end)?;
                }
            }
            (None, None, Some(date)) => {
                check_value(&format!("{at}.date"), date, design)?;
            }
        }
    }
    Ok(())
}

/// A value: placeholders (`None`, checked once rendered) or an RFC 3339 date-time.
fn check_value(
    param: &str,
    value: &str,
    design: &Design,
) -> Result<Option<OffsetDateTime>, DomainError> {
    check_text(param, value, MAX_RELEVANT_DATE_LEN, true)?;
    check_placeholders(param, value, design)?;
    if placeholders(value).is_ok_and(|names| !names.is_empty()) {
        return Ok(None);
    }
    check_date(param, value)?;
    Ok(parse_date(value))
}

/// An interval ends after it starts (Apple refuses the others).
fn check_order(
    end_param: &str,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<(), DomainError> {
    if end <= start {
        return Err(DomainError::invalid(
            end_param,
            format!("{end_param} must be later than start_date: an interval ends after it starts"),
        ));
    }
    Ok(())
}
