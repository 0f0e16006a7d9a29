/* Running operations through the manager's event queue: submit, show progress, collect outcomes, and on Ctrl-C
 * cancel what is still running (the server is sent notifications/cancelled) before returning. */
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

static uint64_t request_id_of(const json *event) {
    const json *id = json_get(event, "request_id");
    return id && id->type == JSON_NUMBER ? strtoull(id->text, NULL, 10) : 0;
}

static op *find(op *ops, size_t count, uint64_t id) {
    for (size_t i = 0; i < count; i++)
        if (ops[i].state == 1 && ops[i].id == id) return &ops[i];
    return NULL;
}

typedef struct {
    int shown;          /* a line is on the terminal */
    char text[512];     /* the latest progress, e.g. "2/10 step 2/10" */
    const char *label;
} progress_line;

static void progress_clear(ctl *c, progress_line *p) {
    if (p->shown && c->stderr_tty) fputs("\r\033[K", stderr);
    p->shown = 0;
}

static void progress_draw(ctl *c, progress_line *p, double elapsed, size_t done, size_t count) {
    static const char spinner[] = "|/-\\";
    char counts[64] = "";
    if (count > 1) snprintf(counts, sizeof counts, " (%zu/%zu done)", done, count);
    fprintf(stderr, "\r\033[K%s%c%s %s%s %.1fs %s", col_err(c, CYAN), spinner[(int)(elapsed * 10) % 4], col_err(c, RESET),
            p->label, counts, elapsed, p->text);
    fflush(stderr);
    p->shown = 1;
}

/* A progress event: remember it for the terminal line, or print it as a line of its own when progress is forced
 * on a non-terminal stderr. */
static void on_progress(ctl *c, progress_line *p, const json *event, const op *o) {
    buf b = {0};
    double progress = json_num(json_get(event, "progress"), 0);
    const json *total = json_get(event, "total");
    buf_addf(&b, "%g", progress);
    if (total) buf_addf(&b, "/%g", json_num(total, 0));
    const char *message = json_str(json_get(event, "message"), NULL);
    if (message) buf_addf(&b, " %s", message);
    snprintf(p->text, sizeof p->text, "%s", b.data);
    free(b.data);
    if (c->progress == 1 && !c->stderr_tty) fprintf(stderr, "progress: %s: %s\n", o->label, p->text);
}

/* With -v: server logs and other events on stderr. */
static void on_other_event(ctl *c, progress_line *p, const json *event) {
    if (!c->verbose) return;
    progress_clear(c, p);
    const char *kind = json_str(json_get(event, "kind"), "?");
    const char *server = json_str(json_get(event, "server"), "-");
    if (strcmp(kind, "log") == 0) {
        const json *message = json_get(event, "message");
        char *text = message && message->type != JSON_STRING ? json_write(message, 0) : NULL;
        fprintf(stderr, "%s[%s] %s: %s%s\n", col_err(c, DIM), server, json_str(json_get(event, "level"), "info"),
                text ? text : json_str(message, ""), col_err(c, RESET));
        free(text);
    } else {
        char *text = json_write(event, 0);
        fprintf(stderr, "%s[%s] %s%s\n", col_err(c, DIM), server, text, col_err(c, RESET));
        free(text);
    }
}

int ops_run(ctl *c, op *ops, size_t count, int max_in_flight) {
    size_t next = 0, running = 0, done = 0;
    int cancelled = 0;
    double start = now_seconds(), deadline = 0;
    int show = c->progress == 1 || (c->progress == 0 && c->stderr_tty);
    progress_line line = {0, "", count == 1 ? ops[0].label : "servers"};
    while (done < count) {
        while (!cancelled && next < count && running < (size_t)max_in_flight) {
            op *o = &ops[next++];
            char *error = NULL;
            mcp_status status = mcp_manager_submit(c->manager, o->request, &o->id, &error);
            if (status == MCP_OK) {
                o->state = 1;
                running++;
            } else {
                o->state = 2;
                o->status = status;
                o->outcome = error ? json_parse(error, NULL, 0) : NULL;
                mcp_string_free(error);
                done++;
            }
        }
        if (atomic_load(&interrupted) && !cancelled) {
            cancelled = 1;
            deadline = now_seconds() + 5;
            for (size_t i = 0; i < count; i++) {
                if (ops[i].state == 1) mcp_manager_cancel(c->manager, ops[i].id, NULL);
                if (ops[i].state == 0) ops[i].state = 2, ops[i].status = MCP_ERR_CANCELLED, done++;
            }
        }
        if (cancelled && now_seconds() > deadline) break;
        if (done == count) break;
        char *text = NULL;
        mcp_status status = mcp_manager_next_event(c->manager, 100, &text);
        if (status == MCP_ERR_CLOSED) break;
        if (status == MCP_OK && text) {
            json *event = json_parse(text, NULL, 0);
            mcp_string_free(text);
            const char *kind = json_str(json_get(event, "kind"), "");
            op *o = find(ops, count, request_id_of(event));
            int finished = strcmp(kind, "result") == 0 || strcmp(kind, "error") == 0;
            if (o && finished) {
                o->state = 2;
                o->outcome = json_take(event, kind);
                o->status = strcmp(kind, "result") == 0 ? MCP_OK : (int)json_num(json_get(o->outcome, "code"), MCP_ERROR);
                running--;
                done++;
            } else if (o && strcmp(kind, "progress") == 0) {
                on_progress(c, &line, event, o);
            } else {
                on_other_event(c, &line, event);
            }
            json_free(event);
        }
        double elapsed = now_seconds() - start;
        if (show && c->stderr_tty && elapsed > 0.5 && done < count) progress_draw(c, &line, elapsed, done, count);
    }
    progress_clear(c, &line);
    return atomic_load(&interrupted) ? EXIT_INTERRUPTED : 0;
}

void ops_free(op *ops, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free(ops[i].request);
        json_free(ops[i].outcome);
    }
}
