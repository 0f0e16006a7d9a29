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

leftovers() { pgrep -f "$fixtures/(everything_|oauth_server|authlib_server)" || true; }

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
xargs -r kill <"$fixtures/serve.pids" 2>/dev/null; : >"$fixtures/serve.pids"

# The auth/* scenarios against real authorization servers (the suite's mock AS cannot be installed here): the
# python-sdk AS with dynamic registration in front of the everything server (oauth_server.py --mcp), and authlib
# with pre-registered clients in front of a python-sdk MCP server whose whoami tool names the token's client
# (authlib_server.py). The client prints each authorization request's client_id, scope, resource and redirect_uri,
# so the assertions see what the suite's AS would check.
oauth_serve() {  # script [options] -> prints the issuer; killed with the other servers (and --max-seconds)
    local out
    out=$(mktemp "$fixtures/oauth.XXXXXX")
    "$modern/python" "$fixtures/$1" --max-seconds 300 "${@:2}" >"$out" 2>/dev/null </dev/null &
    echo $! >>"$fixtures/serve.pids"
    for _ in $(seq 100); do grep -q READY "$out" 2>/dev/null && break; sleep 0.1; done
    awk '/READY/ {print $2}' "$out"
}
auth() {  # name, version, context, url, expected substring(s)...
    local name=$1 version=$2 context=$3 url=$4; shift 4
    check "conformance $name ($version)" "$@" "scenario $name: done" -- \
        env MCP_CONFORMANCE_SCENARIO="$name" MCP_CONFORMANCE_PROTOCOL_VERSION="$version" \
        MCP_CONFORMANCE_CONTEXT="$context" "$bin/conformance-client" "$url"
}
auth_fails() {  # name, url, what must appear, what must not -- the client must exit 1
    check "conformance $1 refuses" "$3" -- bash -c "out=\$(MCP_CONFORMANCE_SCENARIO='$1' MCP_CONFORMANCE_PROTOCOL_VERSION=2025-11-25 \
        '$bin/conformance-client' '$2' 2>&1); rc=\$?; echo \"\$out\"; [ \$rc -eq 1 ] && ! grep -qF -- '$4' <<<\"\$out\""
}
callback='redirect_uri=http://localhost:3000/callback code_challenge_method=S256'
# Only client_secret_basic advertised: DCR registers for it, and the SDK's token endpoint insists on the Basic header.
sdk_basic=$(oauth_serve oauth_server.py --mcp --auth-methods client_secret_basic)
auth auth/metadata-default 2025-11-25 "" "$sdk_basic/mcp" '"era":"legacy"' \
    "authorization request 1 (oauth_required): client_id=" "resource=$sdk_basic/mcp $callback" '"text":"5"'
auth auth/metadata-default 2026-07-28 "" "$sdk_basic/mcp" '"era":"modern"' "resource=$sdk_basic/mcp $callback" '"text":"5"'
auth auth/token-endpoint-auth-basic 2025-11-25 "" "$sdk_basic/mcp" '"text":"5"'
# No scope in the challenge: the PRM's scopes_supported, all of them.
auth auth/scope-from-scopes-supported 2025-11-25 "" "$sdk_basic/mcp" "scope=mcp:read mcp:write resource=$sdk_basic/mcp"
# The PRM names another resource: no authorization request at all, exit 1.
auth_fails auth/resource-mismatch "$sdk_basic/mismatch/mcp" '"reason":"resource_mismatch"' 'authorization request'
sdk_post=$(oauth_serve oauth_server.py --mcp --auth-methods client_secret_post)
auth auth/token-endpoint-auth-post 2025-11-25 "" "$sdk_post/mcp" '"text":"5"'
# A public client, and no scope defined anywhere: the authorization request has none.
sdk_none=$(oauth_serve oauth_server.py --mcp --auth-methods none --scopes "")
auth auth/token-endpoint-auth-none 2025-11-25 "" "$sdk_none/mcp" '"text":"5"'
auth auth/scope-omitted-when-undefined 2025-11-25 "" "$sdk_none/mcp" "scope=(none) resource=$sdk_none/mcp"
# /scoped/mcp: 401 with scope="mcp:read", tools/call wants mcp:write (403 naming only mcp:write); the second
# request must ask for the union. /denied/mcp: connecting works, then 403 for ever; the library gives up after
# two upgrades (3 authorization requests in all) and the client exits 1.
# The SDK AS authorizes only the scopes a client registered with: a step-up registers anew.
sdk_scoped=$(oauth_serve oauth_server.py --mcp)
auth auth/scope-from-www-authenticate 2025-11-25 '{"toolCalls":[]}' "$sdk_scoped/scoped/mcp" \
    "authorization request 1 (oauth_required):" "scope=mcp:read resource=$sdk_scoped/scoped/mcp"
