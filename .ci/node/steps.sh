# Shared by consumer.sh and consumer_bun.sh (sourced, after each sets `root` and `label`): counted
# steps whose output shows only when they fail, and the closing "<label>: N passed, M failed".
passed=0
failed=0
step() {
  local name=$1
  shift
  echo "-- $name"
  if "$@"; then passed=$((passed + 1)); else echo "!! $label: $name failed"; failed=$((failed + 1)); return 1; fi
}
# Runs a command with its output kept back unless it fails.
quiet() {
  local log
  log=$(mktemp)
  if "$@" >"$log" 2>&1; then rm -f "$log"; else local rc=$?; cat "$log"; rm -f "$log"; return $rc; fi
}
finish() {
  cd "$root"
  [[ -n "${work:-}" ]] && rm -rf "$work"
  echo "$label: $passed passed, $failed failed"
  exit 0
}
