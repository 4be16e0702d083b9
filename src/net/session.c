/*
 * src/net/session.c — one client connection of the PostgreSQL wire protocol
 * (v3): the startup exchange (SSLRequest, GSSENCRequest, CancelRequest,
 * StartupMessage, trust or SCRAM-SHA-256), then the simple and extended query
 * protocols and COPY, each mapped onto one MdbConn of the embedded API.
 *
 * Every length and count a client sends is checked before use: a message
 * beyond PGWIRE_MAX_MESSAGE, a truncated body or an unknown message type gets
 * a FATAL 08P01 and the connection is closed.  Errors of statements are sent
 * as ErrorResponse with the engine's SQLSTATE, detail, hint and position; in
 * the extended protocol the messages after an error are skipped up to Sync.
 *
 * Results: the engine materialises a statement's rows, so a portal keeps its
 * MdbResult and Execute with a row limit sends the next rows from it
 * (PortalSuspended while rows remain).  A portal's statement runs at its
 * first Describe or Execute.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <stdarg.h>
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "common/common.h"
#include "common/settings.h"
#include "net/session.h"

typedef struct PStmt {
    char *name;
    MdbStmt *st;            /* NULL for an empty query */
    int nparams;
    uint32_t *oids;         /* as the client gave them (0 = unspecified) */
    int copy_dir;
    bool txn_control;       /* BEGIN/COMMIT/ROLLBACK/SAVEPOINT/…: ends an implicit transaction */
    bool described;
    struct CursorCmd *cmd;  /* DECLARE/FETCH/MOVE/CLOSE (st: DECLARE's query, else NULL) */
    MdbResult *desc;        /* columns (NULL: no rows) */
    int refs;               /* the statement list's and portals' */
    struct PStmt *next;
} PStmt;

typedef struct Cursor {
    MdbResult *r;
    MdbChunk *chunk;
    size_t row;
    int ncols;
    PgTypeInfo *types;
    int16_t *fmts;          /* per column: 0 text, 1 binary */
} Cursor;

/* A cursor of DECLARE … CURSOR FOR query (SQL-level, as psycopg2's named cursors use): the
 * query's materialised result, read by FETCH and MOVE. */
typedef struct SqlCursor {
    char *name;
    MdbResult *r;
    Cursor cur;
    bool hold;              /* WITH HOLD: survives the end of its transaction */
    struct SqlCursor *next;
} SqlCursor;

typedef struct Portal {
    char *name;
    PStmt *ps;
    int nparams;
    char **vals;            /* text form of each parameter, NULL = SQL NULL */
    size_t *lens;
    int nfmts;
    int16_t *fmts;          /* result formats as sent in Bind */
    bool executed, done;
    MdbResult *r;
    Cursor cur;
    int64_t fetch_left;     /* FETCH through this portal: rows still to send (-1 = all) */
    struct Portal *next;
} Portal;

struct Session {
    Server *srv;
    int fd;                 /* the client's socket; -1 when io is used instead */
    SessionIo io;           /* byte source and sink of a socketless session (the fuzz target) */
    SSL *ssl;
    char peer[80];
    MdbConn *conn;
    uint32_t pid, key;
    bool running;           /* a statement runs (under srv->mu): cancel may act */
    bool peer_gone;         /* the watcher saw the client go during a statement */
    bool timed_out;         /* a read ran into the socket's timeout (authentication) */
    bool dead_end;          /* over --max-connections: only tells the client so */
    struct timespec deadline; /* CLOCK_MONOTONIC end of the authentication time (0: none) */
    uint8_t in[16384];
    size_t in_pos, in_len;
    uint8_t *msg;           /* body of the last message read */
    size_t msg_cap;
    PgBuf out;
    bool io_failed;
    PStmt *stmts;
    Portal *portals;
    bool skip_to_sync;
    SqlCursor *cursors;
    bool implicit;          /* an implicit transaction (several statements of one Query, or
                             * the Executes up to Sync) is open: BEGIN was run for it */
    char user[64], database[64];
    char reported[5][80];   /* TimeZone, DateStyle, application_name, IntervalStyle,
                             * session_authorization as last reported */
    Session *next;
};

Session *session_next(Session *s) { return s->next; }

/* ---- I/O ------------------------------------------------------------------------- */

static bool sess_flush(Session *s)
{
    size_t off = 0;
    while (!s->io_failed && off < s->out.len) {
        ssize_t n;
        if (s->io.write) {
            n = s->io.write(s->io.ctx, s->out.data + off, s->out.len - off) ? (ssize_t)(s->out.len - off) : -1;
        } else if (s->ssl) {
            int k = SSL_write(s->ssl, s->out.data + off, (int)(s->out.len - off > 1 << 30 ? 1 << 30 : s->out.len - off));
            n = k > 0 ? k : -1;
        } else {
            n = send(s->fd, s->out.data + off, s->out.len - off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
        }
        if (n <= 0) s->io_failed = true;
        else off += (size_t)n;
    }
    s->out.len = 0;
    return !s->io_failed;
}

static bool sess_fill(Session *s)
{
    if (s->io_failed) return false;
    if (s->in_pos == s->in_len) s->in_pos = s->in_len = 0;
    for (;;) {
        ssize_t n;
        if (s->io.read) {
            n = s->io.read(s->io.ctx, s->in + s->in_len, sizeof s->in - s->in_len);
        } else if (s->ssl) {
            int k = SSL_read(s->ssl, s->in + s->in_len, (int)(sizeof s->in - s->in_len));
            n = k > 0 ? k : -1;
        } else {
            if (s->deadline.tv_sec) {
                /* the authentication timeout bounds the whole startup, not each read */
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long long ms = (long long)(s->deadline.tv_sec - now.tv_sec) * 1000 + (s->deadline.tv_nsec - now.tv_nsec) / 1000000;
                if (ms <= 0) {
                    s->timed_out = s->io_failed = true;
                    return false;
                }
                struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
                setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            }
            n = recv(s->fd, s->in + s->in_len, sizeof s->in - s->in_len, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) s->timed_out = true;
        }
        if (n <= 0) {
            s->io_failed = true;
            return false;
        }
        s->in_len += (size_t)n;
        return true;
    }
}

static bool sess_read(Session *s, void *dst, size_t n)
{
    uint8_t *d = dst;
    while (n > 0) {
        if (s->in_pos == s->in_len && !sess_fill(s)) return false;
        size_t k = s->in_len - s->in_pos < n ? s->in_len - s->in_pos : n;
        memcpy(d, s->in + s->in_pos, k);
        s->in_pos += k;
        d += k;
        n -= k;
    }
    return true;
}

/* Reads n bytes into s->msg, growing it as the bytes arrive (a client that
 * announces a huge length but sends little costs little). */
static bool sess_read_body(Session *s, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got < 1 << 20 ? n - got : 1 << 20;
        if (s->msg_cap < got + want + 1) {
            size_t cap = s->msg_cap ? s->msg_cap : 4096;
            while (cap < got + want + 1) cap *= 2;
            s->msg = xrealloc(s->msg, cap);
            s->msg_cap = cap;
        }
        if (!sess_read(s, s->msg + got, want)) return false;
        got += want;
    }
    if (!s->msg) s->msg = xmalloc(s->msg_cap = 4096);
    s->msg[n] = 0;
    return true;
}

static uint32_t be32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }

/* ---- messages to the client --------------------------------------------------------- */

static void show_setting(Session *s, const char *name, char *buf, size_t cap);

/* Whether a NOTICE goes to the client: client_min_messages at or below notice (debug*, log,
 * notice), as PostgreSQL filters its messages.  Asked only when there is a notice to send. */
static bool notices_wanted(Session *s)
{
    char v[32];
    show_setting(s, "client_min_messages", v, sizeof v);
    return strcmp(v, "warning") != 0 && strcmp(v, "error") != 0;
}

/* NoticeResponse for every NOTICE the statement raised (DROP … IF EXISTS of a missing object, …). */
static void send_notices(Session *s, const MdbResult *r)
{
    char code[6];
    const char *m;
    if (!mdb_result_notice(r, 0, code) || !notices_wanted(s)) return;
    for (int i = 0; (m = mdb_result_notice(r, i, code)) != NULL; i++) {
        const char *nl = strchr(m, '\n');
        int n = (int)(nl ? (size_t)(nl - m) : strlen(m));
        char msg[600];
        snprintf(msg, sizeof msg, "%.*s", n, m);
        PgBuf *b = &s->out;
        pgb_begin(b, 'N');
        pgb_byte(b, 'S');
        pgb_cstr(b, "NOTICE");
        pgb_byte(b, 'V');
        pgb_cstr(b, "NOTICE");
        pgb_byte(b, 'C');
        pgb_cstr(b, code);
        pgb_byte(b, 'M');
        pgb_cstr(b, msg);
        pgb_byte(b, 0);
        pgb_end(b);
    }
}

static void send_error_fields(Session *s, const char *severity, const char *sqlstate, const char *msg, const char *detail, const char *hint,
                              int position)
{
    PgBuf *b = &s->out;
    pgb_begin(b, 'E');
    pgb_byte(b, 'S');
    pgb_cstr(b, severity);
    pgb_byte(b, 'V');
    pgb_cstr(b, severity);
    pgb_byte(b, 'C');
    pgb_cstr(b, sqlstate);
    pgb_byte(b, 'M');
    pgb_cstr(b, msg);
    if (detail) {
        pgb_byte(b, 'D');
        pgb_cstr(b, detail);
    }
    if (hint) {
        pgb_byte(b, 'H');
        pgb_cstr(b, hint);
    }
    if (position > 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", position);
        pgb_byte(b, 'P');
        pgb_cstr(b, p);
    }
    pgb_byte(b, 0);
    pgb_end(b);
}

