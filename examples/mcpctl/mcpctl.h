/* mcpctl: a command-line tool over libmcpclient. Shared state and the helpers the commands use. */
#ifndef MCPCTL_H
#define MCPCTL_H

#include <stdatomic.h>
#include <stdint.h>

#include "json.h"
#include "mcpclient.h"

/* Exit codes (docs/mcpctl.md). */
enum {
    EXIT_OK = 0,
    EXIT_ERROR = 1,       /* anything not below */
    EXIT_USAGE = 2,       /* bad command line or JSON argument */
    EXIT_CONFIG = 3,      /* config file missing, unreadable, invalid or not writable by mcpctl */
    EXIT_NOT_FOUND = 4,   /* unknown server, tool or request */
    EXIT_CONNECTION = 5,  /* a server could not be started or reached, or is unavailable */
    EXIT_TIMEOUT = 6,
    EXIT_AUTH = 7,        /* sign-in required or failed, or permission/approval refused */
    EXIT_PROTOCOL = 8,    /* the server answered with a JSON-RPC error */
    EXIT_TOOL_ERROR = 9,  /* the tool ran and reported an error (isError: true) */
    EXIT_CONFLICT = 10,   /* the name is already taken */
    EXIT_INTERRUPTED = 130
};

typedef struct {
    /* global options */
    const char *config_path; /* resolved: --config, else $MCPCTL_CONFIG, else the default path */
    const char *config_origin;
    int json;                /* --json: one JSON document on stdout */
    int color, color_err;    /* ANSI colour on stdout / stderr */
    int progress;            /* -1 never, 0 on a TTY, 1 always (--progress) */
    int verbose;
    int yes;                 /* --yes: approve tool calls that need approval */
    int timeout_ms;          /* --timeout; 0 = each server's own */
    int stderr_tty;
    /* command words and their options, global options removed */
    int argc;
    char **argv;
    /* set up by ctl_open */
    mcp_manager *manager;
    json *loaded;            /* the config's load result */
    char *redirect_uri;      /* for OAuth: the loopback listener's, when a command made one */
    const char *server;      /* the server a command is about, for hints in error messages */
} ctl;

/* Interrupts: SIGINT/SIGTERM are taken by a thread (sigwait), which sets `interrupted` and cancels the listener a
 * command waits on; the command then cancels its calls and exits 130. */
extern atomic_int interrupted;
extern _Atomic(mcp_oauth_listener *) interrupt_listener;

/* setup.c */
char *read_text_file(const char *path, int *out_errno);
/* mkdir -p, new directories 0700. */
int make_dirs(const char *path);
/* Creates the manager and loads the config (exit code on failure, after reporting). */
void ctl_resolve_config_path(ctl *c);
/* Reads the config file (*out_text: free() it); a missing or unreadable file is EXIT_CONFIG with a message. */
int ctl_read_config(ctl *c, char **out_text);
int ctl_open(ctl *c);
void ctl_close(ctl *c);
/* The names of the loaded servers, in config order (borrowed from c->loaded). */
size_t ctl_server_names(const ctl *c, const char **names, size_t capacity);
json *ctl_server(const ctl *c, const char *name);

/* output.c */
const char *col(const ctl *c, const char *ansi);        /* ansi on a colour stdout, else "" */
const char *col_err(const ctl *c, const char *ansi);
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define RESET "\033[0m"
int exit_for_status(int status);
/* Reports an error document (the library's, or one made by make_error) and returns its exit code. */
int report_error(ctl *c, const char *context, const json *error);
/* Reports an error JSON string from the library (NULL allowed: the status alone) and frees it. */
int report_library_error(ctl *c, const char *context, mcp_status status, char *error_json);
/* A CLI-side error: {"version":1,"code":…,"name":"MCPCTL_…","message":…}. Prints it and returns exit_code. */
int cli_error(ctl *c, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints a document on stdout (pretty) and frees it. */
/* {"version":1}: every --json document starts so. */
json *json_document(void);
void print_json(json *document);
void print_diagnostics(ctl *c, const char *file, const json *diagnostics);

typedef struct {
    size_t columns, rows, capacity;
    char **cells;
} table;
void table_row(table *t, const char *first, ...); /* exactly `columns` strings (NULL prints as "") */
/* Prints headers (columns of them) and the rows, aligned; status_column (-1: none) is coloured by its value. */
void table_print(const ctl *c, table *t, const char *const *headers, int status_column); /* frees the rows */
void table_free(table *t);

/* ops.c: operations submitted to the manager (mcp_manager_submit), waited for in one event loop that shows
 * progress and cancels them all on Ctrl-C. */
typedef struct {
    const char *label;   /* for the progress line, e.g. "time get_current_time" */
    char *request;       /* the submit JSON (owned, freed by ops_run) */
    uint64_t id;
    int state;           /* 0 waiting, 1 running, 2 done */
    int status;          /* mcp_status of the outcome */
    json *outcome;       /* the result document, or the error document */
} op;
/* Runs every op, at most max_in_flight at once. Returns 0, or EXIT_INTERRUPTED after cancelling what ran. */
int ops_run(ctl *c, op *ops, size_t count, int max_in_flight);
void ops_free(op *ops, size_t count);

/* commands */
int cmd_servers(ctl *c);
int cmd_tools(ctl *c);
int cmd_call(ctl *c);
int cmd_auth(ctl *c);
int cmd_events(ctl *c);
int cmd_config(ctl *c);

/* Option helpers for the commands: removes `--name VALUE` / `--name=VALUE` (or the flag) from c->argv. */
const char *take_option(ctl *c, const char *name);
int take_flag(ctl *c, const char *name);
/* After options are taken: fails (usage) on any left that starts with "--" before a "--". */
int reject_unknown_options(ctl *c);

#endif
