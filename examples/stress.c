/* stress: many host threads make mixed calls against many servers of every transport for a bounded time, and
 * check that every call gets exactly one result, nothing deadlocks, and memory, descriptors and threads stay flat.
 *
 *   stress [--seconds S=30] [--threads T=32] [--users U=4] [--sample-every S=10] [--stall-seconds S=60]
 *          [--rss-slack-kb KB=32768] [--heap-slack-kb KB=2048] [--fd-slack N=16]
 *          --server NAME CONFIG_JSON ... [--user-server NAME CONFIG_JSON ...]
 *
 * A --user-server is per user (its config names a user placeholder): it is only called through a user's view.
 * Every server must be one of the fixture servers (Tests/Fixtures/servers/everything_*.py): the tools echo, add and
 * slow, the resource fixture://greeting and the prompt greet. Run it through stress.sh, which starts the remote fixtures.
 *
 * Operations, picked at random per iteration: blocking call_tool echo/add, read_resource, list_tools/resources/
 * prompts, get_prompt, server_status, a blocking slow call with a short timeout (MCP_ERR_TIMEOUT), submitted
 * echo calls (the result arrives as an event) and submitted slow calls cancelled after 0-150 ms.
 * Accounting: every submitted id must get exactly one result or error event, carrying the text its submit asked
 * for; every blocking call must return OK (or the one expected error) with the right payload.
 * Watchdog: a call in flight for longer than --stall-seconds, or the run outliving its bound, dumps every worker's
 * current operation and exits 3. Every server connection is opened before the load. Samples (RSS, descriptors,
 * threads, children) are printed every --sample-every seconds under load; the verdict compares two quiet points
 * (workers parked, every answer in): one after warm-up, one after the load. The run fails when the second exceeds
 * the first by more than the slack, when the server processes changed, or when descriptors or child processes are
 * left once the manager is freed.
 * Prints "stress: PASS ..." or "stress: FAIL ..." last; exit 0 only on PASS.
 */
#define _POSIX_C_SOURCE 200809L /* readlink, clock_gettime, nanosleep, rand_r */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mcpclient.h"

#define MAX_SERVERS 16
#define MAX_USERS 64
#define MAX_THREADS 256
#define CALL_TIMEOUT_MS 30000

typedef struct {
    const char *name, *config;
    int per_user;
} server_spec;

static server_spec servers[MAX_SERVERS];
static int server_count, thread_count = 32, user_count = 4;
static double run_seconds = 30, sample_every = 10, stall_seconds = 60;
static long rss_slack_kb = 32768;
/* Heap in use (mallinfo2) may differ between the quiet points by what bounded caches hold at that moment (idle
 * connections' buffers, queues' capacity); a leak of even 1 byte per operation outgrows it in a soak. */
static long heap_slack_kb = 2048;
/* libcurl's connection caches hold a varying number of idle keep-alive connections at a quiet point, bounded by
 * the library (CURLMOPT_MAXCONNECTS): 8 caller-thread handles with one each, and 8 in the I/O loop beyond its
 * streams. Other descriptors get a slack of 2. */
static int fd_slack = 16;

static mcp_manager *manager;
static mcp_manager *views[MAX_USERS];

/* ------------------------------------------------------------ clocks and process figures */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
}

static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    if (f) fclose(f);
    return kb;
}

static int count_dir(const char *path) {
    DIR *d = opendir(path);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

/* Live child processes (stdio servers): every /proc/<pid>/stat whose parent is this process. */
static int count_children(void) {
    DIR *d = opendir("/proc");
    int n = 0;
    long me = (long)getpid();
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = 0;
        /* pid (comm) state ppid: comm may hold spaces, so read after the last ')'. */
        char *close = strrchr(buf, ')');
        char state;
        long ppid;
        if (close && sscanf(close + 1, " %c %ld", &state, &ppid) == 2 && ppid == me && state != 'Z') n++;
    }
    if (d) closedir(d);
    return n;
}