static void send_error(Session *s, const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void send_error(Session *s, const char *sqlstate, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    send_error_fields(s, "ERROR", sqlstate, msg, NULL, NULL, 0);
}

/* FATAL: sent, flushed; the caller closes the connection. */
static void send_fatal(Session *s, const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void send_fatal(Session *s, const char *sqlstate, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    server_log("FATAL", "%s: %s (%s)", s->peer, msg, sqlstate);
    send_error_fields(s, "FATAL", sqlstate, msg, NULL, NULL, 0);
    sess_flush(s);
}

/* The engine's error; `char_off` is added to its position (a statement that
 * started inside a longer query string). */
static void send_conn_error(Session *s, int char_off)
{
    const MdbErrorInfo *e = mdb_conn_error(s->conn);
    send_error_fields(s, "ERROR", e->sqlstate, e->message, e->detail, e->hint, e->position > 0 ? e->position + char_off : 0);
}

static void send_simple(Session *s, char type)
{
    pgb_begin(&s->out, type);
    pgb_end(&s->out);
}

static void send_command_complete(Session *s, const char *tag)
{
    pgb_begin(&s->out, 'C');
    pgb_cstr(&s->out, tag);
    pgb_end(&s->out);
}

static void send_parameter_status(Session *s, const char *name, const char *value)
{
    pgb_begin(&s->out, 'S');
    pgb_cstr(&s->out, name);
    pgb_cstr(&s->out, value);
    pgb_end(&s->out);
}

static void send_ready(Session *s)
{
    pgb_begin(&s->out, 'Z');
    pgb_byte(&s->out, mdb_conn_txn_failed(s->conn) ? 'E' : mdb_conn_in_transaction(s->conn) ? 'T' : 'I');
    pgb_end(&s->out);
}

/* ---- result rows -------------------------------------------------------------------- */

static bool binary_supported(uint32_t oid)
{
    static const uint32_t ok[] = {16, 21, 23, 20, 700, 701, 1700, 17, 2950, 1082, 1083, 1114, 1184, 1186, 25, 1043, 1042, 114, 3802};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i] == oid) return true;
    return pgwire_array_has_binary(oid);
}

static void cursor_free(Cursor *c)
{
    free(c->types);
    free(c->fmts);
    memset(c, 0, sizeof(*c));
}

/* Sets up c over r with the Bind message's result formats (0, 1 or one per
 * column).  Returns false (error sent) for bad formats. */
static bool cursor_init(Session *s, Cursor *c, MdbResult *r, const int16_t *fmts, int nfmts)
{
    memset(c, 0, sizeof(*c));
    c->r = r;
    c->ncols = mdb_result_column_count(r);
    c->types = xcalloc((size_t)c->ncols + 1, sizeof(PgTypeInfo));
    c->fmts = xcalloc((size_t)c->ncols + 1, sizeof(int16_t));
    if (nfmts > 1 && nfmts != c->ncols) {
        send_error(s, "08P01", "bind message has %d result formats but query has %d columns", nfmts, c->ncols);
        return false;
    }
    for (int i = 0; i < c->ncols; i++) {
        c->types[i] = pgwire_type_from_name(mdb_result_column_type_name(r, i));
        c->fmts[i] = nfmts == 0 ? 0 : nfmts == 1 ? fmts[0] : fmts[i];
        if (c->fmts[i] != 0 && c->fmts[i] != 1) {
            send_error(s, "22023", "unsupported format code: %d", c->fmts[i]);
            return false;
        }
        if (c->fmts[i] == 1 && !binary_supported(c->types[i].oid)) {
            send_error(s, "42883", "no binary output function available for type %s", mdb_result_column_type_name(r, i));
            return false;
        }
    }
    return true;
}

static void send_row_description(Session *s, MdbResult *r, const Cursor *c)
{
    PgBuf *b = &s->out;
    int n = mdb_result_column_count(r);
    pgb_begin(b, 'T');
    pgb_int16(b, (int16_t)n);
    for (int i = 0; i < n; i++) {
        PgTypeInfo t = pgwire_type_from_name(mdb_result_column_type_name(r, i));
        uint32_t toid;
        int attnum;
        mdb_result_column_origin(r, i, &toid, &attnum);
        pgb_cstr(b, mdb_result_column_name(r, i));
        pgb_int32(b, (int32_t)toid); /* the table and column it reads unchanged, else 0 */
        pgb_int16(b, (int16_t)attnum);
        pgb_int32(b, (int32_t)t.oid);
        pgb_int16(b, t.typlen);
        pgb_int32(b, t.typmod);
        pgb_int16(b, c ? c->fmts[i] : 0);
    }
    pgb_end(b);
}

/* Sends up to max rows (0 = all).  Returns 1 when rows remain, 0 when the
 * result is exhausted, -1 when the connection failed. */
static int cursor_send(Session *s, Cursor *c, int64_t max, int64_t *sent)
{
    PgBuf tmp = {0};
    *sent = 0;
    for (;;) {
        if (!c->chunk || c->row >= mdb_chunk_row_count(c->chunk)) {
            if (mdb_result_fetch(c->r, &c->chunk) != MDB_OK || !c->chunk) {
                c->chunk = NULL;
                pgb_free(&tmp);
                return 0;
            }
            c->row = 0;
            continue;
        }
        if (max > 0 && *sent == max) {
            pgb_free(&tmp);
            return 1;
        }
        PgBuf *b = &s->out;
        pgb_begin(b, 'D');
        pgb_int16(b, (int16_t)c->ncols);
        for (int i = 0; i < c->ncols; i++) {
            size_t len;
            const char *t = mdb_chunk_get_text(c->chunk, i, c->row, &len);
            if (!t) {
                pgb_int32(b, -1);
            } else if (c->fmts[i] == 1) {
                tmp.len = 0;
                if (!pgwire_encode_binary(c->types[i].oid, t, len, &tmp)) {
                    /* the text the engine printed has no binary form (e.g. a date beyond the range) */
                    tmp.len = 0;
                }
                pgb_int32(b, (int32_t)tmp.len);
                pgb_bytes(b, tmp.data, tmp.len);
            } else {
                pgb_int32(b, (int32_t)len);
                pgb_bytes(b, t, len);
            }
        }
        pgb_end(b);
        c->row++;
        (*sent)++;
        if (b->len > 1 << 16 && !sess_flush(s)) {
            pgb_free(&tmp);
            return -1;
        }
    }
}

/* ---- ParameterStatus after SET --------------------------------------------------------- */

static const char *REPORTED[5] = {"TimeZone", "DateStyle", "application_name", "IntervalStyle", "session_authorization"};

static void show_setting(Session *s, const char *name, char *buf, size_t cap)
{
    char sql[128];
    MdbResult *r = NULL;
    MdbChunk *ch = NULL;
    buf[0] = 0;
    snprintf(sql, sizeof sql, "SHOW %s", name);
    if (mdb_query(s->conn, sql, &r) == MDB_OK && r && mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch) > 0) {
        const char *t = mdb_chunk_get_text(ch, 0, 0, NULL);
        snprintf(buf, cap, "%s", t ? t : "");
    }
    mdb_result_free(r);
}

/* Reports the settings clients track when they changed (as PostgreSQL's GUC_REPORT). */
static void report_changes(Session *s, bool all)
{
    for (int i = 0; i < 5; i++) {
        char v[80];
        if (i == 3) snprintf(v, sizeof v, "postgres"); /* the only IntervalStyle */
        else show_setting(s, REPORTED[i], v, sizeof v);
        if (i == 1 && !v[0]) snprintf(v, sizeof v, "ISO, MDY");
        if (all || strcmp(v, s->reported[i]) != 0) {
            snprintf(s->reported[i], sizeof s->reported[i], "%s", v);
            send_parameter_status(s, REPORTED[i], v);
        }
    }
}

/* ---- running statements -------------------------------------------------------------------- */

static void set_running(Session *s, bool on)
{
    pthread_mutex_lock(&s->srv->mu);
    s->running = on;
    pthread_mutex_unlock(&s->srv->mu);
}

/* COPY … FROM STDIN: CopyInResponse, then CopyData until CopyDone or
 * CopyFail.  Returns 1 with the data, 0 after an error was sent, -1 when the
 * connection must close. */
static int copy_in_collect(Session *s, char **data, size_t *len)
{
    pgb_begin(&s->out, 'G');
    pgb_byte(&s->out, 0);
    pgb_int16(&s->out, 0);
    pgb_end(&s->out);
    if (!sess_flush(s)) return -1;
    PgBuf acc = {0};
    for (;;) {
        uint8_t hdr[5];
        if (!sess_read(s, hdr, 5)) {
            pgb_free(&acc);
            return -1;
        }
        uint32_t n = be32(hdr + 1);
        if (n < 4 || n - 4 > PGWIRE_MAX_MESSAGE) {
            send_fatal(s, "08P01", "invalid message length");
            pgb_free(&acc);
            return -1;
        }
        if (!sess_read_body(s, n - 4)) {
            pgb_free(&acc);
            return -1;
        }
        switch (hdr[0]) {
        case 'd':
            if (acc.len + (n - 4) > PGWIRE_MAX_MESSAGE) {
                pgb_free(&acc);
                send_error(s, "54000", "COPY data beyond %u bytes is not supported in one statement", PGWIRE_MAX_MESSAGE);
                return 0; /* PG would go on draining; the client sees the error after CopyDone */
            }
            pgb_bytes(&acc, s->msg, n - 4);
            break;
        case 'c':
            pgb_byte(&acc, 0); /* a NUL after the data; not part of it */
            *data = (char *)acc.data;
            *len = acc.len - 1;
            return 1;
        case 'f':
            pgb_free(&acc);
            send_error(s, "57014", "COPY from stdin failed: %s", (const char *)s->msg);
            return 0;
        case 'H':
        case 'S':
            break;
        default:
            pgb_free(&acc);
            send_fatal(s, "08P01", "unexpected message type 0x%02X during COPY from stdin", hdr[0]);
            return -1;
        }
    }
}

/* Runs st (its parameters bound).  Returns 1 with *res, 0 after an error was
 * sent, -1 when the connection must close. */
