/* mcpclient.h -- GENERATED from Sources/MCPClientABI by scripts/gen-header. DO NOT EDIT; run scripts/gen-header. */

/*
 * mcpclient: an embeddable MCP (Model Context Protocol) client runtime.
 *
 * Link with -lmcpclient. The declarations below are produced from the @c
 * exports of the Swift module MCPClientABI; the template for this prologue is
 * scripts/header-prologue.h.in and the handle/callback types come from
 * scripts/abi-types.json.
 *
 * Overview
 * --------
 * Status:    fallible functions return mcp_status: MCP_OK (0) on success, a
 *            negative MCP_ERR_* code on failure. Codes are append-only and
 *            never renumbered. mcp_status_str() returns a static string.
 * Errors:    detail comes back as a JSON object through `char **out_error_json`
 *            (may be NULL when the caller does not want it). There is no
 *            thread-local "last error".
 * Strings:   `const char *` inputs are NUL-terminated UTF-8 (usually JSON),
 *            borrowed for the duration of the call only. Every `char *` the
 *            library returns through an out parameter belongs to the caller and
 *            must be released with mcp_string_free() -- never with free().
 *            Functions returning `const char *` directly return static strings.
 * Handles:   opaque, created by mcp_<noun>_new(&out, ...) and released by
 *            mcp_<noun>_free(). Destructors accept NULL and may run in any order;
 *            using a handle after freeing it is a caller bug.
 * Outputs:   parameters named out_<noun> receive results; on failure they are
 *            set to NULL / 0 where documented.
 *
 * Thread safety
 * -------------
 * All functions are thread-safe unless their documentation says otherwise; a
 * handle may be shared between threads. Blocking functions must NEVER be called
 * from inside a callback invoked by this library (that could deadlock; a call
 * that would wait for a lock its own thread holds, such as a credential store
 * callback saving the same user's tokens again, fails with MCP_ERR_CONFLICT,
 * details.reason "reentrant_lock"). Events are pulled with
 * mcp_manager_next_event(), so the library never needs to call into the host.
 *
 * Each function's comment states its Ownership, NULL and Threads rules.
 */

#ifndef MCPCLIENT_H
#define MCPCLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MCP_EXTERN
#  if defined(__GNUC__) || defined(__clang__)
#    define MCP_EXTERN extern __attribute__((visibility("default")))
#  else
#    define MCP_EXTERN extern
#  endif
#endif

/* Compile-time version of this header (the library's is mcp_version_number()). */
#define MCP_VERSION_MAJOR 0
#define MCP_VERSION_MINOR 1
#define MCP_VERSION_PATCH 0
#define MCP_VERSION_STRING "0.1.0"
/* major * 10000 + minor * 100 + patch */
#define MCP_VERSION_NUMBER \
    (MCP_VERSION_MAJOR * 10000 + MCP_VERSION_MINOR * 100 + MCP_VERSION_PATCH)
/* True when this header is at least version maj.min.pat. */
#define MCP_VERSION_CHECK(maj, min, pat) \
    (MCP_VERSION_NUMBER >= ((maj) * 10000 + (min) * 100 + (pat)))
/* ABI generation: the SONAME is libmcpclient.so.MCP_ABI_VERSION. */
#define MCP_ABI_VERSION 1

/* ---- Opaque handles ------------------------------------------------------- */

typedef struct mcp_manager mcp_manager; /* opaque */
typedef struct mcp_credential_store mcp_credential_store; /* opaque */
typedef struct mcp_store_value mcp_store_value; /* opaque */
typedef struct mcp_oauth_listener mcp_oauth_listener; /* opaque */

/* ---- Enumerations --------------------------------------------------------- */

/**
 * Status codes. 0 is success; negative values are specific errors. Append-only: codes are never renumbered.
 */
typedef enum mcp_status {
    /** Success. */
    MCP_OK = 0,
    /** A failure without a more specific code; see the error JSON. */
    MCP_ERROR = -1,
    /** A bad argument: NULL where a value is required, invalid UTF-8 or JSON, a wrong type. */
    MCP_ERR_INVALID = -2,
    /** An invalid server configuration. */
    MCP_ERR_CONFIG = -3,
    /** Blocked by SSRF or domain policy. */
    MCP_ERR_POLICY = -4,
    /** The transport failed: the server could not start, crashed, or the connection broke. */
    MCP_ERR_TRANSPORT = -5,
    /** Timed out. */
    MCP_ERR_TIMEOUT = -6,
    /** Cancelled. */
    MCP_ERR_CANCELLED = -7,
    /** The server answered with a JSON-RPC error or broke the protocol. */
    MCP_ERR_PROTOCOL = -8,
    /** Authorization required or failed. */
    MCP_ERR_AUTH = -9,
    /** The handle has been shut down. */
    MCP_ERR_CLOSED = -10,
    /** Unknown server, tool or request. */
    MCP_ERR_NOT_FOUND = -11,
    /** Not supported. */
    MCP_ERR_UNSUPPORTED = -12,
    /** Returned by host callbacks. */
    MCP_ERR_USER = -13,
    /** Already exists (e.g. a server name). */
    MCP_ERR_CONFLICT = -14,
    /** The user may not do this (a server's permissions, or a tool call that needs approval). */
    MCP_ERR_PERMISSION = -15,
    /**
     * Temporarily unavailable: the server's circuit breaker is open or it is rate limited; retry later.
     */
    MCP_ERR_UNAVAILABLE = -16
} mcp_status;

/* ---- Callbacks ------------------------------------------------------------ */

typedef int32_t (*mcp_store_get_fn)(const char *key, mcp_store_value *value, void *user_data);
typedef int32_t (*mcp_store_put_fn)(const char *key, const uint8_t *bytes, int64_t length, int64_t ttl_seconds, void *user_data);
typedef int32_t (*mcp_store_delete_fn)(const char *key, void *user_data);
typedef int32_t (*mcp_store_lock_fn)(const char *name, const char *token, int64_t ttl_ms, void *user_data);
typedef int32_t (*mcp_store_unlock_fn)(const char *name, const char *token, void *user_data);

