#!/usr/bin/env bash
# Regenerates crates/store/.sqlx, the offline data `sqlx::query!` reads under SQLX_OFFLINE=true (commit it).
# Run it after adding or changing a query or a migration. Needs the sqlite3 CLI, not sqlx-cli: it applies the
# migrations to a plain SQLite file and re-checks the crate with DATABASE_URL + SQLX_OFFLINE_DIR set.
set -euo pipefail
cd "$(dirname "$0")/.."

CRATE=crates/store
PACKAGE=consentry-store
OUT=$CRATE/.sqlx

command -v sqlite3 >/dev/null || { echo "sqlx-prepare: needs the sqlite3 CLI (apt-get install sqlite3)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DB=$WORK/prepare.db
mkdir "$WORK/sqlx"

# The schema, exactly as the embedded migrations build it (in timestamp order).
for migration in "$CRATE"/migrations/*.sql; do
  sqlite3 -bail "$DB" <"$migration"
done

# On stable Rust, cargo does not know that macro output depends on DATABASE_URL / SQLX_OFFLINE:
# touching the crate root makes it expand every macro again (what `cargo sqlx prepare` does too).
touch "$CRATE/src/lib.rs"
SQLX_OFFLINE=false DATABASE_URL="sqlite://$DB" SQLX_OFFLINE_DIR="$WORK/sqlx" \
  cargo check --locked -p "$PACKAGE" --all-targets

# Replace the whole set, so queries that were removed or changed leave no stale file behind.
mkdir -p "$OUT"
rm -f "$OUT"/query-*.json
shopt -s nullglob
files=("$WORK"/sqlx/query-*.json)
if [ ${#files[@]} -gt 0 ]; then cp "${files[@]}" "$OUT"/; fi
echo "sqlx-prepare: ${#files[@]} queries in $OUT"

# Proof that the data is complete: the same check offline, with no database at all.
touch "$CRATE/src/lib.rs"
env -u DATABASE_URL SQLX_OFFLINE=true cargo check --locked -p "$PACKAGE" --all-targets
echo "sqlx-prepare: offline check passed"