static int run_statement(Session *s, MdbStmt *st, int copy_dir, int char_off, MdbResult **res)
{
    char *data = NULL;
    size_t len = 0;
    *res = NULL;
    if (copy_dir == 1) {
        int k = copy_in_collect(s, &data, &len);
        if (k <= 0) return k;
        mdb_conn_copy_in(s->conn, data, len);
    }
    set_running(s, true);
    int rc = mdb_stmt_execute(st, res);
    set_running(s, false);
    if (copy_dir == 1) {
        mdb_conn_copy_in(s->conn, NULL, 0);
        free(data);
    }
    if (rc != MDB_OK) {
        send_conn_error(s, char_off);
        return 0;
    }
    return 1;
}

/* Sends a COPY … TO STDOUT result: CopyOutResponse, CopyData, CopyDone. */
static bool send_copy_out(Session *s, MdbResult *r)
{
    size_t len;
    int ncols;
    const char *p = mdb_result_copy_data(r, &len, &ncols);
    pgb_begin(&s->out, 'H');
    pgb_byte(&s->out, 0);
    pgb_int16(&s->out, (int16_t)ncols);
    for (int i = 0; i < ncols; i++) pgb_int16(&s->out, 0);
    pgb_end(&s->out);
    size_t off = 0;
    while (p && off < len) {
        /* one CopyData per row, as PostgreSQL sends them */
        const char *nl = memchr(p + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (p + off)) + 1 : len - off;
        pgb_begin(&s->out, 'd');
        pgb_bytes(&s->out, p + off, n);
        pgb_end(&s->out);
        off += n;
        if (s->out.len > 1 << 16 && !sess_flush(s)) return false;
    }
    send_simple(s, 'c');
    return true;
}

static bool is_set_tag(const char *tag) { return !strcmp(tag, "SET") || !strcmp(tag, "RESET"); }

/* Number of characters (UTF-8) in the first n bytes of p. */
static int char_count(const char *p, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80) k++;
    return k;
}


/* ---- DECLARE / FETCH / MOVE / CLOSE ------------------------------------------------------- */

/* Reads one (possibly double-quoted) identifier or keyword at *pp into out (lower-cased unless
 * quoted); false when there is none. */
static bool sql_word(const char **pp, char *out, size_t cap)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p; p++) {
            if (*p == '"') {
                if (p[1] != '"') { p++; break; }
                p++;
            }
            if (n + 1 < cap) out[n++] = *p;
        }
    } else {
        while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '+' || (unsigned char)*p >= 0x80)) {
            if (n + 1 < cap) out[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
    }
    out[n] = 0;
    *pp = p;
    return n > 0;
}

