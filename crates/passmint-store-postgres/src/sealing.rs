//! The pass that seals stored credentials anew (docs/api.md §11): plain values of
//! an earlier version after the migrations, every value under the current key for
//! `passmint secrets rotate-key`. Each value is one conditional `UPDATE` of its
//! own (its own transaction), so serving processes are never held up for more than
//! one row, and a value another process changed meanwhile is left as it wrote it.

use crate::PgStore;
use crate::sql::{Bind, Stmt};
use passmint_domain::ports::StoreResult;
use passmint_store_sql::sealing::{Reseal, ResealReport, SEALED_COLUMNS, StoredValue};

impl PgStore {
    /// Seals anew the stored credentials `which` names, with the current key.
    pub async fn reseal(&self, which: Reseal) -> StoreResult<ResealReport> {
        let mut report = ResealReport::new(&self.keyring);
        let mut conn = self.conn().await?;
        for column in &SEALED_COLUMNS {
            let rows = Stmt::new(column.select(&self.keyring, which), vec![])
                .all::<StoredValue>(&mut conn)
                .await?;
            for row in rows {
                report.values += 1;
                let Some(sealed) = column.resealed(&self.keyring, &row, which)? else {
                    continue;
                };
                let binds = vec![
                    Bind::Text(&sealed),
                    Bind::Text(&row.row_key),
                    Bind::Text(&row.stored),
                ];
                report.count(Stmt::new(column.update(), binds).exec(&mut conn).await?);
            }
        }
        Ok(report)
    }
}
