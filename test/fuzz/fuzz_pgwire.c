/*
 * test/fuzz/fuzz_pgwire.c — libFuzzer target for the PostgreSQL wire-protocol
 * server (src/net/session.c): each input is a client's byte stream, fed to a
 * real session in-process through a SessionIo (no socket, no thread), on a
 * fresh in-memory database per input.
 *
 * The first input byte chooses how the stream is delivered; the rest is what
 * the client sends:
 *   bits 0-1  0: trust, the input is the whole stream (startup packet, or
 *                SSLRequest/GSSENCRequest/CancelRequest, then messages);
 *             1: SCRAM, the input is the whole stream (the SASL messages are
 *                the input's: it exercises the SASL decoding; a login fails);
 *             2: SCRAM, the harness logs in as the known user "fuzz" (a real
 *                exchange: it computes the client proof from the server's
 *                nonce), then the input is the message stream;
 *             3: trust, the harness sends the startup packet, then the input
 *                is the message stream.
 *   bits 2-3  how many bytes one read returns at most: all that fit, 1, 7 or
 *             64 (messages split across reads, and bytes queued behind an
 *             SSLRequest only when reads deliver them together).
 * In modes 2 and 3 the login must succeed (AuthenticationOk, then
 * ReadyForQuery): anything else is a bug.  For every input, the server's
 * output must be well-framed messages (a lone 'N'/'S' before authentication
 * answers an SSL/GSS request), every ErrorResponse must have a severity, a
 * five-character SQLSTATE and a message, and the session must end when the
 * input ends (a hang is a libFuzzer timeout).
 *
 * Bounding the work per input as test/fuzz/fuzz_sql.c does: inputs that
 * mention pg_sleep, or a row/space generator next to a six-digit number, are
 * skipped; in modes 2 and 3 the harness sets statement_timeout to 2 s.
 *
 * Built by `make fuzz` into build-fuzz/fuzz_pgwire (clang, ASan+UBSan, LSan).
 * With FUZZ_PGWIRE_NO_ENTRY the file only provides fuzz_pgwire_run(), which
 * test/unit/test_pgwire_fuzz.c uses to replay test/fuzz/crashers_pgwire and
 * test/fuzz/corpus_pgwire in `make test` without clang.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "megadb.h"
#include "net/session.h"

#define FUZZ_USER "fuzz"
#define FUZZ_PASSWORD "fuzz-secret"
#define FUZZ_ITERATIONS 16              /* the known user's PBKDF2 rounds: cheap per input */
#define FUZZ_OUT_CAP (4u << 20)         /* server output kept for checking */
#define FUZZ_CLIENT_NONCE "fuzzclientnonce0123456789"

int fuzz_pgwire_run(const uint8_t *data, size_t size, char *why, size_t cap);

typedef struct Feed {
    const uint8_t *pre;                 /* harness-made startup bytes (modes 2, 3) */
    size_t pre_len, pre_pos;
    bool scram_final;                   /* mode 2: the client-final is still to be sent */
    char final_msg[512];
    size_t final_len, final_pos;
    const uint8_t *in;                  /* the input's bytes */
    size_t len, pos;
    size_t chunk;                       /* most bytes per read (0: no limit) */
    uint8_t *out;                       /* what the server wrote (up to FUZZ_OUT_CAP) */
    size_t out_len;
    bool out_truncated;
} Feed;

static uint8_t salted_password[32];
static ScramVerifier fuzz_verifier;
static char users_dir[64];

static void hmac256(const uint8_t *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n);
}

static uint32_t be32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* The body of the last AuthenticationSASLContinue (R, code 11) the server sent. */
static bool find_server_first(const Feed *f, char *buf, size_t cap)
{
    bool found = false;
    size_t pos = 0;
    while (pos + 5 <= f->out_len) {
        uint8_t t = f->out[pos];
        uint32_t n = be32(f->out + pos + 1);
        if (n < 4 || pos + 1 + n > f->out_len) break;
        if (t == 'R' && n >= 8 && be32(f->out + pos + 5) == 11 && n - 8 < cap) {
            memcpy(buf, f->out + pos + 9, n - 8);
            buf[n - 8] = 0;
            found = true;
        }
        pos += 1 + n;
    }
    return found;
}