static SqlCursor *find_cursor(Session *s, const char *name)
{
    for (SqlCursor *c = s->cursors; c; c = c->next)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

static void close_cursor(Session *s, SqlCursor *c)
{
    for (SqlCursor **pp = &s->cursors; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    cursor_free(&c->cur);
    mdb_result_free(c->r);
    free(c->name);
    free(c);
}

/* At the end of a transaction its cursors (those without HOLD) go. */
static void close_txn_cursors(Session *s)
{
    if (mdb_conn_in_transaction(s->conn)) return;
    for (SqlCursor *c = s->cursors, *n; c; c = n) {
        n = c->next;
        if (!c->hold) close_cursor(s, c);
    }
}

/* Skips up to max rows (0 = all) of c; their number in *skipped. */
static void cursor_skip(Cursor *c, int64_t max, int64_t *skipped)
{
    *skipped = 0;
    for (;;) {
        if (!c->chunk || c->row >= mdb_chunk_row_count(c->chunk)) {
            if (mdb_result_fetch(c->r, &c->chunk) != MDB_OK || !c->chunk) {
                c->chunk = NULL;
                return;
            }
            c->row = 0;
            continue;
        }
        if (max > 0 && *skipped == max) return;
        size_t take = mdb_chunk_row_count(c->chunk) - c->row;
        if (max > 0 && (int64_t)take > max - *skipped) take = (size_t)(max - *skipped);
        c->row += take;
        *skipped += (int64_t)take;
    }
}

/* A DECLARE, FETCH, MOVE or CLOSE statement, parsed (the engine has no cursor statements). */
enum { CUR_NONE, CUR_DECLARE, CUR_FETCH, CUR_MOVE, CUR_CLOSE };
typedef struct CursorCmd {
    int kind;
    char name[128];
    bool hold;              /* DECLARE … WITH HOLD */
    bool all;               /* CLOSE ALL */
    int64_t count;          /* FETCH/MOVE: rows, -1 = ALL */
    size_t query_off;       /* DECLARE: where the query starts in the statement's text */
} CursorCmd;

/* Parses text as a cursor statement: 1 parsed into *cc, 0 malformed (error sent), 2 not a
 * cursor statement. */
static int cursor_cmd_parse(Session *s, const char *text, CursorCmd *cc)
{
    const char *p = text;
    char w[128];
    memset(cc, 0, sizeof(*cc));
    if (!sql_word(&p, w, sizeof w)) return 2;
    cc->kind = !strcmp(w, "declare") ? CUR_DECLARE : !strcmp(w, "fetch") ? CUR_FETCH : !strcmp(w, "move") ? CUR_MOVE
             : !strcmp(w, "close") ? CUR_CLOSE : CUR_NONE;
    if (cc->kind == CUR_NONE) return 2;
    if (cc->kind == CUR_DECLARE) {
        if (!sql_word(&p, cc->name, sizeof cc->name)) goto syntax;
        bool seen_cursor = false;
        while (sql_word(&p, w, sizeof w)) {
            if (!strcmp(w, "cursor")) seen_cursor = true;
            else if (!strcmp(w, "with") && seen_cursor) cc->hold = true;
            else if (!strcmp(w, "for") && seen_cursor) break;
            else if (!strcmp(w, "binary")) {
                send_error(s, "0A000", "binary cursors are not supported");
                return 0;
            } else if (!strcmp(w, "scroll") && !seen_cursor) {
                send_error(s, "0A000", "scrollable cursors are not supported");
                return 0;
            }
        }
        if (strcmp(w, "for") || !seen_cursor) goto syntax;
        cc->query_off = (size_t)(p - text);
        return 1;
    }
    if (cc->kind == CUR_CLOSE) {
        if (!sql_word(&p, cc->name, sizeof cc->name)) goto syntax;
        cc->all = !strcmp(cc->name, "all");
        return 1;
    }
    /* FETCH / MOVE [NEXT | FORWARD [n | ALL] | n | ALL] [FROM | IN] name */
    cc->count = 1;
    if (!sql_word(&p, w, sizeof w)) goto syntax;
    if (!strcmp(w, "next") || !strcmp(w, "forward")) {
        bool fwd = !strcmp(w, "forward");
        const char *save = p;
        if (!sql_word(&p, w, sizeof w)) goto syntax;
        if (fwd && !strcmp(w, "all")) cc->count = -1;
        else if (fwd && isdigit((unsigned char)w[0])) cc->count = atoll(w);
        else p = save;
        if (!sql_word(&p, w, sizeof w)) goto syntax;
    } else if (!strcmp(w, "all")) {
        cc->count = -1;
        if (!sql_word(&p, w, sizeof w)) goto syntax;
    } else if (isdigit((unsigned char)w[0]) || w[0] == '+') {
        cc->count = atoll(w);
        if (!sql_word(&p, w, sizeof w)) goto syntax;
    } else if (!strcmp(w, "prior") || !strcmp(w, "first") || !strcmp(w, "last") || !strcmp(w, "absolute") ||
               !strcmp(w, "relative") || !strcmp(w, "backward") || w[0] == '-') {
        send_error(s, "0A000", "cursor can only scan forward");
        return 0;
    }
    if (!strcmp(w, "from") || !strcmp(w, "in")) {
        if (!sql_word(&p, cc->name, sizeof cc->name)) goto syntax;
    } else {
        snprintf(cc->name, sizeof cc->name, "%s", w);
    }
    return 1;
syntax:
    send_error(s, "42601", "syntax error in %s",
               cc->kind == CUR_FETCH ? "FETCH" : cc->kind == CUR_MOVE ? "MOVE" : cc->kind == CUR_DECLARE ? "DECLARE" : "CLOSE");
    return 0;
}

/* DECLARE: runs st (the cursor's query, its parameters bound) and keeps its rows as cursor
 * cc->name.  `block` tells whether a transaction block is open (a cursor without HOLD needs
 * one).  1 done (CommandComplete sent), 0 failed (error sent), -1 connection lost. */
static int cursor_declare(Session *s, const CursorCmd *cc, MdbStmt *st, bool block)
{
    if (!cc->hold && !block) {
        send_error(s, "25P01", "DECLARE CURSOR can only be used in transaction blocks");
        return 0;
    }
    if (find_cursor(s, cc->name)) {
        send_error(s, "42P03", "cursor \"%s\" already exists", cc->name);
        return 0;
    }
    MdbResult *r = NULL;
    int k = run_statement(s, st, 0, 0, &r);
    if (k <= 0) return k;
    if (!mdb_result_has_rows(r)) {
        mdb_result_free(r);
        send_error(s, "42P11", "cursor \"%s\" is not a SELECT query", cc->name);
        return 0;
    }
    SqlCursor *c = xcalloc(1, sizeof(SqlCursor));
    c->name = xstrdup(cc->name);
    c->r = r;
    c->hold = cc->hold;
    cursor_init(s, &c->cur, r, NULL, 0);
    c->next = s->cursors;
    s->cursors = c;
    send_command_complete(s, "DECLARE CURSOR");
    return 1;
}

/* FETCH, MOVE or CLOSE.  With `portal` (the extended protocol) FETCH sends no RowDescription
 * (Describe did), its rows in the portal's result formats and at most `max` of them (0 = no
 * limit) per Execute, PortalSuspended when the limit cut it short; portal->fetch_left
 * carries the count across Executes.  1 done, 0 failed (error sent), -1 lost. */
static int cursor_command(Session *s, const CursorCmd *cc, Portal *portal, int64_t max);

static int cursor_command(Session *s, const CursorCmd *cc, Portal *portal, int64_t max)
{
    if (cc->kind == CUR_CLOSE) {
        if (cc->all) {
            while (s->cursors) close_cursor(s, s->cursors);
        } else {
            SqlCursor *c = find_cursor(s, cc->name);
            if (!c) {
                send_error(s, "34000", "cursor \"%s\" does not exist", cc->name);
                return 0;
            }
            close_cursor(s, c);
        }
        send_command_complete(s, "CLOSE CURSOR");
        return 1;
    }
    SqlCursor *c = find_cursor(s, cc->name);
    if (!c) {
        send_error(s, "34000", "cursor \"%s\" does not exist", cc->name);
        return 0;
    }
    int64_t left = cc->count;
    if (portal) {
        if (!portal->executed) {
            portal->executed = true;
            portal->fetch_left = cc->count;
        }
        left = portal->fetch_left;
    }
    char tag[64];
    int64_t n = 0;
    if (cc->kind == CUR_MOVE) {
        if (left != 0) cursor_skip(&c->cur, left < 0 ? 0 : left, &n);
        snprintf(tag, sizeof tag, "MOVE %lld", (long long)n);
        send_command_complete(s, tag);
        return 1;
    }
    int more = 0;
    if (!portal) {
        send_row_description(s, c->r, &c->cur);
        if (left != 0 && cursor_send(s, &c->cur, left < 0 ? 0 : left, &n) < 0) return -1;
    } else if (left != 0) {
        /* the portal's result formats, for this Execute only: the cursor keeps text */
        Cursor fc;
        if (!cursor_init(s, &fc, c->r, portal->fmts, portal->nfmts)) {
            cursor_free(&fc);
            return 0;
        }
        int16_t *saved = c->cur.fmts;
        c->cur.fmts = fc.fmts;
        int64_t lim = left < 0 ? max : max > 0 && max < left ? max : left;
        more = cursor_send(s, &c->cur, lim, &n);
        c->cur.fmts = saved;
        cursor_free(&fc);
        if (more < 0) return -1;
        if (left > 0) left -= n;
        portal->fetch_left = left;
        /* suspended only when the Execute's limit, not the FETCH count, stopped it */
        if (more && max > 0 && n == max && left != 0) {
            send_simple(s, 's');
            return 1;
        }
    }
    snprintf(tag, sizeof tag, "FETCH %lld", (long long)n); /* this Execute's rows, as PostgreSQL counts */
    send_command_complete(s, tag);
    return 1;
}

/* Runs the statement at sql when it is DECLARE, FETCH, MOVE or CLOSE (Simple Query): 1 done
 * (reply sent), 0 failed (error sent), -1 connection lost, 2 not such a statement. */
static int run_cursor_statement(Session *s, const char *sql, size_t len)
{
    char *text = xstrndup(sql, len);
    CursorCmd cc;
    int rc = cursor_cmd_parse(s, text, &cc);
    if (rc != 1) goto out;
    if (mdb_conn_txn_failed(s->conn)) {
        send_error(s, "25P02", "current transaction is aborted, commands ignored until end of transaction block");
        rc = 0;
        goto out;
    }
    if (cc.kind == CUR_DECLARE) {
        MdbStmt *st = NULL;
        if (mdb_prepare(s->conn, text + cc.query_off, &st, NULL) != MDB_OK || !st) {
            if (st) mdb_stmt_free(st);
            else if (mdb_conn_error(s->conn)->message) send_conn_error(s, 0);
            else send_error(s, "42601", "syntax error at end of input");
            rc = 0;
            goto out;
        }
        rc = cursor_declare(s, &cc, st, mdb_conn_in_transaction(s->conn));
        mdb_stmt_free(st);
        goto out;
    }
    rc = cursor_command(s, &cc, NULL, 0);
out:
    free(text);
    return rc;
}

/* ---- CREATE / ALTER / DROP ROLE ------------------------------------------------------------- */

/* Reads a string literal '…' ('' inside it is a quote; E'…' too) into a malloc'd string. */
static char *sql_string(const char **pp)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if ((*p == 'E' || *p == 'e') && p[1] == '\'') p++;
    if (*p != '\'') return NULL;
    size_t cap = strlen(p) + 1, n = 0;
    char *out = xmalloc(cap);
    for (p++; *p; p++) {
        if (*p == '\'') {
            if (p[1] != '\'') break;
            p++;
        }
        out[n++] = *p;
    }
    if (*p != '\'') {
        free(out);
        return NULL;
    }
    out[n] = 0;
    *pp = p + 1;
    return out;
}

/* Runs CREATE/ALTER/DROP ROLE (or USER), which the server keeps in its users file, not the
 * engine: 1 done, 0 failed (error sent), 2 not such a statement. */
static int run_role_statement(Session *s, const char *sql, size_t len)
{
    char *text = xstrndup(sql, len);
    const char *p = text;
    char w[128], name[128], code[6], msg[256];
    int rc = 2;
    char *password = NULL;
    if (!sql_word(&p, w, sizeof w)) goto out;
    bool create = !strcmp(w, "create"), alter = !strcmp(w, "alter"), drop = !strcmp(w, "drop");
    if (!create && !alter && !drop) goto out;
    if (!sql_word(&p, w, sizeof w)) goto out;
    bool user = !strcmp(w, "user");
    if (!user && strcmp(w, "role")) goto out;
    if (mdb_conn_txn_failed(s->conn)) {
        send_error(s, "25P02", "current transaction is aborted, commands ignored until end of transaction block");
        rc = 0;
        goto out;
    }
    rc = 0;
    if (drop) {
        bool if_exists = false;
        const char *save = p;
        if (sql_word(&p, w, sizeof w) && !strcmp(w, "if")) {
            if (!sql_word(&p, w, sizeof w) || strcmp(w, "exists")) goto syntax;
            if_exists = true;
        } else {
            p = save;
        }
        for (;;) {
            if (!sql_word(&p, name, sizeof name)) goto syntax;
            if (!strcmp(name, s->user)) {
                send_error(s, "55006", "current user cannot be dropped");
                goto out;
            }
            bool missing;
            if (server_role_drop(s->srv, name, &missing, code, msg, sizeof msg)) {
                send_error(s, code, "%s", msg);
                goto out;
            }
            if (missing && !if_exists) {
                send_error(s, "42704", "role \"%s\" does not exist", name);
                goto out;
            }
            if (missing && notices_wanted(s)) {
                PgBuf *b = &s->out;
                char m[200];
                snprintf(m, sizeof m, "role \"%s\" does not exist, skipping", name);
                pgb_begin(b, 'N');
                pgb_byte(b, 'S');
                pgb_cstr(b, "NOTICE");
                pgb_byte(b, 'V');
                pgb_cstr(b, "NOTICE");
                pgb_byte(b, 'C');
                pgb_cstr(b, "00000");
                pgb_byte(b, 'M');
                pgb_cstr(b, m);
                pgb_byte(b, 0);
                pgb_end(b);
            }
            while (*p == ' ' || *p == '\t' || *p == '\n') p++;
            if (*p != ',') break;
            p++;
        }
        send_command_complete(s, "DROP ROLE");
        rc = 1;
        goto out;
    }
    if (!sql_word(&p, name, sizeof name)) goto syntax;
    bool set_password = false;
    int login = create ? (user ? 1 : 0) : -1;
    while (sql_word(&p, w, sizeof w)) {
        if (!strcmp(w, "with") || !strcmp(w, "encrypted")) continue;
        if (!strcmp(w, "login")) login = 1;
        else if (!strcmp(w, "nologin")) login = 0;
        else if (!strcmp(w, "password")) {
            free(password);
            password = sql_string(&p);
            if (!password) {
                if (!sql_word(&p, w, sizeof w) || strcmp(w, "null")) goto syntax;
            }
            set_password = true;
        } else if (!strcmp(w, "connection")) {
            if (!sql_word(&p, w, sizeof w) || strcmp(w, "limit") || !sql_word(&p, w, sizeof w)) goto syntax;
        } else if (!strcmp(w, "valid")) {
            char *until = NULL;
            if (!sql_word(&p, w, sizeof w) || strcmp(w, "until") || !(until = sql_string(&p))) goto syntax;
            free(until);
        } else if (!strcmp(w, "superuser") || !strcmp(w, "nosuperuser") || !strcmp(w, "createdb") || !strcmp(w, "nocreatedb") ||
                   !strcmp(w, "createrole") || !strcmp(w, "nocreaterole") || !strcmp(w, "inherit") || !strcmp(w, "noinherit") ||
                   !strcmp(w, "replication") || !strcmp(w, "noreplication") || !strcmp(w, "bypassrls") || !strcmp(w, "nobypassrls")) {
            /* accepted: every role of a MegaDB server has every privilege */
        } else {
            send_error(s, "0A000", "%s ROLE option \"%s\" is not supported", create ? "CREATE" : "ALTER", w);
            goto out;
        }
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ';') p++;
    if (*p) goto syntax;
    int k = create ? server_role_create(s->srv, name, set_password, password, login, code, msg, sizeof msg)
                   : server_role_alter(s->srv, name, set_password, password, login, code, msg, sizeof msg);
    if (k) {
        send_error(s, code, "%s", msg);
        goto out;
    }
    send_command_complete(s, create ? "CREATE ROLE" : "ALTER ROLE");
    rc = 1;
    goto out;
syntax:
    send_error(s, "42601", "syntax error in %s ROLE", create ? "CREATE" : alter ? "ALTER" : "DROP");
    rc = 0;
out:
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    memset(text, 0, len); /* the password was in it */
    free(text);
    return rc;
}

static bool only_blank(MdbConn *conn, const char *sql);

/* ---- implicit transactions -------------------------------------------------------------- */

/* True when the statement text starts with a transaction-control keyword (after blanks and
 * comments).  Such a statement ends an implicit transaction before it runs. */
static bool txn_control_sql(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';') p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e) return false;
            p = e + 2;
        } else {
            break;
        }
    }
    static const char *const KW[] = {"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release", "prepare"};
    for (size_t i = 0; i < sizeof KW / sizeof KW[0]; i++) {
        size_t n = strlen(KW[i]);
        if (!strncasecmp(p, KW[i], n) && !isalnum((unsigned char)p[n]) && p[n] != '_') {
            /* PREPARE name AS … is not transaction control; PREPARE TRANSACTION is */
            if (!strcmp(KW[i], "prepare")) {
                const char *q = p + n;
                while (*q == ' ' || *q == '\t' || *q == '\n') q++;
                return !strncasecmp(q, "transaction", 11);
            }
            return true;
        }
    }
    return false;
}