/* ---- Functions ------------------------------------------------------------ */

/**
 * Loads a config text of any supported format (LibreChat YAML, Claude Desktop, Cursor, VS Code, fastmcp, mcp-use,
 * PandoraKit, Aeontel, or this library's export) into normalized servers:
 * {"version":1,"format","servers":{name:{…}},"settings":{"allowedDomains"?,"allowedAddresses"?},"inputs"?,"removed"?,
 * "diagnostics":[…]}. options_json: {"format":"auto"|…,"strict":false,"file"?,"tier"?,"registry"?,"update"?}.
 * A config with any error fails with MCP_ERR_CONFIG; the error's details.diagnostics lists every problem
 * (warnings too) with its key path and line:column.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: text and out_result_json required; options_json may be NULL (auto-detect); out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_config_load(
    const char *text,
    const char *options_json,
    char **out_result_json,
    char **out_error_json);

/**
 * Checks a config text without failing on its problems:
 * {"version":1,"format","valid":bool,"errors":N,"warnings":N,"diagnostics":[…]}. Same options as mcp_config_load.
 * Ownership: free *out_report_json and *out_error_json with mcp_string_free().
 * NULL: text and out_report_json required; options_json may be NULL; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_config_validate(
    const char *text,
    const char *options_json,
    char **out_report_json,
    char **out_error_json);

/**
 * Writes a registry (a mcp_config_load result, or {"servers":{…},"settings":{…}}) back out as a config text that
 * mcp_config_load reads back to the same servers. options_json: {"format":"json"|"yaml","includeSecrets":false};
 * secrets (oauth.client_secret, apiKey.key, literal Authorization headers) are left out unless includeSecrets is true.
 * Ownership: free *out_text and *out_error_json with mcp_string_free().
 * NULL: registry_json and out_text required; options_json may be NULL (JSON, redacted); out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_config_export(
    const char *registry_json,
    const char *options_json,
    char **out_text,
    char **out_error_json);

/**
 * Loads a config text (as mcp_config_load) and registers every enabled server with the manager. Nothing is added
 * when the config has errors (MCP_ERR_CONFIG) or when a name is already registered (MCP_ERR_CONFLICT, details.servers).
 * Result: the load result plus "added":[names], "skipped":[{"server","reason"}], and "settingsApplied": true when
 * the config's allowedDomains/allowedAddresses (LibreChat mcpSettings) replaced the manager's for connections
 * opened from then on. Only an operator/admin config may carry those settings: with a user or plugin tier (the
 * options' tier, else the format's, made no more trusted than the manager's substitution tier) it fails with
 * MCP_ERR_POLICY.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager and text required; options_json, out_result_json and out_error_json may be NULL.
 * Threads: any host thread.
 */
MCP_EXTERN mcp_status mcp_manager_load_config(
    mcp_manager *manager,
    const char *text,
    const char *options_json,
    char **out_result_json,
    char **out_error_json);

/**
 * The library version as "MAJOR.MINOR.PATCH".
 * Ownership: the string is static; do not free it.
 * NULL: never returns NULL.
 * Threads: any thread.
 */
MCP_EXTERN const char *mcp_version(void);

/**
 * The library version as MAJOR*10000 + MINOR*100 + PATCH; compare with MCP_VERSION_NUMBER.
 * Ownership: nothing to free.
 * NULL: not applicable.
 * Threads: any thread.
 */
MCP_EXTERN int32_t mcp_version_number(void);

/**
 * A static English description of a status code.
 * Ownership: the string is static; do not free it.
 * NULL: never returns NULL (unknown codes get "unknown status").
 * Threads: any thread.
 */
MCP_EXTERN const char *mcp_status_str(mcp_status status);

/**
 * Frees a string returned by this library. Never use free() on such strings.
 * Ownership: takes ownership of str.
 * NULL: str may be NULL (no-op).
 * Threads: any thread.
 */
MCP_EXTERN void mcp_string_free(char *str);

/**
 * Creates a manager (many servers, one event queue) from options JSON, e.g. {"clientInfo":{"name":"app","version":"1"}}.
 * Ownership: free *out_manager with mcp_manager_free(); free *out_error_json with mcp_string_free().
 * NULL: out_manager required; options_json may be NULL for defaults; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_new(
    mcp_manager **out_manager,
    const char *options_json,
    char **out_error_json);

/**
 * Shuts the manager down: disconnects every server (waiting until their processes are gone), wakes
 * mcp_manager_next_event callers with MCP_ERR_CLOSED, and releases the handle. Calls racing this one fail
 * with MCP_ERR_CLOSED instead of crashing.
 * Ownership: the handle is invalid afterwards.
 * NULL: manager may be NULL (no-op).
 * Threads: any host thread; blocks for at most the servers' shutdown grace periods.
 */
MCP_EXTERN void mcp_manager_free(mcp_manager *manager);

/**
 * Registers a server under a name. config_json is one server entry, e.g.
 * {"command":"python3","args":["server.py"],"env":{"KEY":"value"},"timeout":60000}.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager, name and config_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_add_server(
    mcp_manager *manager,
    const char *name,
    const char *config_json,
    char **out_error_json);

/**
 * Disconnects and forgets a server.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager and name required; out_error_json may be NULL.
 * Threads: any host thread; blocks until the server process is gone.
 */
MCP_EXTERN mcp_status mcp_manager_remove_server(
    mcp_manager *manager,
    const char *name,
    char **out_error_json);

/**
 * Connects to a server (starting its process and detecting its protocol era) and returns what it said about
 * itself: {"version":1,"server","era","protocolVersion","serverInfo","capabilities","instructions"?}.
 * Connecting is also done on demand by the calls below.
 * Ownership: free *out_info_json and *out_error_json with mcp_string_free().
 * NULL: manager and server required; out_info_json and out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_connect(
    mcp_manager *manager,
    const char *server,
    char **out_info_json,
    char **out_error_json);

/**
 * Disconnects a server: closes its stdin, then SIGTERM and SIGKILL its process group if it lingers.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager and server required; out_error_json may be NULL.
 * Threads: any host thread; blocks until the process is gone.
 */
