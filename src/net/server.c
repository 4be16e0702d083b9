/*
 * src/net/server.c — `megadb serve`: options, the users file, TLS setup, the
 * listening socket and one thread per client connection, and a clean stop on
 * SIGTERM/SIGINT (the listener closes, every connection is shut down and its
 * running statement cancelled, then the database is closed).
 *
 * Users: with --auth scram (the default) the server needs at least one user.
 * On the first start of a data directory the user is created from
 * MEGADB_USER / MEGADB_PASSWORD (and MEGADB_DATABASE, default the user name);
 * only its SCRAM-SHA-256 verifier is stored, in DIR/server_users (mode 0600).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "common/common.h"
#include "net/session.h"

#define USERS_FILE "server_users"
#define MAX_SESSIONS 4000
#define AUTH_TIMEOUT_S 60
#define DEAD_END_SESSIONS 64
#define SCRAM_ITERATIONS 4096

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
bool server_log_silent;

void server_log(const char *level, const char *fmt, ...)
{
    if (server_log_silent) return;
    char msg[1200], ts[64];
    struct timeval tv;
    struct tm tm;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "%s.%03d UTC [%d] %s:  %s\n", ts, (int)(tv.tv_usec / 1000), (int)getpid(), level, msg);
    pthread_mutex_unlock(&log_mu);
}

/* ---- users file ------------------------------------------------------------------------ */

static bool load_users(Server *srv, const char *dir, bool *exists)
{
    char fn[4096], line[1024];
    snprintf(fn, sizeof fn, "%s/%s", dir, USERS_FILE);
    FILE *f = fopen(fn, "r");
    *exists = f != NULL;
    if (!f) return true;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *t1 = strchr(line, '\t');
        if (!t1) goto bad;
        *t1++ = 0;
        if (!strcmp(line, "database")) {
            snprintf(srv->database, sizeof srv->database, "%s", t1);
            continue;
        }
        /* "user NAME VERIFIER": a role that logs in with that password;
         * "role NAME VERIFIER|- LOGIN|NOLOGIN": any other role (CREATE ROLE) */
        char *t2 = strchr(t1, '\t');
        bool role = !strcmp(line, "role");
        if ((strcmp(line, "user") != 0 && !role) || !t2) goto bad;
        *t2++ = 0;
        char *t3 = role ? strchr(t2, '\t') : NULL;
        if (role && !t3) goto bad;
        if (t3) *t3++ = 0;
        srv->users = xrealloc(srv->users, sizeof(ServerUser) * (size_t)(srv->nusers + 1));
        ServerUser *u = &srv->users[srv->nusers];
        memset(u, 0, sizeof(*u));
        snprintf(u->name, sizeof u->name, "%s", t1);
        u->has_password = !role || strcmp(t2, "-") != 0;
        if (u->has_password && !scram_verifier_parse(t2, &u->v)) goto bad;
        u->login = !role || !strcmp(t3, "LOGIN");
        srv->nusers++;
    }
    fclose(f);
    return true;
bad:
    fclose(f);
    server_log("FATAL", "malformed line in %s", fn);
    return false;
}

static bool create_users(Server *srv, const char *dir, const char *user, const char *password, const char *database)
{
    uint8_t salt[16];
    ScramVerifier v;
    char ver[256], fn[4096];
    if (RAND_bytes(salt, sizeof salt) != 1 || scram_verifier_make(password, salt, sizeof salt, SCRAM_ITERATIONS, &v) != 0) return false;
    scram_verifier_format(&v, ver, sizeof ver);
    snprintf(fn, sizeof fn, "%s/%s", dir, USERS_FILE);
    int fd = open(fn, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        server_log("FATAL", "could not create %s: %s", fn, strerror(errno));
        return false;
    }
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# MegaDB server users: SCRAM-SHA-256 verifiers (never passwords); written by megadb serve\n");
    fprintf(f, "database\t%s\nuser\t%s\t%s\n", database, user, ver);
    if (fclose(f) != 0) return false;
    srv->users = xrealloc(srv->users, sizeof(ServerUser) * (size_t)(srv->nusers + 1));
    memset(&srv->users[srv->nusers], 0, sizeof(ServerUser));
    snprintf(srv->users[srv->nusers].name, sizeof srv->users[0].name, "%s", user);
    srv->users[srv->nusers].v = v;
    srv->users[srv->nusers].has_password = srv->users[srv->nusers].login = true;
    srv->nusers++;
    snprintf(srv->database, sizeof srv->database, "%s", database);
    server_log("LOG", "created user \"%s\" and database name \"%s\" in %s", user, database, fn);
    return true;
}

