//! Errors of the store boundary.

/// A store failure. A failed page transaction leaves the database unchanged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("cannot apply migrations: {0}")]
    Migrate(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("not supported yet: {0}")]
    Unsupported(&'static str),
    #[error("stored cursor is not valid JSON: {0}")]
    Cursor(String),
}