MCP_EXTERN mcp_status mcp_manager_disconnect(
    mcp_manager *manager,
    const char *server,
    char **out_error_json);

/**
 * Lists a server's tools (all pages): {"version":1,"server","tools":[…]}.
 * Ownership: free *out_tools_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_tools_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_list_tools(
    mcp_manager *manager,
    const char *server,
    char **out_tools_json,
    char **out_error_json);

/**
 * Calls a tool and returns {"version":1,"server","tool","result":{"content":[…],"isError":…}}. A tool that
 * fails still returns MCP_OK with result.isError true; JSON-RPC errors return MCP_ERR_PROTOCOL. On timeout the
 * server is sent notifications/cancelled and MCP_ERR_TIMEOUT is returned. Progress arrives as events.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server, tool and out_result_json required; arguments_json NULL means {}; out_error_json may be NULL.
 * Threads: any host thread (blocking); many threads may call at once.
 */
MCP_EXTERN mcp_status mcp_manager_call_tool(
    mcp_manager *manager,
    const char *server,
    const char *tool,
    const char *arguments_json,
    int32_t timeout_ms,
    char **out_result_json,
    char **out_error_json);

/**
 * Lists a server's resources (all pages): {"version":1,"server","resources":[…]}.
 * Ownership: free *out_resources_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_resources_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_list_resources(
    mcp_manager *manager,
    const char *server,
    char **out_resources_json,
    char **out_error_json);

/**
 * Lists a server's resource templates (all pages): {"version":1,"server","resourceTemplates":[…]}.
 * Ownership: free *out_templates_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_templates_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_list_resource_templates(
    mcp_manager *manager,
    const char *server,
    char **out_templates_json,
    char **out_error_json);

/**
 * Lists a server's prompts (all pages): {"version":1,"server","prompts":[…]}.
 * Ownership: free *out_prompts_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_prompts_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_list_prompts(
    mcp_manager *manager,
    const char *server,
    char **out_prompts_json,
    char **out_error_json);

/**
 * Reads a resource: {"version":1,"server","uri","result":{"contents":[{"uri","mimeType"?,"text"|"blob"}]}}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server, uri and out_result_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_read_resource(
    mcp_manager *manager,
    const char *server,
    const char *uri,
    int32_t timeout_ms,
    char **out_result_json,
    char **out_error_json);

/**
 * Gets a prompt with its arguments: {"version":1,"server","prompt","result":{"description"?,"messages":[…]}}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server, name and out_result_json required; arguments_json NULL means {}; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_get_prompt(
    mcp_manager *manager,
    const char *server,
    const char *name,
    const char *arguments_json,
    int32_t timeout_ms,
    char **out_result_json,
    char **out_error_json);

/**
 * Sends any MCP method with the server era's envelope and returns {"version":1,"server","method","result":{…}}.
 * tools/call, resources/read and prompts/get get the input_required round trip; list methods return one page.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server, method and out_result_json required; params_json NULL means {}; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_request(
    mcp_manager *manager,
    const char *server,
    const char *method,
    const char *params_json,
    int32_t timeout_ms,
    char **out_result_json,
    char **out_error_json);

/**
 * Sends a notification to a server, e.g. notifications/roots/list_changed when the host's roots changed
 * (handshake era). Connects first if needed; returns once the notification is written.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager, server and method required; params_json may be NULL (no params); out_error_json may be NULL.
 * Threads: any host thread (blocking while connecting).
 */
MCP_EXTERN mcp_status mcp_manager_notify(
    mcp_manager *manager,
    const char *server,
    const char *method,
    const char *params_json,
    char **out_error_json);

/**
 * Subscribes to updates of a resource: `resource_updated` events {"server","uri"} follow whenever it changes.
 * Returns once the server granted it: {"version":1,"server","uri","subscribed":true}; a server that does not
 * support it (or left the URI out of its acknowledgement) gives MCP_ERR_UNSUPPORTED. The subscription is kept
 * across reconnects until mcp_manager_unsubscribe() or the server's removal.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and uri required; out_result_json and out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_subscribe(
    mcp_manager *manager,
    const char *server,
    const char *uri,
    char **out_result_json,
    char **out_error_json);

/**
 * Ends a resource subscription: {"version":1,"server","uri","subscribed":false}. Unknown URIs are not an error.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and uri required; out_result_json and out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_unsubscribe(
    mcp_manager *manager,
    const char *server,
    const char *uri,
    char **out_result_json,
    char **out_error_json);

/**
 * Asks for argument completions (completion/complete). params_json is
 * {"ref":{"type":"ref/prompt","name":…}|{"type":"ref/resource","uri":…},"argument":{"name":…,"value":…},"context"?:{"arguments":{…}}};
 * returns {"version":1,"server","method":"completion/complete","result":{"completion":{"values":[…],"total"?,"hasMore"?}}}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server, params_json and out_result_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_complete(
    mcp_manager *manager,
    const char *server,
    const char *params_json,
    int32_t timeout_ms,
    char **out_result_json,
    char **out_error_json);

/**
 * Follows a task (tasks extension) that an earlier tool call created, e.g. after the host restarted with the
 * taskId it persisted from a `task` event: polls until the task ends, answering its input requests through
 * `request` events, and returns {"version":1,"server","task_id","result":{…the tool result…}}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server, task_id and out_result_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_resume_task(
    mcp_manager *manager,
    const char *server,
    const char *task_id,
    int32_t timeout_ms,
    char **out_result_json,
    char **out_error_json);

/**
 * Expands an RFC 6570 URI template (level 4), e.g. a resource template's uriTemplate, with variables from a
 * JSON object (strings, numbers and booleans; arrays are lists, objects are associative arrays; null is undefined).
 * A malformed template gives MCP_ERR_INVALID with details.offset; an expansion over 1 MiB gives MCP_ERR_INVALID.
 * Ownership: free *out_uri and *out_error_json with mcp_string_free().
 * NULL: template_str and out_uri required; variables_json NULL means {}; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_uri_template_expand(
    const char *template_str,
    const char *variables_json,
    char **out_uri,
    char **out_error_json);

/**
 * Starts an operation without blocking. request_json is {"op":…, "server":…, …}: "connect", "disconnect",
 * "list_tools", "list_resources", "list_resource_templates", "list_prompts", "call_tool" (tool, arguments),
 * "read_resource" (uri), "get_prompt" (name, arguments), "subscribe"/"unsubscribe" (uri), "complete" (params),
 * "resume_task" (task_id) or "request" (method, params); "timeout_ms" optional.
 * Its outcome arrives through mcp_manager_next_event as {"kind":"result","request_id":…} or {"kind":"error",…}.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager, request_json and out_request_id required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_submit(
    mcp_manager *manager,
    const char *request_json,
    uint64_t *out_request_id,
    char **out_error_json);

/**
 * Cancels an in-flight call (submitted or blocking): its caller gets MCP_ERR_CANCELLED and the server a
 * notifications/cancelled. MCP_ERR_NOT_FOUND when the request already finished.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_cancel(
    mcp_manager *manager,
    uint64_t request_id,
    char **out_error_json);

/**
 * Answers a {"kind":"request","request_id":…,"method":…} event: what a server asks of the client (roots,
 * sampling, elicitation), in either era. Handshake-era servers send these as requests; 2026-07-28 servers
 * return them as input_required results, and the library retries the original call once every input is
 * answered. Sent only when the manager options declare client capabilities. response_json is
 * {"result":{…}} or {"error":{"code":…,"message":…}}. MCP_ERR_NOT_FOUND when the request is unknown or answered.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager and response_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_respond(
    mcp_manager *manager,
    uint64_t request_id,
    const char *response_json,
    char **out_error_json);

/**
 * Waits up to timeout_ms (negative: forever, 0: poll) for the next event: results of submitted operations,
 * status changes, progress, logs (server stderr included). Returns MCP_OK with *out_event_json set,
 * MCP_ERR_TIMEOUT, or MCP_ERR_CLOSED once the manager is shut down and the queue is drained.
 * Ownership: free *out_event_json with mcp_string_free().
 * NULL: manager and out_event_json required.
 * Threads: any host thread (blocking); several threads may wait at once, each event goes to one of them.
 */