for version in 2025-11-25 2026-07-28; do
    auth auth/scope-step-up $version "" "$sdk_scoped/scoped/mcp" "scope=mcp:read resource=" \
        "authorization request 2 (insufficient_scope):" "scope=mcp:read mcp:write resource=" '"text":"5"'
done
auth_fails auth/scope-retry-limit "$sdk_scoped/denied/mcp" 'authorization request 3 (insufficient_scope)' 'authorization request 4'
check "conformance auth/scope-retry-limit stops at the library's limit" '"reason":"scope_upgrade_limit"' -- bash -c \
    "MCP_CONFORMANCE_SCENARIO=auth/scope-retry-limit MCP_CONFORMANCE_PROTOCOL_VERSION=2026-07-28 \
     '$bin/conformance-client' '$sdk_scoped/denied/mcp'; [ \$? -eq 1 ]"

# authlib: issuer http://127.0.0.1:<port>/tenant1, clients pre-registered for the reference client's redirect URI
# (the CIMD URL among them: like the suite's mock, the AS never fetches the document).
redirect='"redirect_uris":["http://localhost:3000/callback"]'
clients=(--client "{\"client_id\":\"basic-client\",\"client_secret\":\"basic-secret\",$redirect}"
    --client "{\"client_id\":\"post-client\",\"client_secret\":\"post-secret\",\"token_endpoint_auth_method\":\"client_secret_post\",$redirect}"
    --client "{\"client_id\":\"public-client\",$redirect}"
    --client "{\"client_id\":\"https://conformance-test.local/client-metadata.json\",$redirect}")
tenant=$(oauth_serve authlib_server.py "${clients[@]}" --cimd)
origin=${tenant%/tenant1}
whoami() { printf '\\"client_id\\": \\"%s\\"' "$1"; }
# The suite's context as it is: client_id and client_secret only. The config is operator-tier, so the endpoints come
# from discovery and the secret goes to the token endpoint of the issuer the PRM named.
auth auth/pre-registration 2025-11-25 \
    "{\"name\":\"auth/pre-registration\",\"client_id\":\"basic-client\",\"client_secret\":\"basic-secret\"}" \
    "$origin/mcp" "client_id=basic-client" "$(whoami basic-client)"
# Pinned endpoints (the context's "oauth" object is merged into the server config) and client_secret_post.
pinned="\"authorization_url\":\"$tenant/authorize\",\"token_url\":\"$tenant/token\""
auth auth/pre-registration 2026-07-28 \
    "{\"name\":\"auth/pre-registration\",\"client_id\":\"post-client\",\"client_secret\":\"post-secret\",\"oauth\":{$pinned,\"token_exchange_method\":\"default_post\"}}" \
    "$origin/mcp" "client_id=post-client" "$(whoami post-client)"
# A user-created config must still pin a secret's endpoints.
check "conformance auth/pre-registration: a user-tier secret without endpoints is refused" 'client_secret_without_endpoints' -- bash -c \
    "MCP_CONFORMANCE_SCENARIO=auth/pre-registration MCP_CONFORMANCE_CONTEXT='{\"client_id\":\"basic-client\",\"client_secret\":\"basic-secret\",\"source\":{\"tier\":\"user\"}}' \
     '$bin/conformance-client' '$origin/mcp'; [ \$? -eq 1 ]"
# The AS advertises client_id_metadata_document_supported: the CIMD URL is the client_id, no registration.
auth auth/basic-cimd 2025-11-25 "" "$origin/mcp" "client_id=https://conformance-test.local/client-metadata.json" \
    "$(whoami https://conformance-test.local/client-metadata.json)"
