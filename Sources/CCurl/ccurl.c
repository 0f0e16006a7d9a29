#include "ccurl.h"
#include <dlfcn.h>
#include <pthread.h>

static ccurl_api api;
static const char *load_error;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define LOAD(field, name) if (!(api.field = (__typeof__(api.field))dlsym(handle, name))) { load_error = "libcurl lacks " name; return; }

static void load(void) {
    void *handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) { load_error = "libcurl.so.4 could not be loaded (install libcurl4)"; return; }
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
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) { load_error = "curl_global_init failed"; return; }
    load_error = NULL;
}

const ccurl_api *ccurl_load(const char **error) {
    pthread_once(&once, load);
    if (load_error || !api.easy_reset) {
        if (error) *error = load_error ? load_error : "libcurl could not be loaded";
        return NULL;
    }
    return &api;
}