MCP_EXTERN mcp_status mcp_manager_next_event(
    mcp_manager *manager,
    int32_t timeout_ms,
    char **out_event_json);

/**
 * A server's state: {"version":1,"server","status":"connected"|"connecting"|"disconnected"|"error","era"?,"lastError"?}.
 * Ownership: free *out_status_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_status_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_server_status(
    mcp_manager *manager,
    const char *server,
    char **out_status_json,
    char **out_error_json);

/**
 * Starts listening on 127.0.0.1 (never another address). options_json: {"port":0,"path":"/callback"}; port 0 (the
 * default) picks a free port. A port in use is MCP_ERR_TRANSPORT (details.errno); a bad path MCP_ERR_CONFIG.
 * Ownership: free *out_listener with mcp_oauth_listener_free(); free *out_error_json with mcp_string_free().
 * NULL: out_listener required; options_json NULL means {}; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_oauth_listener_new(
    mcp_oauth_listener **out_listener,
    const char *options_json,
    char **out_error_json);

/**
 * The redirect URI to register and send: "http://127.0.0.1:<port><path>".
 * Ownership: free *out_uri and *out_error_json with mcp_string_free().
 * NULL: listener and out_uri required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_oauth_listener_redirect_uri(
    mcp_oauth_listener *listener,
    char **out_uri,
    char **out_error_json);

/**
 * Waits up to timeout_ms (negative: no limit) for the browser's GET of the callback path and returns the full
 * callback URL, query included (it holds the authorization code: treat it as a secret). The browser gets a small
 * page (success for a code, failure for an error; the code is never shown). Other paths get 404 and requests
 * without code or error 400 while waiting goes on. The listener stops after the first callback, on timeout, cancel
 * or free: MCP_ERR_TIMEOUT, MCP_ERR_CANCELLED (mcp_oauth_listener_cancel or _free from another thread), then
 * MCP_ERR_CLOSED for later waits.
 * Ownership: free *out_callback_url and *out_error_json with mcp_string_free().
 * NULL: listener and out_callback_url required; out_error_json may be NULL.
 * Threads: any host thread (blocking); one waiter at a time (a second gets MCP_ERR_INVALID).
 */
MCP_EXTERN mcp_status mcp_oauth_listener_wait(
    mcp_oauth_listener *listener,
    int32_t timeout_ms,
    char **out_callback_url,
    char **out_error_json);

/**
 * Stops the listener: a waiter returns MCP_ERR_CANCELLED at once, and so do later waits.
 * Ownership: nothing to free.
 * NULL: listener required (MCP_ERR_INVALID); a freed listener gives MCP_ERR_CLOSED.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_oauth_listener_cancel(mcp_oauth_listener *listener);

/**
 * Closes the socket (a waiter on another thread returns MCP_ERR_CANCELLED) and releases the handle.
 * Ownership: the handle is invalid afterwards.
 * NULL: listener may be NULL (no-op).
 * Threads: any thread.
 */
MCP_EXTERN void mcp_oauth_listener_free(mcp_oauth_listener *listener);

/**
 * Makes the listener accept only the authorization response of one sign-in: expected is that sign-in's
 * authorization URL (the authUrl mcp_manager_oauth_begin returns; its state parameter is used) or its state value
 * itself. Any other callback on the path (another sign-in's, or one forged by a local process that found the port)
 * is answered 400 and waiting goes on. NULL expected accepts any again. Call it before or while waiting.
 * Ownership: expected is borrowed for the call.
 * NULL: listener required; expected may be NULL; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_oauth_listener_expect(
    mcp_oauth_listener *listener,
    const char *expected,
    char **out_error_json);

/**
 * Begins a sign-in for a user on a server, or joins the user's pending one:
 * {"user","server","flowId","authUrl","expiresAt","joined","scopes"?}. Open authUrl in a browser; the redirect
 * comes back to the host's callback URL, which goes to mcp_manager_oauth_complete(). Emits an oauth_required event.
 * Ownership: free *out_flow_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_flow_json required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
 * Threads: any thread; blocks on the network.
 */
