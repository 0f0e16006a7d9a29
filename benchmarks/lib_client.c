/*
 * lib_client.c — the echo workload through libmcpclient's C API.
 *
 * mcp_manager_new -> add_server (stdio, command = echo_server) -> connect, N sequential
 * blocking mcp_manager_call_tool("echo", {"text":"hello"}), then two concurrent variants,
 * ROUNDS rounds each of 64 calls in flight:
 *   submit:  64 x mcp_manager_submit(op call_tool), then 64 "result" events via next_event
 *   threads: 8 host pthreads x 8 blocking mcp_manager_call_tool per round
 * The headline conc_calls_per_s is the submit variant; the threads one is reported as
 * conc_threads_calls_per_s. Prints one JSON metrics line (see bench_common.h).
 *
 * usage: lib_client SERVER_BINARY|http(s)://URL [N] [ROUNDS] [WARMUP]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>

#include "bench_common.h"
#include "mcpclient.h"

#define SERVER "echo"
#define ARGS "{\"text\":\"hello\"}"
#define THREADS 8

static mcp_manager *mgr;

static void die(const char *what, mcp_status st, char *err) {
    fprintf(stderr, "lib_client: %s failed: %s (%d): %s\n", what, mcp_status_str(st), (int)st, err ? err : "(no detail)");
    mcp_string_free(err);
    exit(1);
}

/* Finds "key": in a JSON text and returns a pointer to the value (after whitespace), or NULL.
 * Good enough for the library's flat top-level event members we look at. */
static const char *json_member(const char *json, const char *key) {
    size_t kl = strlen(key);
    for (const char *p = json; (p = strchr(p, '"')) != NULL; p++) {
        if (strncmp(p + 1, key, kl) == 0 && p[1 + kl] == '"') {
            const char *q = p + 2 + kl;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
            if (*q != ':') continue;
            q++;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
            return q;
        }
    }
    return NULL;
}

static int member_is(const char *json, const char *key, const char *quoted_value) {
    const char *v = json_member(json, key);
    return v && strncmp(v, quoted_value, strlen(quoted_value)) == 0;
}

static int is_hello_result(const char *json) {
    /* {"version":1,"server":"echo","tool":"echo","result":{"content":[{"type":"text","text":"hello"}],"isError":false}} */
    const char *r = json_member(json, "result");
    return r && member_is(r, "text", "\"hello\"") && member_is(r, "isError", "false");
}

static void call_once(void) {
    char *out = NULL, *err = NULL;
    mcp_status st = mcp_manager_call_tool(mgr, SERVER, "echo", ARGS, 0, &out, &err);
    if (st != MCP_OK) die("mcp_manager_call_tool", st, err);
    if (!out || !is_hello_result(out)) {
        fprintf(stderr, "lib_client: unexpected call result: %s\n", out ? out : "(null)");
        exit(1);
    }
    mcp_string_free(out);
    mcp_string_free(err);
}

/* ------------------------------------------------------------ threads variant */
static pthread_barrier_t round_start, round_end;
static long thread_rounds;

static void *worker(void *arg) {
    (void)arg;
    for (long r = 0; r < thread_rounds; r++) {
        pthread_barrier_wait(&round_start);
        for (int k = 0; k < CONC / THREADS; k++) call_once();
        pthread_barrier_wait(&round_end);
    }
    return NULL;
}

