/* mcpctl auth login|logout|status.
 *
 * login signs in with the library's OAuth flow and a loopback listener on 127.0.0.1 (mcp_oauth_listener_*): the
 * listener's URL is the redirect URI, the authorization URL is printed (and opened with --open, on a terminal
 * only), the browser's callback is matched to this sign-in's state and handed to mcp_manager_oauth_complete. The
 * tokens land in the encrypted file store under $XDG_DATA_HOME/mcpctl (setup.c). */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcpctl.h"

extern char **environ;

/* Starts $BROWSER (its first ':'-separated entry) or xdg-open on the URL, detached from our output. */
static void open_browser(const char *url) {
    const char *browser = getenv("BROWSER");
    char program[256] = "xdg-open";
    if (browser && *browser) snprintf(program, sizeof program, "%.*s", (int)strcspn(browser, ":"), browser);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *args[] = {program, (char *)url, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, program, &actions, NULL, args, environ) != 0)
        fprintf(stderr, "(could not start %s; open the URL yourself)\n", program);
    posix_spawn_file_actions_destroy(&actions);
}

static json *oauth_status(ctl *c, const char *server, int *out_rc) {
    char *text = NULL, *error = NULL;
    mcp_status status = mcp_manager_oauth_status(c->manager, server, NULL, &text, &error);
    if (status != MCP_OK) {
        json *failure = json_new(JSON_OBJECT);
        json_set(failure, "server", json_new_string(server));
        json *error_doc = error ? json_parse(error, NULL, 0) : NULL;
        if (error_doc) json_set(failure, "error", error_doc);
        mcp_string_free(error);
        if (out_rc) *out_rc = exit_for_status(status);
        return failure;
    }
    json *document = json_parse(text, NULL, 0);
    mcp_string_free(text);
    return document;
}

static int login(ctl *c) {
    const char *port = take_option(c, "--port");
    const char *wait_text = take_option(c, "--wait");
    int open = take_flag(c, "--open");
    int rc = reject_unknown_options(c);
    if (rc) return rc;
    if (c->argc != 1) return cli_error(c, EXIT_USAGE, "usage: mcpctl auth login SERVER [--open] [--port N] [--wait SEC]");
    const char *server = c->argv[0];
    c->server = server;
    int port_number = port ? atoi(port) : 0;
    double wait_seconds = wait_text ? strtod(wait_text, NULL) : 300;
    if (port_number < 0 || port_number > 65535 || wait_seconds <= 0 || wait_seconds > 3600)
        return cli_error(c, EXIT_USAGE, "--port takes 0-65535 and --wait 1-3600 seconds");

    char options[64], *error = NULL, *uri = NULL;
    snprintf(options, sizeof options, "{\"port\":%d,\"path\":\"/callback\"}", port_number);
    mcp_oauth_listener *listener = NULL;
    mcp_status status = mcp_oauth_listener_new(&listener, options, &error);
    if (status == MCP_OK) status = mcp_oauth_listener_redirect_uri(listener, &uri, &error);
    if (status != MCP_OK) {
        mcp_oauth_listener_free(listener);
        return report_library_error(c, "starting the loopback listener", status, error);
    }
    c->redirect_uri = uri;
    if ((rc = ctl_open(c))) goto done;
    if (!ctl_server(c, server)) {
        rc = cli_error(c, EXIT_NOT_FOUND, "no server named '%s' in %s", server, c->config_path);
        goto done;
    }

    char *flow_text = NULL;
    status = mcp_manager_oauth_begin(c->manager, server, NULL, &flow_text, &error);
    if (status != MCP_OK) {
        rc = report_library_error(c, "auth login", status, error);
        goto done;
    }
    json *flow = json_parse(flow_text, NULL, 0);
    mcp_string_free(flow_text);
    const char *auth_url = json_str(json_get(flow, "authUrl"), "");
    mcp_oauth_listener_expect(listener, auth_url, NULL);
    fprintf(stderr, "To sign in to %s%s%s, open this URL in a browser:\n\n  %s\n\n", col_err(c, BOLD), server, col_err(c, RESET), auth_url);
    if (open && isatty(STDIN_FILENO) && c->stderr_tty) open_browser(auth_url);
    else if (open) fprintf(stderr, "(not on a terminal: not opening a browser)\n");
    fprintf(stderr, "Waiting up to %.0f s for the browser to return to %s (Ctrl-C to cancel)...\n", wait_seconds, uri);
    json_free(flow);

    atomic_store(&interrupt_listener, listener);
    if (atomic_load(&interrupted)) mcp_oauth_listener_cancel(listener); /* Ctrl-C came before the store above */
    char *callback = NULL;
    status = mcp_oauth_listener_wait(listener, (int32_t)(wait_seconds * 1000), &callback, &error);
    atomic_store(&interrupt_listener, NULL);
    if (status != MCP_OK) {
        mcp_manager_oauth_cancel(c->manager, server, NULL, NULL); /* the pending flow's state stops working */
        if (status == MCP_ERR_CANCELLED) {
            mcp_string_free(error);
            rc = cli_error(c, EXIT_INTERRUPTED, "interrupted: the sign-in to %s was cancelled", server);
        } else {
            rc = report_library_error(c, "auth login", status, error);
        }
        goto done;
    }
    char *result = NULL;
    status = mcp_manager_oauth_complete(c->manager, callback, &result, &error);
    memset(callback, 0, strlen(callback)); /* it held the authorization code */
    mcp_string_free(callback);
    mcp_string_free(result);
    if (status != MCP_OK) {
        rc = report_library_error(c, "auth login", status, error);
        goto done;
    }
    json *state = oauth_status(c, server, &rc);
    if (c->json) {
        json_set(state, "action", json_new_string("login"));
        print_json(state);
    } else {
        printf("%ssigned in%s to %s", col(c, GREEN), col(c, RESET), server);
        const json *scopes = json_get(state, "scopes");
        if (scopes && scopes->first) {
            printf(" (scopes:");
            for (const json *s = scopes->first; s; s = s->next) printf(" %s", json_str(s, ""));
            printf(")");
        }
        printf("\n");
        json_free(state);
    }
done:
    mcp_oauth_listener_free(listener);
    c->redirect_uri = NULL;
    mcp_string_free(uri);
    return rc;
}