MCP_EXTERN mcp_status mcp_manager_oauth_begin(
    mcp_manager *manager,
    const char *server,
    const char *user,
    char **out_flow_json,
    char **out_error_json);

/**
 * Completes a sign-in from the URL the browser was redirected to (its query has code, state and maybe iss). The
 * flow may have begun in another process sharing the credential store. Idempotent for a completed flow
 * ("joined": true). On success the tokens are stored, an oauth_completed event is emitted and the manager's own
 * connection to the server is reopened in the background; on failure an oauth_failed event (MCP_ERR_AUTH with
 * details.reason: invalid_state, flow_expired, authorization_denied, issuer_mismatch, invalid_grant, ...).
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, callback_url and out_result_json required; out_error_json may be NULL.
 * Threads: any thread; blocks on the network.
 */
MCP_EXTERN mcp_status mcp_manager_oauth_complete(
    mcp_manager *manager,
    const char *callback_url,
    char **out_result_json,
    char **out_error_json);

/**
 * mcp_manager_oauth_complete() for hosts whose callback route already split the query: code, state and iss (NULL
 * when the redirect had none).
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, code, state and out_result_json required; iss and out_error_json may be NULL.
 * Threads: any thread; blocks on the network.
 */
MCP_EXTERN mcp_status mcp_manager_oauth_complete_code(
    mcp_manager *manager,
    const char *code,
    const char *state,
    const char *iss,
    char **out_result_json,
    char **out_error_json);

/**
 * Cancels a user's pending sign-in on a server: its state stops working and an oauth_failed event
 * (details.reason "flow_cancelled") is emitted. Not having a pending flow is not an error.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: manager and server required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_oauth_cancel(
    mcp_manager *manager,
    const char *server,
    const char *user,
    char **out_error_json);

/**
 * A user's authorization state on a server, never a token: {"user","server","state":"authorized"|"pending"|"failed"|
 * "unauthorized","requiresOAuth","expiresAt"?,"hasRefreshToken"?,"scopes"?,"issuer"?,"tokensSaved"?,"saveError"?,
 * "flow"?:{"flowId","status","createdAt","expiresAt","authUrl"?,"reason"?}}. "tokensSaved": false (with the store's
 * error) while the store refused the tokens and they live in this process's memory only.
 * Ownership: free *out_status_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_status_json required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_oauth_status(
    mcp_manager *manager,
    const char *server,
    const char *user,
    char **out_status_json,
    char **out_error_json);

/**
 * Signs a user out of a server: revokes the tokens where the authorization server offers revocation (failures are
 * reported, not fatal), deletes them and any pending flow, and closes the manager's connection when it was that
 * user's: {"user","server","hadTokens","revocation"?}.
 * Ownership: free *out_report_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_report_json required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
 * Threads: any thread; blocks on the network.
 */
MCP_EXTERN mcp_status mcp_manager_oauth_logout(
    mcp_manager *manager,
    const char *server,
    const char *user,
    char **out_report_json,
    char **out_error_json);

/**
 * Makes the manager keep its OAuth records (tokens, registrations, pending flows) in `store` instead of the one
 * `options.oauth.store` names: a host store (mcp_credential_store_new_host) lets several processes share sign-ins,
 * so a callback may land on another process than the one that began the flow. It also holds the registry's created
 * servers and users' variables. Call it before the first OAuth or registry use (a connect to an OAuth server, any
 * mcp_manager_oauth_* call, any registry call); afterwards it fails with MCP_ERR_CONFLICT.
 * Ownership: the manager keeps its own reference; the store handle may be freed afterwards, but a host store's
 * functions and user_data must stay valid until the manager is freed. Free *out_error_json with mcp_string_free().
 * NULL: manager and store required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_set_credential_store(
    mcp_manager *manager,
    mcp_credential_store *store,
    char **out_error_json);

/**
 * Lists the servers the caller may view, newest change first: {"version":1,"data":[entry…],"has_more","after"}.
 * query_json may be NULL or {"limit": 1…100 (25), "after": cursor, "search": text}.
 * Ownership: free *out_page_json and *out_error_json with mcp_string_free().
 * NULL: manager and out_page_json required; query_json and out_error_json may be NULL.
 * Threads: any thread (reads the store).
 */
MCP_EXTERN mcp_status mcp_manager_list_servers(
    mcp_manager *manager,
    const char *query_json,
    char **out_page_json,
    char **out_error_json);

