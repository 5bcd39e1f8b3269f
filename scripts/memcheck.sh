#!/usr/bin/env bash
# heron's memory checks.
#
# 1. valgrind memcheck (with --smc-check=all: heron writes and runs machine
#    code) over the examples, shrunk with HERON_EXAMPLE_N, and over the
#    differential tests (heron-difftest's generator, and
#    tests/jit_differential.rs). Any error fails the run.
# 2. Miri over the unsafe buffer code (heron-ir's buffer tests), when
#    `cargo +nightly miri` is installed (`rustup component add miri
#    --toolchain nightly`); otherwise it says "Miri not available" and skips.
#
# Usage: scripts/memcheck.sh [valgrind|miri]   (both when no argument)
# Environment: CARGO_TARGET_DIR as for cargo; MEMCHECK_CASES, the number
# of generated programs run under valgrind (default 150).
set -euo pipefail

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
export CARGO_TARGET_DIR="$target"
what="${1:-all}"
cases="${MEMCHECK_CASES:-150}"
status=0

# The executables cargo reports building (from --message-format=json).
executables() {
    grep -o '"executable":"[^"]*"' | sed 's/"executable":"//; s/"$//'
}

run_valgrind() {
    if ! command -v valgrind >/dev/null; then
        echo "valgrind not available: install it (apt-get install valgrind)" >&2
        return 1
    fi
    local vg=(valgrind --tool=memcheck --smc-check=all --error-exitcode=1
        --leak-check=full --errors-for-leak-kinds=definite
        --suppressions=scripts/memcheck.supp --quiet)

    echo "== building the examples and the differential tests"
    # The test profile (opt-level 1) and the dev profile: no release build
    # of the whole tree, and debug info for valgrind's reports.
    local examples difftest jitdiff
    examples=$(cargo build --examples --message-format=json | executables)
    difftest=$(cargo test -p heron-difftest --test differential --no-run --message-format=json | executables)
    jitdiff=$(cargo test --test jit_differential --no-run --message-format=json | executables)
    example() { grep "/examples/$1\$" <<<"$examples"; }

    local cache
    cache=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$cache'" RETURN
    local runs=(
        "arrays|$(example arrays)"
        "hh|$(example hh)"
        "lif|$(example lif)"
        "ei_network|$(example ei_network)"
        "cached_run (cold)|$(example cached_run)"
        "cached_run (warm)|$(example cached_run)"
        "differential ($cases programs)|$difftest"
        "jit_differential|$jitdiff"
    )
    local entry name bin log
    for entry in "${runs[@]}"; do
        name="${entry%%|*}"
        bin="${entry#*|}"
        log=$(mktemp)
        echo "== valgrind: $name"
        if HERON_EXAMPLE_N=1000 HERON_CACHE_DIR="$cache" HERON_DIFFTEST_CASES="$cases" \
            RAYON_NUM_THREADS=2 "${vg[@]}" "$bin" >"$log" 2>&1; then
            echo "   clean"
        else
            echo "   FAILED (log below)"
            cat "$log"
            status=1
        fi
        rm -f "$log"
    done
}

run_miri() {
    if ! cargo +nightly miri --version >/dev/null 2>&1; then
        echo "== Miri not available (rustup component add miri --toolchain nightly): skipped"
        return 0
    fi
    echo "== Miri: heron-ir's buffer tests"
    # Miri has no madvise: the huge-page test is left to valgrind's runs.
    if CARGO_TARGET_DIR="$target/miri" cargo +nightly miri test -p heron-ir --lib buffer:: \
        -- --skip fresh_huge_page_buffers_are_zeroed_whole; then
        echo "   clean"
    else
        echo "   FAILED"
        status=1
    fi
}

case "$what" in
    valgrind) run_valgrind ;;
    miri) run_miri ;;
    all)
        run_valgrind
        run_miri
        ;;
    *)
        echo "usage: $0 [valgrind|miri]" >&2
        exit 2
        ;;
esac
exit "$status"
