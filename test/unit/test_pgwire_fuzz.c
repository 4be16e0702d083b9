/*
 * test/unit/test_pgwire_fuzz.c — hostile client input to a wire-protocol
 * session, without sockets: a few hand-made byte streams through SessionIo
 * (oversized, truncated and out-of-order messages, unknown types, a valid
 * query after malformed ones) with their exact answers, then a replay of every
 * input in test/fuzz/crashers_pgwire/ and test/fuzz/corpus_pgwire/ through the
 * fuzz target's entry point (test/fuzz/fuzz_pgwire.c, linked into megadb-unit
 * without libFuzzer), so `make test` re-runs what the fuzzer found.
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "megadb.h"
#include "net/session.h"
#include "unit.h"

#ifndef MEGADB_SOURCE_DIR
#define MEGADB_SOURCE_DIR "."
#endif

int fuzz_pgwire_run(const uint8_t *data, size_t size, char *why, size_t cap);

typedef struct MemIo {
    const uint8_t *in;
    size_t len, pos;
    char out[65536];
    size_t out_len;
} MemIo;

static long mem_read(void *ctx, void *buf, size_t cap)
{
    MemIo *m = ctx;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    memcpy(buf, m->in + m->pos, n);
    m->pos += n;
    return (long)n;
}

static bool mem_write(void *ctx, const void *buf, size_t n)
{
    MemIo *m = ctx;
    if (m->out_len + n > sizeof m->out) return false;
    memcpy(m->out + m->out_len, buf, n);
    m->out_len += n;
    return true;
}

/* Appends a frontend message (type 0: a startup packet without a type byte). */
static size_t put_msg(uint8_t *buf, size_t at, char type, const void *body, size_t n)
{
    if (type) buf[at++] = (uint8_t)type;
    uint32_t len = (uint32_t)n + 4;
    buf[at] = (uint8_t)(len >> 24), buf[at + 1] = (uint8_t)(len >> 16), buf[at + 2] = (uint8_t)(len >> 8), buf[at + 3] = (uint8_t)len;
    memcpy(buf + at + 4, body, n);
    return at + 4 + n;
}

static size_t put_startup(uint8_t *buf)
{
    static const uint8_t body[] = "\x00\x03\x00\x00user\0u\0\0";
    return put_msg(buf, 0, 0, body, sizeof body - 1);
}

/* Runs a trust session over the bytes in[0..len) into m. */
static void run_session(const uint8_t *in, size_t len, MemIo *m)
{
    memset(m, 0, sizeof *m);
    m->in = in;
    m->len = len;
    Server srv;
    memset(&srv, 0, sizeof srv);
    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.cv, NULL);
    char *err = NULL;
    CHECK(mdb_open(NULL, &srv.db, &err) == MDB_OK);
    SessionIo io = {m, mem_read, mem_write};
    Session *s = session_new_io(&srv, &io, "unit");
    pthread_mutex_lock(&srv.mu);
    session_register(&srv, s);
    pthread_mutex_unlock(&srv.mu);
    session_main(s);
    CHECK_INT(srv.nsessions, 0);
    mdb_close(srv.db);
    pthread_mutex_destroy(&srv.mu);
    pthread_cond_destroy(&srv.cv);
}

/* The types of the server's messages after authentication, e.g. "RSSSSSSSSSSKZTDCZ";
 * with sqlstate, the SQLSTATE of the first ErrorResponse. */
static void msg_types(const MemIo *m, char *types, size_t cap, char *sqlstate)
{
    size_t pos = 0, k = 0;
    sqlstate[0] = 0;
    while (pos + 5 <= m->out_len && k + 1 < cap) {
        const uint8_t *p = (const uint8_t *)m->out + pos;
        uint32_t n = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
        if (pos + 1 + n > m->out_len) break;
        types[k++] = (char)p[0];
        if (p[0] == 'E' && !sqlstate[0]) {
            for (size_t i = 5; i < 1 + n && p[i];) {
                if (p[i] == 'C') snprintf(sqlstate, 6, "%s", (const char *)p + i + 1);
                i += 1 + strlen((const char *)p + i + 1) + 1;
            }
        }
        pos += 1 + n;
    }
    types[k] = 0;
}

