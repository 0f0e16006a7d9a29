/* quickstart: start an MCP server over stdio, list its tools, call one, shut it down.
 *
 *   quickstart [--tool NAME] [--args JSON] -- COMMAND [ARG...]
 *
 * Example: quickstart --tool get_current_time --args '{"timezone":"UTC"}' -- mcp-server-time
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

/* Prints a failed call's status and error JSON, then frees the JSON. */
static int fail(const char *what, mcp_status status, char *error_json) {
    fprintf(stderr, "%s failed: %s (%d)\n  %s\n", what, mcp_status_str(status), (int)status, error_json ? error_json : "");
    mcp_string_free(error_json);
    return 1;
}

/* Builds the server config JSON: {"url": ...} for an http(s):// or ws(s):// URL, else {"command": ..., "args": [...]}
 * (arguments are JSON-escaped). */
static char *server_config(int argc, char **argv) {
    int remote = strncmp(argv[0], "http://", 7) == 0 || strncmp(argv[0], "https://", 8) == 0;
    int websocket = strncmp(argv[0], "ws://", 5) == 0 || strncmp(argv[0], "wss://", 6) == 0;
    if ((remote || websocket) && argc == 1 && !strpbrk(argv[0], "\"\\")) {
        char *json = malloc(strlen(argv[0]) + 48);
        if (json) sprintf(json, "{\"type\":\"%s\",\"url\":\"%s\"}", websocket ? "websocket" : "streamable-http", argv[0]);
        return json;
    }
    size_t size = 64;
    for (int i = 0; i < argc; i++) size += strlen(argv[i]) * 6 + 8;
    char *json = malloc(size);
    if (!json) return NULL;
    char *p = json;
    for (int i = 0; i < argc; i++) {
        p += sprintf(p, i == 0 ? "{\"command\":\"" : (i == 1 ? ",\"args\":[\"" : ",\""));
        for (const unsigned char *c = (const unsigned char *)argv[i]; *c; c++) {
            if (*c == '"' || *c == '\\') p += sprintf(p, "\\%c", *c);
            else if (*c < 0x20) p += sprintf(p, "\\u%04x", *c);
            else *p++ = (char)*c;
        }
        *p++ = '"';
    }
    strcpy(p, argc > 1 ? "]}" : "}");
    return json;
}

int main(int argc, char **argv) {
    const char *tool = NULL, *args = "{}";
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--tool") == 0 && i + 1 < argc) tool = argv[++i];
        else if (strcmp(argv[i], "--args") == 0 && i + 1 < argc) args = argv[++i];
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: %s [--tool NAME] [--args JSON] -- COMMAND [ARG...] | URL\n", argv[0]);
        return 2;
    }
    if (mcp_version_number() != MCP_VERSION_NUMBER) {
        fprintf(stderr, "header %d does not match library %s\n", MCP_VERSION_NUMBER, mcp_version());
        return 1;
    }

    mcp_manager *manager = NULL;
    char *error = NULL, *out = NULL;
    mcp_status status = mcp_manager_new(&manager, "{\"clientInfo\":{\"name\":\"quickstart\",\"version\":\"1.0\"}}", &error);
    if (status != MCP_OK) return fail("mcp_manager_new", status, error);

    int rc = 1;
    char *config = server_config(argc - i - 1, argv + i + 1);
    if (!config) goto done;
    status = mcp_manager_add_server(manager, "server", config, &error);
    free(config);
    if (status != MCP_OK) { rc = fail("mcp_manager_add_server", status, error); goto done; }

    status = mcp_manager_connect(manager, "server", &out, &error);
    if (status != MCP_OK) { rc = fail("mcp_manager_connect", status, error); goto done; }
    printf("connected: %s\n", out);
    mcp_string_free(out);

    status = mcp_manager_list_tools(manager, "server", &out, &error);
    if (status != MCP_OK) { rc = fail("mcp_manager_list_tools", status, error); goto done; }
    printf("tools: %s\n", out);
    mcp_string_free(out);

    if (tool) {
        status = mcp_manager_call_tool(manager, "server", tool, args, 30000, &out, &error);
        if (status != MCP_OK) { rc = fail("mcp_manager_call_tool", status, error); goto done; }
        printf("result: %s\n", out);
        mcp_string_free(out);
    }
    rc = 0;

done:
    mcp_manager_free(manager); /* disconnects and waits for the server process to exit */
    return rc;
}
