# Consentry — the two commands are `make run` and `make test`; both install what is missing.
SHELL := /bin/bash
CARGO_FLAGS := --workspace --all-targets --locked
APP := target/debug/consentry-app
# sqlx's compile-time-checked queries read crates/store/.sqlx, never a live DATABASE_URL
# (regenerate with scripts/sqlx-prepare.sh after changing a query or adding a migration).
export SQLX_OFFLINE := true

.PHONY: run test deps ui build bindings screenshot screenshots bench release package package-smoke clean

## Start the app (installs packages, builds the UI and the app first).
run: build
	$(APP)

## Every check and test suite; ends with "N passed, N failed".
test: deps
	scripts/test-all.sh

## System packages (apt-get), tauri-driver 2.x, npm packages, Python test tools.
deps:
	scripts/install-deps.sh all

ui: deps
	npm --prefix ui run build

# The same cargo flags everywhere, so build, clippy and test share artifacts.
build: ui
	cargo build $(CARGO_FLAGS)

## Regenerate ui/src/ipc/generated.ts from the Rust DTOs (commit the result).
bindings:
	cargo run --quiet --locked -p consentry-api --bin gen-bindings

## docs/screenshot.png of the real app under Xvfb.
screenshot: build
	scripts/screenshot.sh docs/screenshot.png

## Benchmarks (release): store, platform, sync, export; each prints its ratios side by side.
## Then the real window (the release app) on a 1,000,000-event wallet: Activity, and launch,
## memory and purchase → receipt beside an empty Tauri 2 app built in the same command.
bench: deps ui
	cargo bench --locked --workspace --benches 2>&1 | tee target/bench-report.txt
	cargo build --release --locked -p consentry-app -p empty-tauri-app
	CONSENTRY_APP_BIN=$(CURDIR)/target/release/consentry-app CI_REQUIRE_E2E=1 \
	  scripts/xvfb.sh -s 1280x800x24 dbus-run-session -- scripts/with-keyring.sh \
	  cargo test --release --locked -p consentry-tests --test e2e -- --ignored --nocapture \
	  --test-threads=1 bench_activity_in_the_window_at_a_million_events \
	  bench_launch_memory_and_purchase_to_receipt 2>&1 | tee -a target/bench-report.txt
	scripts/package.sh size 2>&1 | tee -a target/bench-report.txt

# The test targets of `make test` (scripts/test-all.sh), so these runs reuse its build; benches
# would run whole under `cargo test`, whatever the filter.
TEST_TARGETS = --workspace --lib --bins --tests --examples --locked

## docs/screens/*.png: every screen of the real app, English and French (over WebDriver).
screenshots: build
	CI_REQUIRE_E2E=1 scripts/xvfb.sh -s 1280x820x24 dbus-run-session -- \
	  scripts/with-keyring.sh cargo test $(TEST_TARGETS) -- \
	  --ignored screenshots_of_every_screen_in_both_languages
	CONSENTRY_SCREENSHOTS=$(CURDIR)/docs/screens CI_REQUIRE_E2E=1 scripts/xvfb.sh -s 1280x820x24 \
	  dbus-run-session -- scripts/with-keyring.sh cargo test $(TEST_TARGETS) -- two_apps_share_cards

## An optimised build (target/release/consentry-app).
release: ui
	cargo build --release --locked -p consentry-app

## Linux packages: target/release/bundle/deb/*.deb and rpm/*.rpm (release build + Tauri's
## bundler), their desktop entry and AppStream metadata validated.
package: deps
	scripts/package.sh build
	scripts/package.sh validate

## Installs the .deb just built (apt-get), opens the installed app under Xvfb, removes it.
package-smoke:
	scripts/package.sh smoke

clean:
	cargo clean
	rm -rf ui/dist ui/test-results
