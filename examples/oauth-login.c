/* oauth-login: sign in to an OAuth-protected MCP server the way a desktop app does, with a loopback redirect
 * listener on 127.0.0.1, then call a tool with the new tokens.
 *
 *   oauth-login URL [TOOL [ARGS_JSON]]
 *
 * 1. mcp_oauth_listener_new picks a free port; its URL is the redirect URI given to the manager.
 * 2. mcp_manager_oauth_begin discovers the authorization server, registers the client if needed and returns the
 *    authorization URL (PKCE, state and resource included). The user opens it in a browser.
 * 3. mcp_oauth_listener_wait returns the URL the browser was sent back to (only this sign-in's state is accepted);
 *    mcp_manager_oauth_complete redeems the code and stores the tokens (here in memory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

static int fail(const char *what, mcp_status status, char *error_json) {
    fprintf(stderr, "%s failed: %s\n  %s\n", what, mcp_status_str(status), error_json ? error_json : "");
    mcp_string_free(error_json);
    return 1;
}

/* The string value of "key" in a flat JSON object (the authUrl has no escaped characters to undo). */
static char *string_field(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (!at) return NULL;
    at += strlen(pattern);
    size_t length = strcspn(at, "\"");
    char *value = malloc(length + 1);
    if (value) memcpy(value, at, length), value[length] = '\0';
    return value;
}

int main(int argc, char **argv) {
    if (argc < 2 || strpbrk(argv[1], "\"\\")) {
        fprintf(stderr, "usage: %s URL [TOOL [ARGS_JSON]]\n", argv[0]);
        return 2;
    }
    const char *tool = argc > 2 ? argv[2] : NULL, *args = argc > 3 ? argv[3] : "{}";
    mcp_oauth_listener *listener = NULL;
    mcp_manager *manager = NULL;
    char *error = NULL, *redirect = NULL, *flow = NULL, *auth_url = NULL, *callback = NULL, *out = NULL;
    int rc = 1;

    mcp_status status = mcp_oauth_listener_new(&listener, "{\"path\":\"/callback\"}", &error);
    if (status == MCP_OK) status = mcp_oauth_listener_redirect_uri(listener, &redirect, &error);
    if (status != MCP_OK) { rc = fail("listener", status, error); goto done; }

    char options[512], server[1024];
    snprintf(options, sizeof options, "{\"clientInfo\":{\"name\":\"oauth-login\",\"version\":\"1.0\"},"
             "\"oauth\":{\"redirectUri\":\"%s\",\"store\":{\"type\":\"memory\"}}}", redirect);
    status = mcp_manager_new(&manager, options, &error);
    if (status != MCP_OK) { rc = fail("mcp_manager_new", status, error); goto done; }
    snprintf(server, sizeof server, "{\"url\":\"%s\"}", argv[1]);
    status = mcp_manager_add_server(manager, "server", server, &error);
    if (status != MCP_OK) { rc = fail("mcp_manager_add_server", status, error); goto done; }

    status = mcp_manager_oauth_begin(manager, "server", NULL, &flow, &error);
    if (status != MCP_OK) { rc = fail("mcp_manager_oauth_begin", status, error); goto done; }
    auth_url = string_field(flow, "authUrl");
    if (!auth_url) goto done;
    mcp_oauth_listener_expect(listener, auth_url, NULL);
    printf("open this URL to sign in:\n%s\n", auth_url);
    fflush(stdout);

    status = mcp_oauth_listener_wait(listener, 120000, &callback, &error);
    if (status != MCP_OK) { rc = fail("waiting for the browser", status, error); goto done; }
    status = mcp_manager_oauth_complete(manager, callback, &out, &error);
    if (status != MCP_OK) { rc = fail("mcp_manager_oauth_complete", status, error); goto done; }
    printf("signed in: %s\n", out);
    mcp_string_free(out);
    out = NULL;

    if (tool) {
        status = mcp_manager_call_tool(manager, "server", tool, args, 30000, &out, &error);
        if (status != MCP_OK) { rc = fail("mcp_manager_call_tool", status, error); goto done; }
        printf("result: %s\n", out);
    }
    rc = 0;
done:
    mcp_string_free(out);
    mcp_string_free(callback); /* it held the authorization code */
    free(auth_url);
    mcp_string_free(flow);
    mcp_string_free(redirect);
    mcp_manager_free(manager);
    mcp_oauth_listener_free(listener);
    return rc;
}