/* Open descriptors by kind, and TCP sockets by remote port (from /proc/net/tcp): where descriptors go. */
static int describe_fds(char *out, size_t size) {
    DIR *d = opendir("/proc/self/fd");
    int sockets = 0, pipes = 0, anon = 0, other = 0;
    unsigned long inodes[1024];
    int n_inodes = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[300], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len <= 0) continue;
        target[len] = 0;
        if (!strncmp(target, "socket:[", 8)) {
            sockets++;
            if (n_inodes < 1024) inodes[n_inodes++] = strtoul(target + 8, NULL, 10);
        } else if (!strncmp(target, "pipe:", 5)) pipes++;
        else if (!strncmp(target, "anon_inode:", 11)) anon++;
        else other++;
    }
    if (d) closedir(d);
    int used = snprintf(out, size, "sockets=%d pipes=%d anon=%d other=%d tcp-by-port:", sockets, pipes, anon, other - 1);
    int ports[64], counts[64], n_ports = 0;
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned remote_port, state;
        unsigned long inode;
        char local[64], remote[64];
        if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*s %*s %lu", local, remote, &state, &inode) != 4) continue;
        char *colon = strchr(remote, ':');
        if (!colon || sscanf(colon + 1, "%x", &remote_port) != 1) continue;
        for (int i = 0; i < n_inodes; i++)
            if (inodes[i] == inode && inode != 0) {
                int k = 0;
                while (k < n_ports && ports[k] != (int)remote_port) k++;
                if (k == n_ports && n_ports < 64) ports[n_ports] = (int)remote_port, counts[n_ports++] = 0;
                if (k < 64) counts[k]++;
            }
    }
    if (f) fclose(f);
    int tcp = 0;
    for (int k = 0; k < n_ports; k++) tcp += counts[k];
    for (int k = 0; k < n_ports && used > 0 && (size_t)used < size; k++) {
        char needle[32];
        snprintf(needle, sizeof needle, "127.0.0.1:%d/", ports[k]);
        const char *name = "?";
        for (int i = 0; i < server_count; i++)
            if (strstr(servers[i].config, needle)) name = servers[i].name; /* the first of the servers at that origin */
        used += snprintf(out + used, size - (size_t)used, " %s=%d", name, counts[k]);
    }
    return tcp;
}

typedef struct {
    double at;
    long rss_kb, heap_kb; /* heap: malloc'd and not freed, every arena (RSS also counts freed pages kept by malloc) */
    int fds, threads, children;
    int tcp; /* of fds: TCP connections to the servers (libcurl keeps idle ones in its caches) */
} sample;

static sample take_sample(double start) {
    struct mallinfo2 heap = mallinfo2();
    char scratch[1024];
    sample s = {now_s() - start, status_kb("VmRSS"), (long)((heap.uordblks + heap.hblkhd) / 1024), count_dir("/proc/self/fd") - 1,
                count_dir("/proc/self/task"), count_children(), describe_fds(scratch, sizeof scratch)};
    return s; /* fds: minus the directory handle opendir holds while counting */
}

static void print_sample(const char *label, sample s) {
    printf("sample %-8s t=%6.1fs rss_kb=%ld heap_kb=%ld fds=%d tcp=%d threads=%d children=%d\n", label, s.at, s.rss_kb,
           s.heap_kb, s.fds, s.tcp, s.threads, s.children);
    fflush(stdout);
}

/* ------------------------------------------------------------ failures, kept short */
static atomic_long failures;
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    long n = atomic_fetch_add(&failures, 1);
    if (n >= 20) return; /* the first 20 are enough to diagnose */
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&failure_lock);
    fprintf(stderr, "stress: failure: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&failure_lock);
    va_end(ap);
}

/* ------------------------------------------------------------ submitted requests and their events */
/* Accounting in memory bounded by what is in flight (so the harness itself does not grow over a soak): submits
 * waiting for their answer, answers that overtook their submit's bookkeeping, and one bit per finished id. */
typedef struct {
    uint64_t id; /* 0: empty slot (request ids start at 1) */
    char token[40]; /* the text the result must carry; "" for a cancelled slow call; "!NAME" for an error */
} record;

typedef struct {
    record *slots;
    size_t capacity, count; /* capacity: a power of two */
} record_map;

static record *map_find(record_map *m, uint64_t id) {
    if (!m->capacity) return NULL;
    for (size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull) & (m->capacity - 1);; i = (i + 1) & (m->capacity - 1)) {
        if (m->slots[i].id == id) return &m->slots[i];
        if (m->slots[i].id == 0) return NULL;
    }
}

static void map_put(record_map *m, uint64_t id, const char *token);