/* Opens the implicit transaction (the engine's BEGIN, without telling the client). */
static void implicit_begin(Session *s)
{
    MdbResult *r = NULL;
    if (mdb_query(s->conn, "BEGIN", &r) == MDB_OK) s->implicit = true;
    mdb_result_free(r);
}

/* True when the messages the client has already sent after this point, up to a Sync, can run
 * no other statement: only Describe (portal) and Execute of `portal`, then Sync.  An Execute
 * alone in its batch then needs no implicit block: the engine's own transaction of one
 * statement is the same transaction, without a BEGIN and a COMMIT to run (pgbench and most
 * drivers send Bind/Describe/Execute/Sync together). */
static bool alone_before_sync(const Session *s, const char *portal)
{
    size_t pos = s->in_pos;
    for (;;) {
        if (s->in_len - pos < 5) return false;
        const uint8_t *m = s->in + pos;
        uint32_t n = be32(m + 1);
        if (n < 4 || s->in_len - pos - 1 < n) return false;
        const char *body = (const char *)m + 5;
        size_t blen = n - 4;
        switch (m[0]) {
        case 'S': return true;
        case 'E':
            if (strnlen(body, blen) != strlen(portal) || strncmp(body, portal, blen)) return false;
            break;
        case 'D':
            if (blen < 2 || body[0] != 'P' || strnlen(body + 1, blen - 1) != strlen(portal) || strncmp(body + 1, portal, blen - 1)) return false;
            break;
        default: return false;
        }
        pos += 1 + n;
    }
}

/* Ends the implicit transaction: COMMIT, or ROLLBACK when a statement of it failed.  A commit
 * that fails is reported as the error of the message; false then. */
static bool implicit_end(Session *s)
{
    if (!s->implicit) return true;
    s->implicit = false;
    MdbResult *r = NULL;
    bool failed = mdb_conn_txn_failed(s->conn);
    int rc = mdb_query(s->conn, failed ? "ROLLBACK" : "COMMIT", &r);
    mdb_result_free(r);
    if (rc != MDB_OK) {
        send_conn_error(s, 0);
        return false;
    }
    return true;
}

/* Simple Query: every statement in the string, in order, up to the first error. */
static void close_all_portals(Session *s);

static bool handle_query(Session *s, const char *sql)
{
    size_t off = 0, total = strlen(sql);
    bool any = false, failed = false, multi = false;
    for (;;) {
        MdbStmt *st = NULL;
        size_t tail = 0;
        int coff = char_count(sql, off);
        if (mdb_prepare(s->conn, sql + off, &st, &tail) != MDB_OK) {
            send_conn_error(s, coff);
            failed = true;
            break;
        }
        if (!st) break;
        /* several statements run in one implicit transaction, as in PostgreSQL, unless they
         * manage transactions themselves: such a statement ends the implicit one first */
        if (!any) multi = off + tail < total && !only_blank(s->conn, sql + off + tail);
        any = true;
        bool ctl = txn_control_sql(sql + off);
        if (s->implicit && ctl && !implicit_end(s)) {
            mdb_stmt_free(st);
            failed = true;
            break;
        }
        if (multi && !ctl && !s->implicit && !mdb_conn_in_transaction(s->conn)) implicit_begin(s);
        int ck = run_cursor_statement(s, sql + off, tail);
        if (ck == 2) ck = run_role_statement(s, sql + off, tail);
        if (ck != 2) {
            mdb_stmt_free(st);
            if (ck < 0) return false;
            if (ck == 0) {
                /* as any error in PostgreSQL: the transaction (block or implicit) fails */
                mdb_conn_fail_transaction(s->conn);
                failed = true;
                break;
            }
            off += tail;
            if (off >= total) break;
            continue;
        }
        int copy_dir = mdb_stmt_copy_direction(st);
        MdbResult *r = NULL;
        int k = run_statement(s, st, copy_dir, coff, &r);
        mdb_stmt_free(st);
        if (k < 0) return false;
        if (k == 0) {
            failed = true;
            break;
        }
        bool ok = true;
        send_notices(s, r);
        if (copy_dir == 2) {
            ok = send_copy_out(s, r);
        } else if (mdb_result_has_rows(r)) {
            Cursor c;
            int64_t sent;
            cursor_init(s, &c, r, NULL, 0);
            send_row_description(s, r, &c);
            ok = cursor_send(s, &c, 0, &sent) >= 0;
            cursor_free(&c);
        }
        if (ok) send_command_complete(s, mdb_result_command_tag(r));
        if (ok && is_set_tag(mdb_result_command_tag(r))) report_changes(s, false);
        mdb_result_free(r);
        if (!ok) return false;
        off += tail;
        if (off >= total) break;
    }
    if (!any && !failed) send_simple(s, 'I');
    implicit_end(s);
    close_txn_cursors(s);
    /* the extended protocol's portals end with their transaction */
    if (!mdb_conn_in_transaction(s->conn)) close_all_portals(s);
    send_ready(s);
    return sess_flush(s);
}

/* ---- extended query protocol --------------------------------------------------------------- */

static PStmt *find_stmt(Session *s, const char *name)
{
    for (PStmt *p = s->stmts; p; p = p->next)
        if (!strcmp(p->name, name)) return p;
    return NULL;
}

static Portal *find_portal(Session *s, const char *name)
{
    for (Portal *p = s->portals; p; p = p->next)
        if (!strcmp(p->name, name)) return p;
    return NULL;
}

static void pstmt_release(PStmt *p)
{
    if (--p->refs > 0) return;
    mdb_stmt_free(p->st);
    mdb_result_free(p->desc);
    free(p->cmd);
    free(p->oids);
    free(p->name);
    free(p);
}

static void close_stmt(Session *s, const char *name)
{
    for (PStmt **pp = &s->stmts; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            PStmt *p = *pp;
            *pp = p->next;
            pstmt_release(p);
            return;
        }
}

static void portal_free(Portal *p)
{
    cursor_free(&p->cur);
    mdb_result_free(p->r);
    for (int i = 0; i < p->nparams; i++) free(p->vals[i]);
    free(p->vals);
    free(p->lens);
    free(p->fmts);
    pstmt_release(p->ps);
    free(p->name);
    free(p);
}

static void close_portal(Session *s, const char *name)
{
    for (Portal **pp = &s->portals; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            Portal *p = *pp;
            *pp = p->next;
            portal_free(p);
            return;
        }
}

static void close_all_portals(Session *s)
{
    while (s->portals) {
        Portal *p = s->portals;
        s->portals = p->next;
        portal_free(p);
    }
}

/* Whether anything but whitespace and comments follows in sql. */
static bool only_blank(MdbConn *conn, const char *sql)
{
    MdbStmt *st = NULL;
    if (mdb_prepare(conn, sql, &st, NULL) != MDB_OK) return false;
    bool blank = st == NULL;
    mdb_stmt_free(st);
    return blank;
}

static bool handle_parse(Session *s, PgReader *r)
{
    const char *name = pgr_cstr(r), *sql = pgr_cstr(r);
    int n = pgr_int16(r);
    if (r->bad || n < 0) return false;
    uint32_t *oids = xcalloc((size_t)n + 1, sizeof(uint32_t));
    for (int i = 0; i < n; i++) oids[i] = (uint32_t)pgr_int32(r);
    if (!pgr_done(r)) {
        free(oids);
        return false;
    }
    if (*name && find_stmt(s, name)) {
        free(oids);
        send_error(s, "42P05", "prepared statement \"%s\" already exists", name);
        s->skip_to_sync = true;
        return true;
    }
    MdbStmt *st = NULL;
    size_t tail = 0;
    /* a cursor statement: the session runs it; DECLARE's query is what gets prepared */
    CursorCmd cc;
    int ck = cursor_cmd_parse(s, sql, &cc);
    if (ck == 0) {
        free(oids);
        mdb_conn_fail_transaction(s->conn);
        s->skip_to_sync = true;
        return true;
    }
    const char *body = ck == 1 ? sql + cc.query_off : sql;
    if ((ck != 1 || cc.kind == CUR_DECLARE) && mdb_prepare(s->conn, body, &st, &tail) != MDB_OK) {
        free(oids);
        send_conn_error(s, 0);
        s->skip_to_sync = true;
        return true;
    }
    if (ck == 1 && cc.kind == CUR_DECLARE && !st) {
        free(oids);
        send_error(s, "42601", "syntax error at end of input");
        s->skip_to_sync = true;
        return true;
    }
    if (st && tail < strlen(body) && !only_blank(s->conn, body + tail)) {
        mdb_stmt_free(st);
        free(oids);
        send_error(s, "42601", "cannot insert multiple commands into a prepared statement");
        s->skip_to_sync = true;
        return true;
    }
    int used = st ? mdb_stmt_param_count(st) : 0;
    /* the client may declare parameters the text does not use; Bind must still supply them */
    int np = n > used ? n : used;
    for (int i = 0; st && i < n && i < used; i++)
        if (oids[i]) mdb_stmt_set_param_type(st, i + 1, pgwire_mdb_type_of_oid(oids[i]));
    if (!*name) close_stmt(s, "");
    PStmt *p = xcalloc(1, sizeof(PStmt));
    p->name = xstrdup(name);
    p->st = st;
    p->nparams = np;
    p->oids = xcalloc((size_t)np + 1, sizeof(uint32_t));
    for (int i = 0; i < np && i < n; i++) p->oids[i] = oids[i];
    free(oids);
    p->copy_dir = st && ck != 1 ? mdb_stmt_copy_direction(st) : 0;
    p->txn_control = st && ck != 1 && txn_control_sql(sql);
    if (ck == 1) {
        p->cmd = xmalloc(sizeof(CursorCmd));
        *p->cmd = cc;
    }
    p->refs = 1;
    p->next = s->stmts;
    s->stmts = p;
    send_simple(s, '1');
    return true;
}

