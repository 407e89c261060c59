#!/usr/bin/env bash
# The main job end to end on the embedded default (SQLite): check the example
# strategies, compile one to bytecode and look at it, store them all, publish
# them, and score the sample events through the engine's loader.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dslc=.venv/bin/dslc

demo=.demo
rm -rf "$demo"
mkdir -p "$demo"
export DSLC_DATABASE_URL="sqlite:///$demo/dslc.db"
export COLUMNS="${COLUMNS:-150}"  # room for the store's tables when piped

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Check every example strategy (text and JSON)"
$dslc check examples/

step "1b. Run the examples' strategy tests (NAME.test.json), with rule coverage"
$dslc test examples/ --no-coverage

step "2. Compile one to a verified image and show its bytecode"
$dslc compile examples/tiered_reward.strat -o "$demo/tiered_reward.sbc"
$dslc verify "$demo/tiered_reward.sbc"
$dslc disasm "$demo/tiered_reward.sbc" | head -n 24

step "3. Create the store ($DSLC_DATABASE_URL) and import the examples as published strategies"
$dslc store init
$dslc store import examples/ --publish
$dslc store list

step "4. Score the sample events of samples/events.json through the loader"
$dslc store score --events samples/events.json

step "5. Edit a published strategy: a new draft appears; the engine keeps serving version 1"
$dslc store update tiered_reward --file examples/tiered_reward.strat --description "tiers, reviewed"
$dslc store versions tiered_reward

printf '\nDone. The store is %s; try: %s store show tiered_reward\n' "$demo/dslc.db" "$dslc"
