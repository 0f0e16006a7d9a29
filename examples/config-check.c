/* config-check: validate an MCP server config file of any common format and print it normalized.
 *
 *   config-check [--format NAME] [--strict] [--export json|yaml] FILE
 *
 * Prints every diagnostic as FILE:LINE:COLUMN: severity: path: message (with the suggestion for a misspelled
 * key), then the normalized servers (mcp_config_load) or, with --export, the config written back out
 * (mcp_config_export, secrets left out). Exit status: 0 valid, 1 the config has errors, 2 usage or I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpclient.h"

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    size_t got;
    while (text && (got = fread(text + size, 1, capacity - size - 1, file)) > 0) {
        size += got;
        if (capacity - size < 2) {
            char *bigger = realloc(text, capacity * 2);
            if (!bigger) { free(text); text = NULL; break; }
            text = bigger;
            capacity *= 2;
        }
    }
    fclose(file);
    if (text) text[size] = '\0';
    return text;
}

/* Finds `"key":` in a flat diagnostic object and copies its string or number value (no unescaping needed for
 * display). Returns 0 when absent. */
static int field(const char *object, const char *end, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(object, pattern);
    if (!at || at >= end) return 0;
    at += strlen(pattern);
    size_t n = 0;
    if (*at == '"') {
        at++;
        while (*at && *at != '"' && n + 1 < size) {
            if (*at == '\\' && at[1]) at++;
            out[n++] = *at++;
        }
    } else {
        while (*at && *at != ',' && *at != '}' && n + 1 < size) out[n++] = *at++;
    }
    out[n] = '\0';
    return 1;
}

/* Prints each object of the "diagnostics" array of a report. Diagnostics hold no nested objects, and the
 * excerpt (the only field that could contain braces) is printed last by the library, so `}` ends one. */
static int print_diagnostics(const char *file, const char *report) {
    const char *p = strstr(report, "\"diagnostics\":[");
    int count = 0;
    if (!p) return 0;
    p += strlen("\"diagnostics\":[");
    while (*p == '{') {
        const char *end = strstr(p, "\"excerpt\":");
        const char *close = strchr(p, '}');
        if (!close) break;
        if (!end || end > close) end = close;
        char severity[16] = "", path[256] = "", message[512] = "", line[16] = "?", column[16] = "?", suggestion[128] = "";
        field(p, end, "severity", severity, sizeof severity);
        field(p, end, "path", path, sizeof path);
        field(p, end, "message", message, sizeof message);
        field(p, end, "line", line, sizeof line);
        field(p, end, "column", column, sizeof column);
        printf("%s:%s:%s: %s: %s: %s\n", file, line, column, severity, path, message);
        if (field(p, end, "suggestion", suggestion, sizeof suggestion)) printf("    suggestion: %s\n", suggestion);
        count++;
        /* Skip past this object (its excerpt may contain '}' inside the string). */
        const char *next = strstr(close, "},{");
        const char *last = strstr(close, "}]");
        if (next && (!last || next < last)) p = next + 2; else break;
    }
    return count;
}

int main(int argc, char **argv) {
    const char *format = "auto", *export_format = NULL, *path = NULL;
    int strict = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
        else if (strcmp(argv[i], "--export") == 0 && i + 1 < argc) export_format = argv[++i];
        else if (strcmp(argv[i], "--strict") == 0) strict = 1;
        else path = argv[i];
    }
    if (!path || strchr(format, '"') || (export_format && strchr(export_format, '"'))) {
        fprintf(stderr, "usage: config-check [--format NAME] [--strict] [--export json|yaml] FILE\n");
        return 2;
    }
    char *text = read_file(path);
    if (!text) { perror(path); return 2; }
    char options[256];
    snprintf(options, sizeof options, "{\"format\":\"%s\",\"strict\":%s}", format, strict ? "true" : "false");

    char *report = NULL, *error = NULL;
    mcp_status status = mcp_config_validate(text, options, &report, &error);
    if (status != MCP_OK) {
        fprintf(stderr, "mcp_config_validate: %s: %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        free(text);
        return 2;
    }
    print_diagnostics(path, report);
    int valid = strstr(report, "\"valid\":true") != NULL;
    mcp_string_free(report);

    char *result = NULL;
    status = mcp_config_load(text, options, &result, &error);
    free(text);
    if (status != MCP_OK) {
        printf("%s: %s\n", path, mcp_status_str(status));
        mcp_string_free(error);
        return valid ? 2 : 1;
    }
    if (!export_format) {
        printf("%s\n", result);
        mcp_string_free(result);
        return 0;
    }
    char export_options[64], *exported = NULL;
    snprintf(export_options, sizeof export_options, "{\"format\":\"%s\"}", export_format);
    status = mcp_config_export(result, export_options, &exported, &error);
    mcp_string_free(result);
    if (status != MCP_OK) {
        fprintf(stderr, "mcp_config_export: %s: %s\n", mcp_status_str(status), error ? error : "");
        mcp_string_free(error);
        return 2;
    }
    fputs(exported, stdout);
    mcp_string_free(exported);
    return 0;
}
