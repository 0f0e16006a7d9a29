/* mcpctl servers list|add|remove|status.
 *
 * add and remove edit the config file itself, and only a JSON one: the file is parsed, the server entry is put into
 * (or taken out of) its "mcpServers" object ("servers" in a VS Code file), the result is checked with
 * mcp_config_validate, and written back atomically (a temporary file renamed over it, keeping its mode) with
 * two-space indentation and the keys in their order. YAML (librechat.yaml), JSON with comments and Aeontel bodies
 * are refused with a message: rewriting them would lose what the user wrote. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcpctl.h"

/* The config as loaded by the library without a manager (nothing is started, no credential store is touched). */
static int load_only(ctl *c, json **out) {
    char *text = NULL;
    int rc = ctl_read_config(c, &text);
    if (rc != EXIT_OK) return rc;
    buf options = {0};
    buf_add(&options, "{\"file\":");
    buf_add_quoted(&options, c->config_path);
    buf_add(&options, "}");
    char *result = NULL, *error = NULL;
    mcp_status status = mcp_config_load(text, options.data, &result, &error);
    free(options.data);
    free(text);
    if (status != MCP_OK) return report_library_error(c, c->config_path, status, error);
    *out = json_parse(result, NULL, 0);
    mcp_string_free(result);
    return *out ? 0 : cli_error(c, EXIT_ERROR, "the library's load result is not JSON");
}

static const char *transport_of(const json *server) {
    const char *type = json_str(json_get(server, "type"), NULL);
    if (type) return type;
    return json_get(server, "url") ? "auto" : "stdio";
}

/* "command arg arg" or the URL. */
static char *target_of(const json *server) {
    buf b = {0};
    const char *url = json_str(json_get(server, "url"), NULL);
    if (url) {
        buf_add(&b, url);
        return buf_take(&b);
    }
    buf_add(&b, json_str(json_get(server, "command"), ""));
    for (const json *arg = json_get(server, "args") ? json_get(server, "args")->first : NULL; arg; arg = arg->next) {
        const char *text = json_str(arg, "");
        if (strpbrk(text, " \t\"'") || !*text) buf_add(&b, " "), buf_add_quoted(&b, text);
        else buf_addf(&b, " %s", text);
    }
    return buf_take(&b);
}

static int servers_list(ctl *c) {
    json *loaded = NULL;
    int rc = load_only(c, &loaded);
    if (rc) return rc;
    json *list = json_new(JSON_ARRAY);
    table t = {.columns = 3};
    for (const json *server = json_get(loaded, "servers") ? json_get(loaded, "servers")->first : NULL; server; server = server->next) {
        json *entry = json_new(JSON_OBJECT);
        json_set(entry, "name", json_new_string(server->key));
        json_set(entry, "type", json_new_string(transport_of(server)));
        static const char *const fields[] = {"command", "args", "url", "title"};
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
            const json *field = json_get(server, fields[i]);
            if (!field) continue;
            char *text = json_write(field, 0);
            json_set(entry, fields[i], json_parse(text, NULL, 0));
            free(text);
        }
        int enabled = !(json_get(server, "enabled") && json_get(server, "enabled")->type == JSON_FALSE);
        json_set(entry, "enabled", json_new(enabled ? JSON_TRUE : JSON_FALSE));
        json_append(list, entry);
        char *target = target_of(server);
        buf name = {0};
        buf_addf(&name, "%s%s", server->key, enabled ? "" : " (disabled)");
        table_row(&t, name.data, transport_of(server), target);
        free(name.data);
        free(target);
    }
    if (c->json) {
        json *document = json_document();
        json_set(document, "config", json_new_string(c->config_path));
        json_set(document, "format", json_new_string(json_str(json_get(loaded, "format"), "")));
        json_set(document, "servers", list);
        print_json(document);
        table_free(&t);
    } else {
        json_free(list);
        if (t.rows == 0) printf("no servers in %s\n", c->config_path);
        else table_print(c, &t, (const char *const[]){"NAME", "TYPE", "COMMAND / URL"}, -1);
        table_free(&t);
    }
    /* Warnings of the load (unknown keys and the like) go to stderr so the listing stays clean. */
    if (!c->json && json_get(loaded, "diagnostics") && json_get(loaded, "diagnostics")->count) {
        fflush(stdout);
        ctl quiet = *c;
        quiet.json = 1; /* print_diagnostics writes to stderr in JSON mode */
        print_diagnostics(&quiet, c->config_path, json_get(loaded, "diagnostics"));
    }
    json_free(loaded);
    return EXIT_OK;
}

