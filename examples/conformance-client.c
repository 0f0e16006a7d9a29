/* conformance-client: the client side of the official MCP conformance suite
 * (github.com/modelcontextprotocol/conformance), driven through the mcpclient C API.
 *
 *   MCP_CONFORMANCE_SCENARIO=<name> [MCP_CONFORMANCE_PROTOCOL_VERSION=<version>]
 *   [MCP_CONFORMANCE_CONTEXT=<json>] conformance-client <server-url>
 *
 * The suite starts a mock server per scenario, runs this program with its URL and checks what arrives on the
 * wire. Each scenario below does what the suite's reference client (examples/clients/typescript/
 * everything-client.ts) does; the protocol details the scenarios check (era, headers, Mcp-Param-*, requestState,
 * SSE resumption, tools with bad x-mcp-header annotations, remote $ref) are the library's job, so this program
 * only drives the calls and plays the user for elicitation, sampling and roots.
 *
 * MCP_CONFORMANCE_PROTOCOL_VERSION 2026-07-28 (and later) selects the stateless era ("era":"modern"), earlier
 * versions the handshake era ("era":"legacy"); unset lets the library detect it. A "toolCalls" array
 * ([{"name":…,"arguments":{…}},…]) in MCP_CONFORMANCE_CONTEXT replaces the tools a scenario calls.
 *
 * auth/... scenarios: the manager gets the reference client's redirect URI (http://localhost:3000/callback) and
 * the suite's client ID metadata document URL; the context's client_id/client_secret (auth/pre-registration)
 * and the members of a context "oauth" object (this project's tests pin endpoints with it) become the server's
 * "oauth" config. When a connect or call fails with MCP_ERR_AUTH and an authUrl (401, or 403 insufficient_scope),
 * the program plays the browser: a plain-http GET of authUrl without following the redirect, whose Location goes
 * to mcp_manager_oauth_complete; then the request is retried, at most 3 sign-ins in all (auth/scope-retry-limit
 * allows 3 authorization requests). It prints each authorization request's client_id, scope, resource and
 * redirect_uri. Discovery, registration, PKCE, scope choice, step-up and the resource check are the library's.
 * Not handled: the extension scenarios (client-credentials-jwt/-basic, enterprise-managed-authorization, dpop,
 * wif-jwt-bearer), which need other grants or DPoP. auth/pre-registration's client_id/client_secret make an
 * operator-tier config, so the endpoints come from discovery (a context "source" of {"tier":"user"} makes the
 * config user-created, which must pin them: client_secret_without_endpoints).
 * examples/run-tests.sh emulates most auth scenarios against real
 * authorization servers (docs/oauth.md, "Conformance", lists which and how).
 *
 * Exit status: 0 when the scenario ran, 1 on a failure (reason on stderr), 2 for usage or an unknown scenario.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, getaddrinfo, strncasecmp */
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "mcpclient.h"

#define SERVER "conformance"
#define CALL_TIMEOUT_MS 30000
/* auth scenarios: the reference client's redirect URI, and the client ID metadata document URL the suite's auth/basic-cimd
 * expects as client_id (its mock never fetches it). */
#define REDIRECT_URI "http://localhost:3000/callback"
#define CIMD_URL "https://conformance-test.local/client-metadata.json"
/* auth/scope-retry-limit passes with at most 3 authorization requests (the first sign-in plus the library's two
 * scope upgrades). */
#define MAX_SIGN_INS 3

static mcp_manager *manager;

/* ---- A minimal read-only JSON scanner ------------------------------------------------------------------
 * Values are addressed by a pointer to their first character inside a NUL-terminated JSON text (documents the
 * library produced, or the suite's context), and copied out verbatim: raw JSON pieces are passed straight back
 * to the library, so nothing here ever needs to unescape a string. */

static const char *skip_ws(const char *p) {
    while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Returns the character after the value starting at p, or NULL when the text is malformed. */
static const char *skip_value(const char *p) {
    p = skip_ws(p);
    if (!p || !*p) return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && !*++p) return NULL;
        return *p ? p + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        do {
            if (*p == '"') {
                p = skip_value(p);
                if (!p) return NULL;
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            else if (*p == '}' || *p == ']') depth--;
            else if (!*p) return NULL;
            p++;
        } while (depth > 0);
        return p;
    }
    while (*p && !strchr(",}] \t\r\n", *p)) p++; /* number, true, false, null */
    return p;
}

/* The first element of the array at p, or NULL when p is not a non-empty array. */
static const char *array_first(const char *p) {
    p = skip_ws(p);
    if (!p || *p != '[') return NULL;
    p = skip_ws(p + 1);
    return *p == ']' ? NULL : p;
}

/* The element after the array element at p, or NULL after the last one. */
static const char *array_next(const char *p) {
    p = skip_ws(skip_value(p));
    return p && *p == ',' ? skip_ws(p + 1) : NULL;
}

/* Object members: obj_first gives the first key (a string), obj_next the following key, obj_value a key's value. */
static const char *obj_first(const char *p) {
    p = skip_ws(p);
    if (!p || *p != '{') return NULL;
    p = skip_ws(p + 1);
    return *p == '"' ? p : NULL;
}

