/*
 * echo_server.c — a minimal, fast MCP stdio server used as the benchmark peer.
 *
 * Wire format: newline-delimited JSON-RPC 2.0 on stdin/stdout (MCP stdio transport).
 * No JSON library: a small scanner locates the few members we need ("id", "method",
 * "params.protocolVersion", "params.name", "params.arguments.text") and copies the raw,
 * already-valid JSON tokens straight into the response, so string escapes in the text
 * argument and string/integer ids round-trip byte for byte.
 *
 * Methods: initialize, ping, tools/list (one tool "echo"), tools/call echo.
 * Notifications (no "id") and responses (no "method") are ignored. Any other request
 * (e.g. the 2026-era "server/discover" probe) gets JSON-RPC error -32601.
 *
 * Output is buffered and flushed only when no further complete request is already
 * buffered on stdin, so pipelined requests are answered with one write(2).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- output buffer */

static char *out_buf;
static size_t out_len, out_cap;

static void out_reserve(size_t extra) {
    if (out_len + extra <= out_cap) return;
    size_t cap = out_cap ? out_cap : 65536;
    while (cap < out_len + extra) cap *= 2;
    char *nb = realloc(out_buf, cap);
    if (!nb) { perror("echo_server: realloc"); exit(1); }
    out_buf = nb;
    out_cap = cap;
}

static void out_put(const char *s, size_t n) {
    out_reserve(n);
    memcpy(out_buf + out_len, s, n);
    out_len += n;
}

#define OUT_LIT(s) out_put((s), sizeof(s) - 1)

static void out_flush(void) {
    size_t off = 0;
    while (off < out_len) {
        ssize_t w = write(STDOUT_FILENO, out_buf + off, out_len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            exit(0); /* client went away */
        }
        off += (size_t)w;
    }
    out_len = 0;
}

/* ---------------------------------------------------------------- JSON scanner */

typedef struct { const char *s, *e; } span; /* [s, e) ; s == NULL: absent */

static const char *skip_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* p points at '"'; returns the position just past the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *e) {
    for (p++; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\') {
            if (++p >= e) return NULL;
        } else if (c == '"') {
            return p + 1;
        } else if (c < 0x20) {
            return NULL;
        }
    }
    return NULL;
}

/* Skips one JSON value starting at p (after whitespace). Returns end or NULL. */
static const char *skip_value(const char *p, const char *e) {
    if (p >= e) return NULL;
    char c = *p;
    if (c == '"') return skip_string(p, e);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (p < e) {
            c = *p;
            if (c == '"') {
                p = skip_string(p, e);
                if (!p) return NULL;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return NULL;
    }
    /* number / true / false / null */
    const char *s = p;
    while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '+' ||
                     *p == '.' || *p == 'E'))
        p++;
    return p > s ? p : NULL;
}

static int span_eq(span v, const char *lit) {
    size_t n = strlen(lit);
    return v.s && (size_t)(v.e - v.s) == n && memcmp(v.s, lit, n) == 0;
}

/*
 * Walks the object at [p, e) (p at '{') and fills up to `n` members named in keys[]
 * with the raw span of their values. Returns 0 on success, -1 on malformed input.
 */
static int obj_scan(const char *p, const char *e, const char *const *keys, span *vals, int n) {
    for (int i = 0; i < n; i++) vals[i].s = vals[i].e = NULL;
    p = skip_ws(p, e);
    if (p >= e || *p != '{') return -1;
    p = skip_ws(p + 1, e);
    if (p < e && *p == '}') return 0;
    for (;;) {
        if (p >= e || *p != '"') return -1;
        const char *ks = p + 1;
        const char *ke = skip_string(p, e);
        if (!ke) return -1;
        span key = {ks, ke - 1};
        p = skip_ws(ke, e);
        if (p >= e || *p != ':') return -1;
        p = skip_ws(p + 1, e);
        const char *vs = p;
        p = skip_value(p, e);
        if (!p) return -1;
        for (int i = 0; i < n; i++) {
            if (!vals[i].s && span_eq(key, keys[i])) {
                vals[i].s = vs;
                vals[i].e = p;
                break;
            }
        }
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p = skip_ws(p + 1, e);
            continue;
        }
        if (p < e && *p == '}') return 0;
        return -1;
    }
}

/* ---------------------------------------------------------------- responses */

static const char *const SUPPORTED_VERSIONS[] = {"\"2025-11-25\"", "\"2025-06-18\"", "\"2025-03-26\"",
                                                 "\"2024-11-05\""};

static void reply_head(span id) {
    OUT_LIT("{\"jsonrpc\":\"2.0\",\"id\":");
    out_put(id.s, (size_t)(id.e - id.s));
}