/* ---- editing the file ---------------------------------------------------------------------------------------- */

typedef struct {
    json *root;
    json *container; /* borrowed from root */
    int created;     /* the file did not exist */
    mode_t mode;
} config_file;

static int has_suffix(const char *text, const char *suffix) {
    size_t a = strlen(text), b = strlen(suffix);
    return a >= b && strcmp(text + a - b, suffix) == 0;
}

static int open_for_edit(ctl *c, config_file *f, int create) {
    ctl_resolve_config_path(c);
    *f = (config_file){0};
    int error_number = 0;
    char *text = read_text_file(c->config_path, &error_number);
    if (!text && error_number == ENOENT && create) {
        f->root = json_parse("{\"mcpServers\":{}}", NULL, 0);
        f->container = json_get(f->root, "mcpServers");
        f->created = 1;
        f->mode = 0600; /* server entries may hold tokens */
        return 0;
    }
    if (!text) {
        if (error_number == ENOENT) return cli_error(c, EXIT_CONFIG, "no config file at %s", c->config_path);
        return cli_error(c, EXIT_CONFIG, "cannot read %s: %s", c->config_path, strerror(error_number));
    }
    struct stat info;
    f->mode = stat(c->config_path, &info) == 0 ? (info.st_mode & 07777) : 0600;
    char error[256];
    f->root = json_parse(text, error, sizeof error);
    const char *first = text + strspn(text, " \t\r\n");
    int yaml = has_suffix(c->config_path, ".yaml") || has_suffix(c->config_path, ".yml") || (*first && *first != '{' && *first != '[');
    free(text);
    if (!f->root) {
        if (yaml)
            return cli_error(c, EXIT_CONFIG, "%s is YAML: mcpctl edits JSON config files only (rewriting YAML would lose its comments "
                             "and anchors); add the server to it by hand, or keep mcpctl's servers in a JSON file (--config)", c->config_path);
        return cli_error(c, EXIT_CONFIG, "cannot edit %s: it is not plain JSON (%s); comments, as VS Code allows, would be lost, so edit it by hand",
                         c->config_path, error);
    }
    if (f->root->type != JSON_OBJECT || json_get(f->root, "authType") || json_get(f->root, "workspaceId")) {
        json_free(f->root);
        return cli_error(c, EXIT_CONFIG, "cannot edit %s: it is not a file of servers (an Aeontel body or a list); edit it by hand", c->config_path);
    }
    f->container = json_get(f->root, "mcpServers");
    if (!f->container && json_get(f->root, "servers")) f->container = json_get(f->root, "servers");
    if (!f->container) {
        json_set(f->root, "mcpServers", json_new(JSON_OBJECT));
        f->container = json_get(f->root, "mcpServers");
    }
    if (f->container->type != JSON_OBJECT) {
        json_free(f->root);
        return cli_error(c, EXIT_CONFIG, "cannot edit %s: its server list is not a JSON object", c->config_path);
    }
    return 0;
}

