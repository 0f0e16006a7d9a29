/* Human and JSON output: colours (only on a terminal, never with NO_COLOR), aligned tables, errors with their exit
 * codes, config diagnostics. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mcpctl.h"

const char *col(const ctl *c, const char *ansi) { return c->color ? ansi : ""; }
const char *col_err(const ctl *c, const char *ansi) { return c->color_err ? ansi : ""; }

int exit_for_status(int status) {
    switch (status) {
    case MCP_OK: return EXIT_OK;
    case MCP_ERR_INVALID: return EXIT_USAGE;
    case MCP_ERR_CONFIG: return EXIT_CONFIG;
    case MCP_ERR_NOT_FOUND: return EXIT_NOT_FOUND;
    case MCP_ERR_POLICY:
    case MCP_ERR_TRANSPORT:
    case MCP_ERR_UNAVAILABLE: return EXIT_CONNECTION;
    case MCP_ERR_TIMEOUT: return EXIT_TIMEOUT;
    case MCP_ERR_AUTH:
    case MCP_ERR_PERMISSION: return EXIT_AUTH;
    case MCP_ERR_PROTOCOL: return EXIT_PROTOCOL;
    case MCP_ERR_CONFLICT: return EXIT_CONFLICT;
    case MCP_ERR_CANCELLED: return EXIT_INTERRUPTED;
    default: return EXIT_ERROR;
    }
}

json *json_document(void) {
    json *document = json_new(JSON_OBJECT);
    json_set(document, "version", json_new_number(1));
    return document;
}

void print_json(json *document) {
    char *text = json_write(document, 2);
    puts(text);
    free(text);
    json_free(document);
}

void print_diagnostics(ctl *c, const char *file, const json *diagnostics) {
    for (const json *d = diagnostics ? diagnostics->first : NULL; d; d = d->next) {
        const char *severity = json_str(json_get(d, "severity"), "error");
        const char *colour = strcmp(severity, "error") == 0 ? RED : YELLOW;
        FILE *out = c->json ? stderr : stdout;
        const char *(*paint)(const ctl *, const char *) = c->json ? col_err : col;
        fprintf(out, "%s%s:", paint(c, BOLD), file);
        if (json_get(d, "line")) fprintf(out, "%.0f:%.0f:", json_num(json_get(d, "line"), 0), json_num(json_get(d, "column"), 0));
        fprintf(out, "%s %s%s:%s ", paint(c, RESET), paint(c, colour), severity, paint(c, RESET));
        const char *path = json_str(json_get(d, "path"), "");
        if (*path) fprintf(out, "%s: ", path);
        fprintf(out, "%s", json_str(json_get(d, "message"), ""));
        const char *code = json_str(json_get(d, "code"), NULL);
        if (code) fprintf(out, " %s[%s]%s", paint(c, DIM), code, paint(c, RESET));
        fputc('\n', out);
        const char *excerpt = json_str(json_get(d, "excerpt"), NULL);
        if (excerpt) {
            for (const char *line = excerpt; *line;) {
                size_t length = strcspn(line, "\n");
                fprintf(out, "    %.*s\n", (int)length, line);
                line += length + (line[length] == '\n');
            }
        }
        const char *suggestion = json_str(json_get(d, "suggestion"), NULL);
        const char *message = json_str(json_get(d, "message"), "");
        if (suggestion && !strstr(message, "did you mean")) fprintf(out, "    %sdid you mean '%s'?%s\n", paint(c, CYAN), suggestion, paint(c, RESET));
    }
}

int report_error(ctl *c, const char *context, const json *error) {
    int status = (int)json_num(json_get(error, "code"), MCP_ERROR);
    int rc = status == 0 ? EXIT_ERROR : exit_for_status(status);
    const json *details = json_get(error, "details");
    const char *reason = json_str(json_get(details, "reason"), "");
    if (c->json) {
        json *document = json_document();
        json_set(document, "exit", json_new_number(rc));
        json_set(document, "error", error ? json_clone(error) : json_new(JSON_NULL));
        print_json(document);
    } else {
        fprintf(stderr, "%smcpctl:%s %s%s%s: %s\n", col_err(c, BOLD), col_err(c, RESET), col_err(c, RED),
                context, col_err(c, RESET), json_str(json_get(error, "message"), "failed"));
    }
    const json *diagnostics = json_get(details, "diagnostics");
    if (diagnostics && !c->json) print_diagnostics(c, json_str(json_get(details, "file"), context), diagnostics);
    if (c->json) return rc;
    const char *server = json_str(json_get(details, "server"), c->server);
    if (strcmp(reason, "oauth_required") == 0 || strcmp(reason, "insufficient_scope") == 0 ||
        strcmp(reason, "authorization_required") == 0 || strcmp(reason, "redirect_uri_missing") == 0)
        fprintf(stderr, "  sign in with: mcpctl auth login %s\n", server ? server : "SERVER");
    if (strcmp(reason, "approval_required") == 0)
        fprintf(stderr, "  the tool needs approval: run the call again with --yes once you agree\n");
    const char *tail = json_str(json_get(details, "stderr_tail"), NULL);
    if (tail && *tail) fprintf(stderr, "  server stderr:\n%s%s%s\n", col_err(c, DIM), tail, col_err(c, RESET));
    return rc;
}

int report_library_error(ctl *c, const char *context, mcp_status status, char *error_json) {
    json *error = error_json ? json_parse(error_json, NULL, 0) : NULL;
    mcp_string_free(error_json);
    if (!error) {
        buf b = {0};
        buf_addf(&b, "{\"version\":1,\"code\":%d,\"name\":\"%s\",\"message\":", (int)status, "MCP_ERROR");
        buf_add_quoted(&b, mcp_status_str(status));
        buf_add(&b, "}");
        error = json_parse(b.data, NULL, 0);
        free(b.data);
    }
    int rc = report_error(c, context, error);
    json_free(error);
    return rc;
}

int cli_error(ctl *c, int exit_code, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char message[2048];
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    static const char *const names[] = {"ok", "MCPCTL_ERROR", "MCPCTL_USAGE", "MCPCTL_CONFIG", "MCPCTL_NOT_FOUND",
                                        "MCPCTL_CONNECTION", "MCPCTL_TIMEOUT", "MCPCTL_AUTH", "MCPCTL_PROTOCOL",
                                        "MCPCTL_TOOL_ERROR", "MCPCTL_CONFLICT"};
    const char *name = exit_code >= 0 && exit_code <= EXIT_CONFLICT ? names[exit_code] : "MCPCTL_INTERRUPTED";
    if (c->json) {
        json *error = json_document();
        json_set(error, "name", json_new_string(name));
        json_set(error, "message", json_new_string(message));
        json *document = json_document();
        json_set(document, "exit", json_new_number(exit_code));
        json_set(document, "error", error);
        print_json(document);
    } else {
        fprintf(stderr, "%smcpctl:%s %s\n", col_err(c, BOLD), col_err(c, RESET), message);
    }
    return exit_code;
}

/* ---- tables -------------------------------------------------------------------------------------------------- */

