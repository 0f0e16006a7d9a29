/* mcpctl: manage and call MCP servers from the command line, over libmcpclient.
 *
 *   mcpctl [--config FILE] [--json] [--timeout SEC] [--no-color] [--progress] [-y] [-v] COMMAND ...
 *
 * The commands, options, config lookup, credential storage and exit codes are documented in docs/mcpctl.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcpctl.h"

atomic_int interrupted;
_Atomic(mcp_oauth_listener *) interrupt_listener;

static const char usage[] =
    "usage: mcpctl [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  servers list                       the configured servers\n"
    "  servers add NAME URL               add a remote server (--type T, --header K=V ...)\n"
    "  servers add NAME -- CMD [ARG...]   add a stdio server (--env K=V ...); or --entry JSON\n"
    "  servers remove NAME                remove a server from the config file\n"
    "  servers status [NAME...]           connect and show each server's state\n"
    "  tools list [SERVER...]             every tool of the servers\n"
    "  call SERVER TOOL [JSON|-]          call a tool (arguments as a JSON object; - reads stdin)\n"
    "  auth login SERVER                  sign in with OAuth (--open, --port N)\n"
    "  auth logout SERVER                 sign out and revoke the tokens\n"
    "  auth status [SERVER...]            the sign-in state of remote servers\n"
    "  events [SERVER...]                 connect and print events as they come (--count N, --for SEC)\n"
    "  config check FILE                  validate a config file (--format F, --strict)\n"
    "  config path                        the config file mcpctl uses\n"
    "  version                            the library and header versions\n"
    "\n"
    "Options:\n"
    "  --config FILE   config file (default: $MCPCTL_CONFIG, else $XDG_CONFIG_HOME/mcpctl/config.json)\n"
    "  --json          JSON output for scripts (events: one object per line)\n"
    "  --timeout SEC   per-request timeout (default: each server's own)\n"
    "  --progress      show a progress line even when stderr is not a terminal (--no-progress: never)\n"
    "  --no-color      no colour (also NO_COLOR=1); colour is only ever used on a terminal\n"
    "  -y, --yes       approve tool calls that need approval\n"
    "  -v, --verbose   show server logs and other events on stderr\n"
    "\n"
    "Exit codes: 0 ok, 1 error, 2 usage, 3 config, 4 not found, 5 connection, 6 timeout, 7 auth,\n"
    "8 protocol error, 9 the tool reported an error, 10 name taken, 130 interrupted.\n";

/* ---- option helpers ------------------------------------------------------------------------------------------ */

static void drop_args(ctl *c, int at, int count) {
    memmove(c->argv + at, c->argv + at + count, (size_t)(c->argc - at - count + 1) * sizeof *c->argv);
    c->argc -= count;
}

const char *take_option(ctl *c, const char *name) {
    size_t length = strlen(name);
    for (int i = 0; i < c->argc && strcmp(c->argv[i], "--") != 0; i++) {
        if (strcmp(c->argv[i], name) == 0 && i + 1 < c->argc) {
            const char *value = c->argv[i + 1];
            drop_args(c, i, 2);
            return value;
        }
        if (strncmp(c->argv[i], name, length) == 0 && c->argv[i][length] == '=') {
            const char *value = c->argv[i] + length + 1;
            drop_args(c, i, 1);
            return value;
        }
    }
    return NULL;
}

int take_flag(ctl *c, const char *name) {
    for (int i = 0; i < c->argc && strcmp(c->argv[i], "--") != 0; i++) {
        if (strcmp(c->argv[i], name) == 0) {
            drop_args(c, i, 1);
            return 1;
        }
    }
    return 0;
}

int reject_unknown_options(ctl *c) {
    for (int i = 0; i < c->argc && strcmp(c->argv[i], "--") != 0; i++)
        if (strncmp(c->argv[i], "--", 2) == 0 || (c->argv[i][0] == '-' && c->argv[i][1] && c->argv[i][1] != '-'))
            return cli_error(c, EXIT_USAGE, "unknown option %s (see mcpctl --help)", c->argv[i]);
    return 0;
}

/* ---- interrupts ---------------------------------------------------------------------------------------------- */

static sigset_t interrupt_signals;