static void map_grow(record_map *m) {
    record_map bigger = {calloc(m->capacity ? m->capacity * 2 : 1024, sizeof(record)), m->capacity ? m->capacity * 2 : 1024, 0};
    if (!bigger.slots) {
        fprintf(stderr, "stress: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < m->capacity; i++)
        if (m->slots[i].id) map_put(&bigger, m->slots[i].id, m->slots[i].token);
    free(m->slots);
    *m = bigger;
}

static void map_put(record_map *m, uint64_t id, const char *token) {
    if ((m->count + 1) * 2 > m->capacity) map_grow(m);
    size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull) & (m->capacity - 1);
    while (m->slots[i].id) i = (i + 1) & (m->capacity - 1);
    m->slots[i].id = id;
    snprintf(m->slots[i].token, sizeof m->slots[i].token, "%s", token);
    m->count++;
}

/* Removes the entry (backward-shift deletion keeps every probe chain unbroken). */
static void map_remove(record_map *m, record *r) {
    size_t mask = m->capacity - 1, hole = (size_t)(r - m->slots);
    for (size_t i = (hole + 1) & mask; m->slots[i].id; i = (i + 1) & mask) {
        size_t home = (size_t)(m->slots[i].id * 0x9E3779B97F4A7C15ull) & mask;
        /* The entry at i may move into the hole when its home is not in (hole, i]. */
        if ((i > hole && (home <= hole || home > i)) || (i < hole && home <= hole && home > i)) {
            m->slots[hole] = m->slots[i];
            hole = i;
        }
    }
    m->slots[hole].id = 0;
    m->count--;
}

static pthread_mutex_t accounting = PTHREAD_MUTEX_INITIALIZER;
static record_map pending, early;   /* submitted, not answered / answered, submit not yet recorded */
static uint64_t *finished;          /* one bit per id answered (a second answer is a duplicate) */
static size_t finished_words;
static size_t submitted_count, answered_count, duplicates, mismatched;
static atomic_long answered_ok, answered_cancelled, answered_other_error, stray_events;

static int take_finished(uint64_t id) { /* sets the bit; returns whether it was set already */
    size_t word = (size_t)(id / 64);
    if (word >= finished_words) {
        size_t words = finished_words ? finished_words : 1024;
        while (words <= word) words *= 2;
        uint64_t *grown = realloc(finished, words * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "stress: out of memory\n");
            exit(1);
        }
        memset(grown + finished_words, 0, (words - finished_words) * sizeof *grown);
        finished = grown;
        finished_words = words;
    }
    uint64_t bit = 1ull << (id % 64);
    int was = (finished[word] & bit) != 0;
    finished[word] |= bit;
    return was;
}

static void check_pair(uint64_t id, const char *wanted, const char *got) {
    int ok = wanted[0] ? !strcmp(wanted, got) : (!strcmp(got, "!MCP_ERR_CANCELLED") || !strncmp(got, "done after", 10));
    if (!ok && mismatched++ < 5) fail("request %" PRIu64 " wanted \"%s\", got \"%s\"", id, wanted[0] ? wanted : "(cancelled)", got);
}

static void note_submitted(uint64_t id, const char *token) {
    pthread_mutex_lock(&accounting);
    submitted_count++;
    record *answer = map_find(&early, id);
    if (answer) {
        check_pair(id, token, answer->token);
        map_remove(&early, answer);
    } else {
        map_put(&pending, id, token);
    }
    pthread_mutex_unlock(&accounting);
}

static void note_answered(uint64_t id, const char *token) {
    pthread_mutex_lock(&accounting);
    answered_count++;
    if (take_finished(id)) {
        if (duplicates++ < 5) fail("request %" PRIu64 " answered twice", id);
    } else {
        record *submit = map_find(&pending, id);
        if (submit) {
            check_pair(id, submit->token, token);
            map_remove(&pending, submit);
        } else {
            map_put(&early, id, token);
        }
    }
    pthread_mutex_unlock(&accounting);
}

static size_t locked_count(const size_t *counter) {
    pthread_mutex_lock(&accounting);
    size_t n = *counter;
    pthread_mutex_unlock(&accounting);
    return n;
}

/* The value of "key":"…" (first occurrence) copied into out, or "" when absent. */
static void string_field(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    out[0] = 0;
    if (!p) return;
    p += strlen(pattern);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < size) n++;
    memcpy(out, p, n);
    out[n] = 0;
}

static int number_field(const char *json, const char *key, uint64_t *out) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern);
    if (!p) return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p + strlen(pattern), &end, 10);
    if (errno || end == p + strlen(pattern)) return 0;
    *out = (uint64_t)v;
    return 1;
}

static atomic_long events_total, events_dropped_reported;

static void handle_event(char *event) {
    atomic_fetch_add(&events_total, 1);
    char kind[32];
    /* Every event starts {"version":1,"kind":…: the first "kind" is the event's own. */
    string_field(event, "kind", kind, sizeof kind);
    if (strcmp(kind, "result") != 0 && strcmp(kind, "error") != 0) {
        if (!strcmp(kind, "dropped")) atomic_fetch_add(&events_dropped_reported, 1);
        return;
    }
    uint64_t id;
    if (!number_field(event, "request_id", &id)) {
        atomic_fetch_add(&stray_events, 1);
        fail("a %s event without request_id: %.300s", kind, event);
        return;
    }
    char token[40] = "";
    if (!strcmp(kind, "result")) {
        atomic_fetch_add(&answered_ok, 1);
        string_field(event, "text", token, sizeof token);
    } else {
        char name[40];
        string_field(event, "name", name, sizeof name);
        if (!strcmp(name, "MCP_ERR_CANCELLED")) atomic_fetch_add(&answered_cancelled, 1);
        else {
            atomic_fetch_add(&answered_other_error, 1);
            fail("submitted request %" PRIu64 " failed: %.400s", id, event);
        }
        snprintf(token, sizeof token, "!%.38s", name);  /* 1 + 38 + NUL fits the 40-byte token */
    }
    note_answered(id, token);
}