/* Drops the startup answer (R, the ParameterStatus run, K, Z) from a type string. */
static const char *after_login(const char *t)
{
    const char *z = strchr(t, 'Z');
    return z ? z + 1 : "";
}

static void hostile_streams(void)
{
    uint8_t in[4096];
    MemIo *m = malloc(sizeof *m);
    char types[256], code[6];

    /* a valid query after login: RowDescription, DataRow "42", CommandComplete, ReadyForQuery */
    size_t n = put_startup(in);
    n = put_msg(in, n, 'Q', "SELECT 41 + 1\0", 14);
    n = put_msg(in, n, 'X', "", 0);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "TDCZ");
    CHECK(memmem(m->out, m->out_len, "\0\0\0\x02" "42", 6) != NULL);

    /* an announced length above 1 GiB: FATAL 08P01, and nothing after it is read */
    n = put_startup(in);
    memcpy(in + n, "Q\x7f\xff\xff\xff", 5);
    n += 5;
    n = put_msg(in, n, 'Q', "SELECT 1\0", 9);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "E");
    CHECK_STR(code, "08P01");

    /* a length below 4 */
    n = put_startup(in);
    memcpy(in + n, "Q\0\0\0\x02", 5);
    n += 5;
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "E");
    CHECK_STR(code, "08P01");

    /* an unknown message type */
    n = put_startup(in);
    n = put_msg(in, n, '~', "abc", 3);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "E");
    CHECK_STR(code, "08P01");

    /* a Query without its terminating NUL: malformed, FATAL */
    n = put_startup(in);
    n = put_msg(in, n, 'Q', "SELECT 1", 8);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "E");
    CHECK_STR(code, "08P01");

    /* a truncated message at the end of the stream: the session just ends */
    n = put_startup(in);
    n = put_msg(in, n, 'Q', "SELECT 1\0", 9);
    n -= 4;
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "");

    /* out of order: Bind and Execute of a portal that does not exist, then Sync, then a valid Query */
    n = put_startup(in);
    n = put_msg(in, n, 'B', "\0nope\0\0\0\0\0\0\0", 12);
    n = put_msg(in, n, 'E', "\0\0\0\0\0", 5);
    n = put_msg(in, n, 'S', "", 0);
    n = put_msg(in, n, 'Q', "SELECT 7\0", 9);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "EZTDCZ");
    CHECK_STR(code, "26000");

    /* CopyData outside COPY is ignored; a Query still works */
    n = put_startup(in);
    n = put_msg(in, n, 'd', "1\t2\n", 4);
    n = put_msg(in, n, 'c', "", 0);
    n = put_msg(in, n, 'Q', "SELECT 7\0", 9);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(after_login(types), "TDCZ");

    /* a StartupMessage with a broken parameter list: FATAL 08P01 before login */
    static const uint8_t broken[] = "\x00\x03\x00\x00user\0u";
    n = put_msg(in, 0, 0, broken, sizeof broken - 1);
    run_session(in, n, m);
    msg_types(m, types, sizeof types, code);
    CHECK_STR(types, "E");
    CHECK_STR(code, "08P01");

    /* SSLRequest without TLS configured: 'N', then the startup proceeds */
    n = put_msg(in, 0, 0, "\x04\xd2\x16\x2f", 4);
    run_session(in, n, m);
    CHECK(m->out_len == 1 && m->out[0] == 'N');
    free(m);
}

/* Replays every file in dir through the fuzz target; returns how many ran. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        static uint8_t buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        char why[200] = "";
        int rc = fuzz_pgwire_run(buf, n, why, sizeof why);
        unit_checks++;
        if (rc < 0) UNIT_FAIL_("%s: %s", path, why);
        count++;
    }
    closedir(d);
    return count;
}

void suite_pgwire_fuzz(void)
{
    server_log_silent = true; /* the FATALs of the hostile streams are expected */
    hostile_streams();
    int crashers = replay_dir(MEGADB_SOURCE_DIR "/test/fuzz/crashers_pgwire");
    int corpus = replay_dir(MEGADB_SOURCE_DIR "/test/fuzz/corpus_pgwire");
    CHECK(corpus > 0);
    printf("suite_pgwire_fuzz: %d crashers and %d corpus inputs replayed\n", crashers, corpus);
}
