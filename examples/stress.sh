#!/usr/bin/env bash
# Runs bin/stress against 10 servers of every transport: the fixture servers over stdio (modern, legacy, and a
# per-user modern one), streamable HTTP (modern json and sse; a per-user json one), the legacy stateful HTTP server
# (SSE and JSON replies), legacy HTTP+SSE and WebSocket. Starts the remote fixtures on 127.0.0.1 and stops them,
# and checks that no fixture process is left behind.
#
#   stress.sh BIN MODERN_VENV_BIN LEGACY_VENV_BIN FIXTURES [stress options, e.g. --seconds 600]
set -u
bin=$1 modern=$2 legacy=$3
fixtures=$(mktemp -d /tmp/mcpclient-stress.XXXXXX)
cp "$4"/*.py "$fixtures"/
shift 4
stop() {
    [ -f "$fixtures/serve.pids" ] && xargs -r kill <"$fixtures/serve.pids" 2>/dev/null
    sleep 0.5
    rm -rf "$fixtures"
}
trap stop EXIT

serve() {  # era mode -> prints the URL
    local out=$fixtures/serve-$1-$2.out
    "$([ "$1" = modern ] && echo "$modern" || echo "$legacy")/python" "$fixtures/serve_http.py" --era "$1" --mode "$2" \
        >"$out" 2>"$out.err" </dev/null &
    echo $! >>"$fixtures/serve.pids"
    for _ in $(seq 150); do grep -q READY "$out" 2>/dev/null && break; sleep 0.1; done
    awk '/READY/ {print $2}' "$out"
}
modern_json=$(serve modern json)
modern_sse=$(serve modern sse)
legacy_stateful=$(serve legacy stateful)
legacy_stateful_json=$(serve legacy stateful-json)
legacy_sse=$(serve legacy sse)
legacy_ws=$(serve legacy websocket)
for url in "$modern_json" "$modern_sse" "$legacy_stateful" "$legacy_stateful_json" "$legacy_sse" "$legacy_ws"; do
    [ -n "$url" ] || { echo "stress.sh: a fixture server did not start"; cat "$fixtures"/*.err; exit 1; }
done

stdio() {  # venv script [env json] -> a stdio config
    printf '{"command":"%s/python","args":["%s/%s"]%s}' "$1" "$fixtures" "$2" "${3:+,\"env\":$3}"
}
start=$SECONDS
"$bin/stress" "$@" \
    --server stdio-modern "$(stdio "$modern" everything_modern.py)" \
    --server stdio-legacy "$(stdio "$legacy" everything_legacy.py)" \
    --user-server stdio-user "$(stdio "$modern" everything_modern.py '{"STRESS_USER":"{{LIBRECHAT_USER_ID}}"}')" \
    --server http-json "{\"type\":\"streamable-http\",\"url\":\"$modern_json\"}" \
    --server http-sse "{\"type\":\"streamable-http\",\"url\":\"$modern_sse\"}" \
    --user-server http-user "{\"type\":\"streamable-http\",\"url\":\"$modern_json\",\"headers\":{\"X-User\":\"{{LIBRECHAT_USER_ID}}\"}}" \
    --server legacy-stateful "{\"type\":\"streamable-http\",\"url\":\"$legacy_stateful\"}" \
    --server legacy-stateful-json "{\"type\":\"streamable-http\",\"url\":\"$legacy_stateful_json\"}" \
    --server legacy-sse "{\"type\":\"sse\",\"url\":\"$legacy_sse\"}" \
    --server websocket "{\"type\":\"websocket\",\"url\":\"$legacy_ws\"}"
rc=$?
echo "stress.sh: wall time $((SECONDS - start)) s"
leftover=$(pgrep -f "$fixtures/everything_" || true)
if [ -n "$leftover" ]; then
    echo "stress.sh: FAIL: stdio fixture processes left behind: $leftover"
    exit 1
fi
exit $rc
