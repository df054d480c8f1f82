#ifndef CLUSTERCTL_CCURL_SHIM_H
#define CLUSTERCTL_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call:
   these typed wrappers are the only way HTTPKit reaches them. */
static inline CURLcode cc_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*cc_data_cb)(char *, size_t, size_t, void *);
static inline CURLcode cc_setopt_datacb(CURL *h, CURLoption o, cc_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
#endif
