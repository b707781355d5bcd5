//! A query whose conditions depend on its input (searches, the channel directory):
//! its SQL and arguments built together, and `LIKE` patterns.

use crate::store::StoreResult;
use sqlx::Arguments as _;
use sqlx::any::AnyArguments;

/// A query's SQL and its arguments, built together so the `$n` stay in step.
pub(super) struct Query {
    pub(super) sql: String,
    pub(super) args: AnyArguments<'static>,
    count: usize,
}

impl Query {
    pub(super) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: AnyArguments::default(),
            count: 0,
        }
    }

    /// Binds `value` as the next argument and returns its placeholder (`$n`), for
    /// SQL the caller writes around it.
    pub(super) fn param<T>(&mut self, value: T) -> StoreResult<String>
    where
        T: 'static + Send + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        self.count += 1;
        self.args
            .add(value)
            .map_err(|e| crate::store::StoreError::Database(sqlx::Error::Encode(e)))?;
        Ok(format!("${}", self.count))
    }

    /// Appends `AND clause`, whose `?` becomes the next `$n` bound to `value`.
    pub(super) fn and<T>(&mut self, clause: &str, value: T) -> StoreResult<()>
    where
        T: 'static + Send + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let placeholder = self.param(value)?;
        self.sql.push_str(" AND ");
        self.sql.push_str(&clause.replace('?', &placeholder));
        Ok(())
    }
}

/// `%word%` for `LIKE ... ESCAPE '\'`.
pub(super) fn like_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn conditions_number_their_arguments_in_order() {
        let mut query = Query::new("SELECT 1 WHERE 1 = 1");
        query.and("a = ?", 1_i64).unwrap();
        query.and("b LIKE ? ESCAPE '\\'", "x".to_owned()).unwrap();
        assert_eq!(
            query.sql,
            "SELECT 1 WHERE 1 = 1 AND a = $1 AND b LIKE $2 ESCAPE '\\'"
        );
        assert_eq!(query.param(3_i64).unwrap(), "$3");
    }
}
