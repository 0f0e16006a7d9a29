#define _GNU_SOURCE
#include "mcp_system.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <time.h>

int csys_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int csys_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int csys_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int csys_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int csys_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowfd);
}

int csys_spawnattr_default_signals(posix_spawnattr_t *attr) {
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    return posix_spawnattr_setsigdefault(attr, &all);
}

void csys_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

__attribute__((noinline)) uintptr_t csys_stack_address(void) { return (uintptr_t)__builtin_frame_address(0); }

int csys_thread_stack(uintptr_t *low, size_t *size) {
    static __thread uintptr_t cached_low;
    static __thread size_t cached_size;
    if (cached_size == 0) {
        pthread_attr_t attributes;
        if (pthread_getattr_np(pthread_self(), &attributes) != 0) return -1;
        void *base = NULL;
        size_t length = 0;
        int status = pthread_attr_getstack(&attributes, &base, &length);
        pthread_attr_destroy(&attributes);
        if (status != 0 || base == NULL || length == 0) return -1;
        cached_low = (uintptr_t)base;
        cached_size = length;
    }
    *low = cached_low;
    *size = cached_size;
    return 0;
}

int csys_oneshot_wait(uint32_t *word, int64_t timeout_ns) {
    _Atomic uint32_t *state = (_Atomic uint32_t *)word;
    struct timespec deadline = {0, 0};
    if (timeout_ns >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ns / 1000000000;
        deadline.tv_nsec += timeout_ns % 1000000000;
        if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    }
    for (;;) {
        uint32_t value = atomic_load_explicit(state, memory_order_acquire);
        if (value == 1) return 1;
        if (value == 0 && !atomic_compare_exchange_strong_explicit(state, &value, 2, memory_order_acq_rel, memory_order_acquire)) {
            if (value == 1) return 1;
        }
        struct timespec remaining, *timeout = NULL;
        if (timeout_ns >= 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            remaining.tv_sec = deadline.tv_sec - now.tv_sec;
            remaining.tv_nsec = deadline.tv_nsec - now.tv_nsec;
            if (remaining.tv_nsec < 0) { remaining.tv_sec--; remaining.tv_nsec += 1000000000; }
            if (remaining.tv_sec < 0) return atomic_load_explicit(state, memory_order_acquire) == 1;
            timeout = &remaining;
        }
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 2, timeout, NULL, 0);
    }
}

void csys_oneshot_set(uint32_t *word) {
    _Atomic uint32_t *state = (_Atomic uint32_t *)word;
    if (atomic_exchange_explicit(state, 1, memory_order_acq_rel) == 2) {
        syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    }
}

void csys_lock_contended(uint32_t *word) {
    /* Marked 2 whenever it is taken from here: the unlock then wakes a sleeper that may be waiting. */
    while (__atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE) != 0) {
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    }
}

void csys_unlock_wake(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int csys_oneshot_is_set(uint32_t *word) {
    return atomic_load_explicit((_Atomic uint32_t *)word, memory_order_acquire) == 1;
}

int csys_oneshot_claim(uint32_t *claim) {
    return atomic_exchange_explicit((_Atomic uint32_t *)claim, 1, memory_order_acq_rel) == 0;
}
