/*
 * src/common/settings.c — names, defaults and validation of session settings.
 */
#define _GNU_SOURCE
#include "common/settings.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

static int ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

void settings_default(Settings *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->search_path, sizeof s->search_path, "\"$user\", public");
    snprintf(s->timezone, sizeof s->timezone, "UTC");
    snprintf(s->datestyle, sizeof s->datestyle, "ISO, MDY");
    snprintf(s->client_encoding, sizeof s->client_encoding, "UTF8");
    snprintf(s->default_table_access_method, sizeof s->default_table_access_method, "oltp");
    snprintf(s->client_min_messages, sizeof s->client_min_messages, "notice");
    snprintf(s->session_user, sizeof s->session_user, "megadb");
    s->threads = ncpu();
    s->extra_float_digits = 1;
    s->statement_timeout_ms = 0;
    s->lock_timeout_ms = 0;
    s->default_isolation = ISO_READ_COMMITTED;
    s->memory_limit = (i64)8 << 30;
}

static const char *const NAMES[] = {"search_path",      "timezone",          "datestyle",
                                    "application_name", "client_encoding",   "default_table_access_method",
                                    "threads",          "extra_float_digits", "statement_timeout",
                                    "memory_limit",     "server_version",    "server_version_num", "standard_conforming_strings",
                                    "intervalstyle",    "max_identifier_length", "lock_timeout",
                                    "default_transaction_isolation", "client_min_messages", "session_authorization",
                                    "temp_directory", NULL};

const char *const *settings_names(void) { return NAMES; }

static const char *const ISO_NAMES[] = {"read uncommitted", "read committed", "repeatable read", "serializable"};

int settings_isolation_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(name, ISO_NAMES[i])) return i;
    return -1;
}

const char *settings_isolation_name(int level) { return level >= 0 && level < 4 ? ISO_NAMES[level] : "read committed"; }

static int set_str(char *dst, size_t cap, const char *v, const char *name, Err *err)
{
    if (strlen(v) >= cap) return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", name, v);
    snprintf(dst, cap, "%s", v);
    return MDB_OK_;
}

static int parse_int(const char *v, i64 *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    while (*end && isspace((unsigned char)*end)) end++;
    if (end == v || *end) return -1;
    *out = x;
    return 0;
}

/* A time setting as PostgreSQL writes it: an integer with an optional unit
 * (us, ms, s, min, h, d; none = ms), rounded to milliseconds. */
/* A time setting in milliseconds, as PostgreSQL reads GUC_UNIT_MS values: a number (fractions
 * and exponents allowed), optional blanks, an optional unit; rounded to whole milliseconds.
 * -1: not a number or an unknown unit; -2: outside 0 .. INT32_MAX (*out gets the value). */
static int parse_ms(const char *v, i64 *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v) return -1;
    while (*end && isspace((unsigned char)*end)) end++;
    char unit[8] = {0};
    size_t n = 0;
    while (*end && !isspace((unsigned char)*end) && n < sizeof unit - 1) unit[n++] = *end++;
    while (*end && isspace((unsigned char)*end)) end++;
    if (*end) return -1;
    static const struct { const char *u; double ms; } U[] = {
        {"", 1}, {"ms", 1}, {"us", 0.001}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (!strcmp(unit, U[i].u)) {
            double ms = rint(x * U[i].ms);
            if (!(ms >= -9.2e18 && ms <= 9.2e18)) return -1;
            *out = (i64)ms;
            return ms < 0 || ms > INT32_MAX ? -2 : 0;
        }
    return -1;
}

i64 settings_parse_bytes(const char *v)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || errno || x < 0) return -1;
    while (*end && isspace((unsigned char)*end)) end++;
    char unit[8] = {0};
    size_t n = 0;
    while (*end && !isspace((unsigned char)*end) && n < sizeof unit - 1) unit[n++] = *end++;
    while (*end && isspace((unsigned char)*end)) end++;
    if (*end) return -1;
    static const struct { const char *u; int shift; } U[] = {
        {"", 0}, {"b", 0}, {"kb", 10}, {"kib", 10}, {"k", 10}, {"mb", 20}, {"mib", 20}, {"m", 20},
        {"gb", 30}, {"gib", 30}, {"g", 30}, {"tb", 40}, {"tib", 40}, {"t", 40}};
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (!strcasecmp(unit, U[i].u)) {
            double b = x * (double)((i64)1 << U[i].shift);
            if (b >= 9.2e18) return -1;
            return (i64)b;
        }
    return -1;
}

