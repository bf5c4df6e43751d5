#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt / curl_easy_getinfo are variadic and unavailable in Swift:
   these non-variadic wrappers are the only way the CurlHTTP module calls them. */
static inline CURLcode CCurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CCurl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
/* A blob option (CA, client certificate or key from memory); libcurl keeps its own copy. */
static inline CURLcode CCurl_setopt_blob(CURL *h, CURLoption o, const void *data, size_t length) {
  struct curl_blob blob;
  blob.data = (void *)data;
  blob.len = length;
  blob.flags = CURL_BLOB_COPY;
  return curl_easy_setopt(h, o, &blob);
}
typedef size_t (*CCurl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode CCurl_setopt_write_callback(CURL *h, CURLoption o, CCurl_write_callback cb) { return curl_easy_setopt(h, o, cb); }
typedef int (*CCurl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode CCurl_setopt_xferinfo_callback(CURL *h, CCurl_xferinfo_callback cb) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb); }
static inline CURLcode CCurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline const char *CCurl_version_string(void) { return curl_version(); }
#endif
