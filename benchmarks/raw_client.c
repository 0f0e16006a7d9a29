/*
 * raw_client.c — the floor: a bare C MCP client over pipes, no library.
 *
 * fork/exec the server, initialize + notifications/initialized, then N sequential
 * tools/call echo requests, then ROUNDS rounds of 64 pipelined requests (all 64 written
 * with one write, then 64 responses read). Prints one JSON metrics line.
 *
 * usage: raw_client SERVER_BINARY [N] [ROUNDS] [WARMUP]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

static int to_srv = -1, from_srv = -1;
static pid_t srv_pid;

/* ------------------------------------------------------------ line reader */
static char rbuf[1 << 16];
static size_t rstart, rlen;

/* Returns a pointer to a NUL-terminated line (without '\n'), valid until the next call. */
static char *read_line(void) {
    for (;;) {
        char *nl = memchr(rbuf + rstart, '\n', rlen - rstart);
        if (nl) {
            char *line = rbuf + rstart;
            *nl = 0;
            rstart = (size_t)(nl - rbuf) + 1;
            return line;
        }
        if (rstart) {
            memmove(rbuf, rbuf + rstart, rlen - rstart);
            rlen -= rstart;
            rstart = 0;
        }
        if (rlen == sizeof rbuf) {
            fprintf(stderr, "raw_client: response line too long\n");
            exit(1);
        }
        ssize_t n = read(from_srv, rbuf + rlen, sizeof rbuf - rlen);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fprintf(stderr, "raw_client: server closed stdout\n");
            exit(1);
        }
        rlen += (size_t)n;
    }
}

static void write_all(const char *s, size_t n) {
    while (n) {
        ssize_t w = write(to_srv, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            perror("raw_client: write");
            exit(1);
        }
        s += w;
        n -= (size_t)w;
    }
}

static void spawn_server(const char *path) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        perror("pipe2");
        exit(1);
    }
    srv_pid = fork();
    if (srv_pid < 0) {
        perror("fork");
        exit(1);
    }
    if (srv_pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_srv = in[1];
    from_srv = out[0];
}

/* id of a response line (server output is compact: "id":123) */
static long resp_id(const char *line) {
    const char *p = strstr(line, "\"id\":");
    return p ? strtol(p + 5, NULL, 10) : -1;
}

static void check_echo(const char *line) {
    if (!strstr(line, "\"text\":\"hello\"") || !strstr(line, "\"isError\":false")) {
        fprintf(stderr, "raw_client: unexpected response: %s\n", line);
        exit(1);
    }
}

static int make_call(char *buf, size_t cap, long id) {
    return snprintf(buf, cap,
                    "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                    "\"arguments\":{\"text\":\"hello\"}}}\n",
                    id);
}

static void call_once(long id) {
    char req[256];
    int n = make_call(req, sizeof req, id);
    write_all(req, (size_t)n);
    char *line = read_line();
    if (resp_id(line) != id) {
        fprintf(stderr, "raw_client: id mismatch (want %ld): %s\n", id, line);
        exit(1);
    }
    check_echo(line);
}

int main(int argc, char **argv) {
    bench_args a = bench_parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    long next_id = 1;

    /* ---- cold start: spawn -> initialize result -> initialized notification sent */
    uint64_t t0 = now_ns();
    spawn_server(a.server);
    static const char init[] =
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
        "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw_client\",\"version\":\"1.0\"}}}\n";
    write_all(init, sizeof init - 1);
    char *line = read_line();
    if (resp_id(line) != 0 || !strstr(line, "\"protocolVersion\":\"2025-11-25\"")) {
        fprintf(stderr, "raw_client: bad initialize response: %s\n", line);
        return 1;
    }
    static const char inited[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    write_all(inited, sizeof inited - 1);
    double cold_ms = (double)(now_ns() - t0) / 1e6;

    /* ---- warmup (unmeasured) */
    for (long i = 0; i < a.warmup; i++) call_once(next_id++);

    /* ---- sequential */
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)a.n);
    double c0 = cpu_us();
    long w0 = ctx_switches();
    uint64_t s0 = now_ns();
    for (long i = 0; i < a.n; i++) {
        uint64_t c = now_ns();
        call_once(next_id++);
        lat[i] = now_ns() - c;
    }
    uint64_t s1 = now_ns();
    double c1 = cpu_us();
    long w1 = ctx_switches();

    /* ---- concurrent: 64 pipelined requests per round */
    char *batch = malloc(256 * CONC);
    uint64_t p0 = now_ns();
    for (long r = 0; r < a.rounds; r++) {
        size_t len = 0;
        long base = next_id;
        for (int k = 0; k < CONC; k++) len += (size_t)make_call(batch + len, 256, next_id++);
        write_all(batch, len);
        uint64_t seen = 0;
        for (int k = 0; k < CONC; k++) {
            line = read_line();
            long id = resp_id(line) - base;
            if (id < 0 || id >= CONC || (seen >> id & 1)) {
                fprintf(stderr, "raw_client: unexpected id in round %ld: %s\n", r, line);
                return 1;
            }
            seen |= 1ull << id;
            check_echo(line);
        }
    }
    uint64_t p1 = now_ns();

    close(to_srv);
    int st;
    waitpid(srv_pid, &st, 0);

    bench_result res = {
        .client = "raw_c",
        .seq_calls = a.n,
        .seq_elapsed_s = (double)(s1 - s0) / 1e9,
        .lat_ns = lat,
        .seq_cpu_us = c1 - c0,
        .seq_csw = w1 - w0,
        .cold_start_ms = cold_ms,
        .conc_calls = a.rounds * CONC,
        .conc_elapsed_s = (double)(p1 - p0) / 1e9,
    };
    bench_print(&res);
    return 0;
}
