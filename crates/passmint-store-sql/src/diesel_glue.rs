//! What both adapters write alike around diesel, once: the row type that decodes
//! any shared model through the [`Columns`](crate::Columns) seam, the getters whose
//! SQL types are the same on both engines, and the query traits of a hand-written
//! statement. This crate does not depend on diesel: the macros name `diesel::…`,
//! which each adapter resolves to its own dependency, with its backend type.

/// Defines `Row<T>`, a row decoded as `T` (reading never fails the statement: a row
/// that does not decode is the `Err` it holds, reported once the rows are read),
/// `$columns`, the columns of one row of `$backend`, with a typed `get`, and
/// `Found`, the one-row answer to `SELECT EXISTS (…) AS found`. The adapter then
/// implements [`Columns`](crate::Columns) for `$columns`, starting with
/// [`diesel_common_getters!`].
#[macro_export]
macro_rules! diesel_rows {
    ($backend:ty, $columns:ident) => {
        pub(crate) struct Row<T>(pub(crate) passmint_domain::ports::StoreResult<T>);

        impl<T: $crate::Decode> diesel::QueryableByName<$backend> for Row<T> {
            fn build<'a>(
                row: &impl diesel::row::NamedRow<'a, $backend>,
            ) -> diesel::deserialize::Result<Self> {
                Ok(Row(T::decode(&$columns(row))))
            }
        }

        struct $columns<'r, R>(&'r R);

        impl<'a, R: diesel::row::NamedRow<'a, $backend>> $columns<'_, R> {
            fn get<ST, T: diesel::deserialize::FromSql<ST, $backend>>(
                &self,
                name: &str,
            ) -> passmint_domain::ports::StoreResult<T> {
                diesel::row::NamedRow::get::<ST, T>(self.0, name)
                    .map_err(|e| passmint_domain::StoreError::Backend(e.to_string()))
            }
        }

        #[derive(diesel::QueryableByName)]
        pub(crate) struct Found {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            pub(crate) found: bool,
        }
    };
}

/// The [`Columns`](crate::Columns) getters both engines read as the same SQL type
/// (text, integers, booleans), for an impl on a type of [`diesel_rows!`].
#[macro_export]
macro_rules! diesel_common_getters {
    () => {
        $crate::diesel_common_getters!(@getters
            text: String = diesel::sql_types::Text,
            opt_text: Option<String> = diesel::sql_types::Nullable<diesel::sql_types::Text>,
            big_int: i64 = diesel::sql_types::BigInt,
            opt_big_int: Option<i64> = diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
            int: i32 = diesel::sql_types::Integer,
            opt_int: Option<i32> = diesel::sql_types::Nullable<diesel::sql_types::Integer>,
            bool: bool = diesel::sql_types::Bool,
        );
    };
    (@getters $($getter:ident: $rust:ty = $sql:ty,)*) => {
        $(
            fn $getter(&self, name: &str) -> passmint_domain::ports::StoreResult<$rust> {
                self.get::<$sql, _>(name)
            }
        )*
    };
}

/// The query traits of a hand-written statement `$stmt` of `$backend`, a struct
/// with `sql` (text with numbered placeholders, see [`crate::placeholders`]) and
/// `binds` (values with a `push` onto the query's `AstPass`). Its text walks as is
/// and each placeholder becomes its own parameter. It is not identified by type:
/// diesel then caches the prepared statement under its SQL text, which is what lets
/// list queries vary their `WHERE` clause.
#[macro_export]
macro_rules! diesel_statement {
    ($stmt:ty, $backend:ty) => {
        impl diesel::query_builder::QueryFragment<$backend> for $stmt {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, $backend>,
            ) -> diesel::QueryResult<()> {
                for piece in $crate::placeholders::pieces(&self.sql) {
                    match piece {
                        $crate::placeholders::Piece::Sql(text) => out.push_sql(text),
                        $crate::placeholders::Piece::Placeholder(digits) => {
                            $crate::placeholders::bind_at(&self.binds, digits)
                                .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?
                                .push(&mut out)?
                        }
                    }
                }
                Ok(())
            }
        }

        impl diesel::query_builder::QueryId for $stmt {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl diesel::query_builder::Query for $stmt {
            type SqlType = diesel::sql_types::Untyped;
        }
    };
}

/// The tests of a statement of [`diesel_statement!`], for the adapter's test module:
/// `$sql`, which names its second placeholder before its first and repeats it,
/// renders as `$rendered` (each occurrence its own parameter, in order), a
/// placeholder without a bind is an error, and every statement is cacheable.
#[macro_export]
macro_rules! diesel_statement_tests {
    ($stmt:ident, $backend:ident, $builder:expr, $sql:literal, $rendered:literal) => {
        fn render(stmt: &$stmt) -> String {
            diesel::debug_query::<$backend, _>(stmt).to_string()
        }

        #[test]
        fn placeholders_become_parameters_in_order_and_may_repeat() {
            let stmt = $stmt::new(
                $sql,
                vec![$crate::SqlBind::big_int(7), $crate::SqlBind::text("x")],
            );
            let rendered = render(&stmt);
            assert!(rendered.starts_with($rendered), "{rendered}");
            assert!(rendered.contains(r#"["x", 7, "x"]"#), "{rendered}");
        }

        #[test]
        fn a_placeholder_without_a_bind_is_an_error() {
            use diesel::query_builder::QueryFragment;
            let stmt = $stmt::new("SELECT $2", vec![$crate::SqlBind::bool(true)]);
            let mut builder = $builder;
            assert!(stmt.to_sql(&mut builder, &$backend).is_err());
        }

        #[test]
        fn statements_are_cacheable() {
            use diesel::query_builder::{QueryFragment, QueryId};
            let stmt = $stmt::new("SELECT $1", vec![$crate::SqlBind::big_int(1)]);
            assert_eq!(stmt.is_safe_to_cache_prepared(&$backend).ok(), Some(true));
            assert!(<$stmt as QueryId>::query_id().is_none());
        }
    };
}