static const char *obj_value(const char *key) {
    const char *p = skip_ws(skip_value(key));
    return p && *p == ':' ? skip_ws(p + 1) : NULL;
}

static const char *obj_next(const char *key) {
    return array_next(obj_value(key)); /* same separator rule after the value */
}

/* True when the JSON value at p is the string s (s has no characters that JSON would escape). */
static int is_string(const char *p, const char *s) {
    size_t n = strlen(s);
    p = skip_ws(p);
    return p && *p == '"' && strncmp(p + 1, s, n) == 0 && p[n + 1] == '"';
}

/* The value of member key in the object at p, or NULL. */
static const char *get(const char *p, const char *key) {
    for (const char *k = obj_first(p); k; k = obj_next(k))
        if (is_string(k, key)) return obj_value(k);
    return NULL;
}

/* A malloc'ed copy of the raw JSON value at p ("null" when p is NULL or malformed). */
static char *dup_value(const char *p) {
    const char *end = skip_value(p);
    if (!p || !end) return strdup("null");
    p = skip_ws(p);
    char *copy = malloc((size_t)(end - p) + 1);
    if (copy) {
        memcpy(copy, p, (size_t)(end - p));
        copy[end - p] = '\0';
    }
    return copy;
}

/* ---- A growing string ---------------------------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
} buf;

static void buf_raw(buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            fputs("out of memory\n", stderr);
            exit(1);
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(buf *b, const char *s) { buf_raw(b, s, strlen(s)); }

/* Appends the raw JSON value at p (or null). */
static void buf_value(buf *b, const char *p) {
    const char *end = skip_value(p);
    if (!p || !end) buf_str(b, "null");
    else buf_raw(b, skip_ws(p), (size_t)(end - skip_ws(p)));
}

/* Appends s as a JSON string. */
static void buf_json_string(buf *b, const char *s) {
    buf_str(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char esc[8];
        if (*c == '"' || *c == '\\') snprintf(esc, sizeof esc, "\\%c", *c);
        else if (*c < 0x20) snprintf(esc, sizeof esc, "\\u%04x", *c);
        else { esc[0] = (char)*c; esc[1] = '\0'; }
        buf_str(b, esc);
    }
    buf_str(b, "\"");
}

/* The request_id of an event (0 when it has none). */
static uint64_t request_id(const char *event) {
    const char *id = get(event, "request_id");
    return id ? strtoull(id, NULL, 10) : 0;
}

/* ---- Operations: submit, then pump events, answering what the server asks ------------------------------ */

/* auth scenarios: OAuth is configured, and how many sign-ins run() has played so far. */
static int oauth_enabled, sign_ins;

/* When set, the next server request is held while this tool is called (the SEP-2322 isolation check). */
static const char *interleave_tool;

static char *run(const char *request_json, char **out_error);

/* A placeholder user answer for a schema property that has no default. */
static void buf_placeholder(buf *b, const char *schema) {
    const char *type = get(schema, "type"), *choices = array_first(get(schema, "enum"));
    if (choices) buf_value(b, choices);
    else if (is_string(type, "boolean")) buf_str(b, "true");
    else if (is_string(type, "integer") || is_string(type, "number")) buf_str(b, "1");
    else buf_str(b, "\"conformance\"");
}

/* elicitation/create: accept. A form's content is every property's `default` (SEP-1034: the host fills in the
 * defaults the server declared) or, without one, a placeholder standing in for what a user would type. */
static void buf_elicit_result(buf *b, const char *params) {
    if (is_string(get(params, "mode"), "url")) {
        buf_str(b, "{\"action\":\"accept\"}");
        return;
    }
    buf_str(b, "{\"action\":\"accept\",\"content\":{");
    const char *properties = get(get(params, "requestedSchema"), "properties");
    for (const char *k = obj_first(properties); k; k = obj_next(k)) {
        const char *schema = obj_value(k), *fallback = get(schema, "default");
        if (k != obj_first(properties)) buf_str(b, ",");
        buf_value(b, k);
        buf_str(b, ":");
        if (fallback) buf_value(b, fallback);
        else buf_placeholder(b, schema);
    }
    buf_str(b, "}}");
}

