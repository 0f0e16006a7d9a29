/* mcpctl config check FILE [--format F] [--strict] and mcpctl config path. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpctl.h"

/* Every diagnostic as FILE:LINE:COLUMN: severity: path: message (with the excerpt and a suggestion for a misspelled
 * key), then a summary line. Exit 0 when valid (warnings allowed), 3 when the config has errors. */
static int check(ctl *c) {
    const char *format = take_option(c, "--format");
    int strict = take_flag(c, "--strict");
    int rc = reject_unknown_options(c);
    if (rc) return rc;
    if (c->argc > 1) return cli_error(c, EXIT_USAGE, "usage: mcpctl config check [FILE] [--format F] [--strict]");
    if (c->argc == 1) c->config_path = c->argv[0], c->config_origin = "argument";
    ctl_resolve_config_path(c);
    int error_number = 0;
    char *text = read_text_file(c->config_path, &error_number);
    if (!text) return cli_error(c, EXIT_CONFIG, "cannot read %s: %s", c->config_path, strerror(error_number));
    buf options = {0};
    buf_add(&options, "{\"file\":");
    buf_add_quoted(&options, c->config_path);
    buf_add(&options, ",\"format\":");
    buf_add_quoted(&options, format ? format : "auto");
    buf_addf(&options, ",\"strict\":%s}", strict ? "true" : "false");
    char *report_text = NULL, *error = NULL;
    mcp_status status = mcp_config_validate(text, options.data, &report_text, &error);
    free(options.data);
    free(text);
    if (status != MCP_OK) return report_library_error(c, c->config_path, status, error);
    json *report = json_parse(report_text, NULL, 0);
    mcp_string_free(report_text);
    int valid = json_is_true(json_get(report, "valid"));
    if (c->json) {
        json_set(report, "file", json_new_string(c->config_path));
        print_json(report);
        return valid ? EXIT_OK : EXIT_CONFIG;
    }
    print_diagnostics(c, c->config_path, json_get(report, "diagnostics"));
    double errors = json_num(json_get(report, "errors"), 0), warnings = json_num(json_get(report, "warnings"), 0);
    printf("%s%s%s: %s format, %.0f error%s, %.0f warning%s\n", col(c, valid ? GREEN : RED), valid ? "valid" : "invalid", col(c, RESET),
           json_str(json_get(report, "format"), "unknown"), errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    json_free(report);
    return valid ? EXIT_OK : EXIT_CONFIG;
}

int cmd_config(ctl *c) {
    const char *sub = c->argc ? c->argv[0] : "";
    if (c->argc) memmove(c->argv, c->argv + 1, (size_t)c->argc-- * sizeof *c->argv);
    if (strcmp(sub, "check") == 0) return check(c);
    if (strcmp(sub, "path") == 0) {
        int rc = reject_unknown_options(c);
        if (rc) return rc;
        ctl_resolve_config_path(c);
        if (c->json) {
            json *document = json_document();
            json_set(document, "config", json_new_string(c->config_path));
            json_set(document, "from", json_new_string(c->config_origin));
            print_json(document);
        } else {
            printf("%s\n", c->config_path);
        }
        return EXIT_OK;
    }
    return cli_error(c, EXIT_USAGE, "unknown command 'config %s' (check, path)", sub);
}
