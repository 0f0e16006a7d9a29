/* event-loop: one thread owns the event queue and hands each event to whoever waits for it, the pattern of a GUI
 * or server host whose own loop must never block on a tool call.
 *
 *   event-loop -- COMMAND [ARG...]     (the server needs "echo" and "slow" tools, like the fixture servers)
 *
 * The main thread submits operations (mcp_manager_submit returns at once with a request id) and waits on a
 * condition variable for their outcome; the event thread pulls every event (mcp_manager_next_event), prints
 * progress and status events, and files "result"/"error" events by request id. mcp_manager_free wakes the event
 * thread with MCP_ERR_CLOSED.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

#define SLOTS 16

typedef struct {
    mcp_manager *manager;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t ids[SLOTS];
    char *outcomes[SLOTS]; /* the result/error event of ids[i], once it came */
    int closed;
} loop;

/* The request id of an event, or 0 (ids start at 1). */
static uint64_t request_id(const char *event) {
    const char *at = strstr(event, "\"request_id\":");
    return at ? strtoull(at + strlen("\"request_id\":"), NULL, 10) : 0;
}

static void *event_thread(void *arg) {
    loop *l = arg;
    for (;;) {
        char *event = NULL;
        mcp_status status = mcp_manager_next_event(l->manager, -1, &event);
        if (status == MCP_ERR_CLOSED) break;
        if (status != MCP_OK) continue;
        if (strstr(event, "\"kind\":\"result\"") || strstr(event, "\"kind\":\"error\"")) {
            uint64_t id = request_id(event);
            pthread_mutex_lock(&l->lock);
            for (int i = 0; i < SLOTS; i++)
                if (l->ids[i] == id && !l->outcomes[i]) { l->outcomes[i] = event; event = NULL; break; }
            pthread_cond_broadcast(&l->changed);
            pthread_mutex_unlock(&l->lock);
        } else if (strstr(event, "\"kind\":\"progress\"") || strstr(event, "\"kind\":\"status\"")) {
            printf("event: %s\n", event);
            fflush(stdout);
        }
        mcp_string_free(event); /* NULL when it was filed */
    }
    pthread_mutex_lock(&l->lock);
    l->closed = 1;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* Submits an operation and waits for its outcome (the caller frees it with mcp_string_free). */
static char *run(loop *l, const char *request) {
    uint64_t id = 0;
    char *error = NULL;
    int slot = -1;
    pthread_mutex_lock(&l->lock); /* held across submit, so the outcome cannot arrive before its slot exists */
    for (int i = 0; i < SLOTS && slot < 0; i++) if (l->ids[i] == 0) slot = i;
    mcp_status status = slot < 0 ? MCP_ERROR : mcp_manager_submit(l->manager, request, &id, &error);
    if (status != MCP_OK) {
        pthread_mutex_unlock(&l->lock);
        fprintf(stderr, "submit failed: %s %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        return NULL;
    }
    l->ids[slot] = id;
    while (!l->outcomes[slot] && !l->closed) pthread_cond_wait(&l->changed, &l->lock);
    char *outcome = l->outcomes[slot];
    l->outcomes[slot] = NULL;
    l->ids[slot] = 0;
    pthread_mutex_unlock(&l->lock);
    return outcome;
}

int main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--") != 0 || strpbrk(argv[2], "\"\\")) {
        fprintf(stderr, "usage: %s -- COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    char config[4096];
    int used = snprintf(config, sizeof config, "{\"command\":\"%s\",\"args\":[", argv[2]);
    for (int i = 3; i < argc && used < (int)sizeof config; i++)
        used += snprintf(config + used, sizeof config - (size_t)used, "%s\"%s\"", i > 3 ? "," : "", argv[i]);
    if (used < (int)sizeof config) snprintf(config + used, sizeof config - (size_t)used, "]}");

    loop l = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    char *error = NULL;
    mcp_status status = mcp_manager_new(&l.manager, NULL, &error);
    if (status == MCP_OK) status = mcp_manager_add_server(l.manager, "server", config, &error);
    if (status != MCP_OK) {
        fprintf(stderr, "setup failed: %s %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        mcp_manager_free(l.manager);
        return 1;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, event_thread, &l);

    static const char *const requests[] = {
        "{\"op\":\"connect\",\"server\":\"server\"}",
        "{\"op\":\"call_tool\",\"server\":\"server\",\"tool\":\"slow\",\"arguments\":{\"steps\":2,\"delay_ms\":50}}",
        "{\"op\":\"call_tool\",\"server\":\"server\",\"tool\":\"echo\",\"arguments\":{\"text\":\"from the loop\"}}",
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        char *outcome = run(&l, requests[i]);
        printf("outcome: %s\n", outcome ? outcome : "(none)");
        if (!outcome || strstr(outcome, "\"kind\":\"error\"")) rc = 1;
        mcp_string_free(outcome);
    }
    mcp_manager_free(l.manager); /* the event thread gets MCP_ERR_CLOSED and ends */
    pthread_join(thread, NULL);
    return rc;
}