static bool handle_bind(Session *s, PgReader *r)
{
    const char *pname = pgr_cstr(r), *sname = pgr_cstr(r);
    int nf = pgr_int16(r);
    if (r->bad || nf < 0) return false;
    /* the usual few formats and parameters live on the stack: Bind runs once per execution */
    int16_t pf_small[16];
    const uint8_t *vals_small[16];
    int32_t lens_small[16];
    int16_t *pf = nf < 16 ? pf_small : xcalloc((size_t)nf + 1, sizeof(int16_t));
    for (int i = 0; i < nf; i++) pf[i] = pgr_int16(r);
    int np = pgr_int16(r);
    if (r->bad || np < 0) {
        if (pf != pf_small) free(pf);
        return false;
    }
    const uint8_t **vals = np < 16 ? vals_small : xcalloc((size_t)np + 1, sizeof(uint8_t *));
    int32_t *lens = np < 16 ? lens_small : xcalloc((size_t)np + 1, sizeof(int32_t));
    for (int i = 0; i < np; i++) {
        lens[i] = pgr_int32(r);
        vals[i] = lens[i] < 0 ? NULL : pgr_bytes(r, lens[i]);
        if (lens[i] < -1) r->bad = true;
    }
    int nr = pgr_int16(r);
    int16_t *rf = xcalloc((size_t)(nr > 0 ? nr : 0) + 1, sizeof(int16_t));
    for (int i = 0; i < nr; i++) rf[i] = pgr_int16(r);
    bool ok = pgr_done(r) && nr >= 0;
    PStmt *ps = ok ? find_stmt(s, sname) : NULL;
    Portal *p = NULL;
    if (!ok) goto out;
    if (!ps) {
        send_error(s, "26000", "prepared statement \"%s\" does not exist", sname);
        goto fail;
    }
    if (nf > 1 && nf != np) {
        send_error(s, "08P01", "bind message has %d parameter formats but %d parameters", nf, np);
        goto fail;
    }
    if (np != ps->nparams) {
        send_error(s, "08P01", "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", np, sname, ps->nparams);
        goto fail;
    }
    if (*pname && find_portal(s, pname)) {
        send_error(s, "42P03", "portal \"%s\" already exists", pname);
        goto fail;
    }
    if (!*pname) close_portal(s, "");
    p = xcalloc(1, sizeof(Portal));
    p->name = xstrdup(pname);
    p->ps = ps;
    ps->refs++;
    p->nparams = np;
    p->vals = xcalloc((size_t)np + 1, sizeof(char *));
    p->lens = xcalloc((size_t)np + 1, sizeof(size_t));
    p->next = s->portals;
    s->portals = p;
    for (int i = 0; i < np; i++) {
        int fmt = nf == 0 ? 0 : nf == 1 ? pf[0] : pf[i];
        if (!vals[i]) continue;
        if (fmt == 0) {
            if (memchr(vals[i], 0, (size_t)lens[i])) {
                send_error(s, "22021", "invalid byte sequence for encoding \"UTF8\": 0x00");
                close_portal(s, pname);
                goto fail;
            }
            p->vals[i] = xmalloc((size_t)lens[i] + 1);
            memcpy(p->vals[i], vals[i], (size_t)lens[i]);
            p->vals[i][lens[i]] = 0;
            p->lens[i] = (size_t)lens[i];
        } else if (fmt == 1) {
            uint32_t oid = ps->oids[i];
            if (!oid) oid = pgwire_oid_of_mdb_type(ps->st ? mdb_stmt_param_type(ps->st, i + 1) : MDB_TYPE_NULL);
            if (!pgwire_decode_binary(oid, vals[i], (size_t)lens[i], &p->vals[i], &p->lens[i])) {
                send_error(s, "22P03", "incorrect binary data format in bind parameter %d", i + 1);
                close_portal(s, pname);
                goto fail;
            }
        } else {
            send_error(s, "22023", "unsupported format code: %d", fmt);
            close_portal(s, pname);
            goto fail;
        }
    }
    p->nfmts = nr;
    p->fmts = rf;
    rf = NULL;
    send_simple(s, '2');
    goto out;
fail:
    s->skip_to_sync = true;
out:
    if (pf != pf_small) free(pf);
    if (vals != vals_small) free(vals);
    if (lens != lens_small) free(lens);
    free(rf);
    return ok;
}

/* Runs the portal's statement once.  Returns 1, 0 (error sent) or -1. */
static int portal_execute(Session *s, Portal *p)
{
    if (p->executed) return 1;
    p->executed = true;
    /* the Executes up to Sync share one implicit transaction */
    if (p->ps->txn_control) {
        if (!implicit_end(s)) return 0;
    } else if (!s->implicit && !mdb_conn_in_transaction(s->conn) && !alone_before_sync(s, p->name)) {
        implicit_begin(s);
    }
    MdbStmt *st = p->ps->st;
    for (int i = 0; i < p->nparams && i < mdb_stmt_param_count(st); i++) {
        int rc = p->vals[i] ? mdb_bind_text(st, i + 1, p->vals[i], p->lens[i]) : mdb_bind_null(st, i + 1);
        if (rc != MDB_OK) {
            send_conn_error(s, 0);
            return 0;
        }
    }
    int k = run_statement(s, st, p->ps->copy_dir, 0, &p->r);
    if (k <= 0) return k;
    send_notices(s, p->r);
    if (is_set_tag(mdb_result_command_tag(p->r))) report_changes(s, false);
    if (mdb_result_has_rows(p->r) && p->ps->copy_dir == 0 && !cursor_init(s, &p->cur, p->r, p->fmts, p->nfmts)) return 0;
    return 1;
}

static void send_parameter_description(Session *s, PStmt *ps)
{
    pgb_begin(&s->out, 't');
    pgb_int16(&s->out, (int16_t)ps->nparams);
    for (int i = 0; i < ps->nparams; i++) {
        uint32_t oid = ps->oids[i];
        if (!oid) oid = pgwire_oid_of_mdb_type(ps->st ? mdb_stmt_param_type(ps->st, i + 1) : MDB_TYPE_NULL);
        pgb_int32(&s->out, (int32_t)oid);
    }
    pgb_end(&s->out);
}

static int handle_describe(Session *s, PgReader *r)
{
    char kind = (char)pgr_byte(r);
    const char *name = pgr_cstr(r);
    if (!pgr_done(r)) return -1;
    if (kind == 'S') {
        PStmt *ps = find_stmt(s, name);
        if (!ps) {
            send_error(s, "26000", "prepared statement \"%s\" does not exist", name);
            s->skip_to_sync = true;
            return 1;
        }
        if (ps->cmd) {
            /* FETCH is described by its cursor's columns (it must exist by now); the others
             * return no rows */
            SqlCursor *c = ps->cmd->kind == CUR_FETCH ? find_cursor(s, ps->cmd->name) : NULL;
            if (ps->cmd->kind == CUR_FETCH && !c) {
                send_error(s, "34000", "cursor \"%s\" does not exist", ps->cmd->name);
                s->skip_to_sync = true;
                return 1;
            }
            send_parameter_description(s, ps);
            if (c) send_row_description(s, c->r, NULL);
            else send_simple(s, 'n');
            return 1;
        }
        if (!ps->described && ps->st && !ps->copy_dir) {
            if (mdb_stmt_describe(ps->st, &ps->desc) != MDB_OK) {
                send_conn_error(s, 0);
                s->skip_to_sync = true;
                return 1;
            }
            ps->described = true;
        }
        send_parameter_description(s, ps);
        if (ps->desc) send_row_description(s, ps->desc, NULL);
        else send_simple(s, 'n');
        return 1;
    }
    if (kind == 'P') {
        Portal *p = find_portal(s, name);
        if (!p) {
            send_error(s, "34000", "portal \"%s\" does not exist", name);
            s->skip_to_sync = true;
            return 1;
        }
        if (p->ps->cmd) {
            SqlCursor *c = p->ps->cmd->kind == CUR_FETCH ? find_cursor(s, p->ps->cmd->name) : NULL;
            if (p->ps->cmd->kind == CUR_FETCH && !c) {
                send_error(s, "34000", "cursor \"%s\" does not exist", p->ps->cmd->name);
                s->skip_to_sync = true;
                return 1;
            }
            if (!c) {
                send_simple(s, 'n');
                return 1;
            }
            Cursor fc;
            bool ok = cursor_init(s, &fc, c->r, p->fmts, p->nfmts);
            if (ok) send_row_description(s, c->r, &fc);
            else s->skip_to_sync = true;
            cursor_free(&fc);
            return 1;
        }
        if (!p->ps->st || p->ps->copy_dir) {
            send_simple(s, 'n');
            return 1;
        }
        int k = portal_execute(s, p);
        if (k < 0) return -2;
        if (k == 0) {
            s->skip_to_sync = true;
            return 1;
        }
        if (mdb_result_has_rows(p->r)) send_row_description(s, p->r, &p->cur);
        else send_simple(s, 'n');
        return 1;
    }
    return -1;
}

/* Execute of a portal whose statement is DECLARE, FETCH, MOVE or CLOSE: 1, 0 (error sent), -1. */
static int portal_cursor_execute(Session *s, Portal *p, int32_t max)
{
    const CursorCmd *cc = p->ps->cmd;
    if (mdb_conn_txn_failed(s->conn)) {
        send_error(s, "25P02", "current transaction is aborted, commands ignored until end of transaction block");
        return 0;
    }
    if (cc->kind != CUR_DECLARE) return cursor_command(s, cc, p, max > 0 ? max : 0);
    if (p->done) {
        send_command_complete(s, "DECLARE CURSOR");
        return 1;
    }
    p->executed = p->done = true;
    /* without BEGIN an Execute runs in the implicit transaction of its batch, which is not a
     * transaction block: a cursor without HOLD would die at Sync (PostgreSQL: 25P01) */
    bool block = mdb_conn_in_transaction(s->conn) && !s->implicit;
    if (!mdb_conn_in_transaction(s->conn) && !s->implicit) implicit_begin(s);
    MdbStmt *st = p->ps->st;
    for (int i = 0; i < p->nparams && i < mdb_stmt_param_count(st); i++) {
        int rc = p->vals[i] ? mdb_bind_text(st, i + 1, p->vals[i], p->lens[i]) : mdb_bind_null(st, i + 1);
        if (rc != MDB_OK) {
            send_conn_error(s, 0);
            return 0;
        }
    }
    return cursor_declare(s, cc, st, block);
}