static atomic_int stop_events;

static void *event_reader(void *arg) {
    (void)arg;
    for (;;) {
        char *event = NULL;
        mcp_status st = mcp_manager_next_event(manager, 200, &event);
        if (st == MCP_ERR_CLOSED) break;
        if (st == MCP_OK && event) handle_event(event);
        mcp_string_free(event);
        if (st == MCP_ERR_TIMEOUT && atomic_load(&stop_events)) break;
    }
    return NULL;
}

/* ------------------------------------------------------------ workers */
typedef struct {
    int index;
    unsigned seed;
    atomic_long ops;
    _Atomic(const char *) op;       /* what it does now, for the watchdog */
    _Atomic(const char *) op_server;
    _Atomic double op_started;
    long counts[16];
} worker;

static worker workers[MAX_THREADS];
static atomic_int stop_workers;
static atomic_long blocking_calls, blocking_timeouts, submits, cancels;

enum { OP_ECHO, OP_ADD, OP_READ, OP_LIST, OP_PROMPT, OP_STATUS, OP_TIMEOUT, OP_SUBMIT_ECHO, OP_SUBMIT_CANCEL, OP_KINDS };
static const char *op_names[OP_KINDS] = {"call echo", "call add", "read_resource", "list", "get_prompt",
                                         "server_status", "timeout", "submit echo", "submit+cancel"};
/* Weights out of 100. */
static const int op_weights[OP_KINDS] = {22, 10, 10, 12, 6, 5, 5, 18, 12};

static int pick_op(unsigned *seed) {
    int r = (int)(rand_r(seed) % 100u), acc = 0;
    for (int k = 0; k < OP_KINDS; k++)
        if (r < (acc += op_weights[k])) return k;
    return OP_ECHO;
}

static void begin(worker *w, const char *op, const char *server) {
    atomic_store(&w->op_server, server);
    atomic_store(&w->op_started, now_s());
    atomic_store(&w->op, op);
}

static void end(worker *w) {
    atomic_store(&w->op, (const char *)NULL);
    atomic_fetch_add(&w->ops, 1);
}

/* Takes the outputs after the call returned (never in the call's own argument list: evaluation order). */
static int expect_ok(const char *what, const server_spec *s, mcp_status st, char *out, char *err, const char *needle) {
    int ok = st == MCP_OK && out && (!needle || strstr(out, needle));
    if (!ok) fail("%s on %s: %s %.400s", what, s->name, mcp_status_str(st), err ? err : out ? out : "");
    mcp_string_free(out);
    mcp_string_free(err);
    return ok;
}

