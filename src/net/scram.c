/*
 * src/net/scram.c — SCRAM-SHA-256 authentication (RFC 5802 with RFC 7677's
 * hash), server side, as PostgreSQL speaks it: the verifier that is stored
 * instead of the password (salted with PBKDF2), and the two steps of the
 * exchange.  Channel binding is not offered (SCRAM-SHA-256 only, no -PLUS), so
 * a client's gs2 header must be "n" or "y".  Passwords are used as bytes
 * (SASLprep is not applied; it matters only for non-ASCII passwords).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "net/pgwire.h"

size_t pgwire_base64_encode(const uint8_t *in, size_t n, char *out)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

long pgwire_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0 || n / 4 * 3 > cap) return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = in[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
                  (ch == '=' && i >= n - 2);
        if (!ok) return -1;
    }
    if (n == 0) return 0;
    int got = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (got < 0) return -1;
    /* EVP_DecodeBlock counts the padding as zero bytes */
    if (in[n - 1] == '=') got--;
    if (in[n - 2] == '=') got--;
    return got;
}

static void hmac256(const uint8_t *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n);
}

int scram_verifier_make(const char *password, const uint8_t *salt, int salt_len, int iterations, ScramVerifier *out)
{
    uint8_t salted[32], client_key[32];
    if (salt_len <= 0 || salt_len > (int)sizeof out->salt || iterations < 1) return -1;
    if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, iterations, EVP_sha256(), 32, salted)) return -1;
    hmac256(salted, 32, "Client Key", 10, client_key);
    SHA256(client_key, 32, out->stored_key);
    hmac256(salted, 32, "Server Key", 10, out->server_key);
    memcpy(out->salt, salt, (size_t)salt_len);
    out->salt_len = salt_len;
    out->iterations = iterations;
    OPENSSL_cleanse(salted, sizeof salted);
    return 0;
}

void scram_verifier_format(const ScramVerifier *v, char *buf, size_t cap)
{
    char s[100], k1[50], k2[50];
    s[pgwire_base64_encode(v->salt, (size_t)v->salt_len, s)] = 0;
    k1[pgwire_base64_encode(v->stored_key, 32, k1)] = 0;
    k2[pgwire_base64_encode(v->server_key, 32, k2)] = 0;
    snprintf(buf, cap, "SCRAM-SHA-256$%d:%s$%s:%s", v->iterations, s, k1, k2);
}

bool scram_verifier_parse(const char *s, ScramVerifier *out)
{
    const char *pre = "SCRAM-SHA-256$";
    if (strncmp(s, pre, strlen(pre)) != 0) return false;
    s += strlen(pre);
    char *end;
    long it = strtol(s, &end, 10);
    if (end == s || *end != ':' || it < 1 || it > 10000000) return false;
    const char *salt = end + 1, *d1 = strchr(salt, '$');
    if (!d1) return false;
    const char *k1 = d1 + 1, *c2 = strchr(k1, ':');
    if (!c2) return false;
    const char *k2 = c2 + 1;
    size_t k2len = strcspn(k2, "\r\n");
    long n = pgwire_base64_decode(salt, (size_t)(d1 - salt), out->salt, sizeof out->salt);
    if (n <= 0) return false;
    out->salt_len = (int)n;
    out->iterations = (int)it;
    uint8_t tmp[48];
    if (pgwire_base64_decode(k1, (size_t)(c2 - k1), tmp, sizeof tmp) != 32) return false;
    memcpy(out->stored_key, tmp, 32);
    if (pgwire_base64_decode(k2, k2len, tmp, sizeof tmp) != 32) return false;
    memcpy(out->server_key, tmp, 32);
    return true;
}

/* Finds attribute `a=` among the comma-separated attributes of msg. */
static bool attr(const char *msg, size_t len, char a, const char **val, size_t *vlen)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && msg[j] != ',') j++;
        if (j - i >= 2 && msg[i] == a && msg[i + 1] == '=') {
            *val = msg + i + 2;
            *vlen = j - i - 2;
            return true;
        }
        i = j + 1;
    }
    return false;
}