static int handle_execute(Session *s, PgReader *r)
{
    const char *name = pgr_cstr(r);
    int32_t max = pgr_int32(r);
    if (!pgr_done(r)) return -1;
    Portal *p = find_portal(s, name);
    if (!p) {
        send_error(s, "34000", "portal \"%s\" does not exist", name);
        s->skip_to_sync = true;
        return 1;
    }
    if (p->ps->cmd) {
        int k = portal_cursor_execute(s, p, max);
        if (k < 0) return -2;
        if (k == 0) {
            mdb_conn_fail_transaction(s->conn);
            s->skip_to_sync = true;
        }
        return 1;
    }
    if (!p->ps->st) {
        send_simple(s, 'I');
        return 1;
    }
    if (p->executed && mdb_conn_txn_failed(s->conn) && !p->ps->txn_control) {
        /* a suspended portal of a transaction that has failed since */
        send_error(s, "25P02", "current transaction is aborted, commands ignored until end of transaction block");
        s->skip_to_sync = true;
        return 1;
    }
    int k = portal_execute(s, p);
    if (k < 0) return -2;
    if (k == 0) {
        s->skip_to_sync = true;
        return 1;
    }
    if (p->ps->copy_dir == 2 && !p->done) {
        if (!send_copy_out(s, p->r)) return -2;
    } else if (mdb_result_has_rows(p->r) && p->ps->copy_dir == 0) {
        int64_t sent = 0;
        int more = p->done ? 0 : cursor_send(s, &p->cur, max > 0 ? max : 0, &sent);
        if (more < 0) return -2;
        if (more) {
            send_simple(s, 's');
            return 1;
        }
        const char *tag = mdb_result_command_tag(p->r);
        if (!strncmp(tag, "SELECT", 6)) {
            char t[64];
            snprintf(t, sizeof t, "SELECT %lld", (long long)sent);
            send_command_complete(s, t);
        } else {
            send_command_complete(s, tag);
        }
        p->done = true;
        return 1;
    }
    p->done = true;
    send_command_complete(s, mdb_result_command_tag(p->r));
    return 1;
}

static bool handle_close(Session *s, PgReader *r)
{
    char kind = (char)pgr_byte(r);
    const char *name = pgr_cstr(r);
    if (!pgr_done(r) || (kind != 'S' && kind != 'P')) return false;
    if (kind == 'S') close_stmt(s, name);
    else close_portal(s, name);
    send_simple(s, '3');
    return true;
}

/* ---- startup and authentication ------------------------------------------------------------ */


/* Reads one message of the expected type during authentication. */
static bool read_auth_message(Session *s, char want, size_t *len)
{
    uint8_t hdr[5];
    if (!sess_read(s, hdr, 5)) return false;
    uint32_t n = be32(hdr + 1);
    if (hdr[0] != want) {
        send_fatal(s, "08P01", "expected SASL response, got message type %d", hdr[0]);
        return false;
    }
    if (n < 4 || n - 4 > PGWIRE_MAX_STARTUP) {
        send_fatal(s, "08P01", "invalid message length");
        return false;
    }
    if (!sess_read_body(s, n - 4)) return false;
    *len = n - 4;
    return true;
}

static void send_auth(Session *s, int32_t code, const void *data, size_t n)
{
    pgb_begin(&s->out, 'R');
    pgb_int32(&s->out, code);
    pgb_bytes(&s->out, data, n);
    pgb_end(&s->out);
}

static bool authenticate_scram(Session *s)
{
    Server *srv = s->srv;
    ScramState st;
    memset(&st, 0, sizeof(st));
    ServerUser u;
    if (server_user_lookup(srv, s->user, &u) && u.has_password) {
        st.v = u.v;
    } else {
        /* an unknown user or one without a password: the same exchange, bound to fail */
        /* an unknown user goes through the same exchange, with a made-up salt */
        st.mock = true;
        st.v.iterations = 4096;
        st.v.salt_len = 16;
        RAND_bytes(st.v.salt, 16);
    }
    static const char mech[] = "SCRAM-SHA-256\0";
    send_auth(s, 10, mech, sizeof mech);
    if (!sess_flush(s)) return false;
    size_t len;
    if (!read_auth_message(s, 'p', &len)) return false;
    PgReader r;
    pgr_init(&r, s->msg, len);
    const char *m = pgr_cstr(&r);
    int32_t dl = pgr_int32(&r);
    const uint8_t *d = pgr_bytes(&r, dl);
    if (!pgr_done(&r)) {
        send_fatal(s, "08P01", "malformed SASLInitialResponse message");
        return false;
    }
    if (strcmp(m, "SCRAM-SHA-256") != 0) {
        send_fatal(s, "28000", "client selected an invalid SASL authentication mechanism");
        return false;
    }
    uint8_t raw[18];
    char nonce[32], out[600];
    RAND_bytes(raw, sizeof raw);
    nonce[pgwire_base64_encode(raw, sizeof raw, nonce)] = 0;
    if (scram_server_first(&st, (const char *)d, (size_t)dl, nonce, out, sizeof out) != SCRAM_OK) {
        send_fatal(s, "08P01", "malformed SCRAM message");
        return false;
    }
    send_auth(s, 11, out, strlen(out));
    if (!sess_flush(s)) return false;
    if (!read_auth_message(s, 'p', &len)) return false;
    int k = scram_server_final(&st, (const char *)s->msg, len, out, sizeof out);
    if (k == SCRAM_BAD_PASSWORD) {
        send_fatal(s, "28P01", "password authentication failed for user \"%s\"", s->user);
        return false;
    }
    if (k != SCRAM_OK) {
        send_fatal(s, "08P01", "malformed SCRAM message");
        return false;
    }
    send_auth(s, 12, out, strlen(out));
    return true;
}

/* Applies a startup setting with SET (names are checked: they go into SQL text). */
static void apply_setting(Session *s, const char *name, const char *value)
{
    for (const char *p = name; *p; p++)
        if (!(*p == '_' || *p == '.' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) return;
    if (!*name || strlen(name) > 63 || strlen(value) > 1000) return;
    char sql[2200];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SET %s TO '", name);
    for (const char *p = value; *p && o < sizeof sql - 4; p++) {
        if (*p == '\'') sql[o++] = '\'';
        sql[o++] = *p;
    }
    sql[o++] = '\'';
    sql[o] = 0;
    if (mdb_query(s->conn, sql, NULL) != MDB_OK)
        server_log("WARNING", "%s: startup setting %s = '%s' ignored: %s", s->peer, name, value, mdb_conn_error(s->conn)->message);
}

/* "-c name=value --name=value …" from the startup's options parameter. */
static void apply_options(Session *s, const char *opts)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", opts);
    char *save = NULL;
    bool next_is_c = false;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *kv = NULL;
        if (next_is_c) kv = tok, next_is_c = false;
        else if (!strcmp(tok, "-c")) next_is_c = true;
        else if (!strncmp(tok, "-c", 2)) kv = tok + 2;
        else if (!strncmp(tok, "--", 2)) kv = tok + 2;
        if (!kv) continue;
        char *eq = strchr(kv, '=');
        if (!eq) continue;
        *eq = 0;
        for (char *p = kv; *p; p++)
            if (*p == '-') *p = '_';
        apply_setting(s, kv, eq + 1);
    }
}

