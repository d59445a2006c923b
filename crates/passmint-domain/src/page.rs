//! Cursor pagination, newest first, as Stripe does it: `starting_after` returns the
//! objects older than the cursor, `ending_before` the ones newer than it. A page costs
//! O(limit) whatever its depth: adapters seek from the cursor's sort key.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// The newest objects.
    First,
    /// Objects older than this id.
    After(String),
    /// Objects newer than this id (the page is still ordered newest first).
    Before(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Cursor,
}

impl PageRequest {
    pub fn first(limit: u32) -> Self {
        PageRequest {
            limit,
            cursor: Cursor::First,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// Newest first.
    pub data: Vec<T>,
    /// Whether more objects exist beyond this page in the direction of travel.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Builds a page from at most `limit + 1` rows fetched in the direction of travel
    /// (newest first for `First`/`After`, oldest first for `Before`).
    pub fn from_probe(mut rows: Vec<T>, req: &PageRequest) -> Self {
        let limit = req.limit as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        if matches!(req.cursor, Cursor::Before(_)) {
            rows.reverse();
        }
        Page {
            data: rows,
            has_more,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            has_more: self.has_more,
        }
    }
}
