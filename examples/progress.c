/* progress: call a long-running tool without blocking and show its progress notifications as they arrive.
 *
 *   progress TOOL ARGS_JSON -- COMMAND [ARG...]     e.g. progress slow '{"steps":5,"delay_ms":100}' -- server...
 *
 * mcp_manager_submit starts the call; mcp_manager_next_event delivers "progress" events for its request_id (the
 * library sends a progress token with every call) and finally its "result" or "error".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

/* Appends s as a JSON string (quoted, with '"', '\\' and control characters escaped). */
static size_t quoted(char *out, const char *s) {
    size_t n = 0;
    out[n++] = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') out[n++] = '\\', out[n++] = *s;
        else if ((unsigned char)*s < 0x20) n += (size_t)sprintf(out + n, "\\u%04x", *s);
        else out[n++] = *s;
    }
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: %s TOOL ARGS_JSON -- COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    size_t size = 64;
    for (int i = 4; i < argc; i++) size += strlen(argv[i]) * 6 + 4;
    char *config = malloc(size), *p = config;
    p += sprintf(p, "{\"command\":");
    p += quoted(p, argv[4]);
    p += sprintf(p, ",\"args\":[");
    for (int i = 5; i < argc; i++) p += (i > 5 ? sprintf(p, ",") : 0), p += quoted(p, argv[i]);
    sprintf(p, "]}");

    mcp_manager *manager = NULL;
    char *error = NULL;
    mcp_status status = mcp_manager_new(&manager, NULL, &error);
    if (status == MCP_OK) status = mcp_manager_add_server(manager, "server", config, &error);
    free(config);

    char *request = malloc(strlen(argv[1]) * 6 + strlen(argv[2]) + 96);
    p = request + sprintf(request, "{\"op\":\"call_tool\",\"server\":\"server\",\"tool\":");
    p += quoted(p, argv[1]);
    sprintf(p, ",\"arguments\":%s}", argv[2]);
    uint64_t id = 0;
    if (status == MCP_OK) status = mcp_manager_submit(manager, request, &id, &error);
    free(request);
    if (status != MCP_OK) {
        fprintf(stderr, "failed: %s %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        mcp_manager_free(manager);
        return 1;
    }

    char match[48];
    snprintf(match, sizeof match, "\"request_id\":%" PRIu64 ",", id);
    int rc = 1, events = 0;
    /* Bounded: at most 600 polls of 100 ms without our result. */
    for (int idle = 0; idle < 600;) {
        char *event = NULL;
        status = mcp_manager_next_event(manager, 100, &event);
        if (status == MCP_ERR_TIMEOUT) { idle++; continue; }
        if (status != MCP_OK) break;
        /* The events of this request carry its request_id; others (status, logs) are skipped here. */
        if (strstr(event, match)) {
            if (strstr(event, "\"kind\":\"progress\"")) {
                printf("progress: %s\n", event);
                events++;
            } else if (strstr(event, "\"kind\":\"result\"")) {
                printf("result: %s\n", event);
                rc = 0;
                mcp_string_free(event);
                break;
            } else if (strstr(event, "\"kind\":\"error\"")) {
                printf("error: %s\n", event);
                mcp_string_free(event);
                break;
            }
        }
        mcp_string_free(event);
    }
    printf("%d progress events\n", events);
    mcp_manager_free(manager);
    return rc;
}