/**
 * One server as the caller may see it (secrets never, URLs only for editors): {"version":1,"name",…,"canEdit"}.
 * Ownership: free *out_server_json and *out_error_json with mcp_string_free().
 * NULL: manager, name and out_server_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_get_server(
    mcp_manager *manager,
    const char *name,
    char **out_server_json,
    char **out_error_json);

/**
 * Creates a server owned by the caller: {"version":1,"action":"created","name","server":{…},"warnings"?}.
 * name may be NULL: one is derived from the config's title. A name in use is MCP_ERR_CONFLICT.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, config_json and out_result_json required; name and out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_create_server(
    mcp_manager *manager,
    const char *name,
    const char *config_json,
    char **out_result_json,
    char **out_error_json);

/**
 * Applies an RFC 7386 merge patch (null removes a field) to a created server; its connections are rebuilt:
 * {"version":1,"action":"updated"|"unchanged","name","server","connectionRelevant"}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, name, patch_json and out_result_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_update_server(
    mcp_manager *manager,
    const char *name,
    const char *patch_json,
    char **out_result_json,
    char **out_error_json);

/**
 * Deletes a server: every connection of it closes and known users' OAuth tokens are revoked:
 * {"version":1,"action":"deleted","name"}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, name and out_result_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_delete_server(
    mcp_manager *manager,
    const char *name,
    char **out_result_json,
    char **out_error_json);

/**
 * PandoraKit's PATCH /api/config: body_json {"mcpServers":{name: null | {…}}} creates, merges into or deletes
 * servers, all or none: {"version":1,"changes":[…]} (or one change's fields). format is "normalized" (NULL) or
 * "pandorakit" (PandoraKit's fields: name as title, env as forwarded names, requireApproval default true).
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, body_json and out_result_json required; format and out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_patch_config(
    mcp_manager *manager,
    const char *body_json,
    const char *format,
    char **out_result_json,
    char **out_error_json);

/**
 * Shares a created server: grant_json {"user": id | "role": name, "permissions": ["view","use","edit","delete",
 * "share"] or a bit mask}; empty permissions take the grant away. Needs SHARE. Returns the entry with its "acl".
 * Ownership: free *out_server_json and *out_error_json with mcp_string_free().
 * NULL: manager, name, grant_json and out_server_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_share_server(
    mcp_manager *manager,
    const char *name,
    const char *grant_json,
    char **out_server_json,
    char **out_error_json);

/**
 * Saves the view's user's values of a server's customUserVars (encrypted in the store; "" revokes one); the user's
 * connection to it reopens with them: {"version":1,"serverName","authValueFlags":{VAR: bool}}. Never the values.
 * Ownership: free *out_flags_json and *out_error_json with mcp_string_free().
 * NULL: manager (a user's view), server, values_json and out_flags_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_set_user_vars(
    mcp_manager *manager,
    const char *server,
    const char *values_json,
    char **out_flags_json,
    char **out_error_json);

/**
 * Forgets the view's user's saved values for a server: all of them (names_json NULL) or a JSON array of names.
 * Returns the flags like mcp_manager_set_user_vars.
 * Ownership: free *out_flags_json and *out_error_json with mcp_string_free().
 * NULL: manager (a user's view), server and out_flags_json required; names_json and out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_revoke_user_vars(
    mcp_manager *manager,
    const char *server,
    const char *names_json,
    char **out_flags_json,
    char **out_error_json);

/**
 * Which of a server's customUserVars the view's user has set (LibreChat's auth-values):
 * {"version":1,"serverName","authValueFlags":{VAR: bool}}. Never the values.
 * Ownership: free *out_flags_json and *out_error_json with mcp_string_free().
 * NULL: manager (a user's view), server and out_flags_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_manager_auth_values(
    mcp_manager *manager,
    const char *server,
    char **out_flags_json,
    char **out_error_json);

/**
 * Creates a store that keeps records in process memory (lost when the process ends).
 * Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
 * NULL: out_store required; out_error_json may be NULL.
 * Threads: any thread; the store may be used from any thread.
 */
MCP_EXTERN mcp_status mcp_credential_store_new_memory(
    mcp_credential_store **out_store,
    char **out_error_json);

/**
 * Creates a store of AES-256-GCM encrypted files, one per record, in a private directory (created 0700; files
 * 0600). options_json: {"directory":"…", "key":"<base64 of 32 bytes>" | "keyEnv":"VAR", "keyId"?:"…",
 * "previousKeys"?:[{"key"|"keyEnv", "keyId"?}]}; with neither key nor keyEnv the key is read from
 * MCPCLIENT_STORE_KEY. Key errors (MCP_ERR_CONFIG) name the option or variable, never a key.
 * Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
 * NULL: out_store and options_json required; out_error_json may be NULL.
 * Threads: any thread; the store may be used from any thread (writes are atomic renames).
 */
MCP_EXTERN mcp_status mcp_credential_store_new_file(
    mcp_credential_store **out_store,
    const char *options_json,
    char **out_error_json);

/**
 * Creates a store backed by the host's own storage (Redis, Postgres, a keychain) through three functions:
 *   get_fn(key, value, user_data): put the record with mcp_store_value_set(value, …) and return 0, or return 1
 *     when there is none; the library copies the bytes during the call, so the host keeps its buffer;
 *   put_fn(key, bytes, length, ttl_seconds, user_data): store length bytes (ttl_seconds -1 = keep until
 *     deleted; otherwise the host may expire the record after that many seconds); return 0;
 *   delete_fn(key, user_data): remove the record; return 0 (or 1 when it was absent).
 * key is the record's canonical name, "mcpclient/v1/<user>/<server>/<kind>" (parts percent-encoded), borrowed for
 * the call; any other return value is a failure, reported to the library's caller as MCP_ERR_USER naming the
 * operation (never a key or a value). Records are sealed with AES-256-GCM before put_fn sees them (the file
 * store's format, bound to the key), so the host never holds plaintext tokens: options_json takes the same key
 * options as mcp_credential_store_new_file (default MCPCLIENT_STORE_KEY); without a key creation fails unless
 * options_json says {"plaintext": true}.
 * Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
 * The functions and user_data must stay valid until the store is freed and nothing uses it any more.
 * NULL: out_store, get_fn, put_fn and delete_fn required; options_json NULL means {}; user_data may be NULL;
 * out_error_json may be NULL.
 * Threads: any thread. The host's functions are called from any library thread, concurrently, and must be
 * thread-safe; they must not block on, or call, the library call that triggered them.
 */
MCP_EXTERN mcp_status mcp_credential_store_new_host(
    mcp_credential_store **out_store,
    const char *options_json,
    mcp_store_get_fn get_fn,
    mcp_store_put_fn put_fn,
    mcp_store_delete_fn delete_fn,
    void *user_data,
    char **out_error_json);

/**
 * Hands a record to the library from inside a host store's get_fn: the library copies length bytes; calling it
 * again replaces the value. value is only valid during that get_fn call (afterwards: MCP_ERR_CLOSED).
 * Records are at most 1 MiB (MCP_ERR_INVALID beyond).
 * Ownership: bytes stay the host's.
 * NULL: value required; bytes may be NULL only when length is 0.
 * Threads: the thread running get_fn.
 */
MCP_EXTERN mcp_status mcp_store_value_set(
    mcp_store_value *value,
    const uint8_t *bytes,
    int64_t length);