static void *interrupt_thread(void *unused) {
    (void)unused;
    for (;;) {
        int signal_number = 0;
        if (sigwait(&interrupt_signals, &signal_number) != 0) continue;
        if (atomic_exchange(&interrupted, 1)) _exit(EXIT_INTERRUPTED); /* a second Ctrl-C: leave at once */
        mcp_oauth_listener *listener = atomic_load(&interrupt_listener);
        if (listener) mcp_oauth_listener_cancel(listener);
    }
    return NULL;
}

/* ---- main ---------------------------------------------------------------------------------------------------- */

static int version(ctl *c) {
    if (c->json) {
        printf("{\"version\":1,\"mcpctl\":\"%s\",\"library\":\"%s\",\"header\":\"%s\",\"abi\":%d}\n", MCP_VERSION_STRING,
               mcp_version(), MCP_VERSION_STRING, MCP_ABI_VERSION);
    } else {
        printf("mcpctl %s (libmcpclient %s, ABI %d)\n", MCP_VERSION_STRING, mcp_version(), MCP_ABI_VERSION);
    }
    return EXIT_OK;
}

static int parse_global_options(ctl *c) {
    const char *value;
    if ((value = take_option(c, "--config"))) c->config_path = value, c->config_origin = "--config";
    if ((value = take_option(c, "--timeout"))) {
        char *end = NULL;
        double seconds = strtod(value, &end);
        if (!end || *end || seconds <= 0 || seconds > 86400) return cli_error(c, EXIT_USAGE, "--timeout takes seconds (0 < SEC <= 86400), not '%s'", value);
        c->timeout_ms = (int)(seconds * 1000);
    }
    while (take_flag(c, "--json")) c->json = 1;
    while (take_flag(c, "--no-color")) c->color = c->color_err = 0;
    while (take_flag(c, "--progress")) c->progress = 1;
    while (take_flag(c, "--no-progress")) c->progress = -1;
    while (take_flag(c, "--yes") || take_flag(c, "-y")) c->yes = 1;
    while (take_flag(c, "--verbose") || take_flag(c, "-v")) c->verbose = 1;
    return 0;
}

int main(int argc, char **argv) {
    ctl c = {0};
    c.argc = argc - 1;
    c.argv = calloc((size_t)argc, sizeof *c.argv);
    if (!c.argv) return EXIT_ERROR;
    for (int i = 1; i < argc; i++) c.argv[i - 1] = argv[i];

    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    int colour_allowed = !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0);
    c.color = colour_allowed && isatty(STDOUT_FILENO);
    c.stderr_tty = isatty(STDERR_FILENO);
    c.color_err = colour_allowed && c.stderr_tty;

    int help = take_flag(&c, "--help") | take_flag(&c, "-h");
    int rc = parse_global_options(&c);
    if (rc) goto done;
    if (c.json) c.color = 0; /* JSON on stdout is never coloured */
    if (help || c.argc == 0 || strcmp(c.argv[0], "help") == 0) {
        fputs(usage, help || c.argc ? stdout : stderr);
        rc = help || c.argc ? EXIT_OK : EXIT_USAGE;
        goto done;
    }
    if (take_flag(&c, "--version") || strcmp(c.argv[0], "version") == 0) { rc = version(&c); goto done; }
    if (mcp_version_number() != MCP_VERSION_NUMBER) {
        rc = cli_error(&c, EXIT_ERROR, "this mcpctl was built for libmcpclient %s but loaded %s", MCP_VERSION_STRING, mcp_version());
        goto done;
    }

    /* Signals go to the interrupt thread only: block them here, before any thread (ours or the library's) starts. */
    sigemptyset(&interrupt_signals);
    sigaddset(&interrupt_signals, SIGINT);
    sigaddset(&interrupt_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &interrupt_signals, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, interrupt_thread, NULL) == 0) pthread_detach(thread);

    static const struct { const char *name; int (*run)(ctl *); } commands[] = {
        {"servers", cmd_servers}, {"tools", cmd_tools}, {"call", cmd_call}, {"auth", cmd_auth},
        {"events", cmd_events},   {"config", cmd_config},
    };
    rc = -1;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(c.argv[0], commands[i].name) != 0) continue;
        drop_args(&c, 0, 1);
        rc = commands[i].run(&c);
        break;
    }
    if (rc == -1) rc = cli_error(&c, EXIT_USAGE, "unknown command '%s' (see mcpctl --help)", c.argv[0]);
    ctl_close(&c);
    if (atomic_load(&interrupted) && rc != EXIT_OK) rc = EXIT_INTERRUPTED;
done:
    fflush(stdout);
    free(c.argv);
    return rc;
}