int main(int argc, char **argv) {
    bench_args a = bench_parse_args(argc, argv);
    char *err = NULL, *info = NULL;
    mcp_status st;

    char config[4096];
    if (strncmp(a.server, "http://", 7) == 0 || strncmp(a.server, "https://", 8) == 0)
        snprintf(config, sizeof config, "{\"url\":\"%s\"}", a.server); /* a streamable HTTP server */
    else
        snprintf(config, sizeof config, "{\"type\":\"stdio\",\"command\":\"%s\"}", a.server);

    /* ---- cold start: manager_new + add_server + connect (spawn, era detection, handshake) */
    uint64_t t0 = now_ns();
    if ((st = mcp_manager_new(&mgr, "{\"clientInfo\":{\"name\":\"lib_client\",\"version\":\"1.0\"}}", &err)) != MCP_OK)
        die("mcp_manager_new", st, err);
    uint64_t t1 = now_ns();
    if ((st = mcp_manager_add_server(mgr, SERVER, config, &err)) != MCP_OK) die("mcp_manager_add_server", st, err);
    if ((st = mcp_manager_connect(mgr, SERVER, &info, &err)) != MCP_OK) die("mcp_manager_connect", st, err);
    uint64_t t2 = now_ns();
    double cold_ms = (double)(t2 - t0) / 1e6, new_ms = (double)(t1 - t0) / 1e6;
    char era[32] = "?", proto[32] = "?";
    const char *v;
    if ((v = json_member(info, "era")) && *v == '"') sscanf(v + 1, "%31[^\"]", era);
    if ((v = json_member(info, "protocolVersion")) && *v == '"') sscanf(v + 1, "%31[^\"]", proto);
    mcp_string_free(info);

    /* ---- warmup (unmeasured) */
    for (long i = 0; i < a.warmup; i++) call_once();

    /* ---- sequential */
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)a.n);
    double c0 = cpu_us();
    long w0 = ctx_switches();
    uint64_t s0 = now_ns();
    for (long i = 0; i < a.n; i++) {
        uint64_t c = now_ns();
        call_once();
        lat[i] = now_ns() - c;
    }
    uint64_t s1 = now_ns();
    double c1 = cpu_us();
    long w1 = ctx_switches();

    /* ---- concurrent, submit variant: 64 submits, then 64 result events */
    static const char req[] =
        "{\"op\":\"call_tool\",\"server\":\"" SERVER "\",\"tool\":\"echo\",\"arguments\":" ARGS "}";
    long other_events = 0;
    uint64_t p0 = now_ns();
    for (long r = 0; r < a.rounds; r++) {
        uint64_t ids[CONC];
        int pending = 0;
        for (int k = 0; k < CONC; k++) {
            if ((st = mcp_manager_submit(mgr, req, &ids[k], &err)) != MCP_OK) die("mcp_manager_submit", st, err);
            pending++;
        }
        while (pending) {
            char *ev = NULL;
            st = mcp_manager_next_event(mgr, 10000, &ev);
            if (st != MCP_OK) die("mcp_manager_next_event", st, NULL);
            if (member_is(ev, "kind", "\"result\"")) {
                const char *idv = json_member(ev, "request_id");
                uint64_t id = idv ? strtoull(idv, NULL, 10) : 0;
                int k = 0;
                while (k < CONC && ids[k] != id) k++;
                if (k == CONC || !is_hello_result(ev)) {
                    fprintf(stderr, "lib_client: unexpected result event in round %ld: %s\n", r, ev);
                    exit(1);
                }
                ids[k] = 0; /* request ids start at 1; each is answered once */
                pending--;
            } else if (member_is(ev, "kind", "\"error\"")) {
                fprintf(stderr, "lib_client: error event in round %ld: %s\n", r, ev);
                exit(1);
            } else {
                other_events++; /* status / log / progress */
            }
            mcp_string_free(ev);
        }
    }
    uint64_t p1 = now_ns();

    /* ---- concurrent, threads variant: 8 pthreads x 8 blocking calls per round */
    double thr_s = 0;
    if (a.rounds > 0) {
        pthread_t th[THREADS];
        thread_rounds = a.rounds;
        pthread_barrier_init(&round_start, NULL, THREADS + 1);
        pthread_barrier_init(&round_end, NULL, THREADS + 1);
        for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, worker, NULL);
        uint64_t q0 = now_ns();
        for (long r = 0; r < a.rounds; r++) {
            pthread_barrier_wait(&round_start);
            pthread_barrier_wait(&round_end);
        }
        thr_s = (double)(now_ns() - q0) / 1e9;
        for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    }

    uint64_t f0 = now_ns();
    mcp_manager_free(mgr);
    double free_ms = (double)(now_ns() - f0) / 1e6;

    Dl_info dl;
    const char *lib_path = dladdr((void *)mcp_version, &dl) && dl.dli_fname ? dl.dli_fname : "?";
    double seq_cps = (double)a.n / ((double)(s1 - s0) / 1e9);
    double thr_cps = thr_s > 0 ? (double)(a.rounds * CONC) / thr_s : 0;
    char extra[2048];
    snprintf(extra, sizeof extra,
             ",\"conc_threads_calls_per_s\":%.1f,\"conc_threads_ratio\":%.2f,\"new_ms\":%.3f,\"free_ms\":%.3f,"
             "\"other_events\":%ld,\"era\":\"%s\",\"protocol_version\":\"%s\",\"lib_version\":\"%s\",\"lib\":\"%s\"",
             thr_cps, thr_cps / seq_cps, new_ms, free_ms, other_events, era, proto, mcp_version(), lib_path);

    bench_result res = {
        .client = "lib_c",
        .seq_calls = a.n,
        .seq_elapsed_s = (double)(s1 - s0) / 1e9,
        .lat_ns = lat,
        .seq_cpu_us = c1 - c0,
        .seq_csw = w1 - w0,
        .cold_start_ms = cold_ms,
        .conc_calls = a.rounds * CONC,
        .conc_elapsed_s = (double)(p1 - p0) / 1e9,
        .extra_json = extra,
    };
    bench_print(&res);
    return 0;
}