/* Answers a {"kind":"request"} event the way a consenting user would. */
static void answer(const char *event) {
    const char *method = get(event, "method"), *params = get(event, "params");
    uint64_t id = request_id(event);
    if (interleave_tool) {
        const char *tool = interleave_tool;
        interleave_tool = NULL;
        buf call = {0};
        buf_str(&call, "{\"op\":\"call_tool\",\"server\":\"" SERVER "\",\"arguments\":{},\"tool\":");
        buf_json_string(&call, tool);
        buf_str(&call, "}");
        char *error = NULL, *result = run(call.s, &error);
        printf("tools/call %s (while an input request is pending): %s\n", tool, result ? result : error);
        free(result);
        free(error);
        free(call.s);
    }
    buf response = {0};
    buf_str(&response, "{\"result\":");
    if (is_string(method, "elicitation/create")) buf_elicit_result(&response, params);
    else if (is_string(method, "sampling/createMessage"))
        buf_str(&response, "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"hi from the conformance "
                           "client\"},\"model\":\"conformance-client\",\"stopReason\":\"endTurn\"}");
    else if (is_string(method, "roots/list")) buf_str(&response, "{\"roots\":[]}");
    else {
        response.len = 0;
        buf_str(&response, "{\"error\":{\"code\":-32601,\"message\":\"not supported by the conformance client\"}");
    }
    buf_str(&response, "}");
    char *error = NULL;
    mcp_status status = mcp_manager_respond(manager, id, response.s, &error);
    fprintf(stderr, "answered a server request: %s%s%s\n", response.s, status == MCP_OK ? "" : " -- failed: ",
            error ? error : "");
    mcp_string_free(error);
    free(response.s);
}

/* Outcomes (library-owned event strings) that arrived while a nested run() was waiting for another one. */
static char *stashed[16];

/* Submits request_json and waits for its outcome, answering server requests meanwhile. Returns the operation's
 * result document (free with free()), or NULL with *out_error set to the error document. */
static char *run_once(const char *request_json, char **out_error) {
    uint64_t id;
    char *error = NULL;
    *out_error = NULL;
    if (mcp_manager_submit(manager, request_json, &id, &error) != MCP_OK) {
        *out_error = strdup(error ? error : "submit failed");
        mcp_string_free(error);
        return NULL;
    }
    for (;;) {
        char *event = NULL;
        for (size_t i = 0; i < sizeof stashed / sizeof *stashed && !event; i++)
            if (stashed[i] && request_id(stashed[i]) == id) {
                event = stashed[i];
                stashed[i] = NULL;
            }
        if (!event) {
            mcp_status status = mcp_manager_next_event(manager, CALL_TIMEOUT_MS * 2, &event);
            if (status != MCP_OK) {
                *out_error = strdup(status == MCP_ERR_TIMEOUT ? "{\"message\":\"no event for 60 s\"}"
                                                              : "{\"message\":\"event queue closed\"}");
                return NULL;
            }
        }
        const char *kind = get(event, "kind");
        if (is_string(kind, "request")) {
            answer(event);
        } else if (is_string(kind, "result") || is_string(kind, "error")) {
            if (request_id(event) == id) {
                char *outcome = dup_value(get(event, is_string(kind, "result") ? "result" : "error"));
                int ok = is_string(kind, "result");
                mcp_string_free(event);
                if (ok) return outcome;
                *out_error = outcome;
                return NULL;
            }
            size_t i = 0;
            while (i < sizeof stashed / sizeof *stashed && stashed[i]) i++;
            if (i < sizeof stashed / sizeof *stashed) {
                stashed[i] = event; /* kept, freed when its run() picks it up */
                continue;
            }
            fprintf(stderr, "dropped an outcome nobody waits for: %s\n", event);
        } else if (is_string(kind, "log") || is_string(kind, "oauth_required") || is_string(kind, "oauth_completed") ||
                   is_string(kind, "oauth_failed")) {
            fprintf(stderr, "event: %s\n", event); /* OAuth events never carry a token, code or secret */
        }
        mcp_string_free(event);
    }
}

static int sign_in(const char *details);

/* run_once(), playing the user when the server asks for a sign-in: an MCP_ERR_AUTH error with an authUrl (a 401,
 * or a 403 insufficient_scope step-up) is signed in to and the request retried, up to MAX_SIGN_INS sign-ins per
 * run of the program. Any other error (scope_upgrade_limit, resource_mismatch, ...) is the outcome. */
static char *run(const char *request_json, char **out_error) {
    for (;;) {
        char *result = run_once(request_json, out_error);
        if (result || !oauth_enabled) return result;
        const char *details = get(*out_error, "details");
        if (!is_string(get(*out_error, "name"), "MCP_ERR_AUTH") || !get(details, "authUrl")) return NULL;
        if (sign_ins >= MAX_SIGN_INS) {
            fprintf(stderr, "conformance-client: not signing in again after %d sign-ins\n", sign_ins);
            return NULL;
        }
        if (sign_in(details) != 0) return NULL; /* *out_error stays the server's demand */
        free(*out_error);
        *out_error = NULL;
    }
}

/* run() for an operation without arguments, e.g. "list_tools". */
static char *run_op(const char *op, char **out_error) {
    char request[128];
    snprintf(request, sizeof request, "{\"op\":\"%s\",\"server\":\"" SERVER "\"}", op);
    return run(request, out_error);
}

static int failed(const char *what, char *error) {
    fprintf(stderr, "conformance-client: %s failed: %s\n", what, error ? error : "(no detail)");
    free(error);
    return 1;
}

/* failed() for an error document the library allocated. */
static int failed_library(const char *what, char *error) {
    fprintf(stderr, "conformance-client: %s failed: %s\n", what, error ? error : "(no detail)");
    mcp_string_free(error);
    return 1;
}

