/* bench_common.h — timing, rusage and metrics printing shared by the C benchmark clients. */
#ifndef MCP_BENCH_COMMON_H
#define MCP_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* user+sys CPU of this process (all threads), in µs */
static inline double cpu_us(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Peak RSS of this process in KB: VmHWM from /proc/self/status. ru_maxrss is not used for the
 * headline number because Linux carries it across execve(): a client launched by a big parent
 * (e.g. run.py's python via vfork) would report the parent's peak instead of its own. */
/* voluntary + involuntary context switches of this process (all threads) */
static inline long ctx_switches(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

static inline long ru_maxrss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss; /* KB on Linux */
}

static inline long peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmHWM:", 6) == 0) {
                kb = strtol(line + 6, NULL, 10);
                break;
            }
        fclose(f);
    }
    return kb >= 0 ? kb : ru_maxrss_kb();
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile over a sorted array, result in µs */
static inline double pct_us(const uint64_t *sorted_ns, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)(p * (double)n + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return (double)sorted_ns[rank - 1] / 1000.0;
}

typedef struct {
    const char *client;
    long seq_calls;
    double seq_elapsed_s;
    uint64_t *lat_ns; /* seq_calls entries; sorted in place by bench_print */
    double seq_cpu_us;
    long seq_csw; /* context switches over the sequential phase */
    double cold_start_ms;
    long conc_calls;
    double conc_elapsed_s;
    const char *extra_json; /* appended verbatim (",\"k\":v..."), may be NULL */
} bench_result;

static inline void bench_print(bench_result *r) {
    qsort(r->lat_ns, (size_t)r->seq_calls, sizeof(uint64_t), cmp_u64);
    double seq_cps = r->seq_calls / r->seq_elapsed_s;
    double conc_cps = r->conc_calls ? r->conc_calls / r->conc_elapsed_s : 0;
    printf("{\"client\":\"%s\",\"seq_calls\":%ld,\"calls_per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
           "\"cpu_us_per_call\":%.2f,\"csw_per_call\":%.2f,\"peak_rss_kb\":%ld,\"cold_start_ms\":%.3f,\"conc_calls\":%ld,"
           "\"conc_calls_per_s\":%.1f,\"conc_ratio\":%.2f,\"ru_maxrss_kb\":%ld%s}\n",
           r->client, r->seq_calls, seq_cps, pct_us(r->lat_ns, (size_t)r->seq_calls, 0.50),
           pct_us(r->lat_ns, (size_t)r->seq_calls, 0.99), r->seq_cpu_us / r->seq_calls,
           (double)r->seq_csw / r->seq_calls, peak_rss_kb(),
           r->cold_start_ms, r->conc_calls, conc_cps, conc_cps / seq_cps, ru_maxrss_kb(), r->extra_json ? r->extra_json : "");
    fflush(stdout);
}

/* usage: prog SERVER [N] [ROUNDS] [WARMUP] */
typedef struct {
    const char *server;
    long n, rounds, warmup;
} bench_args;

static inline bench_args bench_parse_args(int argc, char **argv) {
    bench_args a = {NULL, 20000, 50, -1};
    if (argc < 2) {
        fprintf(stderr, "usage: %s SERVER_BINARY [N_SEQUENTIAL=20000] [ROUNDS_OF_64=50] [WARMUP=min(200,N/10)]\n",
                argv[0]);
        exit(2);
    }
    a.server = argv[1];
    if (argc > 2) a.n = atol(argv[2]);
    if (argc > 3) a.rounds = atol(argv[3]);
    if (argc > 4) a.warmup = atol(argv[4]);
    if (a.n < 1) a.n = 1;
    if (a.rounds < 0) a.rounds = 0;
    if (a.warmup < 0) a.warmup = a.n / 10 < 200 ? a.n / 10 : 200;
    return a;
}

#define CONC 64

#endif