void settings_format_bytes(i64 b, char *buf, size_t cap)
{
    static const char *const U[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (u < 4 && b >= 1024 && b % 1024 == 0) {
        b /= 1024;
        u++;
    }
    snprintf(buf, cap, "%lld%s", (long long)b, U[u]);
}

/* statement_timeout / lock_timeout: parse_ms with PostgreSQL's messages. */
static int set_ms(const char *name, const char *value, i64 *dst, Err *err)
{
    i64 x = 0;
    int rc = parse_ms(value, &x);
    if (rc == -2 && x >= INT32_MIN && x < 0)
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "%lld ms is outside the valid range for parameter \"%s\" (0 .. 2147483647)",
                       (long long)x, name);
    if (rc) {
        err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", name, value);
        err_hint(err, rc == -2 ? "Value exceeds integer range." : "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
        return MDB_FAIL;
    }
    *dst = x;
    return MDB_OK_;
}

/* A millisecond setting as SHOW prints it in PostgreSQL: 0 bare, else in the largest of
 * d, h, min, s, ms that divides it exactly. */
static void show_ms(i64 ms, char *buf, size_t cap)
{
    static const struct { const char *u; i64 ms; } U[] = {{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}};
    if (ms == 0) { snprintf(buf, cap, "0"); return; }
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (ms % U[i].ms == 0) { snprintf(buf, cap, "%lld%s", (long long)(ms / U[i].ms), U[i].u); return; }
    snprintf(buf, cap, "%lldms", (long long)ms);
}

int settings_set(Settings *s, const char *name, const char *value, Err *err)
{
    Settings def;
    settings_default(&def);
    if (strcasecmp(name, "search_path") == 0)
        return set_str(s->search_path, sizeof s->search_path, value ? value : def.search_path, name, err);
    if (strcasecmp(name, "timezone") == 0)
        return set_str(s->timezone, sizeof s->timezone, value ? value : def.timezone, name, err);
    if (strcasecmp(name, "datestyle") == 0) {
        /* only ISO output with month-day-year input is built: every word of the value must say
         * that (ISO, MDY, US, NonEuropean, Default); others are refused, never silently ignored */
        if (value) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", value);
            bool any = false;
            for (char *save = NULL, *w = strtok_r(buf, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
                any = true;
                if (strcasecmp(w, "iso") && strcasecmp(w, "mdy") && strcasecmp(w, "us") && strcasecmp(w, "noneuropean") &&
                    strcasecmp(w, "default"))
                    return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "DateStyle \"%s\" is not supported", value);
            }
            if (!any) return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"DateStyle\": \"%s\"", value);
        }
        return set_str(s->datestyle, sizeof s->datestyle, def.datestyle, name, err);
    }
    if (strcasecmp(name, "application_name") == 0)
        return set_str(s->application_name, sizeof s->application_name, value ? value : "", name, err);
    if (strcasecmp(name, "client_encoding") == 0) {
        if (value && strcasecmp(value, "utf8") && strcasecmp(value, "utf-8") && strcasecmp(value, "unicode") &&
            strcasecmp(value, "sql_ascii"))
            return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"client_encoding\": \"%s\"", value);
        return set_str(s->client_encoding, sizeof s->client_encoding, "UTF8", name, err);
    }
    if (strcasecmp(name, "default_table_access_method") == 0) {
        const char *v = value ? value : def.default_table_access_method;
        /* the tiers built so far (src/storage/tableam.h) */
        if (strcasecmp(v, "memory") != 0 && strcasecmp(v, "oltp") != 0)
            return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE,
                           "invalid value for parameter \"default_table_access_method\": \"%s\"", v);
        return set_str(s->default_table_access_method, sizeof s->default_table_access_method, strcasecmp(v, "oltp") ? "memory" : "oltp", name, err);
    }
    if (strcasecmp(name, "megadb.database") == 0) {
        /* set once by a server at login; the name never changes within a session */
        if (!value || s->database[0] || !*value || strlen(value) >= sizeof s->database)
            return err_set(err, "55P02", "parameter \"megadb.database\" cannot be changed now");
        return set_str(s->database, sizeof s->database, value, name, err);
    }
    if (strcasecmp(name, "session_authorization") == 0) {
        /* a server sets it to the login user first; every role has every privilege, so any
         * role may be taken on (RESET goes back to the login user) */
        const char *v = value ? value : s->login_user[0] ? s->login_user : def.session_user;
        if (!*v || strlen(v) >= sizeof s->session_user)
            return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"session_authorization\": \"%s\"", v);
        if (!s->login_user[0] && value) snprintf(s->login_user, sizeof s->login_user, "%s", value);
        return set_str(s->session_user, sizeof s->session_user, v, name, err);
    }
    if (strcasecmp(name, "client_min_messages") == 0) {
        /* PostgreSQL's levels; the server drops messages below the chosen one */
        static const char *const LEVELS[] = {"debug5", "debug4", "debug3", "debug2", "debug1", "debug", "log", "notice", "warning", "error", NULL};
        const char *v = value ? value : "notice";
        for (int i = 0; LEVELS[i]; i++)
            if (strcasecmp(v, LEVELS[i]) == 0)
                return set_str(s->client_min_messages, sizeof s->client_min_messages, i == 5 ? "debug2" : LEVELS[i], name, err);
        err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"client_min_messages\": \"%s\"", v);
        err_hint(err, "Available values: debug5, debug4, debug3, debug2, debug1, log, notice, warning, error.");
        return MDB_FAIL;
    }
    i64 x = 0;
    if (strcasecmp(name, "threads") == 0) {
        if (!value) { s->threads = def.threads; return MDB_OK_; }
        if (parse_int(value, &x) || x < 1 || x > 256)
            return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"threads\": \"%s\"", value);
        s->threads = (int)x;
        return MDB_OK_;
    }
    if (strcasecmp(name, "extra_float_digits") == 0) {
        if (!value) { s->extra_float_digits = 1; return MDB_OK_; }
        if (parse_int(value, &x) || x < -15 || x > 3)
            return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"extra_float_digits\": \"%s\"", value);
        s->extra_float_digits = (int)x;
        return MDB_OK_;
    }
    if (strcasecmp(name, "statement_timeout") == 0) {
        if (!value) { s->statement_timeout_ms = 0; return MDB_OK_; }
        return set_ms(name, value, &s->statement_timeout_ms, err);
    }
    if (strcasecmp(name, "lock_timeout") == 0) {
        if (!value) { s->lock_timeout_ms = 0; return MDB_OK_; }
        return set_ms(name, value, &s->lock_timeout_ms, err);
    }
    if (strcasecmp(name, "default_transaction_isolation") == 0) {
        int lv = value ? settings_isolation_parse(value) : ISO_READ_COMMITTED;
        if (lv < 0) {
            err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"default_transaction_isolation\": \"%s\"", value);
            err_hint(err, "Available values: serializable, repeatable read, read committed, read uncommitted.");
            return MDB_FAIL;
        }
        s->default_isolation = lv;
        return MDB_OK_;
    }
    if (strcasecmp(name, "memory_limit") == 0) {
        if (!value) { s->memory_limit = def.memory_limit; return MDB_OK_; }
        x = settings_parse_bytes(value);
        if (x <= 0) {
            err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"memory_limit\": \"%s\"", value);
            err_hint(err, "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".");
            return MDB_FAIL;
        }
        s->memory_limit = x;
        return MDB_OK_;
    }
    if (strcasecmp(name, "temp_directory") == 0)
        return set_str(s->temp_directory, sizeof s->temp_directory, value ? value : "", name, err);
    if (strcasecmp(name, "standard_conforming_strings") == 0 || strcasecmp(name, "intervalstyle") == 0)
        return MDB_OK_;
    return err_set(err, SQLSTATE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
}

