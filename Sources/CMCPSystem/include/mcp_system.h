#ifndef MCP_SYSTEM_H
#define MCP_SYSTEM_H
#include <spawn.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Hidden helpers (never exported from libmcpclient.so) for calls Swift cannot make directly. */
#define CSYS_HIDDEN __attribute__((visibility("hidden")))

CSYS_HIDDEN int csys_pidfd_open(pid_t pid);
CSYS_HIDDEN int csys_eventfd(void);
CSYS_HIDDEN void csys_set_thread_name(const char *name);
/* Where the calling thread's stack is now (its caller's frame, roughly). A Swift local's address is no substitute:
 * AddressSanitizer keeps locals on a "fake stack" on the heap. */
CSYS_HIDDEN uintptr_t csys_stack_address(void);
/* The calling thread's stack: lowest address and size; 0 on success. Cached per thread (for the main thread glibc
 * reads /proc/self/maps), so stack guards can ask on every nesting level. */
CSYS_HIDDEN int csys_thread_stack(uintptr_t *low, size_t *size);
CSYS_HIDDEN int csys_set_nonblocking(int fd);
CSYS_HIDDEN int csys_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
CSYS_HIDDEN int csys_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);
/* Resets every catchable signal to its default in the child (the host may ignore SIGPIPE etc.). */
CSYS_HIDDEN int csys_spawnattr_default_signals(posix_spawnattr_t *attr);

/* A one-shot event on a 32-bit word (0 = pending, 1 = set, 2 = pending with a sleeper), built on futex so
 * that setting it wakes the waiter exactly once and never while holding a lock the waiter needs. */
CSYS_HIDDEN int csys_oneshot_wait(uint32_t *word, int64_t timeout_ns); /* 1 = set, 0 = timed out; <0 = forever */
CSYS_HIDDEN void csys_oneshot_set(uint32_t *word);
CSYS_HIDDEN int csys_oneshot_is_set(uint32_t *word);
/* A mutex on a 32-bit word (0 = free, 1 = held, 2 = held with sleepers; Drepper's futex mutex). It never spins:
 * a contended lock sleeps on the futex at once, as a normal pthread mutex does. Uncontended, locking and unlocking
 * are one atomic instruction each, inline, instead of two calls into libpthread. */
CSYS_HIDDEN void csys_lock_contended(uint32_t *word);
CSYS_HIDDEN void csys_unlock_wake(uint32_t *word);
static inline void csys_lock(uint32_t *word) {
    uint32_t expected = 0;
    if (!__atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) csys_lock_contended(word);
}
static inline void csys_unlock(uint32_t *word) {
    if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2) csys_unlock_wake(word);
}
/* 1 for the first caller on a zeroed word, 0 for every later one (who resolves a one-shot event). */
CSYS_HIDDEN int csys_oneshot_claim(uint32_t *claim);
/* SOCK_* flags as plain ints: the same glibc enum reaches Swift through several modules (Glibc, curl's headers),
 * and in whole-module builds the name can become unresolvable. */
static inline int csys_sock_stream_cloexec(void) { return SOCK_STREAM | SOCK_CLOEXEC; }
static inline int csys_sock_cloexec(void) { return SOCK_CLOEXEC; }

#endif
