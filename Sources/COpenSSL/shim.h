#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/crypto.h>

/* Initialises libcrypto (which libssh2 and libcurl use) without its atexit cleanup. Must run
   before either library's own initialisation: OpenSSL registers the cleanup at its first init.
   Without this, exit() frees libcrypto's global state while threads that used it (an SSH
   connection's thread, a curl request's) are still ending, which crashes (double free). The
   process is ending anyway; the kernel reclaims the memory. Returns 1 on success. */
static inline int copenssl_init_without_atexit_cleanup(void) {
  return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}
#endif