/* Validates the new text, then replaces the file atomically. */
static int save(ctl *c, config_file *f) {
    char *text = json_write(f->root, 2);
    buf b = {0};
    buf_add(&b, text);
    buf_add(&b, "\n");
    free(text);

    buf options = {0};
    buf_add(&options, "{\"file\":");
    buf_add_quoted(&options, c->config_path);
    buf_add(&options, "}");
    char *report_text = NULL, *error = NULL;
    mcp_status status = mcp_config_validate(b.data, options.data, &report_text, &error);
    free(options.data);
    if (status != MCP_OK) {
        free(b.data);
        return report_library_error(c, c->config_path, status, error);
    }
    json *report = json_parse(report_text, NULL, 0);
    mcp_string_free(report_text);
    if (!json_is_true(json_get(report, "valid"))) {
        int rc = cli_error(c, EXIT_CONFIG, "not saved: %s would not be valid with this change", c->config_path);
        if (!c->json) print_diagnostics(c, c->config_path, json_get(report, "diagnostics"));
        json_free(report);
        free(b.data);
        return rc;
    }
    json_free(report);

    char *directory = strdup(c->config_path);
    char *slash = directory ? strrchr(directory, '/') : NULL;
    if (slash && slash != directory) *slash = '\0';
    int made = !f->created || !slash || slash == directory || make_dirs(directory) == 0;
    free(directory);
    if (!made) {
        free(b.data);
        return cli_error(c, EXIT_CONFIG, "cannot create the directory of %s: %s", c->config_path, strerror(errno));
    }
    buf temporary = {0};
    buf_addf(&temporary, "%s.XXXXXX", c->config_path);
    int fd = mkstemp(temporary.data);
    int ok = fd >= 0 && fchmod(fd, f->mode) == 0 && write(fd, b.data, b.length) == (ssize_t)b.length && fsync(fd) == 0;
    if (fd >= 0) ok = close(fd) == 0 && ok;
    if (ok) ok = rename(temporary.data, c->config_path) == 0;
    int saved_errno = errno;
    if (!ok && fd >= 0) unlink(temporary.data);
    free(temporary.data);
    free(b.data);
    if (!ok) return cli_error(c, EXIT_CONFIG, "cannot write %s: %s", c->config_path, strerror(saved_errno));
    return 0;
}

/* K=V pairs into an object. */
static int add_pairs(ctl *c, json *entry, const char *field, const char *option) {
    const char *pair;
    while ((pair = take_option(c, option))) {
        const char *equals = strchr(pair, '=');
        if (!equals || equals == pair) return cli_error(c, EXIT_USAGE, "%s takes KEY=VALUE, not '%s'", option, pair);
        json *object = json_get(entry, field);
        if (!object) {
            json_set(entry, field, json_new(JSON_OBJECT));
            object = json_get(entry, field);
        }
        char *key = strndup(pair, (size_t)(equals - pair));
        json_set(object, key, json_new_string(equals + 1));
        free(key);
    }
    return 0;
}

/* {"version":1,"action","name","config"} or a line for people. */
static int report_edit(ctl *c, const char *action, const char *name) {
    if (c->json) {
        json *document = json_document();
        json_set(document, "action", json_new_string(action));
        json_set(document, "name", json_new_string(name));
        json_set(document, "config", json_new_string(c->config_path));
        print_json(document);
    } else {
        printf("%s %s%s%s %s %s\n", action, col(c, BOLD), name, col(c, RESET), strcmp(action, "added") == 0 ? "to" : "from", c->config_path);
    }
    return EXIT_OK;
}

