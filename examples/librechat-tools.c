/* librechat-tools: load a LibreChat librechat.yaml (or any supported config file) and list every server's tools
 * under the names a model would see (LibreChat's <tool>_mcp_<server>).
 *
 *   librechat-tools FILE
 *
 * Servers connect on demand, three at a time; one that fails is reported and does not hide the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (text && fread(text, 1, (size_t)size, file) != (size_t)size) { free(text); text = NULL; }
    if (text) text[size] = '\0';
    fclose(file);
    return text;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s librechat.yaml\n", argv[0]);
        return 2;
    }
    char *text = read_file(argv[1]);
    if (!text) { perror(argv[1]); return 2; }

    mcp_manager *manager = NULL;
    char *error = NULL, *out = NULL;
    mcp_status status = mcp_manager_new(&manager, "{\"clientInfo\":{\"name\":\"librechat-tools\",\"version\":\"1.0\"}}", &error);
    if (status == MCP_OK) {
        /* "file" makes diagnostics name the file; the format is detected (YAML -> librechat). */
        char options[4096];
        snprintf(options, sizeof options, "{\"file\":\"%s\"}", strpbrk(argv[1], "\"\\") ? "config" : argv[1]);
        status = mcp_manager_load_config(manager, text, options, &out, &error);
    }
    free(text);
    if (status != MCP_OK) {
        fprintf(stderr, "%s: %s\n%s\n", argv[1], mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        mcp_manager_free(manager);
        return 1;
    }
    mcp_string_free(out);

    /* {"tools":[{"modelName","serverName","name","description",...}],"servers":{name:{"status",...}},...} */
    status = mcp_manager_list_all_tools(manager, NULL, &out, &error);
    if (status != MCP_OK) {
        fprintf(stderr, "list_all_tools: %s %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        mcp_manager_free(manager);
        return 1;
    }
    /* A real host parses the JSON; printing each "modelName" and the per-server report is enough here. */
    int count = 0;
    for (const char *at = strstr(out, "\"modelName\":\""); at; at = strstr(at + 1, "\"modelName\":\"")) {
        at += strlen("\"modelName\":\"");
        printf("  %.*s\n", (int)strcspn(at, "\""), at);
        count++;
    }
    const char *servers = strstr(out, "\"servers\":{");
    printf("%d tools; servers: %s\n", count, servers ? servers + strlen("\"servers\":") : "?");
    mcp_string_free(out);
    mcp_manager_free(manager);
    return 0;
}