/* ---- roles (CREATE / ALTER / DROP ROLE) ------------------------------------------------------ */

bool server_user_lookup(Server *srv, const char *name, ServerUser *out)
{
    bool found = false;
    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < srv->nusers && !found; i++)
        if (!strcmp(srv->users[i].name, name)) {
            *out = srv->users[i];
            found = true;
        }
    pthread_mutex_unlock(&srv->mu);
    return found;
}

static int find_role(Server *srv, const char *name)
{
    for (int i = 0; i < srv->nusers; i++)
        if (!strcmp(srv->users[i].name, name)) return i;
    return -1;
}

/* Rewrites the users file from srv->users (srv->mu held): a new file, then rename. */
static bool save_users(Server *srv)
{
    char fn[4200], tmp[4300];
    snprintf(fn, sizeof fn, "%s/%s", srv->dir, USERS_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp", fn);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return false;
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# MegaDB server users: SCRAM-SHA-256 verifiers (never passwords); written by megadb serve\n");
    if (srv->database[0]) fprintf(f, "database\t%s\n", srv->database);
    for (int i = 0; i < srv->nusers; i++) {
        const ServerUser *u = &srv->users[i];
        char ver[256] = "-";
        if (u->has_password) scram_verifier_format(&u->v, ver, sizeof ver);
        if (u->has_password && u->login) fprintf(f, "user\t%s\t%s\n", u->name, ver);
        else fprintf(f, "role\t%s\t%s\t%s\n", u->name, ver, u->login ? "LOGIN" : "NOLOGIN");
    }
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0) ok = false;
    if (ok && rename(tmp, fn) != 0) ok = false;
    if (!ok) unlink(tmp);
    return ok;
}

static int role_fail(char sqlstate[6], char *msg, size_t cap, const char *code, const char *text, const char *name)
{
    snprintf(sqlstate, 6, "%s", code);
    snprintf(msg, cap, text, name);
    return -1;
}

/* The verifier for a password: a SCRAM verifier given by the client is kept as it is. */
static bool role_verifier(const char *password, ScramVerifier *v)
{
    if (!strncmp(password, "SCRAM-SHA-256$", 14)) return scram_verifier_parse(password, v);
    uint8_t salt[16];
    return RAND_bytes(salt, sizeof salt) == 1 && scram_verifier_make(password, salt, sizeof salt, SCRAM_ITERATIONS, v) == 0;
}

static int role_set(Server *srv, const char *name, bool create, bool set_password, const char *password, int login,
                    char sqlstate[6], char *msg, size_t cap)
{
    if (!*name || strlen(name) >= sizeof srv->users[0].name) return role_fail(sqlstate, msg, cap, "42602", "invalid role name \"%s\"", name);
    ScramVerifier v;
    if (set_password && password && !role_verifier(password, &v))
        return role_fail(sqlstate, msg, cap, "22023", "invalid password for role \"%s\"", name);
    pthread_mutex_lock(&srv->mu);
    int i = find_role(srv, name);
    int rc = 0;
    if (create && i >= 0) {
        rc = role_fail(sqlstate, msg, cap, "42710", "role \"%s\" already exists", name);
    } else if (!create && i < 0) {
        rc = role_fail(sqlstate, msg, cap, "42704", "role \"%s\" does not exist", name);
    } else {
        ServerUser *old = srv->users;
        int n = srv->nusers;
        ServerUser keep;
        if (create) {
            srv->users = xrealloc(srv->users, sizeof(ServerUser) * (size_t)(n + 1));
            i = srv->nusers++;
            memset(&srv->users[i], 0, sizeof(ServerUser));
            snprintf(srv->users[i].name, sizeof srv->users[i].name, "%s", name);
        }
        keep = srv->users[i];
        ServerUser *u = &srv->users[i];
        if (set_password) {
            u->has_password = password != NULL;
            if (password) u->v = v;
        }
        if (login >= 0) u->login = login == 1;
        if (!save_users(srv)) {
            /* put things back as they were */
            if (create) srv->nusers--;
            else srv->users[i] = keep;
            rc = role_fail(sqlstate, msg, cap, "58030", "could not write the users file for role \"%s\"", name);
        }
        (void)old;
    }
    pthread_mutex_unlock(&srv->mu);
    if (!rc) server_log("LOG", "%s role \"%s\"", create ? "created" : "altered", name);
    return rc;
}

