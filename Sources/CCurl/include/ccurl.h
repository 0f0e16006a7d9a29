#ifndef CCURL_H
#define CCURL_H
/* libcurl, loaded on first use with dlopen: hosts that only run stdio servers never map libcurl and its
 * TLS/LDAP/Kerberos dependency chain (about 4 MB of resident memory). Types come from curl's headers;
 * every call goes through the table ccurl_load() fills. */
#include <curl/curl.h>
#include <stddef.h>

typedef struct ccurl_api {
    CURLcode (*global_init)(long flags);
    char *(*version)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *handle);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
    CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t s, int ev_bitmask, int *running_handles);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *msgs_in_queue);
    const char *(*multi_strerror)(CURLMcode code);
    CURLcode (*easy_send)(CURL *handle, const void *buffer, size_t length, size_t *sent);
    CURLcode (*easy_recv)(CURL *handle, void *buffer, size_t length, size_t *received);
    void (*easy_reset)(CURL *handle);
    CURLMcode (*multi_perform)(CURLM *multi, int *running_handles);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms, int *ret);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    CURLU *(*url_new)(void);
    CURLUcode (*url_set)(CURLU *url, CURLUPart part, const char *content, unsigned int flags);
    void (*url_cleanup)(CURLU *url);
} ccurl_api;

/* Loads libcurl once (thread-safe). NULL when it cannot be loaded; *error then names what is missing. */
__attribute__((visibility("hidden"))) const ccurl_api *ccurl_load(const char **error);

/* Typed wrappers for the variadic setters, which Swift cannot call. */
static inline CURLcode ccurl_setopt_long(const ccurl_api *api, CURL *h, CURLoption o, long v) { return api->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(const ccurl_api *api, CURL *h, CURLoption o, const char *v) { return api->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(const ccurl_api *api, CURL *h, CURLoption o, void *v) { return api->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(const ccurl_api *api, CURL *h, CURLoption o, struct curl_slist *v) { return api->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write_function(const ccurl_api *api, CURL *h, size_t (*f)(char *, size_t, size_t, void *)) {
    return api->easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
/* CURLOPT_CURLU: a URL parsed once (curl_url_set) and read by every transfer; CURLOPT_URL is parsed again by each. */
static inline CURLcode ccurl_setopt_curlu(const ccurl_api *api, CURL *h, CURLU *u) { return api->easy_setopt(h, CURLOPT_CURLU, u); }
static inline CURLcode ccurl_getinfo_long(const ccurl_api *api, CURL *h, CURLINFO i, long *v) { return api->easy_getinfo(h, i, v); }
static inline CURLMcode ccurlm_setopt_long(const ccurl_api *api, CURLM *m, CURLMoption o, long v) { return api->multi_setopt(m, o, v); }
static inline CURLMcode ccurlm_setopt_pointer(const ccurl_api *api, CURLM *m, CURLMoption o, void *v) { return api->multi_setopt(m, o, v); }
static inline CURLMcode ccurlm_setopt_socket_function(const ccurl_api *api, CURLM *m, int (*f)(CURL *, curl_socket_t, int, void *, void *)) {
    return api->multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f);
}
static inline CURLMcode ccurlm_setopt_timer_function(const ccurl_api *api, CURLM *m, int (*f)(CURLM *, long, void *)) {
    return api->multi_setopt(m, CURLMOPT_TIMERFUNCTION, f);
}
static inline CURLcode ccurl_setopt_header_function(const ccurl_api *api, CURL *h, size_t (*f)(char *, size_t, size_t, void *)) {
    return api->easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
}
static inline CURLcode ccurl_setopt_opensocket_function(const ccurl_api *api, CURL *h, curl_socket_t (*f)(void *, curlsocktype, struct curl_sockaddr *)) {
    return api->easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, f);
}
/* CURLOPT_PREREQFUNCTION (libcurl 7.80+): runs before every request, on a new or a reused connection. */
static inline CURLcode ccurl_setopt_prereq_function(const ccurl_api *api, CURL *h, int (*f)(void *, char *, char *, int, int)) {
    return api->easy_setopt(h, CURLOPT_PREREQFUNCTION, f);
}
static inline CURLcode ccurl_setopt_xferinfo_function(const ccurl_api *api, CURL *h, int (*f)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return api->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}
static inline CURLcode ccurl_setopt_off(const ccurl_api *api, CURL *h, CURLoption o, curl_off_t v) { return api->easy_setopt(h, o, v); }
static inline CURLcode ccurl_getinfo_pointer(const ccurl_api *api, CURL *h, CURLINFO i, void **v) { return api->easy_getinfo(h, i, v); }
/* A finished transfer from curl_multi_info_read (CURLMSG_DONE only); 0 for other messages. */
static inline int ccurl_msg_done(const CURLMsg *msg, CURL **easy, CURLcode *result) {
    if (!msg || msg->msg != CURLMSG_DONE) return 0;
    *easy = msg->easy_handle;
    *result = msg->data.result;
    return 1;
}
/* curl_sockaddr's address as a plain sockaddr pointer and length. */
static inline const struct sockaddr *ccurl_sockaddr(const struct curl_sockaddr *a, unsigned int *length) {
    *length = a->addrlen;
    return &a->addr;
}
static inline CURLcode ccurl_getinfo_socket(const ccurl_api *api, CURL *h, curl_socket_t *fd) { return api->easy_getinfo(h, CURLINFO_ACTIVESOCKET, fd); }
static inline int ccurl_sockaddr_family(const struct curl_sockaddr *a) { return a->family; }
static inline int ccurl_sockaddr_socktype(const struct curl_sockaddr *a) { return a->socktype; }
static inline int ccurl_sockaddr_protocol(const struct curl_sockaddr *a) { return a->protocol; }
#endif