/**
 * Reads a record: key_json is {"user":"…","server":"…","kind":"tokens"|"registration"|"flow"}. Returns MCP_OK
 * with the value's bytes (decrypted for encrypted stores), MCP_ERR_NOT_FOUND when there is none (or it expired);
 * a record that fails authentication is MCP_ERR_INVALID with details.reason "record_tampered".
 * Ownership: free *out_value (length bytes, plus a NUL after them) and *out_error_json with mcp_string_free().
 * NULL: store, key_json, out_value and out_length required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_credential_store_get(
    mcp_credential_store *store,
    const char *key_json,
    char **out_value,
    int64_t *out_length,
    char **out_error_json);

/**
 * Writes a record (replacing any previous one): length bytes at value, kept for ttl_seconds (negative: until
 * deleted). key_json as for mcp_credential_store_get. Records are at most 1 MiB.
 * Ownership: value stays the caller's; free *out_error_json with mcp_string_free().
 * NULL: store and key_json required; value may be NULL only when length is 0; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_credential_store_put(
    mcp_credential_store *store,
    const char *key_json,
    const uint8_t *value,
    int64_t length,
    int64_t ttl_seconds,
    char **out_error_json);

/**
 * Removes a record; removing an absent record is not an error. key_json as for mcp_credential_store_get.
 * Ownership: free *out_error_json with mcp_string_free().
 * NULL: store and key_json required; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_credential_store_delete(
    mcp_credential_store *store,
    const char *key_json,
    char **out_error_json);

/**
 * Releases a store handle. Calls racing this one fail with MCP_ERR_CLOSED; a manager given the store keeps using
 * it (a host store's functions and user_data must outlive that use).
 * Ownership: the handle is invalid afterwards.
 * NULL: store may be NULL (no-op).
 * Threads: any thread.
 */
MCP_EXTERN void mcp_credential_store_free(mcp_credential_store *store);

/**
 * Creates a host store as mcp_credential_store_new_host does, plus two lease functions the library uses to make a
 * token refresh single-flight across every process sharing the store (a rotating refresh token is redeemed once):
 *   lock_fn(name, token, ttl_ms, user_data): take the lease `name` for `token` unless another token holds an
 *     unexpired one; return 0 when taken, 1 when busy (the library polls with backoff, bounded). The lease must
 *     lapse after ttl_ms even if never released (Redis: SET name token NX PX ttl_ms).
 *   unlock_fn(name, token, user_data): release `name` only if `token` still holds it (compare and delete); return
 *     0, or 1 when it was not held by that token.
 * name ("mcpclient/v1/<user>/<server>/lock", parts percent-encoded) and token (random, base64url) are borrowed for
 * the call and are not secret. Any other return value is a failure (MCP_ERR_USER naming the operation). lock_fn
 * and unlock_fn are both given or both NULL; NULL means the leases are process-local (as with
 * mcp_credential_store_new_host).
 * Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
 * The functions and user_data must stay valid until the store is freed and nothing uses it any more.
 * NULL: out_store, get_fn, put_fn and delete_fn required; lock_fn and unlock_fn together or not at all;
 * options_json NULL means {}; user_data may be NULL; out_error_json may be NULL.
 * Threads: any thread. Every function is called from any library thread, concurrently, and must be thread-safe;
 * none may block on, or call, the library call that triggered it.
 */
MCP_EXTERN mcp_status mcp_credential_store_new_host_locking(
    mcp_credential_store **out_store,
    const char *options_json,
    mcp_store_get_fn get_fn,
    mcp_store_put_fn put_fn,
    mcp_store_delete_fn delete_fn,
    mcp_store_lock_fn lock_fn,
    mcp_store_unlock_fn unlock_fn,
    void *user_data,
    char **out_error_json);

/**
 * Applies a trust tier's rules to a normalized server config and, for operator/admin, expands ${VAR} in the
 * parse-time fields (url, proxy, OAuth endpoint URLs, env values). options_json:
 * {"tier":"operator"|"admin"|"user"|"plugin", "env":{…} or "useProcessEnv":true, "denylist":[…], "allowObo":false}.
 * Result: {"version":1, "server":{…}, "warnings":[…]}. A user-tier violation gives MCP_ERR_POLICY with details.path.
 * Ownership: free *out_json and *out_error_json with mcp_string_free().
 * NULL: server_json and out_json required; options_json NULL means the operator tier with an empty environment;
 * out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_config_prepare(
    const char *server_json,
    const char *options_json,
    char **out_json,
    char **out_error_json);

/**
 * Resolves a normalized server config for one connection: user fields, OpenID and Graph tokens, request body
 * fields, customUserVars values, MCP_API_KEY, VS Code inputs, ${VAR} / ${env:NAME}, ${userHome},
 * ${workspaceFolder}, envFile and envForward, each only in the fields where it applies. context_json: {"tier",
 * "user":{…}, "openid":{…}, "graph":{"accessToken"}, "body":{…}, "userVars":{…}, "inputs":{…}, "env":{…} or
 * "useProcessEnv":true, "denylist":[…], "workspaceFolder", "userHome", "baseDir", "now", "allowObo"}.
 * Result: {"version":1, "server":{…}, "scope":"app"|"user"|"request", "scopeReason", "needsUserValues", "deferred", "deferredFields":[…],
 * "missingUserVars":[…], "warnings":[…]}. Errors never contain substituted values.
 * Ownership: free *out_json and *out_error_json with mcp_string_free().
 * NULL: server_json and out_json required; context_json NULL means {}; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_config_resolve(
    const char *server_json,
    const char *context_json,
    char **out_json,
    char **out_error_json);

/**
 * Says which connection a normalized server config gets: one shared (app), one per user, or one per request,
 * and why. tier overrides the config's source.tier ("operator", "admin", "user", "plugin").
 * Result: {"version":1, "scope":"app"|"user"|"request", "reason"}.
 * Ownership: free *out_json and *out_error_json with mcp_string_free().
 * NULL: server_json and out_json required; tier may be NULL; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_config_classify(
    const char *server_json,
    const char *tier,
    char **out_json,
    char **out_error_json);

/**
 * Lists the tools of every registered server (or options_json.servers) under model-facing names:
 * {"version":1,"naming","tools":[…],"servers":{name:{status,…}},"collisions":[…]}. Servers connect on demand,
 * three at a time by default; a server that fails appears in "servers" with its error and never hides the others.
 * The name map is kept for mcp_manager_call_model_tool. options_json: {"servers","style","delimiter","charset",
 * "maxLength","timeoutMs","concurrency"}.
 * Ownership: free *out_tools_json and *out_error_json with mcp_string_free().
 * NULL: manager and out_tools_json required; options_json may be NULL for defaults; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_list_all_tools(
    mcp_manager *manager,
    const char *options_json,
    char **out_tools_json,
    char **out_error_json);

/**
 * Calls a tool by its model-facing name from the last mcp_manager_list_all_tools (an unknown name lists again):
 * {"version":1,"server","tool","modelName","result":{…},"formatted"?}. A tool that needs approval (config
 * requireApproval, PandoraKit's default, or destructiveHint) fails with MCP_ERR_PERMISSION and details.reason
 * "approval_required" after an approval_required event, unless options_json has "approved": true.
 * options_json: {"approved","timeoutMs","format","maxArtifactBytes","style","delimiter","charset","maxLength"}.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, model_name and out_result_json required; arguments_json NULL means {}; options_json may be NULL;
 * out_error_json may be NULL.
 * Threads: any host thread (blocking); many threads may call at once.
 */
