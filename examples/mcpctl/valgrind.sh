#!/usr/bin/env bash
# mcpctl under valgrind (make -C examples valgrind): no definite leaks and no invalid accesses across a config
# edit, a listing, a connect, a tool call with progress and the JSON output paths.
#   valgrind.sh "VALGRIND COMMAND" MCPCTL MODERN_BIN FIXTURES
set -euo pipefail
valgrind=$1 mcpctl=$2 modern=$3 fixtures=$4
home=$(mktemp -d /tmp/mcpctl-valgrind.XXXXXX)
trap 'rm -rf "$home"' EXIT
export XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data
unset NO_COLOR MCPCTL_CONFIG MCPCLIENT_STORE_KEY
# shellcheck disable=SC2086
vg() { $valgrind "$mcpctl" "$@" >/dev/null; }
vg servers add every -- "$modern/python" "$fixtures/everything_modern.py"
vg servers add time -- "$modern/mcp-server-time"
vg --json servers list
vg servers status
vg --json tools list every
vg --progress call every slow '{"steps":2,"delay_ms":20}' 2>/dev/null
vg --json call time get_current_time '{"timezone":"UTC"}'
vg config check "$XDG_CONFIG_HOME/mcpctl/config.json"
vg servers remove time
# Failures take their own paths: an unknown tool (exit 8) and bad arguments (exit 2).
set +e
$valgrind "$mcpctl" --json call every nope >/dev/null; [ $? -eq 8 ] || { echo "mcpctl valgrind: unknown tool: wrong exit" >&2; exit 1; }
$valgrind "$mcpctl" call every echo '{bad' 2>/dev/null; [ $? -eq 2 ] || { echo "mcpctl valgrind: bad JSON: wrong exit" >&2; exit 1; }
echo "mcpctl valgrind: clean"