/* Arguments for a tool the scenario does not specify: {"a":2,"b":3} for an a/b tool (the suite's add_numbers),
 * else a placeholder for every required property. */
static void buf_arguments(buf *b, const char *tool) {
    const char *schema = get(tool, "inputSchema"), *properties = get(schema, "properties");
    if (get(properties, "a") && get(properties, "b")) {
        buf_str(b, "{\"a\":2,\"b\":3}");
        return;
    }
    buf_str(b, "{");
    for (const char *name = array_first(get(schema, "required")); name; name = array_next(name)) {
        if (b->s[b->len - 1] != '{') buf_str(b, ",");
        buf_value(b, name);
        buf_str(b, ":");
        const char *property = NULL;
        for (const char *k = obj_first(properties); k && !property; k = obj_next(k)) {
            const char *end = skip_value(k);
            if (end && skip_value(name) - name == end - k && strncmp(k, name, (size_t)(end - k)) == 0) property = obj_value(k);
        }
        buf_placeholder(b, property);
    }
    buf_str(b, "}");
}

/* Calls a tool; name and arguments are raw JSON. Returns 0, or 1 after reporting the failure. */
static int call_tool(const char *name, const char *arguments) {
    buf request = {0};
    buf_str(&request, "{\"op\":\"call_tool\",\"server\":\"" SERVER "\",\"timeout_ms\":30000,\"tool\":");
    buf_value(&request, name);
    buf_str(&request, ",\"arguments\":");
    buf_str(&request, arguments);
    buf_str(&request, "}");
    char *error = NULL, *result = run(request.s, &error);
    char *tool = dup_value(name);
    int rc = 0;
    if (result) printf("tools/call %s: %s\n", tool, result);
    else rc = failed("tools/call", error);
    free(tool);
    free(result);
    free(request.s);
    return rc;
}

/* The tool list ({"version","server","tools":[…]}); NULL after reporting the failure. */
static char *list_tools(void) {
    char *error = NULL, *tools = run_op("list_tools", &error);
    if (!tools) {
        failed("tools/list", error);
        return NULL;
    }
    int count = 0;
    for (const char *t = array_first(get(tools, "tools")); t; t = array_next(t)) count++;
    printf("tools/list: %d tools\n", count);
    return tools;
}

static const char *find_tool(const char *tools, const char *name) {
    for (const char *t = array_first(get(tools, "tools")); t; t = array_next(t))
        if (is_string(get(t, "name"), name)) return t;
    return NULL;
}

/* The context's toolCalls, called in order; -1 when the context has none. */
static int context_tool_calls(void) {
    const char *context = getenv("MCP_CONFORMANCE_CONTEXT");
    const char *calls = get(context, "toolCalls");
    if (!calls) return -1;
    for (const char *c = array_first(calls); c; c = array_next(c)) {
        char *arguments = get(c, "arguments") ? dup_value(get(c, "arguments")) : strdup("{}");
        int rc = call_tool(get(c, "name"), arguments);
        free(arguments);
        if (rc) return rc;
    }
    return 0;
}

/* ---- OAuth: the headless browser ------------------------------------------------------------------------
 * The library does the OAuth work (discovery, registration, PKCE, scopes, the token exchange); this program only
 * plays the user's browser, as the reference client's ConformanceOAuthProvider does: the suite's authorization
 * endpoint approves at once with a 302 to the redirect URI, so a GET without following redirects yields the
 * callback URL. */

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

/* A malloc'ed C string from the JSON string at p; NULL when p is not a string or escapes anything beyond ASCII
 * (URLs never need that). */
static char *dup_string(const char *p) {
    const char *end = skip_value(p);
    p = skip_ws(p);
    if (!p || !end || *p != '"') return NULL;
    char *out = malloc((size_t)(end - p)), *o = out;
    if (!out) return NULL;
    for (p++; *p != '"'; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        int code = 0;
        switch (*++p) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            for (int i = 1; i <= 4 && code >= 0; i++) code = hex_digit(p[i]) < 0 ? -1 : code * 16 + hex_digit(p[i]);
            if (code <= 0 || code > 0x7f) {
                free(out);
                return NULL;
            }
            *o++ = (char)code;
            p += 4;
            break;
        default: *o++ = *p; /* \" \\ \/ */
        }
    }
    *o = '\0';
    return out;
}

/* Prints " name=value" for a query parameter of url, percent-decoded ("(none)" when absent). */
static void print_query_parameter(const char *url, const char *name) {
    size_t n = strlen(name);
    const char *p = strchr(url, '?');
    printf(" %s=", name);
    while (p) {
        p++;
        const char *next = strchr(p, '&');
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            for (const char *c = p + n + 1; *c && c != next; c++) {
                if (*c == '%' && hex_digit(c[1]) >= 0 && hex_digit(c[2]) >= 0) {
                    putchar(hex_digit(c[1]) * 16 + hex_digit(c[2]));
                    c += 2;
                } else putchar(*c == '+' ? ' ' : *c);
            }
            return;
        }
        p = next;
    }
    fputs("(none)", stdout);
}

