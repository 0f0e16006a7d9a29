/* threads: many host threads share one manager; each makes blocking calls while a
 * separate thread drains the event queue.
 *
 *   threads THREADS CALLS -- COMMAND [ARG...]     (the server must have an "echo" tool)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

typedef struct {
    mcp_manager *manager;
    int index, calls, failures;
} worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    char args[64], expected[80];
    for (int n = 0; n < w->calls; n++) {
        snprintf(args, sizeof args, "{\"text\":\"t%d-%d\"}", w->index, n);
        snprintf(expected, sizeof expected, "\"text\":\"t%d-%d\"", w->index, n);
        char *out = NULL, *error = NULL;
        mcp_status status = mcp_manager_call_tool(w->manager, "server", "echo", args, 10000, &out, &error);
        if (status != MCP_OK || !strstr(out, expected)) {
            fprintf(stderr, "thread %d call %d: %s %s\n", w->index, n, mcp_status_str(status), error ? error : out);
            w->failures++;
        }
        mcp_string_free(out);
        mcp_string_free(error);
    }
    return NULL;
}

static void *drain_events(void *arg) {
    mcp_manager *manager = arg;
    char *event = NULL;
    long count = 0;
    /* Returns MCP_ERR_CLOSED once mcp_manager_free has run. */
    while (mcp_manager_next_event(manager, 1000, &event) != MCP_ERR_CLOSED) {
        if (event) count++;
        mcp_string_free(event);
        event = NULL;
    }
    printf("events drained: %ld\n", count);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: %s THREADS CALLS -- COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]), calls = atoi(argv[2]);
    if (threads < 1 || threads > 256 || calls < 1) return 2;

    /* {"command": argv[4], "args": [argv[5], ...]}, each string JSON-escaped. */
    size_t size = 32;
    for (int i = 4; i < argc; i++) size += strlen(argv[i]) * 6 + 3;
    char *config = malloc(size), *p = config;
    if (!config) return 1;
    for (int i = 4; i < argc; i++) {
        p += sprintf(p, i == 4 ? "{\"command\":\"" : (i == 5 ? ",\"args\":[\"" : ",\""));
        for (const unsigned char *c = (const unsigned char *)argv[i]; *c; c++) {
            if (*c == '"' || *c == '\\') p += sprintf(p, "\\%c", *c);
            else if (*c < 0x20) p += sprintf(p, "\\u%04x", *c);
            else *p++ = (char)*c;
        }
        *p++ = '"';
    }
    strcpy(p, argc > 5 ? "]}" : "}");

    mcp_manager *manager = NULL;
    char *error = NULL;
    mcp_status status = mcp_manager_new(&manager, NULL, &error);
    if (status == MCP_OK) status = mcp_manager_add_server(manager, "server", config, &error);
    free(config);
    if (status != MCP_OK) {
        fprintf(stderr, "setup failed: %s %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        mcp_manager_free(manager);
        return 1;
    }

    pthread_t drainer;
    pthread_create(&drainer, NULL, drain_events, manager);
    worker *workers = calloc((size_t)threads, sizeof *workers);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) {
        workers[i] = (worker){manager, i, calls, 0};
        pthread_create(&ids[i], NULL, run_worker, &workers[i]);
    }
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        failures += workers[i].failures;
    }
    mcp_manager_free(manager);
    pthread_join(drainer, NULL);
    printf("%d threads x %d calls: %d failures\n", threads, calls, failures);
    free(workers);
    free(ids);
    return failures == 0 ? 0 : 1;
}