static void run_op(worker *w, int op, const server_spec *s, mcp_manager *via) {
    char args[160], needle[160], request[512], token[40];
    char *out = NULL, *err = NULL;
    mcp_status st;
    unsigned r = (unsigned)rand_r(&w->seed);
    long n = w->counts[op]++;
    begin(w, op_names[op], s->name);
    switch (op) {
    case OP_ECHO:
        snprintf(args, sizeof args, "{\"text\":\"t%d-%ld\"}", w->index, n);
        snprintf(needle, sizeof needle, "\"text\":\"t%d-%ld\"", w->index, n);
        atomic_fetch_add(&blocking_calls, 1);
        st = mcp_manager_call_tool(via, s->name, "echo", args, CALL_TIMEOUT_MS, &out, &err);
        expect_ok("call echo", s, st, out, err, needle);
        break;
    case OP_ADD: {
        int a = (int)(r % 1000), b = w->index;
        snprintf(args, sizeof args, "{\"a\":%d,\"b\":%d}", a, b);
        snprintf(needle, sizeof needle, "\"text\":\"%d\"", a + b);
        atomic_fetch_add(&blocking_calls, 1);
        st = mcp_manager_call_tool(via, s->name, "add", args, CALL_TIMEOUT_MS, &out, &err);
        expect_ok("call add", s, st, out, err, needle);
        break;
    }
    case OP_READ:
        atomic_fetch_add(&blocking_calls, 1);
        st = mcp_manager_read_resource(via, s->name, "fixture://greeting", CALL_TIMEOUT_MS, &out, &err);
        expect_ok("read_resource", s, st, out, err, "fixture://greeting");
        break;
    case OP_LIST:
        atomic_fetch_add(&blocking_calls, 1);
        switch (r % 3) {
        case 0:
            st = mcp_manager_list_tools(via, s->name, &out, &err);
            expect_ok("list_tools", s, st, out, err, "\"name\":\"echo\"");
            break;
        case 1:
            st = mcp_manager_list_resources(via, s->name, &out, &err);
            expect_ok("list_resources", s, st, out, err, "fixture://greeting");
            break;
        default:
            st = mcp_manager_list_prompts(via, s->name, &out, &err);
            expect_ok("list_prompts", s, st, out, err, "\"name\":\"greet\"");
        }
        break;
    case OP_PROMPT:
        snprintf(args, sizeof args, "{\"name\":\"p%d\"}", w->index);
        snprintf(needle, sizeof needle, "p%d", w->index);
        atomic_fetch_add(&blocking_calls, 1);
        st = mcp_manager_get_prompt(via, s->name, "greet", args, CALL_TIMEOUT_MS, &out, &err);
        expect_ok("get_prompt", s, st, out, err, needle);
        break;
    case OP_STATUS:
        st = mcp_manager_server_status(via, s->name, &out, &err);
        expect_ok("server_status", s, st, out, err, "\"status\":\"");
        break;
    case OP_TIMEOUT: {
        /* The first progress (which restarts the timeout) comes after 1 s: the caller gets MCP_ERR_TIMEOUT. */
        atomic_fetch_add(&blocking_calls, 1);
        st = mcp_manager_call_tool(via, s->name, "slow", "{\"steps\":3,\"delay_ms\":1000}", 150, &out, &err);
        if (st == MCP_ERR_TIMEOUT) atomic_fetch_add(&blocking_timeouts, 1);
        else fail("slow with a 150 ms timeout on %s: %s %.300s", s->name, mcp_status_str(st), err ? err : out ? out : "");
        mcp_string_free(out);
        mcp_string_free(err);
        break;
    }
    case OP_SUBMIT_ECHO:
    case OP_SUBMIT_CANCEL: {
        int cancel = op == OP_SUBMIT_CANCEL;
        snprintf(token, sizeof token, "a%d-%ld", w->index, n);
        if (cancel)
            snprintf(request, sizeof request,
                     "{\"op\":\"call_tool\",\"server\":\"%s\",\"tool\":\"slow\",\"arguments\":{\"steps\":10,\"delay_ms\":30},"
                     "\"timeout_ms\":%d}",
                     s->name, CALL_TIMEOUT_MS);
        else
            snprintf(request, sizeof request,
                     "{\"op\":\"call_tool\",\"server\":\"%s\",\"tool\":\"echo\",\"arguments\":{\"text\":\"%s\"},\"timeout_ms\":%d}",
                     s->name, token, CALL_TIMEOUT_MS);
        uint64_t id = 0;
        st = mcp_manager_submit(via, request, &id, &err);
        if (st != MCP_OK) {
            fail("submit on %s: %s %.300s", s->name, mcp_status_str(st), err ? err : "");
            mcp_string_free(err);
            break;
        }
        atomic_fetch_add(&submits, 1);
        /* A cancelled call may still finish first; its result then carries "done after …". */
        note_submitted(id, cancel ? "" : token);
        if (cancel) {
            sleep_ms((long)(r % 150));
            mcp_status cs = mcp_manager_cancel(via, id, &err);
            if (cs == MCP_OK) atomic_fetch_add(&cancels, 1);
            else if (cs != MCP_ERR_NOT_FOUND) fail("cancel %" PRIu64 " on %s: %s %.300s", id, s->name, mcp_status_str(cs),
                                                   err ? err : "");
            mcp_string_free(err);
        }
        break;
    }
    }
    end(w);
}

/* Quiet points: every worker parks between operations, so two samples taken at quiet points compare like with like
 * (no calls in flight), whatever the load's concurrency was. */
static atomic_int pause_workers, parked_workers;

static void *run_worker(void *arg) {
    worker *w = arg;
    while (!atomic_load(&stop_workers)) {
        if (atomic_load(&pause_workers)) {
            atomic_fetch_add(&parked_workers, 1);
            while (atomic_load(&pause_workers) && !atomic_load(&stop_workers)) sleep_ms(10);
            atomic_fetch_sub(&parked_workers, 1);
            continue;
        }
        int op = pick_op(&w->seed);
        const server_spec *s = &servers[(unsigned)rand_r(&w->seed) % (unsigned)server_count];
        /* A per-user server only through a view; a shared one through the manager or any view. */
        int user = (int)((unsigned)rand_r(&w->seed) % (unsigned)(user_count + (s->per_user ? 0 : 1)));
        run_op(w, op, s, user < user_count ? views[user] : manager);
    }
    return NULL;
}

