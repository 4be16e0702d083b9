/*
 * src/net/session.h — what server.c (listener, authentication setup, cancel
 * registry) and session.c (one client connection's protocol) share.
 */
#ifndef MDB_NET_SESSION_H
#define MDB_NET_SESSION_H

#include <pthread.h>
#include <signal.h>

#include <openssl/ssl.h>

#include "net/pgwire.h"

typedef struct ServerUser {
    char name[64];
    ScramVerifier v;
    bool has_password;      /* a verifier is set */
    bool login;             /* may log in (LOGIN) */
} ServerUser;

typedef struct Session Session;

typedef struct Server {
    MdbDatabase *db;
    bool auth_scram;        /* else trust */
    SSL_CTX *ssl;           /* NULL: SSLRequest is answered 'N' */
    char database[64];      /* the one database name clients may ask for; "" = any (trust only) */
    ServerUser *users;      /* under mu once clients run (CREATE/ALTER/DROP ROLE change it) */
    int nusers;
    char dir[4096];         /* the data directory: where the users file lives */
    pthread_mutex_t mu;     /* sessions list, nsessions, running flags */
    pthread_cond_t cv;      /* signalled when a session ends */
    Session *sessions;
    int nsessions;
    int max_sessions;       /* --max-connections: more are refused with 53300 */
    int ndead;              /* sessions over the limit, there only to say so (in nsessions too) */
    int auth_timeout_s;     /* --authentication-timeout: a connection must log in within it */
    volatile sig_atomic_t stopping;
} Server;

/* Copies the role `name` into *out (under srv->mu); false when there is none. */
bool server_user_lookup(Server *srv, const char *name, ServerUser *out);
/* CREATE / ALTER / DROP ROLE: change the roles and rewrite the users file.  password NULL with
 * set_password: PASSWORD NULL; a password that parses as a SCRAM verifier is stored as given
 * (psql's \password sends one).  login: 1 LOGIN, 0 NOLOGIN, -1 unchanged (ALTER).  0 on
 * success, else sqlstate and msg are set. */
int server_role_create(Server *srv, const char *name, bool set_password, const char *password, int login, char sqlstate[6],
                       char *msg, size_t cap);
int server_role_alter(Server *srv, const char *name, bool set_password, const char *password, int login, char sqlstate[6],
                      char *msg, size_t cap);
/* *missing set (and 0 returned) when the role does not exist. */
int server_role_drop(Server *srv, const char *name, bool *missing, char sqlstate[6], char *msg, size_t cap);

/* A socketless session's bytes (test/fuzz/fuzz_pgwire.c feeds a client byte stream from
 * memory): read returns up to cap bytes, 0 at the end of the input, < 0 on an error; write
 * returns false when the client is gone.  No TLS: SSLRequest is answered 'N'. */
typedef struct SessionIo {
    void *ctx;
    long (*read)(void *ctx, void *buf, size_t cap);
    bool (*write)(void *ctx, const void *buf, size_t n);
} SessionIo;

/* Runs one client connection to its end (thread entry; frees the session). */
void *session_main(void *arg);
/* Makes a session for an accepted socket (registered under srv->mu by the caller). */
Session *session_new(Server *srv, int fd, const char *peer);
/* Marks a session over --max-connections: it answers SSLRequest 'N' and its StartupMessage
 * with FATAL 53300, as a PostgreSQL backend over the limit does (before session_register). */
void session_set_dead_end(Session *s);
/* Makes a session that reads and writes through io instead of a socket. */
Session *session_new_io(Server *srv, const SessionIo *io, const char *peer);
/* Adds s to srv's list (srv->mu held). */
void session_register(Server *srv, Session *s);
/* CancelRequest: cancels the statement running in the session with that key. */
void server_cancel(Server *srv, uint32_t pid, uint32_t key);
/* Stop: shuts every session's socket and cancels what runs (srv->mu held). */
void session_kick(Session *s);
Session *session_next(Session *s);
/* The watcher (srv->mu held): cancels the running statement of a session whose client has
 * gone away. */
void session_check_peer(Session *s);

/* Set by the fuzz target: server_log prints nothing. */
extern bool server_log_silent;
void server_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
