//! The few SQLite calls a bulk write makes on the connection's own handle, without sqlx in
//! between: a one-row `INSERT` prepared once and run for every row, its text bound without a
//! copy. All the `unsafe` of the ingest is here.
#![allow(unsafe_code)]

use std::borrow::Cow;
use std::ffi::{c_int, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;

use libsqlite3_sys as ffi;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::sqlite::LockedSqliteHandle;

use crate::error::StoreError;

/// A connection's handle, locked for this thread by sqlx's `lock_handle`: a `Db` and the
/// [`Statement`]s made from it borrow the lock's guard, so they cannot outlive it.
#[derive(Clone, Copy)]
pub(super) struct Db<'h> {
    handle: NonNull<ffi::sqlite3>,
    _locked: PhantomData<&'h mut ()>,
}

/// A value to bind: text is bound without a copy, for the length of one [`Statement::run`].
#[derive(Clone, Copy)]
pub(super) enum Value<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.map_or(Value::Null, Value::Text)
    }
}

impl<'h> Db<'h> {
    /// The handle `locked` holds, for as long as it is held.
    pub fn new(locked: &'h mut LockedSqliteHandle<'_>) -> Self {
        Self {
            handle: locked.as_raw_handle(),
            _locked: PhantomData,
        }
    }

    /// The handle's last error, classified as any error sqlx reports (a full disk, a corrupt
    /// page).
    fn error(self) -> StoreError {
        // SAFETY: the handle is open and this thread's (`Db::new`); errmsg returns a
        // NUL-terminated string owned by SQLite, valid until the next call on the handle, and
        // copied here at once.
        let (code, message) = unsafe {
            (
                ffi::sqlite3_extended_errcode(self.handle.as_ptr()),
                CStr::from_ptr(ffi::sqlite3_errmsg(self.handle.as_ptr()))
                    .to_string_lossy()
                    .into_owned(),
            )
        };
        StoreError::from(sqlx::Error::Database(Box::new(SqliteFailure {
            code,
            message,
        })))
    }

    /// Whether a transaction is open.
    pub fn in_transaction(self) -> bool {
        // SAFETY: open handle.
        unsafe { ffi::sqlite3_get_autocommit(self.handle.as_ptr()) == 0 }
    }

    /// Runs `sql` (one or more statements without parameters or rows).
    pub fn exec(self, sql: &CStr) -> Result<(), StoreError> {
        // SAFETY: open handle; `sql` is NUL-terminated and outlives the call; no callback.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.handle.as_ptr(),
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// Prepares one statement.
    pub fn prepare(self, sql: &CStr) -> Result<Statement<'h>, StoreError> {
        let mut stmt = std::ptr::null_mut();
        // SAFETY: open handle; `sql` is NUL-terminated (length -1: read to the NUL); `stmt` is
        // a valid out-pointer; the tail is not asked for.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.handle.as_ptr(),
                sql.as_ptr(),
                -1,
                0,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Statement { db: self, stmt }),
            Some(stmt) => {
                // SAFETY: a statement SQLite returned, finalized once.
                unsafe { ffi::sqlite3_finalize(stmt.as_ptr()) };
                Err(self.error())
            }
            None => Err(self.error()),
        }
    }
}

/// A prepared statement, finalized when dropped.
pub(super) struct Statement<'h> {
    db: Db<'h>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Statement<'_> {
    /// Binds `values` to `?1…`, runs the statement to its end and returns the one integer of
    /// its first row, if it returns rows, else the rows it changed. The bindings are cleared
    /// before returning, so no pointer into `values` outlives the call.
    pub fn run(&mut self, values: &[Value<'_>]) -> Result<i64, StoreError> {
        let stmt = self.stmt.as_ptr();
        let mut result = Ok(());
        for (i, value) in values.iter().enumerate() {
            let index = c_int::try_from(i + 1).unwrap_or(c_int::MAX);
            // SAFETY: `stmt` is a live statement of this thread's handle; text pointers stay
            // valid until `sqlite3_clear_bindings` below (SQLITE_STATIC: SQLite reads them in
            // place during the step), and the length is the text's own.
            let rc = unsafe {
                match *value {
                    Value::Int(v) => ffi::sqlite3_bind_int64(stmt, index, v),
                    Value::Null => ffi::sqlite3_bind_null(stmt, index),
                    Value::Text(text) => ffi::sqlite3_bind_text64(
                        stmt,
                        index,
                        text.as_ptr().cast(),
                        text.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                result = Err(self.db.error());
                break;
            }
        }
        let output = result.and_then(|()| {
            // SAFETY: as above; every parameter is bound.
            let rc = unsafe { ffi::sqlite3_step(stmt) };
            match rc {
                // SAFETY: a row is current; column 0 exists in the statements this runs.
                ffi::SQLITE_ROW => Ok(unsafe { ffi::sqlite3_column_int64(stmt, 0) }),
                // SAFETY: open handle.
                ffi::SQLITE_DONE => Ok(unsafe { ffi::sqlite3_changes64(self.db.handle.as_ptr()) }),
                _ => Err(self.db.error()),
            }
        });
        // SAFETY: live statement; after these, it holds no pointer into `values`. Their return
        // codes repeat the step's error, already in `output`.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        output
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and finalized once, on the thread that owns the handle.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// An error SQLite reported to a raw call, in sqlx's terms.
#[derive(Debug)]
struct SqliteFailure {
    /// The extended result code.
    code: c_int,
    message: String,
}

impl std::fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