/* ------------------------------------------------------------ watchdog */
static atomic_int run_over;
static double run_started;

static void dump_workers(const char *why) {
    fprintf(stderr, "stress: WATCHDOG: %s\n", why);
    for (int i = 0; i < thread_count; i++) {
        const char *op = atomic_load(&workers[i].op);
        if (op)
            fprintf(stderr, "  worker %2d: %s on %s for %.1f s (%ld ops done)\n", i, op, atomic_load(&workers[i].op_server),
                    now_s() - atomic_load(&workers[i].op_started), atomic_load(&workers[i].ops));
    }
    fprintf(stderr, "  submitted %zu, answered %zu, events %ld\nstress: FAIL (watchdog)\n", locked_count(&submitted_count),
            locked_count(&answered_count), atomic_load(&events_total));
    fflush(stderr);
    _exit(3);
}

static void *watchdog(void *arg) {
    (void)arg;
    /* The whole run, teardown included, is bounded; so is every single call. */
    double hard_bound = run_seconds + stall_seconds + 300;
    while (!atomic_load(&run_over)) {
        sleep_ms(500);
        double t = now_s();
        if (t - run_started > hard_bound) dump_workers("the run outlived its bound");
        for (int i = 0; i < thread_count; i++)
            if (atomic_load(&workers[i].op) && t - atomic_load(&workers[i].op_started) > stall_seconds) {
                char why[128];
                snprintf(why, sizeof why, "worker %d stuck for over %.0f s", i, stall_seconds);
                dump_workers(why);
            }
    }
    return NULL;
}

/* ------------------------------------------------------------ quiet points */

/* Parks the workers, waits for every submitted request's answer (each has a timeout, so this is bounded), lets
 * closed connections and exited processes settle for 2 s, samples, and lets the workers go on. */
static sample quiet_point(const char *label, int resume) {
    atomic_store(&pause_workers, 1);
    while (atomic_load(&parked_workers) < thread_count) sleep_ms(10); /* the watchdog bounds every operation */
    double wait_until = now_s() + CALL_TIMEOUT_MS / 1000.0 + 10;
    while (locked_count(&answered_count) < locked_count(&submitted_count) && now_s() < wait_until) sleep_ms(50);
    sleep_ms(2000);
    sample s = take_sample(run_started);
    print_sample(label, s);
    char fds[1024];
    describe_fds(fds, sizeof fds);
    printf("         %s\n", fds);
    if (!resume) atomic_store(&stop_workers, 1);
    atomic_store(&pause_workers, 0);
    return s;
}

/* ------------------------------------------------------------ main */
static void usage(const char *prog) {
    fprintf(stderr,
            "usage: %s [--seconds S] [--threads T] [--users U] [--sample-every S] [--stall-seconds S] [--rss-slack-kb KB]\n"
            "          [--heap-slack-kb KB] [--fd-slack N]\n"
            "          --server NAME CONFIG_JSON ... [--user-server NAME CONFIG_JSON ...]\n",
            prog);
    exit(2);
}

