//! The pass that seals stored credentials anew (docs/api.md §11): plain values of
//! an earlier version after the migrations, every value under the current key for
//! `passmint secrets rotate-key`. Each value is one conditional `UPDATE` of its
//! own, so writers are never held up for more than one row.

use crate::SqliteStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use diesel::RunQueryDsl;
use passmint_domain::ports::StoreResult;
use passmint_store_sql::sealing::{Reseal, ResealReport, SEALED_COLUMNS, StoredValue};

impl SqliteStore {
    /// Seals anew the stored credentials `which` names, with the current key.
    pub async fn reseal(&self, which: Reseal) -> StoreResult<ResealReport> {
        let mut report = ResealReport::new(&self.keyring);
        for column in &SEALED_COLUMNS {
            let select = Stmt::new(column.select(&self.keyring, which), vec![]);
            let rows = self
                .read(move |conn| select.all::<StoredValue>(conn))
                .await?;
            for row in rows {
                report.values += 1;
                let Some(sealed) = column.resealed(&self.keyring, &row, which)? else {
                    continue;
                };
                let update = Stmt::new(
                    column.update(),
                    vec![
                        Bind::text(&sealed),
                        Bind::text(&row.row_key),
                        Bind::text(&row.stored),
                    ],
                );
                report.count(
                    self.write(move |conn| update.execute(conn).map_err(store_error))
                        .await?,
                );
            }
        }
        Ok(report)
    }
}
