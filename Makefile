# Local shortcuts; `make check` runs what CI runs.

.PHONY: check fmt lint test fix run

check: fmt lint test

fmt:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets --all-features -- -D warnings

test:
	cargo test --workspace

fix:
	cargo fmt --all
	cargo clippy --workspace --all-targets --all-features --fix --allow-dirty -- -D warnings

run:
	cargo run --release -- serve