/* client-final-message with the proof for FUZZ_PASSWORD over this exchange. */
static void make_client_final(Feed *f)
{
    char sf[512];
    f->final_len = 0;
    if (!find_server_first(f, sf, sizeof sf)) return;
    const char *r = strstr(sf, "r="), *end = r ? strchr(r, ',') : NULL;
    if (!r || !end) return;
    char without[400];
    snprintf(without, sizeof without, "c=biws,r=%.*s", (int)(end - r - 2), r + 2);
    char auth[1200];
    snprintf(auth, sizeof auth, "n=,r=" FUZZ_CLIENT_NONCE ",%s,%s", sf, without);
    uint8_t client_key[32], stored_key[32], sig[32], proof[32];
    hmac256(salted_password, 32, "Client Key", 10, client_key);
    SHA256(client_key, 32, stored_key);
    hmac256(stored_key, 32, auth, strlen(auth), sig);
    for (int i = 0; i < 32; i++) proof[i] = client_key[i] ^ sig[i];
    char b64[64];
    b64[pgwire_base64_encode(proof, 32, b64)] = 0;
    char body[500];
    int bl = snprintf(body, sizeof body, "%s,p=%s", without, b64);
    f->final_msg[0] = 'p';
    put32((uint8_t *)f->final_msg + 1, (uint32_t)bl + 4);
    memcpy(f->final_msg + 5, body, (size_t)bl);
    f->final_len = (size_t)bl + 5;
}

static long feed_read(void *ctx, void *buf, size_t cap)
{
    Feed *f = ctx;
    if (f->chunk && cap > f->chunk) cap = f->chunk;
    const uint8_t *src;
    size_t avail;
    if (f->pre_pos < f->pre_len) {
        src = f->pre + f->pre_pos, avail = f->pre_len - f->pre_pos;
    } else {
        if (f->scram_final) { /* the server has sent its first message by now */
            make_client_final(f);
            f->scram_final = false;
        }
        if (f->final_pos < f->final_len) src = (const uint8_t *)f->final_msg + f->final_pos, avail = f->final_len - f->final_pos;
        else src = f->in + f->pos, avail = f->len - f->pos;
    }
    size_t n = avail < cap ? avail : cap;
    memcpy(buf, src, n);
    if (f->pre_pos < f->pre_len) f->pre_pos += n;
    else if (f->final_pos < f->final_len) f->final_pos += n;
    else f->pos += n;
    return (long)n;
}

static bool feed_write(void *ctx, const void *buf, size_t n)
{
    Feed *f = ctx;
    if (f->out_truncated || f->out_len + n > FUZZ_OUT_CAP) {
        f->out_truncated = true;
        return true;
    }
    f->out = realloc(f->out, f->out_len + n);
    if (!f->out) abort();
    memcpy(f->out + f->out_len, buf, n);
    f->out_len += n;
    return true;
}

/* Checks the server's output; returns NULL when it is fine, else what is wrong. */
static const char *check_output(const Feed *f, bool must_login)
{
    bool authed = false, ok = false, ready = false;
    size_t pos = 0;
    while (pos < f->out_len) {
        uint8_t t = f->out[pos];
        if (!authed && (t == 'N' || t == 'S')) { /* answer to SSLRequest / GSSENCRequest */
            pos++;
            continue;
        }
        if (pos + 5 > f->out_len) return f->out_truncated ? NULL : "truncated message header";
        uint32_t n = be32(f->out + pos + 1);
        if (n < 4) return "message length below 4";
        if (pos + 1 + n > f->out_len) return f->out_truncated ? NULL : "truncated message body";
        const uint8_t *b = f->out + pos + 5;
        size_t bl = n - 4;
        if (t == 'R') {
            authed = true;
            if (bl >= 4 && be32(b) == 0) ok = true;
        }
        if (t == 'Z') {
            if (bl != 1 || !strchr("ITE", b[0])) return "bad ReadyForQuery";
            if (ok) ready = true;
        }
        if (t == 'E' || t == 'N') {
            bool sev = false, msg = false, code = false;
            size_t i = 0;
            while (i < bl && b[i]) {
                uint8_t field = b[i++];
                const uint8_t *z = memchr(b + i, 0, bl - i);
                if (!z) return "unterminated error field";
                size_t fl = (size_t)(z - (b + i));
                if (field == 'S') sev = true;
                if (field == 'M') msg = fl > 0;
                if (field == 'C') {
                    code = fl == 5;
                    for (size_t k = 0; k < fl; k++)
                        if (!isdigit(b[i + k]) && !isupper(b[i + k])) code = false;
                }
                i += fl + 1;
            }
            if (i + 1 != bl) return "error fields not terminated";
            if (!sev || !msg || !code) return "ErrorResponse/NoticeResponse without severity, SQLSTATE or message";
        }
        pos += 1 + n;
    }
    if (must_login && !(ok && ready)) return "the harness's valid login was refused";
    return NULL;
}

static bool has_word(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)p + i, w, k) == 0) return true;
    return false;
}

/* Inputs that would only burn time (as in fuzz_sql.c): pg_sleep, or a row/space
 * generator next to a number literal of six or more digits. */