static int servers_add(ctl *c) {
    const char *entry_text = take_option(c, "--entry");
    const char *type = take_option(c, "--type");
    const char *cwd = take_option(c, "--cwd");
    int replace = take_flag(c, "--replace");
    json *entry = json_new(JSON_OBJECT);
    int rc = add_pairs(c, entry, "env", "--env");
    if (!rc) rc = add_pairs(c, entry, "headers", "--header");
    if (!rc) rc = reject_unknown_options(c);
    if (rc) { json_free(entry); return rc; }
    int dashes = -1;
    for (int i = 0; i < c->argc; i++) if (strcmp(c->argv[i], "--") == 0) { dashes = i; break; }
    const char *name = c->argc > 0 && dashes != 0 ? c->argv[0] : NULL;
    int positional = dashes >= 0 ? dashes : c->argc;
    if (!name || (entry_text && (positional != 1 || dashes >= 0)) || (!entry_text && dashes < 0 && positional != 2) ||
        (dashes >= 0 && (positional != 1 || dashes + 1 >= c->argc))) {
        json_free(entry);
        return cli_error(c, EXIT_USAGE, "usage: mcpctl servers add NAME URL | NAME -- COMMAND [ARG...] | NAME --entry JSON");
    }
    if (entry_text) {
        char error[256];
        json *given = json_parse(entry_text, error, sizeof error);
        if (!given || given->type != JSON_OBJECT) {
            json_free(given);
            json_free(entry);
            return cli_error(c, EXIT_USAGE, "--entry must be a JSON object%s%s", given ? "" : ": ", given ? "" : error);
        }
        for (json *field = given->first; field; field = field->next) /* --env/--header given too: theirs win */
            if (!json_get(entry, field->key)) json_set(entry, field->key, json_clone(field));
        json_free(given);
    } else if (dashes >= 0) {
        json_set(entry, "command", json_new_string(c->argv[dashes + 1]));
        if (dashes + 2 < c->argc) {
            json *args = json_new(JSON_ARRAY);
            for (int i = dashes + 2; i < c->argc; i++) json_append(args, json_new_string(c->argv[i]));
            json_set(entry, "args", args);
        }
        if (cwd) json_set(entry, "cwd", json_new_string(cwd));
    } else {
        json_set(entry, "url", json_new_string(c->argv[1]));
    }
    if (type) json_set(entry, "type", json_new_string(type));

    config_file f;
    rc = open_for_edit(c, &f, 1);
    if (rc) { json_free(entry); return rc; }
    /* A VS Code file needs every server's type. */
    if (f.container == json_get(f.root, "servers") && !json_get(entry, "type"))
        json_set(entry, "type", json_new_string(json_get(entry, "url") ? "http" : "stdio"));
    if (json_get(f.container, name) && !replace) {
        json_free(entry);
        json_free(f.root);
        return cli_error(c, EXIT_CONFLICT, "a server named '%s' is already in %s (use --replace to overwrite it)", name, c->config_path);
    }
    json_set(f.container, name, entry);
    rc = save(c, &f);
    json_free(f.root);
    if (rc) return rc;
    return report_edit(c, "added", name);
}

static int servers_remove(ctl *c) {
    int rc = reject_unknown_options(c);
    if (rc) return rc;
    if (c->argc != 1) return cli_error(c, EXIT_USAGE, "usage: mcpctl servers remove NAME");
    const char *name = c->argv[0];
    config_file f;
    rc = open_for_edit(c, &f, 0);
    if (rc) return rc;
    if (!json_remove(f.container, name)) {
        json_free(f.root);
        return cli_error(c, EXIT_NOT_FOUND, "no server named '%s' in %s", name, c->config_path);
    }
    rc = save(c, &f);
    json_free(f.root);
    return rc ? rc : report_edit(c, "removed", name);
}

static int is_skipped(const ctl *c, const char *name) {
    for (const json *s = json_get(c->loaded, "skipped") ? json_get(c->loaded, "skipped")->first : NULL; s; s = s->next)
        if (strcmp(json_str(json_get(s, "server"), ""), name) == 0) return 1;
    return 0;
}