static void setup_failed(const char *what, mcp_status st, char *err) {
    fprintf(stderr, "stress: %s failed: %s %s\nstress: FAIL (setup)\n", what, mcp_status_str(st), err ? err : "");
    mcp_string_free(err);
    exit(1);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if ((!strcmp(k, "--server") || !strcmp(k, "--user-server")) && i + 2 < argc) {
            if (server_count == MAX_SERVERS) usage(argv[0]);
            servers[server_count++] = (server_spec){argv[i + 1], argv[i + 2], !strcmp(k, "--user-server")};
            i += 2;
            continue;
        }
        if (i + 1 >= argc) usage(argv[0]);
        const char *v = argv[++i];
        if (!strcmp(k, "--seconds")) run_seconds = atof(v);
        else if (!strcmp(k, "--threads")) thread_count = atoi(v);
        else if (!strcmp(k, "--users")) user_count = atoi(v);
        else if (!strcmp(k, "--sample-every")) sample_every = atof(v);
        else if (!strcmp(k, "--stall-seconds")) stall_seconds = atof(v);
        else if (!strcmp(k, "--rss-slack-kb")) rss_slack_kb = atol(v);
        else if (!strcmp(k, "--heap-slack-kb")) heap_slack_kb = atol(v);
        else if (!strcmp(k, "--fd-slack")) fd_slack = atoi(v);
        else usage(argv[0]);
    }
    if (server_count == 0 || thread_count < 1 || thread_count > MAX_THREADS || user_count < 1 || user_count > MAX_USERS ||
        run_seconds <= 0 || sample_every <= 0 || stall_seconds <= 0)
        usage(argv[0]);

    run_started = now_s();
    sample before = take_sample(run_started);
    print_sample("before", before);

    char *err = NULL;
    mcp_status st = mcp_manager_new(&manager, "{\"clientInfo\":{\"name\":\"stress\",\"version\":\"1.0\"}}", &err);
    if (st != MCP_OK) setup_failed("mcp_manager_new", st, err);
    for (int i = 0; i < server_count; i++)
        if ((st = mcp_manager_add_server(manager, servers[i].name, servers[i].config, &err)) != MCP_OK)
            setup_failed(servers[i].name, st, err);
    for (int u = 0; u < user_count; u++) {
        char user[96];
        snprintf(user, sizeof user, "{\"id\":\"stress-user-%d\",\"email\":\"u%d@example.com\"}", u, u);
        if ((st = mcp_manager_as_user(manager, user, &views[u], &err)) != MCP_OK) setup_failed("mcp_manager_as_user", st, err);
    }

    /* Every connection the load will use is opened first (servers start slowly on a busy machine), so the load
     * measures calls, not start-up. */
    for (int i = 0; i < server_count; i++)
        for (int u = servers[i].per_user ? 0 : -1; u < (servers[i].per_user ? user_count : 0); u++) {
            char *info = NULL;
            if ((st = mcp_manager_connect(u < 0 ? manager : views[u], servers[i].name, &info, &err)) != MCP_OK)
                setup_failed(servers[i].name, st, err);
            mcp_string_free(info);
        }
    sample connected = take_sample(run_started);
    print_sample("connected", connected);

    pthread_t reader, dog, ids[MAX_THREADS];
    pthread_create(&reader, NULL, event_reader, NULL);
    pthread_create(&dog, NULL, watchdog, NULL);
    for (int i = 0; i < thread_count; i++) {
        workers[i].index = i;
        workers[i].seed = 0x9e3779b9u * (unsigned)(i + 1);
        pthread_create(&ids[i], NULL, run_worker, &workers[i]);
    }

    /* Samples while the load runs, for the record; the verdict compares two quiet points: one after warm-up (a
     * quarter of the run, at most 60 s) and one after the load. */
    double load_started = now_s(), warmup = run_seconds / 4 > 60 ? 60 : run_seconds / 4;
    sample baseline = {0}, last = {0}, peak = {0};
    int have_baseline = 0;
    double next_sample = load_started + sample_every;
    long last_ops = 0, ops_at_baseline = 0;
    while (now_s() - load_started < run_seconds) {
        sleep_ms(100);
        if (!have_baseline && now_s() - load_started >= warmup) {
            double quiet_started = now_s();
            baseline = quiet_point("quiet-1", 1);
            have_baseline = 1;
            for (int i = 0; i < thread_count; i++) ops_at_baseline += atomic_load(&workers[i].ops);
            load_started += now_s() - quiet_started; /* the pause does not count as load */
            next_sample += now_s() - quiet_started;
        }
        if (now_s() < next_sample) continue;
        next_sample += sample_every;
        last = take_sample(run_started);
        long ops = 0;
        for (int i = 0; i < thread_count; i++) ops += atomic_load(&workers[i].ops);
        printf("ops=%ld (+%ld) submitted=%zu answered=%zu events=%ld  ", ops, ops - last_ops, locked_count(&submitted_count),
               locked_count(&answered_count), atomic_load(&events_total));
        last_ops = ops;
        print_sample("load", last);
        if (last.rss_kb > peak.rss_kb) peak.rss_kb = last.rss_kb;
        if (last.fds > peak.fds) peak.fds = last.fds;
        if (last.threads > peak.threads) peak.threads = last.threads;
    }
    double load_seconds = now_s() - load_started;
    sample quiet_end = quiet_point("quiet-2", 0);
    for (int i = 0; i < thread_count; i++) pthread_join(ids[i], NULL);
    sleep_ms(500); /* a duplicate answer would arrive now */

    long ops = 0;
    for (int i = 0; i < thread_count; i++) ops += atomic_load(&workers[i].ops);

    /* Teardown: views, then the manager; its stdio servers and sockets must go with it. */
    for (int u = 0; u < user_count; u++) mcp_manager_free(views[u]);
    mcp_manager_free(manager);
    atomic_store(&stop_events, 1);
    pthread_join(reader, NULL);
    sample after = take_sample(run_started);
    for (int i = 0; i < 50 && (after.children > before.children || after.fds > before.fds); i++) {
        sleep_ms(100);
        after = take_sample(run_started);
    }
    print_sample("freed", after);
    atomic_store(&run_over, 1);
    pthread_join(dog, NULL);

    /* Accounting: every submit paired with exactly one answer carrying its token. */
    size_t unanswered = pending.count, unknown = early.count;
    for (size_t k = 0, shown = 0; k < pending.capacity && shown < 5; k++)
        if (pending.slots[k].id) shown++, fail("request %" PRIu64 " (%s) never answered", pending.slots[k].id, pending.slots[k].token);
    for (size_t k = 0, shown = 0; k < early.capacity && shown < 5; k++)
        if (early.slots[k].id) shown++, fail("an answer for request %" PRIu64 " that was never submitted", early.slots[k].id);

    int flat = 1;
    if (have_baseline) {
        /* Flat: the quiet point after the load within the slack of the quiet point after warm-up. */
        if (quiet_end.heap_kb > baseline.heap_kb + heap_slack_kb) {
            fail("heap in use grew from %ld kB to %ld kB between the quiet points (%.1f bytes per operation)", baseline.heap_kb,
                 quiet_end.heap_kb, (double)(quiet_end.heap_kb - baseline.heap_kb) * 1024.0 / (double)(ops > ops_at_baseline ? ops - ops_at_baseline : 1));
            flat = 0;
        }
        if (quiet_end.rss_kb > baseline.rss_kb + rss_slack_kb) {
            fail("RSS grew from %ld kB to %ld kB between the quiet points", baseline.rss_kb, quiet_end.rss_kb);
            flat = 0;
        }
        /* Descriptors other than server connections (pipes, socketpairs, eventfds, files) must not grow at all. */
        if (quiet_end.fds - quiet_end.tcp > baseline.fds - baseline.tcp + 2) {
            fail("descriptors other than server connections grew from %d to %d between the quiet points",
                 baseline.fds - baseline.tcp, quiet_end.fds - quiet_end.tcp);
            flat = 0;
        }
        if (quiet_end.tcp > baseline.tcp + fd_slack) {
            fail("idle server connections grew from %d to %d between the quiet points", baseline.tcp, quiet_end.tcp);
            flat = 0;
        }
        if (quiet_end.threads > baseline.threads + 2) {
            fail("threads grew from %d to %d between the quiet points", baseline.threads, quiet_end.threads);
            flat = 0;
        }
        if (quiet_end.children != baseline.children) {
            fail("server processes went from %d to %d between the quiet points", baseline.children, quiet_end.children);
            flat = 0;
        }
    }
    if (after.fds > before.fds) fail("%d descriptors left after mcp_manager_free", after.fds - before.fds);
    if (after.children > before.children) fail("%d server processes left after mcp_manager_free", after.children - before.children);

    printf("stress: %d threads, %d servers, %d users, %.0f s: %ld operations (%.1f/s), %ld blocking calls "
           "(%ld timed out as asked), %ld submitted (%ld cancel requests): %ld results, %ld cancelled, %ld other errors; "
           "%ld events (%ld dropped notices)\n",
           thread_count, server_count, user_count, load_seconds, ops, (double)ops / load_seconds, atomic_load(&blocking_calls),
           atomic_load(&blocking_timeouts), atomic_load(&submits), atomic_load(&cancels), atomic_load(&answered_ok),
           atomic_load(&answered_cancelled), atomic_load(&answered_other_error), atomic_load(&events_total),
           atomic_load(&events_dropped_reported));
    printf("stress: resources at quiet points: after warm-up rss %ld kB heap %ld kB fds %d (tcp %d) threads %d children %d; "
           "after the load rss %ld kB heap %ld kB fds %d (tcp %d) threads %d children %d; under load peak rss %ld kB fds %d "
           "threads %d; after free heap %ld kB fds %d (before %d), children %d\n",
           baseline.rss_kb, baseline.heap_kb, baseline.fds, baseline.tcp, baseline.threads, baseline.children, quiet_end.rss_kb,
           quiet_end.heap_kb, quiet_end.fds, quiet_end.tcp, quiet_end.threads, quiet_end.children, peak.rss_kb, peak.fds,
           peak.threads, after.heap_kb, after.fds, before.fds, after.children);
    long failed = atomic_load(&failures);
    if (failed == 0 && flat && have_baseline) {
        printf("stress: PASS (every one of %zu submitted requests answered exactly once)\n", submitted_count);
        return 0;
    }
    printf("stress: FAIL (%ld failures%s; %zu unanswered, %zu duplicates, %zu unknown, %zu mismatched)\n", failed,
           have_baseline ? "" : ", no baseline sample: run longer", unanswered, duplicates, unknown, mismatched);
    return 1;
}