static int logout(ctl *c) {
    int rc = reject_unknown_options(c);
    if (rc) return rc;
    if (c->argc != 1) return cli_error(c, EXIT_USAGE, "usage: mcpctl auth logout SERVER");
    if ((rc = ctl_open(c))) return rc;
    char *report = NULL, *error = NULL;
    mcp_status status = mcp_manager_oauth_logout(c->manager, c->argv[0], NULL, &report, &error);
    if (status != MCP_OK) return report_library_error(c, "auth logout", status, error);
    json *document = json_parse(report, NULL, 0);
    mcp_string_free(report);
    if (c->json) {
        print_json(document);
        return EXIT_OK;
    }
    int had = json_is_true(json_get(document, "hadTokens"));
    printf("%s %s%s\n", had ? "signed out of" : "was not signed in to", c->argv[0],
           had && json_get(document, "revocation") ? " (tokens revoked at the authorization server)" : "");
    json_free(document);
    return EXIT_OK;
}

static int status_of_servers(ctl *c) {
    int rc = reject_unknown_options(c);
    if (rc || (rc = ctl_open(c))) return rc;
    const char *all[256];
    size_t count = c->argc ? (size_t)c->argc : ctl_server_names(c, all, 256);
    const char **names = c->argc ? (const char **)c->argv : all;
    json *list = json_new(JSON_ARRAY);
    table t = {.columns = 4};
    for (size_t i = 0; i < count; i++) {
        /* Without names, only remote servers: stdio servers never sign in. */
        if (!c->argc && !json_get(ctl_server(c, names[i]), "url")) continue;
        json *state = oauth_status(c, names[i], &rc);
        const char *error = json_str(json_get(json_get(state, "error"), "message"), NULL);
        buf detail = {0};
        if (error) buf_add(&detail, error);
        const json *scopes = json_get(state, "scopes");
        for (const json *s = scopes ? scopes->first : NULL; s; s = s->next) buf_addf(&detail, "%s%s", s == scopes->first ? "" : " ", json_str(s, ""));
        char expires[32] = "-";
        const json *at = json_get(state, "expiresAt");
        if (at && at->type == JSON_NUMBER) { /* Unix seconds, shown in local time */
            time_t when = (time_t)json_num(at, 0);
            struct tm local;
            if (localtime_r(&when, &local)) strftime(expires, sizeof expires, "%Y-%m-%d %H:%M", &local);
        } else if (at && at->type == JSON_STRING) {
            snprintf(expires, sizeof expires, "%s", at->text);
        }
        const char *shown = error ? "error" : json_str(json_get(state, "state"), "?");
        if (!error && !json_is_true(json_get(state, "requiresOAuth")) && strcmp(shown, "unauthorized") == 0) shown = "not required";
        table_row(&t, names[i], shown, expires, detail.length ? detail.data : "-");
        free(detail.data);
        json_append(list, state);
    }
    if (c->json) {
        json *document = json_document();
        json_set(document, "servers", list);
        print_json(document);
        table_free(&t);
    } else {
        json_free(list);
        if (t.rows) table_print(c, &t, (const char *const[]){"SERVER", "STATE", "EXPIRES", "SCOPES / ERROR"}, 1);
        else printf("no remote servers in %s\n", c->config_path), table_free(&t);
    }
    return rc;
}

int cmd_auth(ctl *c) {
    const char *sub = c->argc ? c->argv[0] : "status";
    if (c->argc) memmove(c->argv, c->argv + 1, (size_t)c->argc-- * sizeof *c->argv);
    if (strcmp(sub, "login") == 0) return login(c);
    if (strcmp(sub, "logout") == 0) return logout(c);
    if (strcmp(sub, "status") == 0) return status_of_servers(c);
    return cli_error(c, EXIT_USAGE, "unknown command 'auth %s' (login, logout, status)", sub);
}
