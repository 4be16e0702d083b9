/*
 * src/common/settings.h — per-session settings (SET/SHOW/RESET).
 *
 * Every setting has a name, a default and a validator in settings.c; the
 * engine reads the typed fields directly.
 */
#ifndef MDB_SETTINGS_H
#define MDB_SETTINGS_H

#include "common/error.h"

/* The PostgreSQL release MegaDB answers as: SHOW server_version, the server_version
 * ParameterStatus, server_version_num and version() all derive from these, so a client
 * sees one version wherever it looks. */
#define MDB_PG_VERSION "15.8"
#define MDB_PG_VERSION_NUM "150008"
#define MDB_PG_VERSION_TEXT MDB_PG_VERSION " (MegaDB 0.1.0)"

typedef struct Settings {
    char search_path[256];   /* comma-separated schema names */
    char timezone[64];       /* TimeZone */
    char datestyle[32];      /* DateStyle (only ISO, MDY supported) */
    char application_name[64];
    char client_encoding[16];
    char default_table_access_method[16]; /* tier of CREATE TABLE without USING: "oltp" (default) or "memory" */
    char client_min_messages[16]; /* lowest level of message sent to the client (lower case) */
    char session_user[64];   /* session_authorization: current_user / session_user */
    char login_user[64];     /* the first session_authorization set (the login): what RESET restores */
    char database[64];       /* megadb.database: the database a server's client asked for (set once;
                              * "" = megadb), current_database() and the catalogs' name for it */
    int threads;             /* worker threads for one query */
    int extra_float_digits;
    i64 statement_timeout_ms;
    i64 lock_timeout_ms;     /* longest wait for another transaction's row change, 0 = none */
    int default_isolation;   /* default_transaction_isolation: an ISO_* level */
    i64 memory_limit;        /* bytes one statement's operators may hold before they spill (or fail with 53200) */
    char temp_directory[512]; /* where spills go; "" = <database>/tmp, or $TMPDIR (/tmp) in memory */
} Settings;

/* A memory size as PostgreSQL and DuckDB write it: an integer (bytes) or a
 * number with a unit B, kB/KB/KiB, MB/MiB, GB/GiB, TB/TiB (1024-based, any case,
 * space allowed before the unit).  -1 when the text is not one. */
i64 settings_parse_bytes(const char *v);
/* The size as SHOW prints it: the largest unit that divides it ("8GB", "1536kB", "100B"). */
void settings_format_bytes(i64 b, char *buf, size_t cap);

/* Transaction isolation levels, in PostgreSQL's order (READ UNCOMMITTED behaves as READ COMMITTED). */
enum { ISO_READ_UNCOMMITTED, ISO_READ_COMMITTED, ISO_REPEATABLE_READ, ISO_SERIALIZABLE };
/* The level named by text ("repeatable read", any case), or -1. */
int settings_isolation_parse(const char *name);
/* "read committed", … as SHOW prints it. */
const char *settings_isolation_name(int level);

void settings_default(Settings *s);
/* SET name = value (value NULL = DEFAULT / RESET). */
int settings_set(Settings *s, const char *name, const char *value, Err *err);
/* SHOW name; writes the text into buf. */
int settings_show(const Settings *s, const char *name, char *buf, size_t cap, Err *err);
/* Names of all settings, NULL-terminated (SHOW ALL). */
const char *const *settings_names(void);

#endif