int scram_server_first(ScramState *st, const char *msg, size_t len, const char *server_nonce, char *out, size_t cap)
{
    /* gs2-header: "n,," or "y,," (an authzid "a=…" is not supported, as in PG) */
    if (len < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') return SCRAM_PROTOCOL;
    const char *c2 = memchr(msg + 2, ',', len - 2);
    if (!c2 || c2 != msg + 2) return SCRAM_PROTOCOL;
    size_t hl = (size_t)(c2 - msg) + 1;
    memcpy(st->gs2_header, msg, hl);
    st->gs2_header[hl] = 0;
    const char *bare = msg + hl;
    size_t blen = len - hl;
    if (blen >= sizeof st->client_first_bare) return SCRAM_PROTOCOL;
    memcpy(st->client_first_bare, bare, blen);
    st->client_first_bare[blen] = 0;
    if (memchr(bare, 0, blen)) return SCRAM_PROTOCOL;
    const char *cn;
    size_t cnl;
    if (!attr(bare, blen, 'r', &cn, &cnl) || cnl == 0 || cnl + strlen(server_nonce) >= sizeof st->nonce) return SCRAM_PROTOCOL;
    if (bare[0] == 'm') return SCRAM_PROTOCOL; /* mandatory extensions are not supported */
    for (size_t i = 0; i < cnl; i++)
        if (cn[i] < 0x21 || cn[i] > 0x7e || cn[i] == ',') return SCRAM_PROTOCOL;
    size_t snl = strlen(server_nonce); /* fits: checked above */
    memcpy(st->nonce, cn, cnl);
    memcpy(st->nonce + cnl, server_nonce, snl + 1);
    char salt[100];
    salt[pgwire_base64_encode(st->v.salt, (size_t)st->v.salt_len, salt)] = 0;
    int n = snprintf(st->server_first, sizeof st->server_first, "r=%s,s=%s,i=%d", st->nonce, salt, st->v.iterations);
    if (n < 0 || (size_t)n >= sizeof st->server_first || (size_t)n >= cap) return SCRAM_PROTOCOL;
    memcpy(out, st->server_first, (size_t)n + 1);
    return SCRAM_OK;
}

int scram_server_final(ScramState *st, const char *msg, size_t len, char *out, size_t cap)
{
    const char *cb, *nonce, *proof;
    size_t cbl, nl, pl;
    if (memchr(msg, 0, len)) return SCRAM_PROTOCOL;
    if (!attr(msg, len, 'c', &cb, &cbl) || !attr(msg, len, 'r', &nonce, &nl) || !attr(msg, len, 'p', &proof, &pl)) return SCRAM_PROTOCOL;
    /* the channel binding must repeat the gs2 header */
    uint8_t hdr[64];
    long hn = pgwire_base64_decode(cb, cbl, hdr, sizeof hdr);
    if (hn < 0 || (size_t)hn != strlen(st->gs2_header) || memcmp(hdr, st->gs2_header, (size_t)hn) != 0) return SCRAM_PROTOCOL;
    if (nl != strlen(st->nonce) || memcmp(nonce, st->nonce, nl) != 0) return SCRAM_PROTOCOL;
    uint8_t client_proof[48];
    if (pgwire_base64_decode(proof, pl, client_proof, sizeof client_proof) != 32) return SCRAM_PROTOCOL;
    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    const char *pstart = proof - 2; /* the ",p=" attribute is last */
    if (pstart <= msg || pstart[-1] != ',' || proof + pl != msg + len) return SCRAM_PROTOCOL;
    size_t without = (size_t)(pstart - 1 - msg);
    size_t alen = strlen(st->client_first_bare) + 1 + strlen(st->server_first) + 1 + without;
    char *auth = malloc(alen + 1);
    if (!auth) return SCRAM_PROTOCOL;
    snprintf(auth, alen + 1, "%s,%s,%.*s", st->client_first_bare, st->server_first, (int)without, msg);
    uint8_t sig[32], client_key[32], check[32], server_sig[32];
    hmac256(st->v.stored_key, 32, auth, alen, sig);
    for (int i = 0; i < 32; i++) client_key[i] = client_proof[i] ^ sig[i];
    SHA256(client_key, 32, check);
    hmac256(st->v.server_key, 32, auth, alen, server_sig);
    free(auth);
    if (st->mock || CRYPTO_memcmp(check, st->v.stored_key, 32) != 0) return SCRAM_BAD_PASSWORD;
    char b64[50];
    b64[pgwire_base64_encode(server_sig, 32, b64)] = 0;
    if ((size_t)snprintf(out, cap, "v=%s", b64) >= cap) return SCRAM_PROTOCOL;
    return SCRAM_OK;
}