static bool startup(Session *s)
{
    Server *srv = s->srv;
    for (;;) {
        uint8_t lenb[4];
        if (!sess_read(s, lenb, 4)) return false;
        uint32_t n = be32(lenb);
        if (n < 8 || n > PGWIRE_MAX_STARTUP) {
            server_log("LOG", "%s: invalid length of startup packet", s->peer);
            return false;
        }
        if (!sess_read_body(s, n - 4)) return false;
        PgStartup su;
        const char *why;
        if (!pgwire_parse_startup(s->msg, n - 4, &su, &why)) {
            send_fatal(s, "08P01", "%s", why);
            return false;
        }
        if (su.code == PGWIRE_CANCEL_REQUEST) {
            server_cancel(srv, su.cancel_pid, su.cancel_key);
            return false;
        }
        if (su.code == PGWIRE_SSL_REQUEST) {
            if (s->in_len > s->in_pos) {
                /* bytes after the request would bypass TLS */
                send_fatal(s, "08P01", "received unencrypted data after SSL request");
                return false;
            }
            if (srv->ssl && !s->ssl && s->fd >= 0 && !s->dead_end) {
                pgb_byte(&s->out, 'S');
                if (!sess_flush(s)) return false;
                s->ssl = SSL_new(srv->ssl);
                SSL_set_fd(s->ssl, s->fd);
                if (SSL_accept(s->ssl) != 1) {
                    unsigned long e = ERR_get_error();
                    server_log("LOG", "%s: could not accept SSL connection: %s", s->peer, e ? ERR_reason_error_string(e) : "EOF");
                    SSL_free(s->ssl);
                    s->ssl = NULL;
                    return false;
                }
            } else {
                pgb_byte(&s->out, 'N');
                if (!sess_flush(s)) return false;
            }
            continue;
        }
        if (su.code == PGWIRE_GSSENC_REQUEST) {
            pgb_byte(&s->out, 'N');
            if (!sess_flush(s)) return false;
            continue;
        }
        if (s->dead_end) {
            send_fatal(s, "53300", "sorry, too many clients already");
            return false;
        }
        /* StartupMessage 3.x (a minor version above 0 is served as 3.0).  The
         * parameters point into s->msg, which the SCRAM exchange reuses: keep
         * a copy of the packet for them (PGOPTIONS were lost under SCRAM) */
        uint8_t packet[PGWIRE_MAX_STARTUP];
        memcpy(packet, s->msg, n - 4);
        if (!pgwire_parse_startup(packet, n - 4, &su, &why)) {
            send_fatal(s, "08P01", "%s", why);
            return false;
        }
        /* a newer minor version or protocol options (_pq_.*): NegotiateProtocolVersion, as
         * PostgreSQL 15 answers — 3.0 and none of the options */
        int npq = 0;
        for (int i = 0; i < su.nparams; i++) npq += !strncmp(su.names[i], "_pq_.", 5);
        if ((su.code & 0xFFFF) != 0 || npq > 0) {
            pgb_begin(&s->out, 'v');
            pgb_int32(&s->out, 3 << 16); /* the newest version served: 3.0 */
            pgb_int32(&s->out, npq);
            for (int i = 0; i < su.nparams; i++)
                if (!strncmp(su.names[i], "_pq_.", 5)) pgb_cstr(&s->out, su.names[i]);
            pgb_end(&s->out);
        }
        const char *appname = "", *options = NULL;
        for (int i = 0; i < su.nparams; i++) {
            if (!strcmp(su.names[i], "user")) snprintf(s->user, sizeof s->user, "%s", su.values[i]);
            else if (!strcmp(su.names[i], "database")) snprintf(s->database, sizeof s->database, "%s", su.values[i]);
        }
        if (!s->user[0]) {
            send_fatal(s, "28000", "no PostgreSQL user name specified in startup packet");
            return false;
        }
        if (!s->database[0]) snprintf(s->database, sizeof s->database, "%s", s->user);
        if (srv->auth_scram) {
            if (!authenticate_scram(s)) return false;
        }
        ServerUser role;
        if (server_user_lookup(srv, s->user, &role) && !role.login) {
            send_fatal(s, "28000", "role \"%s\" is not permitted to log in", s->user);
            return false;
        }
        if (srv->database[0] && strcmp(srv->database, s->database) != 0) {
            send_fatal(s, "3D000", "database \"%s\" does not exist", s->database);
            return false;
        }
        send_auth(s, 0, NULL, 0);
        if (mdb_connect(srv->db, &s->conn) != MDB_OK) {
            send_fatal(s, "53000", "could not open a connection to the database");
            return false;
        }
        for (int i = 0; i < su.nparams; i++) {
            const char *k = su.names[i], *v = su.values[i];
            if (!strcmp(k, "user") || !strcmp(k, "database") || !strcmp(k, "replication") || !strncmp(k, "_pq_.", 5) ||
                !strncmp(k, "megadb.", 7))
                continue;
            if (!strcmp(k, "options")) options = v;
            else if (!strcmp(k, "client_encoding")) {
                /* every text is UTF-8 here; other encodings are not converted */
                if (strcasecmp(v, "UTF8") && strcasecmp(v, "UTF-8") && strcasecmp(v, "unicode"))
                    server_log("WARNING", "%s: client_encoding %s requested; UTF8 is used", s->peer, v);
            } else {
                if (!strcmp(k, "application_name")) appname = v;
                apply_setting(s, k, v);
            }
        }
        (void)appname;
        apply_setting(s, "session_authorization", s->user); /* current_user, session_user */
        apply_setting(s, "megadb.database", s->database);    /* current_database(), pg_database */
        if (options) apply_options(s, options);
        send_parameter_status(s, "server_version", MDB_PG_VERSION_TEXT);
        send_parameter_status(s, "server_encoding", "UTF8");
        send_parameter_status(s, "client_encoding", "UTF8");
        send_parameter_status(s, "integer_datetimes", "on");
        send_parameter_status(s, "standard_conforming_strings", "on");
        send_parameter_status(s, "is_superuser", "on");
        send_parameter_status(s, "default_transaction_read_only", "off");
        send_parameter_status(s, "in_hot_standby", "off");
        report_changes(s, true);
        pgb_begin(&s->out, 'K');
        pgb_int32(&s->out, (int32_t)s->pid);
        pgb_int32(&s->out, (int32_t)s->key);
        pgb_end(&s->out);
        send_ready(s);
        server_log("LOG", "%s: connection authorized: user=%s database=%s%s", s->peer, s->user, s->database, s->ssl ? " SSL enabled" : "");
        return sess_flush(s);
    }
}

/* ---- the message loop ------------------------------------------------------------------------ */

static void serve(Session *s)
{
    for (;;) {
        uint8_t hdr[5];
        if (!sess_read(s, hdr, 5)) return;
        char type = (char)hdr[0];
        uint32_t n = be32(hdr + 1);
        if (n < 4 || n - 4 > PGWIRE_MAX_MESSAGE) {
            send_fatal(s, "08P01", "invalid message length %u", n);
            return;
        }
        if (!sess_read_body(s, n - 4)) return;
        PgReader r;
        pgr_init(&r, s->msg, n - 4);
        bool extended = strchr("PBDEHCS", type) != NULL;
        if (s->skip_to_sync && extended && type != 'S') continue;
        bool ok = true;
        int k;
        switch (type) {
        case 'Q': {
            const char *sql = pgr_cstr(&r);
            if (!pgr_done(&r)) ok = false;
            else if (!handle_query(s, sql)) return;
            break;
        }
        case 'P': ok = handle_parse(s, &r); break;
        case 'B': ok = handle_bind(s, &r); break;
        case 'D':
            k = handle_describe(s, &r);
            if (k == -2) return;
            ok = k > 0;
            break;
        case 'E':
            k = handle_execute(s, &r);
            if (k == -2) return;
            ok = k > 0;
            break;
        case 'C': ok = handle_close(s, &r); break;
        case 'H':
            if (!sess_flush(s)) return;
            break;
        case 'S':
            s->skip_to_sync = false;
            implicit_end(s);
            close_txn_cursors(s);
            if (!mdb_conn_in_transaction(s->conn)) close_all_portals(s);
            send_ready(s);
            if (!sess_flush(s)) return;
            break;
        case 'X': return;
        case 'd':
        case 'c':
        case 'f': break; /* COPY messages after a failed COPY: ignored, as PostgreSQL does */
        case 'F':
            send_error(s, "0A000", "fastpath function calls are not supported");
            break;
        default: send_fatal(s, "08P01", "invalid frontend message type %d", (unsigned char)type); return;
        }
        if (!ok) {
            send_fatal(s, "08P01", "invalid message format");
            return;
        }
        if (s->out.len > 1 << 16 && !sess_flush(s)) return;
        if (s->io_failed) return;
    }
}

Session *session_new(Server *srv, int fd, const char *peer)
{
    Session *s = xcalloc(1, sizeof(Session));
    s->srv = srv;
    s->fd = fd;
    snprintf(s->peer, sizeof s->peer, "%s", peer);
    uint32_t rnd[2];
    RAND_bytes((unsigned char *)rnd, sizeof rnd);
    s->pid = (rnd[0] & 0x3fffffff) | 1;
    s->key = rnd[1];
    return s;
}

void session_set_dead_end(Session *s) { s->dead_end = true; }

void session_register(Server *srv, Session *s)
{
    s->next = srv->sessions;
    srv->sessions = s;
    srv->nsessions++;
    if (s->dead_end) srv->ndead++;
}

Session *session_new_io(Server *srv, const SessionIo *io, const char *peer)
{
    Session *s = session_new(srv, -1, peer);
    s->io = *io;
    return s;
}

void session_kick(Session *s)
{
    if (s->fd >= 0) shutdown(s->fd, SHUT_RDWR);
    if (s->running && s->conn) mdb_conn_cancel(s->conn);
}

void session_check_peer(Session *s)
{
    if (!s->running || s->fd < 0 || !s->conn || s->peer_gone) return;
    struct pollfd pf = {s->fd, POLLRDHUP, 0};
    if (poll(&pf, 1, 0) == 1 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        s->peer_gone = true;
        server_log("LOG", "%s: connection to client lost during a statement: cancelled", s->peer);
        mdb_conn_cancel(s->conn);
    }
}

/* Starts (secs > 0) or ends the authentication time of a socket session. */
static void set_auth_deadline(Session *s, int secs)
{
    if (s->fd < 0) return;
    if (secs > 0) {
        clock_gettime(CLOCK_MONOTONIC, &s->deadline);
        s->deadline.tv_sec += secs;
    } else {
        memset(&s->deadline, 0, sizeof s->deadline);
        struct timeval tv = {0, 0};
        setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
}

void server_cancel(Server *srv, uint32_t pid, uint32_t key)
{
    pthread_mutex_lock(&srv->mu);
    for (Session *s = srv->sessions; s; s = s->next)
        if (s->pid == pid && s->key == key) {
            if (s->running && s->conn) mdb_conn_cancel(s->conn);
            break;
        }
    pthread_mutex_unlock(&srv->mu);
}

void *session_main(void *arg)
{
    Session *s = arg;
    Server *srv = s->srv;
    /* a connection that does not log in within the timeout is closed (PostgreSQL's
     * authentication_timeout): a flood of silent sockets cannot hold sessions forever */
    if (srv->auth_timeout_s > 0) set_auth_deadline(s, srv->auth_timeout_s);
    bool started = startup(s);
    if (started && srv->auth_timeout_s > 0) set_auth_deadline(s, 0);
    if (!started && s->timed_out)
        server_log("LOG", "%s: authentication timeout", s->peer);
    if (started) serve(s);
    pthread_mutex_lock(&srv->mu);
    for (Session **pp = &srv->sessions; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    srv->nsessions--;
    if (s->dead_end) srv->ndead--;
    pthread_mutex_unlock(&srv->mu);
    while (s->stmts) {
        PStmt *p = s->stmts;
        s->stmts = p->next;
        pstmt_release(p);
    }
    close_all_portals(s);
    while (s->cursors) close_cursor(s, s->cursors);
    if (s->conn) mdb_disconnect(s->conn);
    if (s->ssl) {
        SSL_shutdown(s->ssl);
        SSL_free(s->ssl);
    }
    if (s->fd >= 0) close(s->fd);
    pgb_free(&s->out);
    free(s->msg);
    free(s);
    pthread_mutex_lock(&srv->mu);
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}
