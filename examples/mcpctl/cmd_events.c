/* mcpctl events [SERVER...] [--count N] [--for SEC]: connects the servers (all by default) and prints the
 * manager's events as they come -- status changes, server logs (stderr included), progress, list changes, OAuth
 * -- until Ctrl-C (exit 130), N events (--count) or SEC seconds (--for). --json prints each event as one line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcpctl.h"

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One line for people: time, kind, server, then what matters for the kind (else the other fields as JSON). */
static void print_event(ctl *c, json *event) {
    char clock[16];
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    strftime(clock, sizeof clock, "%H:%M:%S", &local);
    const char *kind = json_str(json_get(event, "kind"), "?");
    const char *colour = strcmp(kind, "error") == 0 || strcmp(kind, "oauth_failed") == 0 ? RED
                         : strcmp(kind, "status") == 0 || strcmp(kind, "result") == 0 ? GREEN : CYAN;
    printf("%s%s%s %s%-14s%s %-12s ", col(c, DIM), clock, col(c, RESET), col(c, colour), kind, col(c, RESET),
           json_str(json_get(event, "server"), "-"));
    if (strcmp(kind, "status") == 0) {
        printf("%s", json_str(json_get(event, "status"), ""));
        const char *reason = json_str(json_get(event, "reason"), NULL);
        if (reason) printf(" (%s)", reason);
        const char *message = json_str(json_get(json_get(event, "error"), "message"), NULL);
        if (message) printf(": %s", message);
    } else if (strcmp(kind, "log") == 0) {
        const json *message = json_get(event, "message");
        char *text = message && message->type != JSON_STRING ? json_write(message, 0) : NULL;
        printf("%s %s: %s", json_str(json_get(event, "source"), ""), json_str(json_get(event, "level"), ""), text ? text : json_str(message, ""));
        free(text);
    } else if (strcmp(kind, "result") == 0 || strcmp(kind, "error") == 0) {
        printf("%s #%s", json_str(json_get(event, "op"), ""), json_get(event, "request_id") ? json_get(event, "request_id")->text : "?");
        if (strcmp(kind, "error") == 0) printf(": %s", json_str(json_get(json_get(event, "error"), "message"), ""));
    } else {
        json_remove(event, "kind");
        json_remove(event, "server");
        json_remove(event, "version");
        char *text = json_write(event, 0);
        printf("%s", text);
        free(text);
    }
    printf("\n");
}

int cmd_events(ctl *c) {
    const char *count_text = take_option(c, "--count");
    const char *for_text = take_option(c, "--for");
    int rc = reject_unknown_options(c);
    if (rc) return rc;
    long limit = count_text ? strtol(count_text, NULL, 10) : 0;
    double seconds = for_text ? strtod(for_text, NULL) : 0;
    if ((count_text && limit <= 0) || (for_text && seconds <= 0))
        return cli_error(c, EXIT_USAGE, "--count takes a positive number of events and --for a positive number of seconds");
    if ((rc = ctl_open(c))) return rc;
    const char *all[256];
    size_t count = c->argc ? (size_t)c->argc : ctl_server_names(c, all, 256);
    const char **names = c->argc ? (const char **)c->argv : all;
    for (size_t i = 0; i < count; i++) {
        buf b = {0};
        buf_add(&b, "{\"op\":\"connect\",\"server\":");
        buf_add_quoted(&b, names[i]);
        buf_add(&b, "}");
        char *error = NULL;
        uint64_t id;
        mcp_status status = mcp_manager_submit(c->manager, b.data, &id, &error);
        free(b.data);
        if (status != MCP_OK) return report_library_error(c, names[i], status, error);
    }
    if (!c->json) fprintf(stderr, "%swatching %zu server%s; Ctrl-C to stop%s\n", col_err(c, DIM), count, count == 1 ? "" : "s", col_err(c, RESET));
    double end = seconds > 0 ? now_seconds() + seconds : 0;
    long printed = 0;
    while (!atomic_load(&interrupted)) {
        if (end && now_seconds() >= end) break;
        char *text = NULL;
        mcp_status status = mcp_manager_next_event(c->manager, 200, &text);
        if (status == MCP_ERR_CLOSED) break;
        if (status != MCP_OK || !text) continue;
        if (c->json) {
            printf("%s\n", text);
            mcp_string_free(text);
        } else {
            json *event = json_parse(text, NULL, 0);
            mcp_string_free(text);
            if (event) print_event(c, event);
            json_free(event);
        }
        fflush(stdout);
        if (limit && ++printed >= limit) break;
    }
    return atomic_load(&interrupted) ? EXIT_INTERRUPTED : EXIT_OK;
}
