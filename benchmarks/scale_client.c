/*
 * scale_client.c — many users x several per-user HTTP servers in one process (issue 7).
 *
 * Registers SERVERS remote servers at one URL, each per-user through a {{LIBRECHAT_USER_ID}} header, makes USERS
 * views (mcp_manager_as_user) and measures, phase by phase:
 *   warm     one extra user's connections (loads libcurl and the HTTP engine: not a per-connection cost)
 *   connect  USERS x SERVERS user connections from CONNECT_THREADS host threads -> time, memory per connection
 *   list     for LIST_SAMPLE users, mcp_manager_list_tools of every server (one user's aggregated listing), twice
 *   calls    CALL_THREADS host threads calling echo through random views for DURATION seconds
 *   free     the views, then the manager; heap left over
 * After each phase: RSS (VmRSS), heap in use (mallinfo2: all arenas), threads (/proc/self/task; the host's own
 * pool threads are joined before the count, and the peak while they ran is reported apart), open fds.
 * Prints "PHASE <name> begin|end" lines as phases start and end (scale_bench.py samples the server's CPU then),
 * and one JSON line of results last.
 *
 * usage: scale_client URL [--users N] [--servers S] [--connect-threads T] [--list-sample K] [--call-threads C]
 *                         [--duration SECONDS] [--list-changes 0|1] [--settle-ms MS] [--drain-events 0|1]
 * --drain-events 1 (default): a host thread reads the manager's events, as a host would, counting them by kind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>

#include "bench_common.h"
#include "mcpclient.h"

static int users = 1000, servers = 3, connect_threads = 16, list_sample = 100, call_threads = 64, list_changes = 1, drain_events = 1;
static double duration_s = 10;
static const char *url;

static mcp_manager *mgr;
static mcp_manager **views;
static char server_names[16][16];

static void die(const char *what, mcp_status st, char *err) {
    fprintf(stderr, "scale_client: %s failed: %s (%d): %s\n", what, mcp_status_str(st), (int)st, err ? err : "(no detail)");
    mcp_string_free(err);
    exit(1);
}

/* ------------------------------------------------------------ process figures */
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

typedef struct {
    long rss_kb;
    size_t heap_bytes; /* malloc'd and not freed, every arena */
    int threads, fds;
} snapshot;

static snapshot snap(void) {
    struct mallinfo2 mi = mallinfo2();
    snapshot s = {status_kb("VmRSS"), mi.uordblks + mi.hblkhd, count_dir("/proc/self/task"), count_dir("/proc/self/fd") - 1};
    return s; /* fds: minus the directory handle opendir holds while counting */
}

/* Waits settle_ms, then until the heap stops changing (connections close and streams end on the I/O thread after the
 * calls that asked for it return), for at most 10 s more; returns the settled snapshot. */
static long settle_ms = 1000;
static snapshot settle(void) {
    usleep((useconds_t)settle_ms * 1000);
    snapshot last = snap();
    for (int i = 0; i < 50; i++) {
        usleep(200000);
        snapshot now = snap();
        double change = (double)now.heap_bytes - (double)last.heap_bytes;
        last = now;
        if (change < 64 * 1024 && change > -64 * 1024) break;
    }
    return last;
}

static void phase(const char *name, const char *edge) {
    printf("PHASE %s %s\n", name, edge);
    fflush(stdout);
}

/* ------------------------------------------------------------ a pool of host threads */
typedef void *(*worker_fn)(void *);
static atomic_int peak_threads;

/* Runs fn on n threads; samples the thread count every 20 ms while they run (the peak includes the n workers). */
static void run_pool(int n, worker_fn fn, atomic_int *running) {
    pthread_t *th = calloc((size_t)n, sizeof *th);
    atomic_store(running, n);
    atomic_store(&peak_threads, 0);
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, fn, (void *)(intptr_t)i) != 0) {
            fprintf(stderr, "scale_client: pthread_create failed\n");
            exit(1);
        }
    while (atomic_load(running) > 0) {
        int t = count_dir("/proc/self/task");
        if (t > atomic_load(&peak_threads)) atomic_store(&peak_threads, t);
        usleep(20000);
    }
    for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
    free(th);
}

