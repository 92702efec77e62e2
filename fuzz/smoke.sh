#!/usr/bin/env bash
# Fuzz smoke test for CI: builds the four targets, replays the saved regressions, then fuzzes
# each target for N seconds (default 20). Exits nonzero on a build failure, a regression or a
# new finding. Works from a clean clone on the stable toolchain (installs cargo-fuzz if missing).
#
#   fuzz/smoke.sh [SECONDS]
#
# Environment:
#   FUZZ_SECONDS          the same as the argument.
set -euo pipefail

secs="${1:-${FUZZ_SECONDS:-20}}"
# cargo-fuzz passes nightly-only flags (-Zsanitizer, sanitizer-coverage passes); the stable
# toolchain accepts them with this.
export RUSTC_BOOTSTRAP=1

cd "$(dirname "$0")"  # fuzz/: cargo fuzz finds its crate here

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# `differential` checks numbers against the oracle, so it runs without a sanitizer (about 7x
# the executions); `params` and `decode` are about memory safety and run under
# AddressSanitizer, which also lets libFuzzer see each allocation: one above
# -malloc_limit_mb is a finding (no target needs 512 MiB at once; `decode` must keep to its
# 16 MiB limit however large a size a header declares). Separate target directories keep both
# builds.
targets=(differential fast params decode)
declare -A sanitizer=([differential]=none [fast]=none [params]=address [decode]=address)
declare -A max_len=([differential]=512 [fast]=512 [params]=256 [decode]=4096)
# `decode` starts from the committed valid files in seeds/decode.
declare -A seeds=([decode]="$PWD/seeds/decode")
start=$SECONDS
for t in "${targets[@]}"; do
    echo "smoke: building $t (sanitizer ${sanitizer[$t]})"
    cargo fuzz build -s "${sanitizer[$t]}" --target-dir "target/${sanitizer[$t]}" "$t"
done
echo "smoke: built in $((SECONDS - start)) s"

for t in "${targets[@]}"; do
    run=(cargo fuzz run -s "${sanitizer[$t]}" --target-dir "target/${sanitizer[$t]}" "$t")
    mapfile -t saved < <(find "$PWD/regressions/$t" -maxdepth 1 -type f ! -name .gitkeep ! -name '*.md' | sort)
    if ((${#saved[@]})); then
        echo "smoke: $t: replaying ${#saved[@]} saved regressions"
        mkdir -p target
        if ! "${run[@]}" "${saved[@]}" >"target/smoke-$t-replay.log" 2>&1; then
            tail -n 120 "target/smoke-$t-replay.log"
            echo "smoke: $t: a saved regression FAILED; full log: fuzz/target/smoke-$t-replay.log"
            exit 1
        fi
    fi
    echo "smoke: $t: fuzzing for $secs s"
    mkdir -p "corpus/$t" target
    log="target/smoke-$t.log"
    rc=0
    # New inputs go to the first corpus directory; the others are only read.
    corpora=("$PWD/corpus/$t")
    if [[ -n ${seeds[$t]:-} ]]; then corpora+=("${seeds[$t]}"); fi
    "${run[@]}" "${corpora[@]}" -- -max_total_time="$secs" -len_control=0 \
        -max_len="${max_len[$t]}" -timeout=20 -malloc_limit_mb=512 -print_final_stats=1 \
        >"$log" 2>&1 || rc=$?
    grep -E '^(stat::number_of_executed_units|differential:|#[0-9]+[[:space:]]+DONE)' "$log" || true
    if ((rc)); then
        tail -n 120 "$log"
        echo "smoke: $t FAILED (exit $rc); full log: fuzz/$log"
        exit 1
    fi
done
echo "smoke: passed in $((SECONDS - start)) s"