int server_role_create(Server *srv, const char *name, bool set_password, const char *password, int login, char sqlstate[6],
                       char *msg, size_t cap)
{
    return role_set(srv, name, true, set_password, password, login < 0 ? 0 : login, sqlstate, msg, cap);
}

int server_role_alter(Server *srv, const char *name, bool set_password, const char *password, int login, char sqlstate[6],
                      char *msg, size_t cap)
{
    return role_set(srv, name, false, set_password, password, login, sqlstate, msg, cap);
}

int server_role_drop(Server *srv, const char *name, bool *missing, char sqlstate[6], char *msg, size_t cap)
{
    *missing = false;
    pthread_mutex_lock(&srv->mu);
    int i = find_role(srv, name), rc = 0;
    if (i < 0) {
        *missing = true;
    } else {
        ServerUser gone = srv->users[i];
        memmove(&srv->users[i], &srv->users[i + 1], sizeof(ServerUser) * (size_t)(srv->nusers - i - 1));
        srv->nusers--;
        if (!save_users(srv)) {
            memmove(&srv->users[i + 1], &srv->users[i], sizeof(ServerUser) * (size_t)(srv->nusers - i));
            srv->users[i] = gone;
            srv->nusers++;
            rc = role_fail(sqlstate, msg, cap, "58030", "could not write the users file for role \"%s\"", name);
        }
    }
    pthread_mutex_unlock(&srv->mu);
    if (!rc && !*missing) server_log("LOG", "dropped role \"%s\"", name);
    return rc;
}

/* ---- signals ------------------------------------------------------------------------------ */

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
    if (wake_pipe[1] >= 0) {
        ssize_t k = write(wake_pipe[1], "x", 1);
        (void)k;
    }
}

/* ---- listening ------------------------------------------------------------------------------ */

static int listen_on(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(strcmp(host, "*") ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        server_log("FATAL", "could not resolve \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 512) == 0) break;
        server_log("LOG", "could not bind to %s:%s: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    char h[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, h, sizeof h);
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof h);
        port = ntohs(a->sin6_port);
    }
    snprintf(buf, cap, "%s:%d", h, port);
}

/* Watches the sockets of sessions that run a statement: a client that is gone (closed or
 * reset; POLLRDHUP, as PostgreSQL's client_connection_check_interval checks) gets its
 * statement cancelled, so the session ends and frees what it held (its transaction rolls
 * back) without waiting for the statement to finish on its own. */
static void *watch_main(void *arg)
{
    Server *srv = arg;
    while (!srv->stopping) {
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&srv->mu);
        for (Session *s = srv->sessions; s; s = session_next(s)) session_check_peer(s);
        pthread_mutex_unlock(&srv->mu);
    }
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "megadb serve runs MegaDB as a PostgreSQL wire-protocol (v3) server.\n"
            "\n"
            "Usage:\n"
            "  megadb serve --data DIR [OPTION]...\n"
            "\n"
            "Options:\n"
            "  --data DIR          database directory (created if missing)\n"
            "  --host HOST         address to listen on (default 127.0.0.1; * for all)\n"
            "  --port PORT         TCP port (default 5432)\n"
            "  --auth scram|trust  client authentication (default scram)\n"
            "  --tls-cert FILE     certificate (PEM) for TLS; with --tls-key\n"
            "  --tls-key FILE      private key (PEM) for TLS\n"
            "  --max-connections N connections served at once (default 4000); more are\n"
            "                      refused with 53300\n"
            "  --authentication-timeout SECONDS\n"
            "                      time a new connection has to log in (default 60)\n"
            "  --help              print this help and exit\n"
            "\n"
            "The first start of a data directory under --auth scram needs MEGADB_USER and\n"
            "MEGADB_PASSWORD (and optionally MEGADB_DATABASE, default the user name) in the\n"
            "environment; the user's SCRAM-SHA-256 verifier is stored in DIR/" USERS_FILE ".\n"
            "Logs go to stderr; SIGTERM or SIGINT stops the server.\n");
}