static bool too_expensive(const uint8_t *p, size_t n)
{
    if (has_word(p, n, "sleep")) return true;
    static const char *const gens[] = {"generate_series", "repeat", "lpad", "rpad", "recursive", "space(", "cross join", NULL};
    bool gen = false;
    for (int i = 0; gens[i] && !gen; i++) gen = has_word(p, n, gens[i]);
    if (!gen) return false;
    int run = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit(p[i]) || (run && p[i] == '_')) {
            if (++run >= 6) return true;
        } else if (p[i] == 'e' || p[i] == 'E') {
            if (run) return true;
        } else {
            run = 0;
        }
    }
    return false;
}

static void fuzz_init(void)
{
    static bool done;
    if (done) return;
    done = true;
    server_log_silent = !getenv("FUZZ_PGWIRE_LOG");
    static const uint8_t salt[16] = "fuzz-salt-16byt";
    PKCS5_PBKDF2_HMAC(FUZZ_PASSWORD, (int)strlen(FUZZ_PASSWORD), salt, sizeof salt, FUZZ_ITERATIONS, EVP_sha256(), 32,
                      salted_password);
    if (scram_verifier_make(FUZZ_PASSWORD, salt, sizeof salt, FUZZ_ITERATIONS, &fuzz_verifier) != 0) abort();
    /* CREATE/ALTER/DROP ROLE rewrite DIR/server_users: a private directory */
    snprintf(users_dir, sizeof users_dir, "/tmp/fuzz_pgwire.XXXXXX");
    if (!mkdtemp(users_dir)) abort();
}

/* The database: opening one costs more than most sessions (the OLTP store's in-memory WAL
 * segment is cleared), so the libFuzzer build keeps it for FUZZ_RECYCLE inputs and drops
 * every schema object a session created after each input, so that the next one starts from
 * an empty catalog again.  The replay (FUZZ_PGWIRE_NO_ENTRY) opens one per input. */
#ifndef FUZZ_RECYCLE
#ifdef FUZZ_PGWIRE_NO_ENTRY
#define FUZZ_RECYCLE 1
#else
#define FUZZ_RECYCLE 256
#endif
#endif
static MdbDatabase *shared_db;
static unsigned long db_uses;

static MdbDatabase *fuzz_db(void)
{
    if (!shared_db) {
        char *err = NULL;
        if (mdb_open(NULL, &shared_db, &err) != MDB_OK) {
            fprintf(stderr, "fuzz_pgwire: mdb_open: %s\n", err ? err : "?");
            abort();
        }
        db_uses = 0;
    }
    db_uses++;
    return shared_db;
}

/* Runs sql and collects the first column of its rows as DROP statements "prefix NAME suffix;". */
static bool collect_drops(MdbConn *c, const char *sql, const char *prefix, const char *suffix, char *buf, size_t cap)
{
    MdbResult *r = NULL;
    if (mdb_query(c, sql, &r) != MDB_OK) return false;
    MdbChunk *ch = NULL;
    size_t len = strlen(buf);
    bool ok = true;
    while (ok && mdb_result_fetch(r, &ch) == MDB_OK && ch) {
        for (size_t i = 0; i < mdb_chunk_row_count(ch); i++) {
            size_t n = 0;
            const char *name = mdb_chunk_get_text(ch, 0, i, &n);
            if (!name) continue;
            int k = snprintf(buf + len, cap - len, "%s \"", prefix);
            if (k < 0 || (size_t)k >= cap - len) { ok = false; break; }
            len += (size_t)k;
            for (size_t j = 0; j < n && len + 4 < cap; j++) {
                if (name[j] == '"') buf[len++] = '"';
                buf[len++] = name[j];
            }
            k = snprintf(buf + len, cap - len, "\" %s;", suffix);
            if (k < 0 || (size_t)k >= cap - len) { ok = false; break; }
            len += (size_t)k;
        }
    }
    mdb_result_free(r);
    return ok;
}

/* After an input: empties the catalog (or drops the database when that fails, or when
 * it has served FUZZ_RECYCLE inputs). */
static void fuzz_db_reset(void)
{
    bool clean = db_uses < FUZZ_RECYCLE;
    if (clean) {
        MdbConn *c = NULL;
        static char drops[1 << 16];
        drops[0] = 0;
        clean = mdb_connect(shared_db, &c) == MDB_OK;
        if (clean)
            clean = collect_drops(c, "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "
                                     "('public', 'pg_catalog', 'information_schema')", "DROP SCHEMA", "CASCADE", drops, sizeof drops) &&
                    collect_drops(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND "
                                     "table_type = 'VIEW'", "DROP VIEW IF EXISTS", "CASCADE", drops, sizeof drops) &&
                    collect_drops(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND "
                                     "table_type <> 'VIEW'", "DROP TABLE IF EXISTS", "CASCADE", drops, sizeof drops) &&
                    collect_drops(c, "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'",
                                  "DROP SEQUENCE IF EXISTS", "CASCADE", drops, sizeof drops);
        if (clean && drops[0]) clean = mdb_query(c, drops, NULL) == MDB_OK;
        if (c) mdb_disconnect(c);
    }
    if (!clean) {
        mdb_close(shared_db);
        shared_db = NULL;
    }
}

