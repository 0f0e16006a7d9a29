#include "ccurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static ccurl_api api;
static int loaded;  /* 1 once api is complete; read without the lock on the fast path */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per thread: the message handed back is the caller's own, whatever another thread's attempt writes. */
static __thread char load_error[512];

#define LOAD(field, name) if (!(api.field = (__typeof__(api.field))dlsym(handle, name))) { \
    snprintf(load_error, sizeof load_error, "libcurl lacks " name); dlclose(handle); return 0; }

/* 1 on success. A failure is not remembered: dlopen also fails for passing reasons (no free file descriptor, the
   process out of memory), and HTTP must work again once they pass. */
static int load(void) {
    void *handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "libcurl.so.4 could not be loaded (%s); is libcurl4 installed?", why ? why : "unknown error");
        return 0;
    }
    LOAD(global_init, "curl_global_init")
    LOAD(version, "curl_version")
    LOAD(easy_init, "curl_easy_init")
    LOAD(easy_cleanup, "curl_easy_cleanup")
    LOAD(easy_setopt, "curl_easy_setopt")
    LOAD(easy_getinfo, "curl_easy_getinfo")
    LOAD(easy_perform, "curl_easy_perform")
    LOAD(easy_strerror, "curl_easy_strerror")
    LOAD(multi_init, "curl_multi_init")
    LOAD(multi_cleanup, "curl_multi_cleanup")
    LOAD(multi_setopt, "curl_multi_setopt")
    LOAD(multi_add_handle, "curl_multi_add_handle")
    LOAD(multi_remove_handle, "curl_multi_remove_handle")
    LOAD(slist_append, "curl_slist_append")
    LOAD(slist_free_all, "curl_slist_free_all")
    LOAD(multi_socket_action, "curl_multi_socket_action")
    LOAD(multi_info_read, "curl_multi_info_read")
    LOAD(multi_strerror, "curl_multi_strerror")
    LOAD(easy_send, "curl_easy_send")
    LOAD(easy_recv, "curl_easy_recv")
    LOAD(easy_reset, "curl_easy_reset")
    LOAD(multi_perform, "curl_multi_perform")
    LOAD(multi_poll, "curl_multi_poll")      /* 7.66 */
    LOAD(multi_wakeup, "curl_multi_wakeup")  /* 7.68 */
    LOAD(url_new, "curl_url")                /* 7.62 */
    LOAD(url_set, "curl_url_set")
    LOAD(url_cleanup, "curl_url_cleanup")
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed");
        dlclose(handle);
        return 0;
    }
    return 1;
}

const ccurl_api *ccurl_load(const char **error) {
    if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE)) return &api;
    pthread_mutex_lock(&load_lock);
    if (!loaded && load()) __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
    int ok = loaded;
    pthread_mutex_unlock(&load_lock);
    if (ok) return &api;
    if (error) *error = load_error;
    return NULL;
}
