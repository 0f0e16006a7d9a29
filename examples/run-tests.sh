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
serve() {  # era mode [serve_http.py options] -> prints the URL; the server stops when this script's stdin copy closes
    local out=$fixtures/serve-$(echo "$*" | tr ' ' '_').out
    "$([ "$1" = modern ] && echo "$modern" || echo "$legacy")/python" "$fixtures/serve_http.py" --era "$1" --mode "$2" "${@:3}" \
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

# The conformance-suite client (conformance-client.c) against the fixtures, scenario by scenario. The fixtures'
# tool names differ from the suite's mock servers, so scenarios that call named tools get them through the
# context's toolCalls, as the suite itself does for http-custom-headers.
conformance() {  # name, era-version, context, url, expected substring(s)...
    local name=$1 version=$2 context=$3 url=$4; shift 4
    check "conformance $name ($version)" "$@" "scenario $name: done" -- \
        env MCP_CONFORMANCE_SCENARIO="$name" MCP_CONFORMANCE_PROTOCOL_VERSION="$version" \
        MCP_CONFORMANCE_CONTEXT="$context" "$bin/conformance-client" "$url"
}
legacy_url=$(serve legacy stateful)
conformance initialize 2025-11-25 "" "$legacy_url" '"era":"legacy"' 'tools/call "add"' '"text":"5"'
conformance tools_call 2025-11-25 "" "$legacy_url" '"era":"legacy"' '"text":"5"'
conformance tools_call 2026-07-28 "" "$http_url" '"era":"modern"' '"text":"5"'
conformance initialize 2026-07-28 "" "$http_url" '"era":"modern"' 'tools/list: '
conformance json-schema-ref-no-deref 2026-07-28 "" "$http_url" 'tools/list: '
conformance http-standard-headers 2026-07-28 "" "$http_url" 'tools/call "echo"' 'resources/read' 'prompts/get'
# The modern SDK checks Mcp-Param-Region against the body; the second value needs the Base64 form.
conformance http-custom-headers 2026-07-28 \
    '{"name":"http-custom-headers","toolCalls":[{"name":"region","arguments":{"region":"us-west1"}},{"name":"region","arguments":{"region":" Zürich\t"}}]}' \
    "$http_url" '"text":"region us-west1"' '"text":"region  Zürich\t"'
check "conformance http-custom-headers without toolCalls fails" 'needs toolCalls' -- bash -c \
    "! MCP_CONFORMANCE_SCENARIO=http-custom-headers '$bin/conformance-client' '$http_url'"
conformance http-invalid-tool-headers 2026-07-28 "" "$http_url" 'tools/call "region"'
# Input-required round trip (modern) / elicitation request (legacy): the answer reaches the tool.
conformance sep-2322-client-request-state 2026-07-28 '{"toolCalls":[{"name":"ask_name","arguments":{}}]}' \
    "$http_url" '"text":"hello conformance"'
conformance elicitation-sep1034-client-defaults 2026-07-28 '{"toolCalls":[{"name":"ask_defaults"}]}' "$http_url" \
    '{\"age\": 30, \"name\": \"John Doe\", \"score\": 95.5, \"status\": \"active\", \"verified\": true}'
conformance elicitation-sep1034-client-defaults 2025-11-25 '{"toolCalls":[{"name":"ask_name"}]}' "$legacy_url" \
    '"text":"hello conformance"'
# sse-retry: the server closes the tool's stream (SEP-1699); the answer comes on the GET resumed with Last-Event-ID.
resumable_url=$(serve legacy stateful --resumable)
conformance sse-retry 2025-11-25 '{"toolCalls":[{"name":"reconnect"}]}' "$resumable_url" '"text":"resumed"'
check "conformance unknown scenario exits 2" 'unknown scenario' -- bash -c \
    "MCP_CONFORMANCE_SCENARIO=nope '$bin/conformance-client' '$http_url'; [ \$? -eq 2 ]"
xargs -r kill <"$fixtures/serve.pids" 2>/dev/null

# Config files: every format validates and normalizes; a broken one names each problem with line:column.
configs=$(cd "$(dirname "$0")/.." && pwd)/Tests/MCPClientConfigTests/configs
check "config-check LibreChat YAML" '"format":"librechat"' '"github":{"type":"streamable-http"' -- \
    "$bin/config-check" "$configs/valid/librechat/librechat.yaml"
check "config-check VS Code export yaml" 'mcpServers:' 'envFile: ${workspaceFolder}/.env' -- \
    "$bin/config-check" --export yaml "$configs/valid/vscode/mcp.json"
check "config-check broken LibreChat" "librechat-typos.yaml:13:5: warning: mcpServers.files.comand" 'suggestion: client_id' -- \
    bash -c "'$bin/config-check' '$configs/broken/librechat-typos.yaml'; [ \$? -eq 1 ]"

left=$(leftovers)
if [ -z "$left" ]; then passed=$((passed + 1)); echo "ok   no server process left"; else failed=$((failed + 1)); echo "FAIL processes left: $left"; fi
echo "examples: $passed passed, $failed failed"
[ $failed -eq 0 ]
