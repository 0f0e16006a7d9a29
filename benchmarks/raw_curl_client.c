/*
 * raw_curl_client.c — the HTTP floor: the echo workload as plain libcurl POSTs over one keep-alive
 * connection, with the same request bytes and headers a 2026-07-28 client sends (no JSON parsing beyond
 * finding the echoed text). The 64-concurrent phase uses a curl multi handle with 64 easy handles.
 *
 * usage: raw_curl_client URL [N] [ROUNDS] [WARMUP]
 */
#define _GNU_SOURCE
#include <curl/curl.h>

#include "bench_common.h"

typedef struct { char *data; size_t len, cap; } buf;

static size_t collect(char *p, size_t size, size_t n, void *user) {
    buf *b = user;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        b->cap = (b->len + add + 1) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, add);
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

static struct curl_slist *headers(void) {
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    h = curl_slist_append(h, "MCP-Protocol-Version: 2026-07-28");
    h = curl_slist_append(h, "Mcp-Method: tools/call");
    h = curl_slist_append(h, "Mcp-Name: echo");
    h = curl_slist_append(h, "Expect:");
    return h;
}

static char body[1024];
static long next_id = 1;

static void prepare(CURL *c, const char *url, struct curl_slist *h, buf *out) {
    snprintf(body, sizeof body,
        "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"},"
        "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{},"
        "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"raw_curl\",\"version\":\"1\"}}}}", next_id++);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    out->len = 0;
}

static void check(buf *out, long code) {
    if (code != 200 || !out->data || !strstr(out->data, "\"text\":\"hello\"")) {
        fprintf(stderr, "raw_curl_client: unexpected reply %ld: %s\n", code, out->data ? out->data : "(empty)");
        exit(1);
    }
}

static void call_once(CURL *c, const char *url, struct curl_slist *h, buf *out) {
    prepare(c, url, h, out);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK) { fprintf(stderr, "raw_curl_client: %s\n", curl_easy_strerror(rc)); exit(1); }
    check(out, code);
}

int main(int argc, char **argv) {
    bench_args a = bench_parse_args(argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct curl_slist *h = headers();
    buf out = {0};
    uint64_t t0 = now_ns();
    CURL *c = curl_easy_init();
    call_once(c, a.server, h, &out); /* the first call opens the keep-alive connection */
    double cold_ms = (double)(now_ns() - t0) / 1e6;
    for (long i = 0; i < a.warmup; i++) call_once(c, a.server, h, &out);

    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)a.n);
    double c0 = cpu_us();
    long w0 = ctx_switches();
    uint64_t s0 = now_ns();
    for (long i = 0; i < a.n; i++) {
        uint64_t t = now_ns();
        call_once(c, a.server, h, &out);
        lat[i] = now_ns() - t;
    }
    uint64_t s1 = now_ns();
    double c1 = cpu_us();
    long w1 = ctx_switches();

    /* 64 in flight per round over a multi handle (its own connection pool) */
    CURLM *m = curl_multi_init();
    CURL *easy[CONC];
    buf outs[CONC];
    memset(outs, 0, sizeof outs);
    for (int k = 0; k < CONC; k++) easy[k] = curl_easy_init();
    uint64_t p0 = now_ns();
    for (long r = 0; r < a.rounds; r++) {
        for (int k = 0; k < CONC; k++) {
            prepare(easy[k], a.server, h, &outs[k]);
            curl_multi_add_handle(m, easy[k]);
        }
        int running = 1;
        while (running) {
            curl_multi_perform(m, &running);
            if (running) curl_multi_poll(m, NULL, 0, 1000, NULL);
        }
        for (int k = 0; k < CONC; k++) {
            long code = 0;
            curl_easy_getinfo(easy[k], CURLINFO_RESPONSE_CODE, &code);
            check(&outs[k], code);
            curl_multi_remove_handle(m, easy[k]);
        }
    }
    uint64_t p1 = now_ns();

    bench_result res = {
        .client = "raw_curl", .seq_calls = a.n, .seq_elapsed_s = (double)(s1 - s0) / 1e9, .lat_ns = lat,
        .seq_cpu_us = c1 - c0, .seq_csw = w1 - w0, .cold_start_ms = cold_ms,
        .conc_calls = a.rounds * CONC, .conc_elapsed_s = (double)(p1 - p0) / 1e9,
    };
    bench_print(&res);
    return 0;
}