void table_row(table *t, const char *first, ...) {
    if (t->rows * t->columns + t->columns > t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : t->columns * 16;
        while (capacity < t->rows * t->columns + t->columns) capacity *= 2;
        char **cells = realloc(t->cells, capacity * sizeof *cells);
        if (!cells) exit(EXIT_ERROR);
        t->cells = cells;
        t->capacity = capacity;
    }
    va_list args;
    va_start(args, first);
    for (size_t i = 0; i < t->columns; i++) {
        const char *text = i == 0 ? first : va_arg(args, const char *);
        if (!text) text = "";
        size_t length = strcspn(text, "\r\n"); /* one line per cell */
        char *cell = malloc(length + 1);
        if (!cell) exit(EXIT_ERROR);
        memcpy(cell, text, length);
        cell[length] = '\0';
        t->cells[t->rows * t->columns + i] = cell;
    }
    va_end(args);
    t->rows++;
}

/* Display width: UTF-8 scalars (wide characters count as one; good enough for names and descriptions). */
static size_t width_of(const char *text) {
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) width += (*p & 0xC0) != 0x80;
    return width;
}

/* The byte length of the first `width` scalars. */
static size_t bytes_for_width(const char *text, size_t width) {
    size_t scalars = 0, i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            if (scalars == width) break;
            scalars++;
        }
    }
    return i;
}

static const char *status_colour(const char *value) {
    static const char *const good[] = {"connected", "ok", "authorized", "valid"};
    static const char *const bad[] = {"error", "failed", "invalid"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) if (strcmp(value, good[i]) == 0) return GREEN;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) if (strcmp(value, bad[i]) == 0) return RED;
    return YELLOW;
}

void table_print(const ctl *c, table *t, const char *const *headers, int status_column) {
    size_t widths[16] = {0};
    size_t columns = t->columns < 16 ? t->columns : 16;
    for (size_t i = 0; i < columns; i++) widths[i] = width_of(headers[i]);
    for (size_t r = 0; r < t->rows; r++)
        for (size_t i = 0; i < columns; i++) {
            size_t w = width_of(t->cells[r * t->columns + i]);
            if (w > widths[i]) widths[i] = w;
        }
    /* On a terminal the last column is cut to the window's width. */
    size_t last_limit = (size_t)-1;
    struct winsize window;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &window) == 0 && window.ws_col > 0) {
        size_t used = 0;
        for (size_t i = 0; i + 1 < columns; i++) used += widths[i] + 2;
        last_limit = window.ws_col > used + 10 ? window.ws_col - used : 10;
    }
    for (size_t r = 0; r <= t->rows; r++) {
        for (size_t i = 0; i < columns; i++) {
            const char *text = r == 0 ? headers[i] : t->cells[(r - 1) * t->columns + i];
            const char *colour = r == 0 ? BOLD : ((int)i == status_column ? status_colour(text) : "");
            int last = i + 1 == columns;
            size_t width = width_of(text);
            if (last && width > last_limit) {
                printf("%s%.*s…%s", col(c, colour), (int)bytes_for_width(text, last_limit - 1), text, *colour ? col(c, RESET) : "");
            } else {
                printf("%s%s%s", col(c, colour), text, *colour ? col(c, RESET) : "");
                if (!last) printf("%*s", (int)(widths[i] - width + 2), "");
            }
        }
        putchar('\n');
    }
    table_free(t);
}

void table_free(table *t) {
    for (size_t i = 0; i < t->rows * t->columns; i++) free(t->cells[i]);
    free(t->cells);
    *t = (table){.columns = t->columns};
}