/* ------------------------------------------------------------ latency arrays */
typedef struct {
    uint64_t *ns;
    size_t n, cap;
} lat_list;

static void lat_add(lat_list *l, uint64_t v) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->ns = realloc(l->ns, l->cap * sizeof(uint64_t));
        if (!l->ns) exit(1);
    }
    l->ns[l->n++] = v;
}

static void lat_sort(lat_list *l) { qsort(l->ns, l->n, sizeof(uint64_t), cmp_u64); }

static double lat_mean_us(const lat_list *l) {
    double s = 0;
    for (size_t i = 0; i < l->n; i++) s += (double)l->ns[i];
    return l->n ? s / (double)l->n / 1000.0 : 0;
}

/* ------------------------------------------------------------ errors, kept short */
static atomic_long error_count;
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[512];

static void record_error(const char *what, mcp_status st, char *err) {
    atomic_fetch_add(&error_count, 1);
    pthread_mutex_lock(&error_lock);
    if (!first_error[0])
        snprintf(first_error, sizeof first_error, "%s: %s: %.400s", what, mcp_status_str(st), err ? err : "");
    pthread_mutex_unlock(&error_lock);
    mcp_string_free(err);
}

/* ------------------------------------------------------------ the host's event reader */
/* A host reads the manager's events (status changes, subscriptions, logs); counted by kind. */
static const char *event_kinds[] = {"status", "subscription", "log", "list_changed", "dropped", "error", "result", "other"};
#define EVENT_KINDS (sizeof event_kinds / sizeof *event_kinds)
static atomic_long event_counts[EVENT_KINDS], subscriptions_failed;
static char first_failed_subscription[512];

static void *event_reader(void *arg) {
    (void)arg;
    for (;;) {
        char *ev = NULL;
        mcp_status st = mcp_manager_next_event(mgr, 1000, &ev);
        if (st == MCP_ERR_CLOSED) break;
        if (st != MCP_OK) continue;
        size_t k = 0;
        char pattern[64];
        for (; k < EVENT_KINDS - 1; k++) {
            snprintf(pattern, sizeof pattern, "\"kind\":\"%s\"", event_kinds[k]);
            if (strstr(ev, pattern)) break;
        }
        atomic_fetch_add(&event_counts[k], 1);
        if (!strcmp(event_kinds[k], "subscription") && strstr(ev, "\"status\":\"failed\"") &&
            atomic_fetch_add(&subscriptions_failed, 1) == 0)
            snprintf(first_failed_subscription, sizeof first_failed_subscription, "%.500s", ev);
        mcp_string_free(ev);
    }
    return NULL;
}

/* ------------------------------------------------------------ phase: connect */
static atomic_int next_job, connect_running;
static lat_list *connect_lat; /* one per worker */

static void *connect_worker(void *arg) {
    int me = (int)(intptr_t)arg;
    int total = users * servers;
    for (int job; (job = atomic_fetch_add(&next_job, 1)) < total;) {
        char *err = NULL;
        uint64_t t = now_ns();
        mcp_status st = mcp_manager_connect(views[job / servers], server_names[job % servers], NULL, &err);
        if (st != MCP_OK) record_error("connect", st, err);
        else lat_add(&connect_lat[me], now_ns() - t);
    }
    atomic_fetch_sub(&connect_running, 1);
    return NULL;
}

/* ------------------------------------------------------------ phase: disconnect (as idle eviction would) */
static atomic_int disconnect_running;

static void *disconnect_worker(void *arg) {
    (void)arg;
    int total = users * servers;
    for (int job; (job = atomic_fetch_add(&next_job, 1)) < total;) {
        char *err = NULL;
        mcp_status st = mcp_manager_disconnect(views[job / servers], server_names[job % servers], &err);
        if (st != MCP_OK) record_error("disconnect", st, err);
        else mcp_string_free(err);
    }
    atomic_fetch_sub(&disconnect_running, 1);
    return NULL;
}

/* ------------------------------------------------------------ phase: calls */
static atomic_int call_running, stop_calls;
static lat_list *call_lat;

static int is_hello(const char *out) {
    return out && strstr(out, "\"text\":\"hello\"") && strstr(out, "\"isError\":false");
}