/* A startup packet: user, database, and statement_timeout through options. */
static size_t make_startup(uint8_t *buf, size_t cap)
{
    static const char params[] = "user\0" FUZZ_USER "\0database\0" FUZZ_USER "\0options\0-c statement_timeout=2000\0"
                                 "application_name\0fuzz\0";
    size_t n = 8 + sizeof params; /* sizeof includes the terminating NUL of the list */
    if (n > cap) abort();
    put32(buf, (uint32_t)n);
    put32(buf + 4, PGWIRE_PROTOCOL_3);
    memcpy(buf + 8, params, sizeof params);
    return n;
}

static size_t make_sasl_initial(uint8_t *buf, size_t cap)
{
    static const char mech[] = "SCRAM-SHA-256";
    static const char first[] = "n,,n=,r=" FUZZ_CLIENT_NONCE;
    size_t body = sizeof mech + 4 + (sizeof first - 1);
    if (1 + 4 + body > cap) abort();
    buf[0] = 'p';
    put32(buf + 1, (uint32_t)(body + 4));
    memcpy(buf + 5, mech, sizeof mech);
    put32(buf + 5 + sizeof mech, (uint32_t)(sizeof first - 1));
    memcpy(buf + 9 + sizeof mech, first, sizeof first - 1);
    return 1 + 4 + body;
}

/* Runs one input; 0 when it is fine, 1 when it was skipped, -1 with why set on a finding. */
int fuzz_pgwire_run(const uint8_t *data, size_t size, char *why, size_t cap)
{
    if (size < 1 || too_expensive(data, size)) return 1;
    fuzz_init();
    int mode = data[0] & 3;
    static const size_t chunks[4] = {0, 1, 7, 64};
    Feed f;
    memset(&f, 0, sizeof f);
    f.in = data + 1;
    f.len = size - 1;
    f.chunk = chunks[(data[0] >> 2) & 3];
    uint8_t pre[512];
    if (mode >= 2) {
        f.pre_len = make_startup(pre, sizeof pre);
        if (mode == 2) {
            f.pre_len += make_sasl_initial(pre + f.pre_len, sizeof pre - f.pre_len);
            f.scram_final = true;
        }
        f.pre = pre;
    }

    Server srv;
    memset(&srv, 0, sizeof srv);
    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.cv, NULL);
    srv.auth_scram = mode == 1 || mode == 2;
    if (srv.auth_scram) snprintf(srv.database, sizeof srv.database, "%s", FUZZ_USER);
    snprintf(srv.dir, sizeof srv.dir, "%s", users_dir);
    srv.users = calloc(1, sizeof(ServerUser));
    if (!srv.users) abort();
    snprintf(srv.users[0].name, sizeof srv.users[0].name, "%s", FUZZ_USER);
    srv.users[0].v = fuzz_verifier;
    srv.users[0].has_password = srv.users[0].login = true;
    srv.nusers = 1;
    srv.db = fuzz_db();

    SessionIo io = {&f, feed_read, feed_write};
    Session *s = session_new_io(&srv, &io, "fuzz");
    pthread_mutex_lock(&srv.mu);
    session_register(&srv, s);
    pthread_mutex_unlock(&srv.mu);
    session_main(s); /* frees s */

    if (getenv("FUZZ_PGWIRE_DUMP")) { /* the server's answer, one message per line (for triage) */
        for (size_t pos = 0; pos + 5 <= f.out_len;) {
            uint32_t n = be32(f.out + pos + 1);
            if (n < 4 || pos + 1 + n > f.out_len) break;
            fprintf(stderr, "%c %.*s\n", f.out[pos], (int)(n - 4 > 120 ? 120 : n - 4), (const char *)f.out + pos + 5);
            pos += 1 + n;
        }
    }
    int rc = 0;
    const char *bad = NULL;
    if (srv.nsessions != 0 || srv.sessions) bad = "the session did not unregister";
    if (!bad) bad = check_output(&f, mode >= 2);
    if (bad) {
        snprintf(why, cap, "%s", bad);
        rc = -1;
    }
    fuzz_db_reset();
    free(srv.users);
    free(f.out);
    pthread_mutex_destroy(&srv.mu);
    pthread_cond_destroy(&srv.cv);
    return rc;
}

#ifndef FUZZ_PGWIRE_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[200];
    int rc = fuzz_pgwire_run(data, size, why, sizeof why);
    if (rc < 0) {
        fprintf(stderr, "fuzz_pgwire: %s\n", why);
        abort();
    }
    return rc > 0 ? -1 : 0;
}
#endif
