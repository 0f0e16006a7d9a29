#!/usr/bin/env bash
# Runs the C examples end to end against (a) the modern fixture server, (b) the real mcp-server-time,
# (c) the handshake-era fixture, checks their output, and checks that no server process is left behind.
set -u
bin=$1 modern=$2 legacy=$3
# Private copies of the fixture servers, so the leftover check below sees only this run's processes.
fixtures=$(mktemp -d /tmp/mcpclient-examples.XXXXXX)
trap 'rm -rf "$fixtures"' EXIT
cp "$4"/*.py "$fixtures"/
passed=0 failed=0

check() {  # name, expected substring(s)..., then -- command...
    local name=$1; shift
    local expected=()
    while [ "$1" != "--" ]; do expected+=("$1"); shift; done
    shift
    local output
    output=$(timeout 60 "$@" 2>&1)
    local rc=$?
    local ok=1
    [ $rc -eq 0 ] || ok=0
    for e in "${expected[@]}"; do grep -qF -- "$e" <<<"$output" || ok=0; done
    if [ $ok -eq 1 ]; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name (exit $rc)"; echo "$output" | head -20; fi
}

leftovers() { pgrep -f "$fixtures/everything_" || true; }

check "quickstart modern fixture" '"era":"modern"' '"text":"hi"' -- \
    "$bin/quickstart" --tool echo --args '{"text":"hi"}' -- "$modern/python" "$fixtures/everything_modern.py"
check "quickstart mcp-server-time" '"era":"modern"' 'get_current_time' '\"timezone\": \"UTC\"' -- \
    "$bin/quickstart" --tool get_current_time --args '{"timezone":"UTC"}' -- "$modern/mcp-server-time"
check "quickstart legacy fixture" '"era":"legacy"' '"protocolVersion":"2025-11-25"' '"text":"5"' -- \
    "$bin/quickstart" --tool add --args '{"a":2,"b":3}' -- "$legacy/python" "$fixtures/everything_legacy.py"
check "quickstart missing command" -- bash -c "! '$bin/quickstart' -- /nonexistent/server 2>&1 | grep -q MCP_ERR_CONFIG && exit 1 || exit 0"
check "threads 8x25 modern fixture" '8 threads x 25 calls: 0 failures' -- \
    "$bin/threads" 8 25 -- "$modern/python" "$fixtures/everything_modern.py"

# Remote transports: the same fixtures served over streamable HTTP and WebSocket on 127.0.0.1.
serve() {  # era mode -> prints the URL; the server stops when this script's stdin copy closes
    local out=$fixtures/serve-$1-$2.out
    "$([ "$1" = modern ] && echo "$modern" || echo "$legacy")/python" "$fixtures/serve_http.py" --era "$1" --mode "$2" \
        >"$out" 2>/dev/null </dev/null &
    echo $! >>"$fixtures/serve.pids"
    for _ in $(seq 100); do grep -q READY "$out" 2>/dev/null && break; sleep 0.1; done
    awk '/READY/ {print $2}' "$out"
}
trap 'xargs -r kill <"$fixtures/serve.pids" 2>/dev/null; rm -rf "$fixtures"' EXIT
http_url=$(serve modern json)
check "quickstart streamable HTTP (modern)" '"era":"modern"' '"text":"over http"' -- \
    "$bin/quickstart" --tool echo --args '{"text":"over http"}' -- "$http_url"
ws_url=$(serve legacy websocket)
check "quickstart WebSocket (legacy)" '"era":"legacy"' '"text":"5"' -- \
    "$bin/quickstart" --tool add --args '{"a":2,"b":3}' -- "$ws_url"
xargs -r kill <"$fixtures/serve.pids" 2>/dev/null

left=$(leftovers)
if [ -z "$left" ]; then passed=$((passed + 1)); echo "ok   no server process left"; else failed=$((failed + 1)); echo "FAIL processes left: $left"; fi
echo "examples: $passed passed, $failed failed"
[ $failed -eq 0 ]
