/* mcpctl tools list [SERVER...] and mcpctl call SERVER TOOL [JSON|-]. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcpctl.h"

int cmd_tools(ctl *c) {
    const char *sub = c->argc ? c->argv[0] : "list";
    if (strcmp(sub, "list") != 0) return cli_error(c, EXIT_USAGE, "unknown command 'tools %s' (list)", sub);
    if (c->argc) memmove(c->argv, c->argv + 1, (size_t)c->argc-- * sizeof *c->argv);
    int rc = reject_unknown_options(c);
    if (rc || (rc = ctl_open(c))) return rc;
    const char *all[256];
    size_t count = c->argc ? (size_t)c->argc : ctl_server_names(c, all, 256);
    const char **names = c->argc ? (const char **)c->argv : all;
    op *ops = calloc(count ? count : 1, sizeof *ops);
    for (size_t i = 0; i < count; i++) {
        buf b = {0};
        buf_add(&b, "{\"op\":\"list_tools\",\"server\":");
        buf_add_quoted(&b, names[i]);
        if (c->timeout_ms) buf_addf(&b, ",\"timeout_ms\":%d", c->timeout_ms);
        buf_add(&b, "}");
        ops[i].label = names[i];
        ops[i].request = buf_take(&b);
    }
    rc = ops_run(c, ops, count, 4);
    if (rc == EXIT_INTERRUPTED) goto done;

    json *tools = json_new(JSON_ARRAY), *errors = json_new(JSON_ARRAY);
    table t = {.columns = 3};
    for (size_t i = 0; i < count; i++) {
        if (ops[i].status != MCP_OK) {
            json *failure = json_new(JSON_OBJECT);
            json_set(failure, "server", json_new_string(names[i]));
            if (ops[i].outcome) json_set(failure, "error", json_clone(ops[i].outcome));
            json_append(errors, failure);
            if (!c->json) {
                buf context = {0};
                buf_addf(&context, "tools of %s", names[i]);
                report_error(c, context.data, ops[i].outcome);
                free(context.data);
            }
            if (rc == EXIT_OK) rc = exit_for_status(ops[i].status);
            continue;
        }
        for (const json *tool = json_get(ops[i].outcome, "tools") ? json_get(ops[i].outcome, "tools")->first : NULL; tool; tool = tool->next) {
            json *entry = json_clone(tool);
            json_set(entry, "server", json_new_string(names[i]));
            json_append(tools, entry);
            const char *description = json_str(json_get(tool, "description"), json_str(json_get(tool, "title"), ""));
            table_row(&t, names[i], json_str(json_get(tool, "name"), "?"), description);
        }
    }
    if (c->json) {
        json *document = json_document();
        json_set(document, "tools", tools);
        json_set(document, "errors", errors);
        print_json(document);
        table_free(&t);
    } else {
        json_free(tools);
        json_free(errors);
        if (t.rows) table_print(c, &t, (const char *const[]){"SERVER", "TOOL", "DESCRIPTION"}, -1);
        else table_free(&t);
    }
done:
    ops_free(ops, count);
    free(ops);
    return rc;
}

/* Prints a tool result for people: its text (LibreChat's formatting, via mcp_tool_result_format) and a line per
 * image, audio clip or binary resource. */
static void print_result_text(ctl *c, const json *result, int is_error) {
    char *payload = json_write(result, 0), *formatted = NULL;
    mcp_status status = mcp_tool_result_format(payload, NULL, &formatted, NULL);
    free(payload);
    json *view = status == MCP_OK ? json_parse(formatted, NULL, 0) : NULL;
    mcp_string_free(formatted);
    FILE *out = is_error ? stderr : stdout;
    const char *text = json_str(json_get(view, "text"), "");
    if (is_error) fprintf(out, "%stool error:%s ", col_err(c, RED), col_err(c, RESET));
    fputs(text, out);
    if (*text && text[strlen(text) - 1] != '\n') fputc('\n', out);
    static const char *const kinds[] = {"images", "audio", "resources"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        const json *list = json_get(json_get(view, "artifacts"), kinds[k]);
        for (const json *a = list ? list->first : NULL; a; a = a->next) {
            if (k == 2 && !json_get(a, "blob")) continue; /* text resources are in the text already */
            fprintf(out, "%s[%s %s, %.0f bytes]%s\n", col(c, DIM), kinds[k], json_str(json_get(a, "mimeType"), json_str(json_get(a, "uri"), "")),
                    json_num(json_get(a, "bytes"), 0), col(c, RESET));
        }
    }
    json_free(view);
}

int cmd_call(ctl *c) {
    int rc = reject_unknown_options(c);
    if (rc) return rc;
    if (c->argc < 2 || c->argc > 3) return cli_error(c, EXIT_USAGE, "usage: mcpctl call SERVER TOOL ['{\"arg\":…}' | -]");
    const char *server = c->argv[0], *tool = c->argv[1];
    c->server = server;
    char *arguments_text = NULL;
    if (c->argc == 3 && strcmp(c->argv[2], "-") == 0) {
        arguments_text = read_text_file("/dev/stdin", NULL);
        if (!arguments_text) return cli_error(c, EXIT_USAGE, "cannot read the arguments from stdin");
    } else {
        arguments_text = strdup(c->argc == 3 ? c->argv[2] : "{}");
    }
    char error[256];
    json *arguments = json_parse(arguments_text, error, sizeof error);
    free(arguments_text);
    if (!arguments || arguments->type != JSON_OBJECT) {
        json_free(arguments);
        return cli_error(c, EXIT_USAGE, "the arguments must be a JSON object%s%s", arguments ? "" : ": ", arguments ? "" : error);
    }
    if ((rc = ctl_open(c))) {
        json_free(arguments);
        return rc;
    }
    buf request = {0}, label = {0};
    buf_add(&request, "{\"op\":\"call_tool\",\"server\":");
    buf_add_quoted(&request, server);
    buf_add(&request, ",\"tool\":");
    buf_add_quoted(&request, tool);
    char *arguments_json = json_write(arguments, 0);
    buf_addf(&request, ",\"arguments\":%s", arguments_json);
    free(arguments_json);
    json_free(arguments);
    if (c->yes) buf_add(&request, ",\"approved\":true");
    if (c->timeout_ms) buf_addf(&request, ",\"timeout_ms\":%d", c->timeout_ms);
    buf_add(&request, "}");
    buf_addf(&label, "%s %s", server, tool);
    op call = {.label = label.data, .request = buf_take(&request)};
    rc = ops_run(c, &call, 1, 1);
    if (rc == EXIT_INTERRUPTED) {
        rc = cli_error(c, EXIT_INTERRUPTED, "interrupted: the call to %s was cancelled", label.data);
    } else if (call.status != MCP_OK) {
        buf context = {0};
        buf_addf(&context, "call %s", label.data);
        rc = report_error(c, context.data, call.outcome);
        free(context.data);
    } else {
        int is_error = json_is_true(json_get(json_get(call.outcome, "result"), "isError"));
        if (c->json) print_json(json_clone(call.outcome));
        else print_result_text(c, call.outcome, is_error);
        rc = is_error ? EXIT_TOOL_ERROR : EXIT_OK;
    }
    free(label.data);
    ops_free(&call, 1);
    return rc;
}