int pgwire_serve_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},     {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},     {"auth", required_argument, NULL, 'a'},
        {"tls-cert", required_argument, NULL, 'c'}, {"tls-key", required_argument, NULL, 'k'},
        {"max-connections", required_argument, NULL, 'm'}, {"authentication-timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'H'},           {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *host = "127.0.0.1", *port = "5432", *auth = "scram", *cert = NULL, *key = NULL;
    long max_conn = MAX_SESSIONS, auth_timeout = AUTH_TIMEOUT_S;
    int opt;
    char *end;
    optind = 1;
    opterr = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'a': auth = optarg; break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 'm':
        case 't': {
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > (opt == 'm' ? 100000 : 86400)) {
                fprintf(stderr, "megadb serve: invalid --%s \"%s\"\n", opt == 'm' ? "max-connections" : "authentication-timeout", optarg);
                return 2;
            }
            if (opt == 'm') max_conn = v;
            else auth_timeout = v;
            break;
        }
        case 'H': usage(stdout); return 0;
        default: fputs("Try \"megadb serve --help\" for more information.\n", stderr); return 2;
        }
    }
    if (optind < argc || !dir) {
        fprintf(stderr, "megadb serve: %s\n", dir ? "unexpected argument" : "--data DIR is required");
        fputs("Try \"megadb serve --help\" for more information.\n", stderr);
        return 2;
    }
    if (strcmp(auth, "scram") && strcmp(auth, "trust")) {
        fprintf(stderr, "megadb serve: --auth must be scram or trust\n");
        return 2;
    }
    if (!cert != !key) {
        fprintf(stderr, "megadb serve: --tls-cert and --tls-key go together\n");
        return 2;
    }
    long portn = strtol(port, &end, 10);
    if (*end || portn < 0 || portn > 65535) {
        fprintf(stderr, "megadb serve: invalid port \"%s\"\n", port);
        return 2;
    }

    Server srv;
    memset(&srv, 0, sizeof srv);
    srv.auth_scram = !strcmp(auth, "scram");
    srv.max_sessions = (int)max_conn;
    srv.auth_timeout_s = (int)auth_timeout;
    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.cv, NULL);

    char *err = NULL;
    if (mdb_open(dir, &srv.db, &err) != MDB_OK || err) {
        server_log("FATAL", "could not open database \"%s\": %s", dir, err ? err : "unknown error");
        free(err);
        if (srv.db) mdb_close(srv.db);
        return 2;
    }
    bool exists;
    int status = 2;
    int lfd = -1;
    snprintf(srv.dir, sizeof srv.dir, "%s", dir);
    if (!load_users(&srv, dir, &exists)) goto out;
    const char *env_user = getenv("MEGADB_USER"), *env_pw = getenv("MEGADB_PASSWORD"), *env_db = getenv("MEGADB_DATABASE");
    if (!exists && env_user && *env_user && env_pw && *env_pw) {
        if (!create_users(&srv, dir, env_user, env_pw, env_db && *env_db ? env_db : env_user)) goto out;
    } else if (!exists && srv.auth_scram) {
        server_log("FATAL", "no users in \"%s\": set MEGADB_USER and MEGADB_PASSWORD for the first start, or use --auth trust", dir);
        goto out;
    }
    if (env_db && *env_db) snprintf(srv.database, sizeof srv.database, "%s", env_db);

    if (cert) {
        srv.ssl = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_min_proto_version(srv.ssl, TLS1_2_VERSION);
        if (SSL_CTX_use_certificate_chain_file(srv.ssl, cert) != 1 || SSL_CTX_use_PrivateKey_file(srv.ssl, key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(srv.ssl) != 1) {
            unsigned long e = ERR_get_error();
            server_log("FATAL", "could not load TLS certificate or key: %s", e ? ERR_reason_error_string(e) : "unknown error");
            goto out;
        }
    }

    lfd = listen_on(host, port);
    if (lfd < 0) {
        server_log("FATAL", "could not listen on %s:%s", host, port);
        goto out;
    }
    if (pipe(wake_pipe) != 0) goto out;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    server_log("LOG", "MegaDB %s listening on %s port %s (auth %s%s), database directory \"%s\"", mdb_version(), host, port, auth,
               srv.ssl ? ", TLS" : "", dir);

    pthread_t watcher;
    bool watching = pthread_create(&watcher, NULL, watch_main, &srv) == 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (!stop_signal) {
        struct pollfd pf[2] = {{lfd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR) continue;
            server_log("LOG", "poll failed: %s", strerror(errno));
            break;
        }
        if (pf[1].revents) break;
        if (!(pf[0].revents & POLLIN)) continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
        if (fd < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) server_log("LOG", "accept failed: %s", strerror(errno));
            if (errno == EMFILE || errno == ENFILE) usleep(100000);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char peer[80];
        peer_name(&ss, peer, sizeof peer);
        pthread_mutex_lock(&srv.mu);
        /* over the limit: a session that answers the startup with 53300, as PostgreSQL's
         * backends do (libpq shows the message, also after its SSLRequest); beyond
         * DEAD_END_SESSIONS of those at once, the listener says it itself and closes */
        bool dead = srv.nsessions - srv.ndead >= srv.max_sessions;
        if (dead && srv.ndead >= DEAD_END_SESSIONS) {
            pthread_mutex_unlock(&srv.mu);
            server_log("LOG", "%s: too many connections", peer);
            /* as PostgreSQL answers: a FATAL ErrorResponse (libpq reads it in place of the
             * reply to its startup packet or SSLRequest); never block the listener on it */
            static const char msg[] = "SFATAL\0VFATAL\0C53300\0Msorry, too many clients already\0";
            uint8_t e[5 + sizeof msg];
            uint32_t n = htonl((uint32_t)(4 + sizeof msg));
            e[0] = 'E';
            memcpy(e + 1, &n, 4);
            memcpy(e + 5, msg, sizeof msg); /* sizeof counts the final NUL: the fields' end */
            ssize_t k = send(fd, e, sizeof e, MSG_DONTWAIT | MSG_NOSIGNAL);
            (void)k;
            close(fd);
            continue;
        }
        Session *s = session_new(&srv, fd, peer);
        if (dead) {
            server_log("LOG", "%s: too many connections", peer);
            session_set_dead_end(s);
        }
        pthread_t th;
        if (pthread_create(&th, &attr, session_main, s) != 0) {
            pthread_mutex_unlock(&srv.mu);
            server_log("LOG", "%s: could not start a thread", peer);
            close(fd);
            free(s);
            continue;
        }
        /* registered under the lock the new thread needs to unregister */
        session_register(&srv, s);
        pthread_mutex_unlock(&srv.mu);
    }
    pthread_attr_destroy(&attr);
    srv.stopping = 1;
    if (watching) pthread_join(watcher, NULL);
    server_log("LOG", "received %s: shutting down", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    close(lfd);
    lfd = -1;
    pthread_mutex_lock(&srv.mu);
    for (Session *s = srv.sessions; s; s = session_next(s)) session_kick(s);
    for (int waited = 0; srv.nsessions > 0 && waited < 100; waited++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&srv.cv, &srv.mu, &ts);
        for (Session *s = srv.sessions; s; s = session_next(s)) session_kick(s);
    }
    int left = srv.nsessions;
    pthread_mutex_unlock(&srv.mu);
    if (left) {
        /* a statement that does not notice the cancel keeps its thread: leave without closing the database */
        server_log("LOG", "%d connections did not end; exiting anyway", left);
        _exit(0);
    }
    status = 0;
    server_log("LOG", "database system is shut down");
out:
    if (lfd >= 0) close(lfd);
    if (srv.ssl) SSL_CTX_free(srv.ssl);
    mdb_close(srv.db);
    free(srv.users);
    return status;
}