/* Connects every named server (all by default, four at a time) and reports each one's state. */
static int servers_status(ctl *c) {
    int rc = reject_unknown_options(c);
    if (rc || (rc = ctl_open(c))) return rc;
    const char *all[256];
    size_t count = c->argc ? (size_t)c->argc : ctl_server_names(c, all, 256);
    const char **names = c->argc ? (const char **)c->argv : all;
    op *ops = calloc(count ? count : 1, sizeof *ops);
    size_t pending = 0;
    for (size_t i = 0; i < count; i++) {
        ops[i].label = names[i];
        if (is_skipped(c, names[i])) continue;
        buf b = {0};
        buf_add(&b, "{\"op\":\"connect\",\"server\":");
        buf_add_quoted(&b, names[i]);
        if (c->timeout_ms) buf_addf(&b, ",\"timeout_ms\":%d", c->timeout_ms);
        buf_add(&b, "}");
        ops[pending] = ops[i];
        ops[pending].request = buf_take(&b);
        pending++;
    }
    /* ops[0..pending) are the connects, in name order; the skipped are matched by name below. */
    rc = ops_run(c, ops, pending, 4);
    if (rc == EXIT_INTERRUPTED) {
        ops_free(ops, pending);
        free(ops);
        return rc;
    }
    json *list = json_new(JSON_ARRAY);
    table t = {.columns = 5};
    int worst = EXIT_OK;
    for (size_t i = 0, next_op = 0; i < count; i++) {
        json *entry;
        op *o = !is_skipped(c, names[i]) && next_op < pending ? &ops[next_op++] : NULL;
        char *status_text = NULL;
        mcp_status status = o ? mcp_manager_server_status(c->manager, names[i], &status_text, NULL) : MCP_ERR_NOT_FOUND;
        entry = status == MCP_OK ? json_parse(status_text, NULL, 0) : NULL;
        mcp_string_free(status_text);
        if (!entry) {
            entry = json_new(JSON_OBJECT);
            json_set(entry, "version", json_new_number(1));
            json_set(entry, "server", json_new_string(names[i]));
        }
        const char *state;
        if (!o) {
            state = "disabled";
        } else if (o->status == MCP_OK) {
            state = "connected";
            json *info = json_get(o->outcome, "serverInfo");
            if (info) json_set(entry, "serverInfo", json_clone(info));
        } else {
            state = "error";
            if (o->outcome) json_set(entry, "error", json_clone(o->outcome));
            if (worst == EXIT_OK) worst = exit_for_status(o->status);
        }
        json_set(entry, "status", json_new_string(state));
        buf detail = {0};
        if (o && o->status == MCP_OK) {
            json *info = json_get(o->outcome, "serverInfo");
            buf_addf(&detail, "%s %s", json_str(json_get(info, "name"), ""), json_str(json_get(info, "version"), ""));
        } else if (o) {
            buf_add(&detail, json_str(json_get(o->outcome, "message"), mcp_status_str((mcp_status)o->status)));
        } else {
            buf_add(&detail, "enabled: false");
        }
        table_row(&t, names[i], state, json_str(json_get(entry, "era"), "-"), json_str(json_get(entry, "protocolVersion"), "-"), detail.data);
        free(detail.data);
        json_append(list, entry);
    }
    if (c->json) {
        json *document = json_document();
        json_set(document, "servers", list);
        print_json(document);
        table_free(&t);
    } else {
        json_free(list);
        table_print(c, &t, (const char *const[]){"SERVER", "STATUS", "ERA", "PROTOCOL", "INFO / ERROR"}, 1);
    }
    ops_free(ops, pending);
    free(ops);
    return worst;
}

int cmd_servers(ctl *c) {
    const char *sub = c->argc ? c->argv[0] : "list";
    if (c->argc) {
        memmove(c->argv, c->argv + 1, (size_t)c->argc * sizeof *c->argv);
        c->argc--;
    }
    if (strcmp(sub, "list") == 0) {
        int rc = reject_unknown_options(c);
        return rc ? rc : servers_list(c);
    }
    if (strcmp(sub, "add") == 0) return servers_add(c);
    if (strcmp(sub, "remove") == 0 || strcmp(sub, "rm") == 0) return servers_remove(c);
    if (strcmp(sub, "status") == 0) return servers_status(c);
    return cli_error(c, EXIT_USAGE, "unknown command 'servers %s' (list, add, remove, status)", sub);
}
