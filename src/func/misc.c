/*
 * src/func/misc.c — session information functions (version, current_user,
 * current_database, current_schema), gen_random_uuid, and the shared
 * helper that renders any value in PostgreSQL's text output format.
 *
 * func_value_text() lives here rather than using src/exec's value_to_text
 * so that aggregates and kernels of this folder do not depend on the layer
 * above (DESIGN.md §1).
 *
 * INTERFACE: func_register_misc, func_value_text
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "common/settings.h"
#include "func/func_internal.h"
#include "types/datetime.h"
#include "types/scalar_io.h"

static const TimeZone *ctx_tz(FuncCtx *ctx)
{
    const TimeZone *tz = NULL;
    Err e = {0};
    if (ctx && ctx->timezone && tz_lookup(ctx->timezone, strlen(ctx->timezone), &tz, &e) == MDB_OK_) return tz;
    err_clear(&e);
    return tz_utc();
}

Str func_value_text(FuncCtx *ctx, const Vector *v, idx_t i, Arena *a)
{
    char buf[DT_INTERVAL_BUFLEN + 64];
    size_t n = 0;
    const u8 *d = v->data;
    switch ((TypeId)v->type.id) {
    case TYPE_BOOL: n = scalar_format_bool(d[i] != 0, buf); break;
    case TYPE_INT16: n = scalar_format_int64(((const i16 *)d)[i], buf); break;
    case TYPE_INT32: n = scalar_format_int64(((const i32 *)d)[i], buf); break;
    case TYPE_INT64: n = scalar_format_int64(((const i64 *)d)[i], buf); break;
    case TYPE_FLOAT32: n = scalar_format_float4(((const float *)d)[i], 1, buf); break;
    case TYPE_FLOAT64: n = scalar_format_float8(((const double *)d)[i], 1, buf); break;
    case TYPE_NUMERIC: {
        /* big values print up to ~147,000 characters */
        char *t = numeric_to_text_dyn(((const Numeric *)d)[i], buf, sizeof buf, &n);
        if (t == buf) break;
        Str r = str_copy(a, t, (u32)n);
        free(t);
        return r;
    }
    case TYPE_TEXT:
    case TYPE_LIST: {
        const Str *s = &((const Str *)d)[i];
        return str_copy(a, str_data(s), s->len);
    }
    case TYPE_BYTEA: {
        const Str *s = &((const Str *)d)[i];
        char *p = arena_alloc(a, scalar_bytea_text_len(s->len) + 1);
        size_t len = scalar_format_bytea((const u8 *)str_data(s), s->len, p);
        return str_make(p, (u32)len);
    }
    case TYPE_DATE: n = date_format(((const Date *)d)[i], buf, sizeof buf); break;
    case TYPE_TIME: n = time_format(((const Time *)d)[i], buf, sizeof buf); break;
    case TYPE_TIMESTAMP: n = timestamp_format(((const Timestamp *)d)[i], buf, sizeof buf); break;
    case TYPE_TIMESTAMPTZ: n = timestamptz_format(((const TimestampTz *)d)[i], ctx_tz(ctx), buf, sizeof buf); break;
    case TYPE_INTERVAL: n = interval_format(&((const Interval *)d)[i], buf, sizeof buf); break;
    case TYPE_UUID: n = scalar_format_uuid(d + 16 * i, buf); break;
    default: n = 0; break;
    }
    if (n >= sizeof buf) n = sizeof buf - 1;
    return str_copy(a, buf, (u32)n);
}

/* ---- session information ------------------------------------------------ */

static int const_text(Vector *out, idx_t count, const char *s)
{
    for (idx_t i = 0; i < count; i++) out_str(out, i, s, strlen(s));
    return MDB_OK_;
}

static int fn_version(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return const_text(out, count,
                      "PostgreSQL " MDB_PG_VERSION_TEXT " on x86_64-pc-linux-gnu, compiled by gcc, 64-bit");
}
static int fn_current_user(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return const_text(out, count, "megadb");
}
static int fn_current_schema(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    return const_text(out, count, "public");
}

/* ---- gen_random_uuid ---------------------------------------------------- */

static int fn_gen_random_uuid(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    u8 *R = out->data;
    size_t need = 16 * (size_t)count, got = 0;
    while (got < need) {
        ssize_t r = getrandom(R + got, need - got, 0);
        if (r <= 0) return err_set(ctx->err, "58000", "could not generate random values");
        got += (size_t)r;
    }
    for (idx_t i = 0; i < count; i++) {
        R[16 * i + 6] = (u8)((R[16 * i + 6] & 0x0F) | 0x40); /* version 4 */
        R[16 * i + 8] = (u8)((R[16 * i + 8] & 0x3F) | 0x80); /* RFC 4122 variant */
    }
    return MDB_OK_;
}

/* pg_sleep(seconds): sleeps in slices of at most 10 ms so that a cancel or
 * statement_timeout stops it promptly; returns '' (PostgreSQL's void prints
 * as an empty string). */
static int fn_pg_sleep(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        double secs = ((const double *)args[0].data)[AIDX(&args[0], i)];
        struct timespec t0, now;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            if (ctx->cancelled && ctx->cancelled(ctx->defer_owner))
                return err_set(ctx->err, "57014", "canceling statement due to user request");
            clock_gettime(CLOCK_MONOTONIC, &now);
            double left = secs - ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
            if (!(left > 0)) break;
            double slice = left < 0.01 ? left : 0.01;
            struct timespec ts = {0, (long)(slice * 1e9)};
            nanosleep(&ts, NULL);
        }
        out_str(out, i, "", 0);
    }
    return MDB_OK_;
}

static const ScalarFunc MISC[] = {
    {"pg_sleep", 1, {TYPE_FLOAT64}, TYPE_TEXT, FUNC_VOLATILE, fn_pg_sleep},
    {"version", 0, {0}, TYPE_TEXT, 0, fn_version},
    {"current_user", 0, {0}, TYPE_TEXT, 0, fn_current_user},
    {"session_user", 0, {0}, TYPE_TEXT, 0, fn_current_user},
    {"user", 0, {0}, TYPE_TEXT, 0, fn_current_user},
    {"current_role", 0, {0}, TYPE_TEXT, 0, fn_current_user},
    {"current_database", 0, {0}, TYPE_TEXT, 0, fn_current_user},
    {"current_catalog", 0, {0}, TYPE_TEXT, 0, fn_current_user},
    {"current_schema", 0, {0}, TYPE_TEXT, 0, fn_current_schema},
    {"gen_random_uuid", 0, {0}, TYPE_UUID, FUNC_VOLATILE, fn_gen_random_uuid},
};

void func_register_misc(void) { func_register_scalar(MISC, MDB_ARRAY_LEN(MISC)); }