static void *call_worker(void *arg) {
    int me = (int)(intptr_t)arg;
    unsigned seed = 0x9e3779b9u * (unsigned)(me + 1);
    while (!atomic_load_explicit(&stop_calls, memory_order_relaxed)) {
        int u = (int)(rand_r(&seed) % (unsigned)users), s = (int)(rand_r(&seed) % (unsigned)servers);
        char *out = NULL, *err = NULL;
        uint64_t t = now_ns();
        mcp_status st = mcp_manager_call_tool(views[u], server_names[s], "echo", "{\"text\":\"hello\"}", 0, &out, &err);
        uint64_t d = now_ns() - t;
        if (st != MCP_OK) record_error("call_tool", st, err);
        else if (!is_hello(out)) record_error("call_tool result", MCP_OK, strdup(out ? out : "(null)"));
        else {
            lat_add(&call_lat[me], d);
            mcp_string_free(err);
        }
        mcp_string_free(out);
    }
    atomic_fetch_sub(&call_running, 1);
    return NULL;
}

static void *call_timer(void *arg) {
    (void)arg;
    usleep((useconds_t)(duration_s * 1e6));
    atomic_store(&stop_calls, 1);
    return NULL;
}

/* ------------------------------------------------------------ output helpers */
static char out[65536];
static size_t outlen;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + outlen, sizeof out - outlen, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof out - outlen) outlen += (size_t)n;
}

/* A JSON string's contents (control characters become spaces). */
static void emit_escaped(const char *text) {
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\') emit("\\%c", *p);
        else if ((unsigned char)*p < 0x20) emit(" ");
        else emit("%c", *p);
    }
}

static void emit_snapshot(const char *name, snapshot s) {
    emit(",\"%s\":{\"rss_kb\":%ld,\"heap_kb\":%.1f,\"threads\":%d,\"fds\":%d}", name, s.rss_kb, (double)s.heap_bytes / 1024.0,
         s.threads, s.fds);
}

static lat_list merge(lat_list *parts, int n) {
    lat_list all = {0};
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < parts[i].n; k++) lat_add(&all, parts[i].ns[k]);
        free(parts[i].ns);
    }
    lat_sort(&all);
    return all;
}

static int count_connected(void) {
    int connected = 0;
    for (int u = 0; u < users; u++)
        for (int s = 0; s < servers; s++) {
            char *status = NULL, *err = NULL;
            if (mcp_manager_server_status(views[u], server_names[s], &status, &err) == MCP_OK && status &&
                strstr(status, "\"status\":\"connected\"") && strstr(status, "\"scope\":\"user\""))
                connected++;
            mcp_string_free(status);
            mcp_string_free(err);
        }
    return connected;
}