/* Connects to host:port (host may be a bracketed IPv6 literal) with 10 s send/receive timeouts; -1 on failure. */
static int open_connection(const char *host, const char *port) {
    char name[256];
    snprintf(name, sizeof name, "%s", host[0] == '[' ? host + 1 : host);
    if (host[0] == '[') name[strcspn(name, "]")] = '\0';
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(name, port, &hints, &found);
    if (rc != 0) {
        fprintf(stderr, "conformance-client: cannot resolve %s: %s\n", name, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    struct timeval timeout = {10, 0};
    for (struct addrinfo *a = found; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0) fprintf(stderr, "conformance-client: cannot connect to %s:%s\n", name, port);
    return fd;
}

/* GETs an http:// URL without following redirects (HTTP/1.1, one request, Connection: close) and returns the
 * Location of its 3xx answer, malloc'ed; NULL after saying why. */
static char *redirect_location(const char *url) {
    if (strncmp(url, "https://", 8) == 0) {
        fputs("conformance-client: the authorization URL is https; this headless browser only speaks plain http "
              "(the suite's authorization servers run on http://localhost)\n", stderr);
        return NULL;
    }
    if (strncmp(url, "http://", 7) != 0) {
        fprintf(stderr, "conformance-client: not an http URL: %s\n", url);
        return NULL;
    }
    const char *authority = url + 7, *target = authority + strcspn(authority, "/?#");
    size_t authority_len = (size_t)(target - authority);
    char host[256], port[8] = "80";
    if (authority_len == 0 || authority_len >= sizeof host || memchr(authority, '@', authority_len)) {
        fprintf(stderr, "conformance-client: unusable authority in %s\n", url);
        return NULL;
    }
    memcpy(host, authority, authority_len);
    host[authority_len] = '\0';
    char *colon = strrchr(host, ':');
    if (colon && !strchr(colon, ']')) {
        snprintf(port, sizeof port, "%s", colon + 1);
        *colon = '\0';
    }
    int fd = open_connection(host, port);
    if (fd < 0) return NULL;

    buf request = {0};
    buf_str(&request, "GET ");
    if (*target != '/') buf_str(&request, "/");
    buf_raw(&request, target, strcspn(target, "#"));
    buf_str(&request, " HTTP/1.1\r\nHost: ");
    buf_raw(&request, authority, authority_len);
    buf_str(&request, "\r\nAccept: text/html, */*\r\nUser-Agent: mcpclient-conformance\r\nConnection: close\r\n\r\n");
    size_t sent = 0;
    while (sent < request.len) {
        ssize_t n = send(fd, request.s + sent, request.len - sent, 0);
        if (n <= 0) break;
        sent += (size_t)n;
    }
    int complete = sent == request.len;
    free(request.s);

    /* The head is all we need; 64 KiB is plenty for it. */
    buf response = {0};
    char chunk[4096];
    while (complete && response.len < 65536 && !(response.s && strstr(response.s, "\r\n\r\n"))) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buf_raw(&response, chunk, (size_t)n);
    }
    close(fd);
    char *location = NULL;
    int status = 0;
    if (!complete || !response.s || sscanf(response.s, "HTTP/1.%*d %d", &status) != 1) {
        fprintf(stderr, "conformance-client: no HTTP answer from %s\n", url);
    } else if (status < 300 || status > 399) {
        fprintf(stderr, "conformance-client: the authorization endpoint answered %d, not a redirect: %.300s\n", status,
                response.s);
    } else {
        for (const char *line = strstr(response.s, "\r\n"); line && !location; line = strstr(line, "\r\n")) {
            line += 2;
            if (line[0] == '\r') break; /* the end of the head */
            if (strncasecmp(line, "Location:", 9) != 0) continue;
            const char *value = line + 9, *value_end = strstr(value, "\r\n");
            while (*value == ' ' || *value == '\t') value++;
            if (!value_end || value_end == value) break;
            location = malloc((size_t)(value_end - value) + 1);
            if (location) {
                memcpy(location, value, (size_t)(value_end - value));
                location[value_end - value] = '\0';
            }
        }
        if (!location) fprintf(stderr, "conformance-client: the %d redirect has no Location\n", status);
    }
    free(response.s);
    return location;
}

/* Plays the user for a sign-in the library asked for (the details of its MCP_ERR_AUTH error): opens authUrl
 * headlessly and hands the redirect to mcp_manager_oauth_complete, which exchanges the code and stores the
 * tokens. Prints what the authorization request asked for (never the state, code or verifier). 0 on success. */
static int sign_in(const char *details) {
    char *auth_url = dup_string(get(details, "authUrl")), *reason = dup_string(get(details, "reason"));
    int rc = 1;
    if (auth_url) {
        sign_ins++;
        printf("authorization request %d (%s):", sign_ins, reason ? reason : "?");
        print_query_parameter(auth_url, "client_id");
        print_query_parameter(auth_url, "scope");
        print_query_parameter(auth_url, "resource");
        print_query_parameter(auth_url, "redirect_uri");
        print_query_parameter(auth_url, "code_challenge_method");
        putchar('\n');
        fflush(stdout);
        char *callback = redirect_location(auth_url);
        if (callback) {
            char *result = NULL, *error = NULL;
            if (mcp_manager_oauth_complete(manager, callback, &result, &error) == MCP_OK) {
                printf("signed in: %s\n", result);
                rc = 0;
            } else {
                fprintf(stderr, "conformance-client: mcp_manager_oauth_complete failed: %s\n", error ? error : "(no detail)");
            }
            mcp_string_free(result);
            mcp_string_free(error);
            free(callback);
        }
    }
    free(auth_url);
    free(reason);
    return rc;
}

/* ---- Scenarios ------------------------------------------------------------------------------------------ */

/* initialize, tools_call, sse-retry, auth/...: connect (handshake or discovery), list the tools, call one: the auth
 * scenarios' test-tool, else the a/b adder when there is one (tools_call's add_numbers gets a=2, b=3), else the
 * first (sse-retry's test_reconnection, whose answer only arrives on the resumed GET stream). An empty list
 * (initialize) ends after listing. The context's toolCalls, when given, replace that choice. */
static int scenario_basic(const char *info) {
    (void)info;
    char *tools = list_tools();
    if (!tools) return 1;
    int from_context = context_tool_calls();
    if (from_context >= 0) {
        free(tools);
        return from_context;
    }
    const char *tool = find_tool(tools, "test-tool");
    for (const char *t = tool ? NULL : array_first(get(tools, "tools")); t && !tool; t = array_next(t))
        if (get(get(get(t, "inputSchema"), "properties"), "a") && get(get(get(t, "inputSchema"), "properties"), "b")) tool = t;
    if (!tool) tool = array_first(get(tools, "tools"));
    int rc = 0;
    if (tool) {
        buf arguments = {0};
        buf_arguments(&arguments, tool);
        rc = call_tool(get(tool, "name"), arguments.s);
        free(arguments.s);
    }
    free(tools);
    return rc;
}

/* request-metadata, json-schema-ref-no-deref: connect and list tools, nothing else. */
static int scenario_list_only(const char *info) {
    (void)info;
    char *tools = list_tools();
    free(tools);
    return tools ? 0 : 1;
}

/* http-standard-headers: one request of every kind the server offers, so each carries its Mcp-Method (and,
 * for tools/call, resources/read and prompts/get, Mcp-Name) header: tools/list, tools/call on the first tool
 * and on the first whose name is not a plain identifier, resources/list and resources/read on every resource,
 * prompts/list and prompts/get on the first prompt. */
static int scenario_standard_headers(const char *info) {
    const char *capabilities = get(info, "capabilities");
    char *tools = list_tools(), *error = NULL;
    if (!tools) return 1;
    int rc = 0;
    const char *first = array_first(get(tools, "tools")), *special = NULL;
    for (const char *t = first; t && !special; t = array_next(t)) {
        const char *name = get(t, "name"), *end = skip_value(name);
        if (!name) continue;
        for (const char *c = name + 1; end && c < end - 1 && !special; c++)
            if (!(*c == '_' || (*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z'))) special = t;
    }
    for (int i = 0; i < 2; i++) {
        const char *tool = i == 0 ? first : (special != first ? special : NULL);
        if (!tool) continue;
        buf arguments = {0};
        buf_arguments(&arguments, tool);
        rc |= call_tool(get(tool, "name"), arguments.s);
        free(arguments.s);
    }
    free(tools);
    if (get(capabilities, "resources")) {
        char *resources = run_op("list_resources", &error);
        if (!resources) return failed("resources/list", error);
        int read = 0;
        for (const char *r = array_first(get(resources, "resources")); r && read < 5; r = array_next(r), read++) {
            buf request = {0};
            buf_str(&request, "{\"op\":\"read_resource\",\"server\":\"" SERVER "\",\"uri\":");
            buf_value(&request, get(r, "uri"));
            buf_str(&request, "}");
            char *result = run(request.s, &error);
            if (result) printf("resources/read: %s\n", result);
            else rc |= failed("resources/read", error);
            free(result);
            free(request.s);
        }
        printf("resources/list: %d read\n", read);
        free(resources);
    }
    if (get(capabilities, "prompts")) {
        char *prompts = run_op("list_prompts", &error);
        if (!prompts) return failed("prompts/list", error);
        const char *prompt = array_first(get(prompts, "prompts"));
        if (prompt) {
            buf request = {0};
            buf_str(&request, "{\"op\":\"get_prompt\",\"server\":\"" SERVER "\",\"name\":");
            buf_value(&request, get(prompt, "name"));
            buf_str(&request, ",\"arguments\":{");
            for (const char *a = array_first(get(prompt, "arguments")); a; a = array_next(a)) {
                const char *required = get(a, "required");
                if (!required || strncmp(required, "true", 4) != 0) continue;
                if (request.s[request.len - 1] != '{') buf_str(&request, ",");
                buf_value(&request, get(a, "name"));
                buf_str(&request, ":\"conformance\"");
            }
            buf_str(&request, "}}");
            char *result = run(request.s, &error);
            if (result) printf("prompts/get: %s\n", result);
            else rc |= failed("prompts/get", error);
            free(result);
            free(request.s);
        }
        free(prompts);
    }
    return rc;
}

/* http-custom-headers: the context's toolCalls (test_custom_headers with the encoding edge cases, then
 * test_custom_headers_null); the library mirrors the x-mcp-header arguments into Mcp-Param-* headers. */
static int scenario_custom_headers(const char *info) {
    (void)info;
    char *tools = list_tools();
    if (!tools) return 1;
    free(tools);
    int rc = context_tool_calls();
    if (rc < 0) {
        fputs("conformance-client: http-custom-headers needs toolCalls in MCP_CONFORMANCE_CONTEXT\n", stderr);
        return 1;
    }
    return rc;
}

/* http-invalid-tool-headers: list the tools (the library drops those with an invalid x-mcp-header) and call
 * every one that is left (the suite expects exactly valid_tool). A failing call is reported, not fatal. */
static int scenario_invalid_tool_headers(const char *info) {
    (void)info;
    char *tools = list_tools();
    if (!tools) return 1;
    for (const char *t = array_first(get(tools, "tools")); t; t = array_next(t)) {
        buf arguments = {0};
        buf_arguments(&arguments, t);
        if (call_tool(get(t, "name"), arguments.s)) fputs("  (continuing)\n", stderr);
        free(arguments.s);
    }
    free(tools);
    return 0;
}

/* sep-2322-client-request-state: call test_mrtr_echo_state, and while its input request is pending call
 * test_mrtr_unrelated (which must not see the other call's inputResponses/requestState); answer the
 * elicitation (the library retries with inputResponses and the requestState, byte for byte); then
 * test_mrtr_no_state (the retry must carry no requestState) and test_mrtr_no_result_type (no resultType means
 * complete: no retry). */
static int scenario_request_state(const char *info) {
    (void)info;
    char *tools = list_tools();
    if (!tools) return 1;
    if (find_tool(tools, "test_mrtr_unrelated")) interleave_tool = "test_mrtr_unrelated";
    free(tools);
    int rc = context_tool_calls();
    if (rc >= 0) return rc;
    static const char *const sequence[] = {"\"test_mrtr_echo_state\"", "\"test_mrtr_no_state\"",
                                           "\"test_mrtr_no_result_type\""};
    for (size_t i = 0; i < sizeof sequence / sizeof *sequence; i++)
        if (call_tool(sequence[i], "{}")) return 1;
    return 0;
}

/* elicitation-sep1034-client-defaults: call test_client_elicitation_defaults and accept its form with every
 * field's default value. */
static int scenario_elicitation_defaults(const char *info) {
    (void)info;
    char *tools = list_tools();
    if (!tools) return 1;
    free(tools);
    int rc = context_tool_calls();
    return rc >= 0 ? rc : call_tool("\"test_client_elicitation_defaults\"", "{}");
}

/* ---- main ----------------------------------------------------------------------------------------------- */

/* Scenario names (the suite's, plus the reference client's aliases) and what runs them; info is the connect
 * result. */
static const struct {
    const char *name;
    int (*run)(const char *info);
} scenarios[] = {
    {"initialize", scenario_basic},
    {"tools_call", scenario_basic},
    {"tools-call", scenario_basic},
    {"sse-retry", scenario_basic},
    {"request-metadata", scenario_list_only},
    {"json-schema-ref-no-deref", scenario_list_only},
    {"http-standard-headers", scenario_standard_headers},
    {"http-custom-headers", scenario_custom_headers},
    {"http-invalid-tool-headers", scenario_invalid_tool_headers},
    {"sep-2322-client-request-state", scenario_request_state},
    {"elicitation-sep1034-client-defaults", scenario_elicitation_defaults},
    {"elicitation-defaults", scenario_elicitation_defaults},
    /* OAuth: run() signs in whenever the server asks; what each scenario checks is the library's doing. The
     * reference client runs these with its well-behaved OAuth client (and pre-registration with the context's
     * credentials, which main() puts into the server config for any scenario). */
    {"auth/metadata-default", scenario_basic},
    {"auth/metadata-var1", scenario_basic},
    {"auth/metadata-var2", scenario_basic},
    {"auth/metadata-var3", scenario_basic},
    {"auth/basic-cimd", scenario_basic},
    {"auth/basic-dcr", scenario_basic},
    {"auth/scope-from-www-authenticate", scenario_basic},
    {"auth/scope-from-scopes-supported", scenario_basic},
    {"auth/scope-omitted-when-undefined", scenario_basic},
    {"auth/scope-step-up", scenario_basic},
    {"auth/scope-retry-limit", scenario_basic},
    {"auth/token-endpoint-auth-basic", scenario_basic},
    {"auth/token-endpoint-auth-post", scenario_basic},
    {"auth/token-endpoint-auth-none", scenario_basic},
    {"auth/pre-registration", scenario_basic},
    {"auth/resource-mismatch", scenario_basic},
    {"auth/offline-access-scope", scenario_basic},
    {"auth/offline-access-not-supported", scenario_basic},
    {"auth/authorization-server-migration", scenario_basic},
    {"auth/iss-supported", scenario_basic},
    {"auth/iss-not-advertised", scenario_basic},
    {"auth/iss-supported-missing", scenario_basic},
    {"auth/iss-wrong-issuer", scenario_basic},
    {"auth/iss-unexpected", scenario_basic},
    {"auth/iss-normalized", scenario_basic},
    {"auth/metadata-issuer-mismatch", scenario_basic},
    {"auth/2025-03-26-oauth-metadata-backcompat", scenario_basic},
    {"auth/2025-03-26-oauth-endpoint-fallback", scenario_basic},
};
#define SCENARIO_COUNT (sizeof scenarios / sizeof *scenarios)

int main(int argc, char **argv) {
    const char *scenario = getenv("MCP_CONFORMANCE_SCENARIO"), *version = getenv("MCP_CONFORMANCE_PROTOCOL_VERSION");
    if (argc != 2 || !scenario) {
        fprintf(stderr, "usage: MCP_CONFORMANCE_SCENARIO=<scenario> %s <server-url>\n", argv[0]);
        return 2;
    }
    size_t known = 0;
    while (known < SCENARIO_COUNT && strcmp(scenarios[known].name, scenario) != 0) known++;
    if (known == SCENARIO_COUNT) {
        fprintf(stderr, "conformance-client: unknown scenario '%s'; handled:", scenario);
        for (size_t i = 0; i < SCENARIO_COUNT; i++) fprintf(stderr, " %s", scenarios[i].name);
        fputc('\n', stderr);
        return 2;
    }

    oauth_enabled = strncmp(scenario, "auth/", 5) == 0;
    char *error = NULL;
    mcp_status status = mcp_manager_new(&manager,
                                        oauth_enabled
                                            ? "{\"clientInfo\":{\"name\":\"mcpclient-conformance\",\"version\":\"" MCP_VERSION_STRING "\"},"
                                              "\"oauth\":{\"redirectUri\":\"" REDIRECT_URI "\",\"clientIdMetadataDocumentUrl\":\"" CIMD_URL "\","
                                              "\"clientName\":\"mcpclient-conformance\"}}"
                                            : "{\"clientInfo\":{\"name\":\"mcpclient-conformance\",\"version\":\"" MCP_VERSION_STRING "\"},"
                                              "\"capabilities\":{\"roots\":{},\"sampling\":{},\"elicitation\":{\"form\":{}}}}",
                                        &error);
    if (status != MCP_OK) return failed_library("mcp_manager_new", error);

    /* {"url": …, "era": …}: 2026-07-28 and later are the stateless era, earlier dated versions the handshake. */
    buf config = {0};
    buf_str(&config, "{\"url\":");
    buf_json_string(&config, argv[1]);
    if (version && *version) buf_str(&config, strcmp(version, "2026-07-28") >= 0 ? ",\"era\":\"modern\"" : ",\"era\":\"legacy\"");
    /* auth/pre-registration: the client the suite registered for us, plus the members of a context "oauth" object
     * (not the suite's: this project's tests pin endpoints with it). Raw JSON goes straight through. */
    const char *context = getenv("MCP_CONFORMANCE_CONTEXT"), *settings = get(context, "oauth");
    static const char *const credentials[] = {"client_id", "client_secret"};
    if (oauth_enabled && (get(context, "client_id") || obj_first(settings))) {
        buf_str(&config, ",\"oauth\":{");
        for (size_t i = 0; i < 2; i++) {
            if (!get(context, credentials[i])) continue;
            if (config.s[config.len - 1] != '{') buf_str(&config, ",");
            buf_json_string(&config, credentials[i]);
            buf_str(&config, ":");
            buf_value(&config, get(context, credentials[i]));
        }
        for (const char *k = obj_first(settings); k; k = obj_next(k)) {
            if (config.s[config.len - 1] != '{') buf_str(&config, ",");
            buf_value(&config, k);
            buf_str(&config, ":");
            buf_value(&config, obj_value(k));
        }
        buf_str(&config, "}");
    }
    /* A context "source" object (this project's tests: {"tier":"user"}) goes into the server config as it is. */
    if (oauth_enabled && get(context, "source")) {
        buf_str(&config, ",\"source\":");
        buf_value(&config, get(context, "source"));
    }
    buf_str(&config, "}");
    status = mcp_manager_add_server(manager, SERVER, config.s, &error);
    free(config.s);
    int rc = 1;
    char *info = NULL;
    if (status != MCP_OK) {
        failed_library("mcp_manager_add_server", error);
    } else if (!(info = run_op("connect", &error))) {
        failed("connect", error);
    } else {
        printf("connected: %s\n", info);
        rc = scenarios[known].run(info);
    }
    free(info);
    for (size_t i = 0; i < sizeof stashed / sizeof *stashed; i++) mcp_string_free(stashed[i]);
    mcp_manager_free(manager);
    if (rc == 0) printf("scenario %s: done\n", scenario);
    else fprintf(stderr, "conformance-client: scenario %s failed\n", scenario);
    return rc;
}