static void reply_error(span id, int code, const char *message) {
    char tmp[64];
    if (id.s) reply_head(id);
    else OUT_LIT("{\"jsonrpc\":\"2.0\",\"id\":null");
    int n = snprintf(tmp, sizeof tmp, ",\"error\":{\"code\":%d,\"message\":\"", code);
    out_put(tmp, (size_t)n);
    out_put(message, strlen(message)); /* messages are fixed ASCII without quotes */
    OUT_LIT("\"}}\n");
}

static void handle_initialize(span id, span params) {
    static const char *const keys[] = {"protocolVersion"};
    span v[1] = {{NULL, NULL}};
    if (params.s && *params.s == '{') obj_scan(params.s, params.e, keys, v, 1);
    const char *version = SUPPORTED_VERSIONS[0];
    for (size_t i = 0; i < sizeof SUPPORTED_VERSIONS / sizeof *SUPPORTED_VERSIONS; i++)
        if (span_eq(v[0], SUPPORTED_VERSIONS[i])) version = SUPPORTED_VERSIONS[i];
    reply_head(id);
    OUT_LIT(",\"result\":{\"protocolVersion\":");
    out_put(version, strlen(version));
    OUT_LIT(",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"echo-server-c\",\"version\":\"1.0.0\"}}}\n");
}

static void handle_tools_call(span id, span params) {
    static const char *const pkeys[] = {"name", "arguments"};
    static const char *const akeys[] = {"text"};
    span pv[2], av[1] = {{NULL, NULL}};
    if (!params.s || *params.s != '{' || obj_scan(params.s, params.e, pkeys, pv, 2) != 0) {
        reply_error(id, -32602, "Invalid params");
        return;
    }
    if (!span_eq(pv[0], "\"echo\"")) {
        reply_error(id, -32602, "Unknown tool");
        return;
    }
    if (pv[1].s && *pv[1].s == '{') {
        if (obj_scan(pv[1].s, pv[1].e, akeys, av, 1) != 0) {
            reply_error(id, -32602, "Invalid arguments");
            return;
        }
    } else if (pv[1].s && !span_eq(pv[1], "null")) {
        reply_error(id, -32602, "Invalid arguments");
        return;
    }
    if (av[0].s && *av[0].s != '"') {
        reply_error(id, -32602, "text must be a string");
        return;
    }
    reply_head(id);
    OUT_LIT(",\"result\":{\"content\":[{\"type\":\"text\",\"text\":");
    if (av[0].s) out_put(av[0].s, (size_t)(av[0].e - av[0].s)); /* raw JSON string, escapes intact */
    else OUT_LIT("\"\"");
    OUT_LIT("}],\"isError\":false}}\n");
}

static void handle_line(const char *p, const char *e) {
    static const char *const keys[] = {"id", "method", "params"};
    span v[3];
    p = skip_ws(p, e);
    if (p >= e) return; /* blank line */
    if (*p != '{' || obj_scan(p, e, keys, v, 3) != 0) {
        reply_error((span){NULL, NULL}, -32700, "Parse error");
        return;
    }
    span id = v[0], method = v[1], params = v[2];
    if (!method.s) return;  /* a response to a server request (we send none): ignore */
    if (!id.s) return;      /* notification: ignore */
    if (*id.s != '"' && !(*id.s == '-' || (*id.s >= '0' && *id.s <= '9'))) {
        reply_error((span){NULL, NULL}, -32600, "Invalid Request");
        return;
    }
    if (span_eq(method, "\"tools/call\"")) handle_tools_call(id, params);
    else if (span_eq(method, "\"ping\"")) {
        reply_head(id);
        OUT_LIT(",\"result\":{}}\n");
    } else if (span_eq(method, "\"tools/list\"")) {
        reply_head(id);
        OUT_LIT(",\"result\":{\"tools\":[{\"name\":\"echo\",\"description\":\"Echo back the text argument\","
                "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}}]}}\n");
    } else if (span_eq(method, "\"initialize\"")) handle_initialize(id, params);
    else reply_error(id, -32601, "Method not found");
}

/* ---------------------------------------------------------------- main loop */

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) return 1;
    for (;;) {
        size_t start = 0;
        char *nl;
        while ((nl = memchr(buf + start, '\n', len - start)) != NULL) {
            handle_line(buf + start, nl);
            start = (size_t)(nl - buf) + 1;
            if (out_len >= (1 << 16)) out_flush();
        }
        out_flush(); /* nothing more complete is buffered: answer now */
        if (start) {
            memmove(buf, buf + start, len - start);
            len -= start;
        }
        if (len == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) return 1;
            buf = nb;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n == 0) {
            if (len) { /* final line without newline */
                handle_line(buf, buf + len);
                out_flush();
            }
            break;
        }
        len += (size_t)n;
    }
    return 0;
}