int settings_show(const Settings *s, const char *name, char *buf, size_t cap, Err *err)
{
    if (strcasecmp(name, "search_path") == 0) snprintf(buf, cap, "%s", s->search_path);
    else if (strcasecmp(name, "timezone") == 0) snprintf(buf, cap, "%s", s->timezone);
    else if (strcasecmp(name, "datestyle") == 0) snprintf(buf, cap, "%s", s->datestyle);
    else if (strcasecmp(name, "application_name") == 0) snprintf(buf, cap, "%s", s->application_name);
    else if (strcasecmp(name, "client_encoding") == 0) snprintf(buf, cap, "%s", s->client_encoding);
    else if (strcasecmp(name, "default_table_access_method") == 0) snprintf(buf, cap, "%s", s->default_table_access_method);
    else if (strcasecmp(name, "threads") == 0) snprintf(buf, cap, "%d", s->threads);
    else if (strcasecmp(name, "extra_float_digits") == 0) snprintf(buf, cap, "%d", s->extra_float_digits);
    else if (strcasecmp(name, "statement_timeout") == 0) show_ms(s->statement_timeout_ms, buf, cap);
    else if (strcasecmp(name, "lock_timeout") == 0) show_ms(s->lock_timeout_ms, buf, cap);
    else if (strcasecmp(name, "default_transaction_isolation") == 0) snprintf(buf, cap, "%s", settings_isolation_name(s->default_isolation));
    else if (strcasecmp(name, "memory_limit") == 0) settings_format_bytes(s->memory_limit, buf, cap);
    else if (strcasecmp(name, "temp_directory") == 0) snprintf(buf, cap, "%s", s->temp_directory);
    else if (strcasecmp(name, "server_version") == 0) snprintf(buf, cap, "%s", MDB_PG_VERSION_TEXT);
    else if (strcasecmp(name, "server_version_num") == 0) snprintf(buf, cap, "%s", MDB_PG_VERSION_NUM);
    else if (strcasecmp(name, "standard_conforming_strings") == 0) snprintf(buf, cap, "on");
    else if (strcasecmp(name, "intervalstyle") == 0) snprintf(buf, cap, "postgres");
    else if (strcasecmp(name, "max_identifier_length") == 0) snprintf(buf, cap, "63");
    else if (strcasecmp(name, "client_min_messages") == 0) snprintf(buf, cap, "%s", s->client_min_messages);
    else if (strcasecmp(name, "session_authorization") == 0) snprintf(buf, cap, "%s", s->session_user);
    else return err_set(err, SQLSTATE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
    return MDB_OK_;
}