MCP_EXTERN mcp_status mcp_manager_call_model_tool(
    mcp_manager *manager,
    const char *model_name,
    const char *arguments_json,
    const char *options_json,
    char **out_result_json,
    char **out_error_json);

/**
 * Formats a tools/call result (or a mcp_manager_call_tool payload) for a model: {"version":1,"isError","text",
 * "content","structuredContent"?,"structuredValid"?,"artifacts":{"images","audio","resources","links","ui"}}.
 * options_json: {"maxArtifactBytes":10485760,"outputSchema"?}.
 * Ownership: free *out_json and *out_error_json with mcp_string_free().
 * NULL: result_json and out_json required; options_json may be NULL; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_tool_result_format(
    const char *result_json,
    const char *options_json,
    char **out_json,
    char **out_error_json);

/**
 * The model-facing name of one tool: {"version":1,"server","tool","modelName","shortened","normalizedServer"}.
 * A single name, without the collision handling of a listing. options_json: {"style","delimiter","charset","maxLength"}.
 * Ownership: free *out_json and *out_error_json with mcp_string_free().
 * NULL: server, tool and out_json required; options_json may be NULL; out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_tool_model_name(
    const char *server,
    const char *tool,
    const char *options_json,
    char **out_json,
    char **out_error_json);

/**
 * Returns a user's view of the manager. It shares the manager's servers and connections; every call made through
 * it is on behalf of that user: per-user servers (OAuth, customUserVars, user placeholders, user-created) get the
 * user's own connection, signed in as the user, with the user's values substituted; other servers use the shared
 * connection. user_json is {"id", "role"?, LibreChat's user fields ("email", "name", …)?, "permissions"?, "openid"?, "graph"?, "body"?,
 * "userVars"?} (docs/abi/json.md).
 * A view cannot register servers, set stores or read events (MCP_ERR_PERMISSION): those belong to the manager.
 * Ownership: free the view with mcp_manager_free() (the manager stays); *out_error_json with mcp_string_free().
 * Freeing the manager ends every view's use of it (MCP_ERR_CLOSED).
 * NULL: manager, user_json and out_view required; out_error_json may be NULL.
 * Threads: any thread; the view may be used from many threads at once.
 */
MCP_EXTERN mcp_status mcp_manager_as_user(
    mcp_manager *manager,
    const char *user_json,
    mcp_manager **out_view,
    char **out_error_json);

/**
 * Reconnects the caller's connection to a server (clearing its circuit breaker) and reports in the shape of
 * LibreChat's reinitialize route: {"version":1,"success","message","serverName","oauthRequired","oauthUrl"?,
 * "flowId"?,"failureReason"?,"missingUserVars"?,"error"?}. A failed reconnect is MCP_OK with success false.
 * Ownership: free *out_result_json and *out_error_json with mcp_string_free().
 * NULL: manager, server and out_result_json required; out_error_json may be NULL.
 * Threads: any host thread (blocking).
 */
MCP_EXTERN mcp_status mcp_manager_reinitialize(
    mcp_manager *manager,
    const char *server,
    char **out_result_json,
    char **out_error_json);

/**
 * Opens the shared connection of every server that gets one, at most three at a time (LibreChat's startup):
 * {"version":1,"servers":{name:{"status":"connected"|"error"|"skipped","error"?,"reason"?}}}. Per-user,
 * request-scoped, `startup: false` and disabled servers are skipped with the reason; failures are reported per
 * server and do not fail the call. options_json may be NULL or {"parallel": 1…16}.
 * Ownership: free *out_report_json and *out_error_json with mcp_string_free().
 * NULL: manager and out_report_json required; options_json and out_error_json may be NULL.
 * Threads: any host thread (blocking until every connect ended).
 */
MCP_EXTERN mcp_status mcp_manager_connect_all(
    mcp_manager *manager,
    const char *options_json,
    char **out_report_json,
    char **out_error_json);

/**
 * Converts one YAML 1.2 document (core schema: null, bool, int, float; anchors, aliases, merge keys) to compact JSON.
 * On a syntax error the status is MCP_ERR_CONFIG and the error JSON's details hold line, column and excerpt (the
 * line with a caret under the column); several documents, duplicate keys, tabs used as indentation, unsupported
 * tags, .inf/.nan and alias bombs are errors too. Limits: 8 MiB of text, nesting 256 deep, 1,000,000 alias nodes.
 * Ownership: free *out_json and *out_error_json with mcp_string_free().
 * NULL: yaml and out_json are required (MCP_ERR_INVALID); out_error_json may be NULL.
 * Threads: any thread.
 */
MCP_EXTERN mcp_status mcp_yaml_to_json(const char *yaml, char **out_json, char **out_error_json);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MCPCLIENT_H */