static void usage(const char *prog) {
    fprintf(stderr,
            "usage: %s URL [--users N=1000] [--servers S=3] [--connect-threads T=16] [--list-sample K=100] "
            "[--call-threads C=64] [--duration SECONDS=10] [--list-changes 0|1] [--settle-ms MS=1000] [--drain-events 0|1]\n",
            prog);
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage(argv[0]);
    url = argv[1];
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) usage(argv[0]);
        const char *k = argv[i], *v = argv[++i];
        if (!strcmp(k, "--users")) users = atoi(v);
        else if (!strcmp(k, "--servers")) servers = atoi(v);
        else if (!strcmp(k, "--connect-threads")) connect_threads = atoi(v);
        else if (!strcmp(k, "--list-sample")) list_sample = atoi(v);
        else if (!strcmp(k, "--call-threads")) call_threads = atoi(v);
        else if (!strcmp(k, "--duration")) duration_s = atof(v);
        else if (!strcmp(k, "--list-changes")) list_changes = atoi(v);
        else if (!strcmp(k, "--settle-ms")) settle_ms = atol(v);
        else if (!strcmp(k, "--drain-events")) drain_events = atoi(v);
        else usage(argv[0]);
    }
    if (users < 1 || servers < 1 || servers > 16 || connect_threads < 1 || call_threads < 1 || list_sample < 0) usage(argv[0]);
    if (list_sample > users) list_sample = users;

    char *err = NULL;
    mcp_status st;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    snapshot s_start = snap();

    /* ---- manager + servers: each per user through the {{LIBRECHAT_USER_ID}} header */
    char options[512];
    snprintf(options, sizeof options,
             "{\"clientInfo\":{\"name\":\"scale_client\",\"version\":\"1.0\"},\"listChanges\":%s,"
             "\"connections\":{\"userIdleTimeoutMs\":900000}}",
             list_changes ? "true" : "false");
    if ((st = mcp_manager_new(&mgr, options, &err)) != MCP_OK) die("mcp_manager_new", st, err);
    for (int s = 0; s < servers; s++) {
        char config[1024];
        snprintf(server_names[s], sizeof server_names[s], "s%d", s);
        snprintf(config, sizeof config,
                 "{\"type\":\"streamable-http\",\"url\":\"%s\",\"headers\":{\"X-User\":\"{{LIBRECHAT_USER_ID}}\",\"X-Server\":\"%s\"}}",
                 url, server_names[s]);
        if ((st = mcp_manager_add_server(mgr, server_names[s], config, &err)) != MCP_OK) die("mcp_manager_add_server", st, err);
    }
    pthread_t reader;
    if (drain_events) pthread_create(&reader, NULL, event_reader, NULL);
    /* The host itself has no user: a per-user server must refuse its shared connection. */
    char *info = NULL;
    mcp_status host_st = mcp_manager_connect(mgr, server_names[0], &info, &err);
    mcp_string_free(info);
    mcp_string_free(err);
    err = NULL;

    views = calloc((size_t)users + 1, sizeof *views);
    uint64_t v0 = now_ns();
    for (int u = 0; u <= users; u++) {
        char user[128];
        snprintf(user, sizeof user, "{\"id\":\"user-%05d\",\"profile\":{\"email\":\"u%d@example.com\"}}", u, u);
        if ((st = mcp_manager_as_user(mgr, user, &views[u], &err)) != MCP_OK) die("mcp_manager_as_user", st, err);
    }
    double views_ms = (double)(now_ns() - v0) / 1e6;
    snapshot s_base = snap();

    /* ---- warm: one extra user (views[users]) loads libcurl and starts the HTTP engine */
    phase("warm", "begin");
    uint64_t w0 = now_ns();
    char era[32] = "?", proto[32] = "?";
    for (int s = 0; s < servers; s++) {
        info = NULL;
        if ((st = mcp_manager_connect(views[users], server_names[s], &info, &err)) != MCP_OK) die("warm connect", st, err);
        const char *p;
        if ((p = strstr(info, "\"era\":\""))) sscanf(p + 7, "%31[^\"]", era);
        if ((p = strstr(info, "\"protocolVersion\":\""))) sscanf(p + 19, "%31[^\"]", proto);
        mcp_string_free(info);
    }
    double warm_ms = (double)(now_ns() - w0) / 1e6;
    snapshot s_warm = settle();
    phase("warm", "end");

    /* ---- connect every user's connections */
    phase("connect", "begin");
    connect_lat = calloc((size_t)connect_threads, sizeof *connect_lat);
    double cpu0 = cpu_us();
    uint64_t c0 = now_ns();
    run_pool(connect_threads, connect_worker, &connect_running);
    double connect_s = (double)(now_ns() - c0) / 1e9;
    double connect_cpu_us = cpu_us() - cpu0;
    int connect_peak_threads = atomic_load(&peak_threads);
    long connect_errors = atomic_load(&error_count);
    snapshot s_conn = settle();
    phase("connect", "end");
    int connected = count_connected();
    lat_list conn = merge(connect_lat, connect_threads);

    /* ---- aggregated tool listing: every server of one user, for a sample of users; twice */
    phase("list", "begin");
    lat_list list_lat[2] = {{0}, {0}};
    long tools_seen = 0, list_errors = 0;
    for (int round = 0; round < 2; round++)
        for (int k = 0; k < list_sample; k++) {
            int u = (int)((long)k * users / (list_sample ? list_sample : 1));
            uint64_t t = now_ns();
            long tools = 0;
            for (int s = 0; s < servers; s++) {
                char *tl = NULL;
                err = NULL;
                if ((st = mcp_manager_list_tools(views[u], server_names[s], &tl, &err)) != MCP_OK) {
                    list_errors++;
                    record_error("list_tools", st, err);
                    continue;
                }
                for (const char *p = tl; (p = strstr(p, "\"inputSchema\"")); p++) tools++;
                mcp_string_free(tl);
                mcp_string_free(err);
            }
            lat_add(&list_lat[round], now_ns() - t);
            if (round == 0) tools_seen += tools;
        }
    lat_sort(&list_lat[0]);
    lat_sort(&list_lat[1]);
    phase("list", "end");
    snapshot s_list = snap();

    /* ---- calls from many host threads through random users' views */
    phase("calls", "begin");
    long errors_before_calls = atomic_load(&error_count);
    call_lat = calloc((size_t)call_threads, sizeof *call_lat);
    pthread_t timer;
    pthread_create(&timer, NULL, call_timer, NULL);
    cpu0 = cpu_us();
    long csw0 = ctx_switches();
    uint64_t k0 = now_ns();
    run_pool(call_threads, call_worker, &call_running);
    double calls_s = (double)(now_ns() - k0) / 1e9;
    double calls_cpu_us = cpu_us() - cpu0;
    long calls_csw = ctx_switches() - csw0;
    pthread_join(timer, NULL);
    int calls_peak_threads = atomic_load(&peak_threads);
    long call_errors = atomic_load(&error_count) - errors_before_calls;
    phase("calls", "end");
    snapshot s_calls = snap();
    lat_list calls = merge(call_lat, call_threads);
    int connected_after = count_connected();

    /* ---- disconnect every user connection (what idle eviction does), then connect them all again */
    phase("disconnect", "begin");
    atomic_store(&next_job, 0);
    uint64_t d0 = now_ns();
    run_pool(connect_threads, disconnect_worker, &disconnect_running);
    double disconnect_s = (double)(now_ns() - d0) / 1e9;
    snapshot s_disc = settle();
    phase("disconnect", "end");
    int connected_after_disconnect = count_connected();
    phase("reconnect", "begin");
    atomic_store(&next_job, 0);
    connect_lat = calloc((size_t)connect_threads, sizeof *connect_lat);
    uint64_t r0 = now_ns();
    run_pool(connect_threads, connect_worker, &connect_running);
    double reconnect_s = (double)(now_ns() - r0) / 1e9;
    snapshot s_reconn = settle();
    phase("reconnect", "end");
    lat_list reconn = merge(connect_lat, connect_threads);
    atomic_store(&next_job, 0);
    run_pool(connect_threads, disconnect_worker, &disconnect_running);
    snapshot s_disc2 = settle();

    /* ---- free: views, then the manager */
    phase("free", "begin");
    uint64_t f0 = now_ns();
    for (int u = 0; u <= users; u++) mcp_manager_free(views[u]);
    double free_views_ms = (double)(now_ns() - f0) / 1e6;
    f0 = now_ns();
    mcp_manager_free(mgr);
    double free_ms = (double)(now_ns() - f0) / 1e6;
    if (drain_events) pthread_join(reader, NULL);
    phase("free", "end");
    malloc_trim(0);
    snapshot s_free = snap();

    /* ---- results */
    long n_conn = (long)users * servers;
    emit("{\"client\":\"scale_c\",\"lib_version\":\"%s\",\"url\":\"%s\",\"era\":\"%s\",\"protocol_version\":\"%s\","
         "\"users\":%d,\"servers\":%d,\"connections\":%ld,\"connect_threads\":%d,\"call_threads\":%d,\"list_sample\":%d,"
         "\"list_changes\":%s,\"nofile_limit\":%ld,\"host_connect_refused\":\"%s\",\"views_ms\":%.1f,\"warm_ms\":%.1f",
         mcp_version(), url, era, proto, users, servers, n_conn, connect_threads, call_threads, list_sample,
         list_changes ? "true" : "false", (long)rl.rlim_cur, mcp_status_str(host_st), views_ms, warm_ms);
    emit_snapshot("at_start", s_start);
    emit_snapshot("at_base", s_base);
    emit_snapshot("at_warm", s_warm);
    emit_snapshot("at_connect", s_conn);
    emit_snapshot("at_list", s_list);
    emit_snapshot("at_calls", s_calls);
    emit_snapshot("at_disconnect", s_disc);
    emit_snapshot("at_reconnect", s_reconn);
    emit_snapshot("at_disconnect2", s_disc2);
    emit_snapshot("at_free", s_free);
    emit(",\"connect\":{\"seconds\":%.3f,\"per_s\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"errors\":%ld,"
         "\"connected\":%d,\"cpu_us_per_connect\":%.1f,\"peak_threads\":%d,"
         "\"rss_per_conn_kb\":%.2f,\"heap_per_conn_kb\":%.2f,\"fds_added\":%d}",
         connect_s, (double)conn.n / connect_s, pct_us(conn.ns, conn.n, 0.5) / 1000, pct_us(conn.ns, conn.n, 0.99) / 1000,
         conn.n ? (double)conn.ns[conn.n - 1] / 1e6 : 0, connect_errors, connected, connect_cpu_us / (double)n_conn,
         connect_peak_threads, (double)(s_conn.rss_kb - s_warm.rss_kb) / (double)n_conn,
         ((double)s_conn.heap_bytes - (double)s_warm.heap_bytes) / 1024.0 / (double)n_conn, s_conn.fds - s_warm.fds);
    emit(",\"list\":{\"method\":\"mcp_manager_list_tools x %d servers\",\"users\":%d,\"tools_per_user\":%.1f,\"errors\":%ld,"
         "\"first\":{\"mean_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f},\"again\":{\"mean_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}}",
         servers, list_sample, list_sample ? (double)tools_seen / list_sample : 0, list_errors, lat_mean_us(&list_lat[0]) / 1000,
         pct_us(list_lat[0].ns, list_lat[0].n, 0.5) / 1000, pct_us(list_lat[0].ns, list_lat[0].n, 0.99) / 1000,
         lat_mean_us(&list_lat[1]) / 1000, pct_us(list_lat[1].ns, list_lat[1].n, 0.5) / 1000,
         pct_us(list_lat[1].ns, list_lat[1].n, 0.99) / 1000);
    emit(",\"calls\":{\"seconds\":%.3f,\"calls\":%zu,\"per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
         "\"errors\":%ld,\"cpu_us_per_call\":%.1f,\"csw_per_call\":%.2f,\"peak_threads\":%d,\"connected_after\":%d}",
         calls_s, calls.n, (double)calls.n / calls_s, pct_us(calls.ns, calls.n, 0.5) / 1000, pct_us(calls.ns, calls.n, 0.99) / 1000,
         calls.n ? (double)calls.ns[calls.n - 1] / 1e6 : 0, call_errors, calls.n ? calls_cpu_us / (double)calls.n : 0,
         calls.n ? (double)calls_csw / (double)calls.n : 0, calls_peak_threads, connected_after);
    emit(",\"disconnect\":{\"seconds\":%.3f,\"connected_after\":%d,\"heap_left_per_conn_kb\":%.2f,"
         "\"reconnect_seconds\":%.3f,\"reconnected\":%zu,\"reconnect_heap_growth_per_conn_kb\":%.2f}",
         disconnect_s, connected_after_disconnect, ((double)s_disc.heap_bytes - (double)s_warm.heap_bytes) / 1024.0 / (double)n_conn,
         reconnect_s, reconn.n, ((double)s_disc2.heap_bytes - (double)s_disc.heap_bytes) / 1024.0 / (double)n_conn);
    emit(",\"events\":{\"drained\":%s", drain_events ? "true" : "false");
    for (size_t k = 0; k < EVENT_KINDS; k++) emit(",\"%s\":%ld", event_kinds[k], atomic_load(&event_counts[k]));
    emit(",\"subscriptions_failed\":%ld,\"first_failed_subscription\":\"", atomic_load(&subscriptions_failed));
    emit_escaped(first_failed_subscription);
    emit("\"}");
    emit(",\"free\":{\"views_ms\":%.1f,\"manager_ms\":%.1f},\"peak_rss_kb\":%ld,\"errors\":%ld,\"first_error\":\"",
         free_views_ms, free_ms, peak_rss_kb(), atomic_load(&error_count));
    emit_escaped(first_error);
    emit("\"}");
    puts(out);
    return 0;
}
