#!/usr/bin/env bash
# Runs every scenario of a cases file (default: valgrind-cases next to this script) under valgrind memcheck, against
# fixture servers it starts on 127.0.0.1 (streamable HTTP in both eras, WebSocket, an OAuth authorization server),
# and fails when a case exits non-zero, misses its expected output, leaks (definite or indirect) or touches memory
# it must not (invalid read/write/free, uninitialised use). Prints one line per case and "valgrind: clean" at the end.
#
#   valgrind.sh BIN MODERN LEGACY FIXTURES CONFIGS [CASES]
#
# Environment: VALGRIND_FILTER=substring runs only the cases whose name contains it; VALGRIND_KEEP=dir keeps the logs.
# valgrind 3.19 cannot read the DWARF 5 of Swift's debug builds: link the examples against the self-contained
# library (no symbols) or a release build with `strip --strip-debug` (symbols, readable stacks); docs/sanitizers.md.
set -u
bin=$1 modern=$2 legacy=$3
cases=${6:-$(dirname "$0")/valgrind-cases}
configs=$5
work=$(mktemp -d /tmp/mcpclient-valgrind.XXXXXX)
# Private copies of the fixture servers: the leftover check below sees only this run's processes.
cp "$4"/*.py "$work"/
: >"$work/serve.pids"
cleanup() {
    xargs -r kill <"$work/serve.pids" 2>/dev/null
    if [ -n "${VALGRIND_KEEP:-}" ]; then mkdir -p "$VALGRIND_KEEP" && cp "$work"/*.log "$VALGRIND_KEEP"/ 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

serve() {  # python script [options] -> prints the URL from its READY line (empty when it did not come up)
    local python=$1 script=$2 out
    out=$(mktemp "$work/serve.XXXXXX")
    "$python" "$work/$script" "${@:3}" >"$out" 2>/dev/null </dev/null &
    echo $! >>"$work/serve.pids"
    for _ in $(seq 150); do grep -q READY "$out" 2>/dev/null && break; sleep 0.1; done
    awk '/READY/ {print $2}' "$out"
}
export BIN=$bin MODERN=$modern LEGACY=$legacy FIXTURES=$work CONFIGS=$configs
HTTP_MODERN=$(serve "$modern/python" serve_http.py --era modern --mode json)
HTTP_LEGACY=$(serve "$legacy/python" serve_http.py --era legacy --mode stateful)
WS_LEGACY=$(serve "$legacy/python" serve_http.py --era legacy --mode websocket)
OAUTH=$(serve "$modern/python" oauth_server.py --mcp --max-seconds 1800)
export HTTP_MODERN HTTP_LEGACY WS_LEGACY OAUTH
for url in HTTP_MODERN HTTP_LEGACY WS_LEGACY OAUTH; do
    [ -n "${!url}" ] || { echo "valgrind: the fixture server for \$$url did not start" >&2; exit 1; }
done

passed=0 failed=0 index=0
while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    name=${line%% | *} rest=${line#* | }
    expected=${rest%% | *} command=${rest#* | }
    [ -z "${VALGRIND_FILTER:-}" ] || [[ $name == *"$VALGRIND_FILTER"* ]] || continue
    index=$((index + 1))
    # One log per process valgrind runs (%p): the example itself, not the servers it starts (no --trace-children).
    export VG="valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --num-callers=40 --log-file=$work/case$index.%p.log"
    start=$SECONDS
    output=$(timeout 600 bash -c "$command" 2>&1)
    status=$?
    problems=()
    [ "$status" = 0 ] || problems+=("exit $status")
    [ "$expected" = - ] || grep -qF -- "$expected" <<<"$output" || problems+=("no \"$expected\" in the output")
    # A process forked to spawn a server leaves a log with only valgrind's header (it exec'd at once): no summary.
    logs=() summaries=0
    for log in "$work"/case$index.*.log; do
        [ -e "$log" ] || continue
        logs+=("$log")
        grep -q 'ERROR SUMMARY:' "$log" || continue
        summaries=$((summaries + 1))
        grep -q 'ERROR SUMMARY: 0 errors' "$log" || problems+=("$(grep -m1 -o 'ERROR SUMMARY: [0-9]* errors' "$log") in ${log##*/}")
    done
    [ "$summaries" -gt 0 ] || problems+=("no valgrind summary (did valgrind run?)")
    if [ ${#problems[@]} = 0 ]; then
        passed=$((passed + 1)); echo "ok   $name [$((SECONDS - start))s]"
    else
        failed=$((failed + 1)); echo "FAIL $name [$((SECONDS - start))s]: ${problems[*]}"
        echo "$output" | tail -n 10 | cut -c1-300
        for log in "${logs[@]}"; do grep -E -A 25 'definitely lost in|indirectly lost in|Invalid|uninitialised|Mismatched' "$log" | head -n 80; done
    fi
done <"$cases"

leftover=$(pgrep -f "$work/(everything_|serve_http|oauth_server)" | grep -vxFf "$work/serve.pids" || true)
[ -z "$leftover" ] || { failed=$((failed + 1)); echo "FAIL server processes left behind: $leftover"; }
echo "valgrind: $passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
echo "valgrind: clean"