# metadata-var3's AS half: OIDC discovery appended to the issuer path (/tenant1/.well-known/openid-configuration).
auth auth/metadata-var3 2025-11-25 '{"client_id":"public-client"}' "$origin/mcp" "$(whoami public-client)"
# metadata-var2's AS half: RFC 8414 with the issuer path inserted (/.well-known/oauth-authorization-server/tenant1).
tenant8414=$(oauth_serve authlib_server.py "${clients[@]}" --metadata-at rfc8414)
auth auth/metadata-var2 2025-11-25 '{"client_id":"public-client"}' "${tenant8414%/tenant1}/mcp" "$(whoami public-client)"
xargs -r kill <"$fixtures/serve.pids" 2>/dev/null; : >"$fixtures/serve.pids"

# The C examples of the quick-start guide: a LibreChat YAML listed as model-facing tools, progress events of a
# submitted call, an event-loop thread, and an OAuth sign-in through the loopback listener (the "browser" is curl
# following the authorization server's redirect to the listener).
librechat=$fixtures/librechat.yaml
cat >"$librechat" <<EOF
version: 1.2.1
mcpServers:
  everything:
    command: $modern/python
    args: ["$fixtures/everything_modern.py"]
  time:
    type: stdio
    command: $modern/mcp-server-time
  broken:
    command: /nonexistent/server
EOF
check "librechat-tools" "echo_mcp_everything" "get_current_time_mcp_time" '"broken":{"status":"error"' -- \
    "$bin/librechat-tools" "$librechat"
check "progress (modern)" '"progress":3,"total":3,"message":"step 3/3"' '"text":"done after 3 steps"' '3 progress events' -- \
    "$bin/progress" slow '{"steps":3,"delay_ms":50}' -- "$modern/python" "$fixtures/everything_modern.py"
check "progress (legacy)" '"message":"step 2/2"' '"text":"done after 2 steps"' '2 progress events' -- \
    "$bin/progress" slow '{"steps":2,"delay_ms":50}' -- "$legacy/python" "$fixtures/everything_legacy.py"
check "event-loop thread" '"kind":"progress"' '"op":"connect"' '"text":"from the loop"' -- \
    "$bin/event-loop" -- "$modern/python" "$fixtures/everything_modern.py"
protected=$(oauth_serve oauth_server.py --mcp)
check "oauth-login with the loopback listener" 'open this URL to sign in:' 'signed in: {"user":"default","server":"server"' \
    '"text":"behind oauth"' -- bash -c '
    out=$(mktemp); "$1" "$2/mcp" echo "{\"text\":\"behind oauth\"}" >"$out" 2>&1 & pid=$!
    for _ in $(seq 100); do grep -q "/authorize?" "$out" && break; sleep 0.1; done
    curl -s -o /dev/null -L --max-time 20 "$(grep "/authorize?" "$out")"
    wait $pid; rc=$?; cat "$out"; rm -f "$out"; exit $rc' _ "$bin/oauth-login" "$protected"
xargs -r kill <"$fixtures/serve.pids" 2>/dev/null; : >"$fixtures/serve.pids"

# Config files: every format validates and normalizes; a broken one names each problem with line:column.
configs=$(cd "$(dirname "$0")/.." && pwd)/Tests/MCPClientConfigTests/configs
check "config-check LibreChat YAML" '"format":"librechat"' '"github":{"type":"streamable-http"' -- \
    "$bin/config-check" "$configs/valid/librechat/librechat.yaml"
check "config-check VS Code export yaml" 'mcpServers:' 'envFile: ${workspaceFolder}/.env' -- \
    "$bin/config-check" --export yaml "$configs/valid/vscode/mcp.json"
check "config-check broken LibreChat" "librechat-typos.yaml:13:5: warning: mcpServers.files.comand" 'suggestion: client_id' -- \
    bash -c "'$bin/config-check' '$configs/broken/librechat-typos.yaml'; [ \$? -eq 1 ]"

for _ in $(seq 50); do [ -z "$(leftovers)" ] && break; sleep 0.1; done  # uvicorn takes a moment after SIGTERM
left=$(leftovers)
if [ -z "$left" ]; then passed=$((passed + 1)); echo "ok   no server process left"; else failed=$((failed + 1)); echo "FAIL processes left: $left"; fi
echo "examples: $passed passed, $failed failed"
[ $failed -eq 0 ]
