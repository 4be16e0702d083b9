/*
 * src/func/datetime_fn.c — date/time functions and operators as vector
 * kernels over the scalar routines of src/types/datetime.h: now() and
 * friends, date_part/extract, date_trunc, age, to_char/to_date/to_timestamp,
 * make_*, justify_*, timezone() (AT TIME ZONE), and the arithmetic
 * operators between date, time, timestamp, timestamptz, interval and
 * numbers.
 *
 * The session time zone (FuncCtx.timezone) is resolved once per kernel call
 * with tz_lookup (whose handles are cached process-wide).  Overloads are
 * ordered so that an untyped literal resolves as in PostgreSQL: `date -
 * '…'` is date - date, `timestamp - '…'` is timestamp - timestamp.
 * date_trunc(text, date) is registered explicitly to return timestamptz, as
 * PostgreSQL picks that overload (timestamptz is the preferred type).
 *
 * INTERFACE: func_register_datetime_fn
 */
#include <math.h>
#include <time.h>

#include "common/strbuf.h"
#include "func/func_internal.h"
#include "types/datetime.h"

#define ARGV(k, T, i) (((const T *)args[k].data)[AIDX(&args[k], i)])
#define SARG(k, i) (&STRS(&args[k])[AIDX(&args[k], i)])

static int session_tz(FuncCtx *ctx, const TimeZone **tz)
{
    if (!ctx->timezone || !*ctx->timezone) {
        *tz = tz_utc();
        return MDB_OK_;
    }
    return tz_lookup(ctx->timezone, strlen(ctx->timezone), tz, ctx->err);
}

/* NUL-terminated, lower-cased copy of a text argument in ctx->arena. */
static const char *cstr_lower(FuncCtx *ctx, const Str *s)
{
    char *p = arena_alloc(ctx->arena, s->len + 1);
    const char *d = str_data(s);
    for (u32 k = 0; k < s->len; k++) p[k] = (d[k] >= 'A' && d[k] <= 'Z') ? (char)(d[k] + 32) : d[k];
    p[s->len] = 0;
    return p;
}
static const char *cstr(FuncCtx *ctx, const Str *s) { return arena_strndup(ctx->arena, str_data(s), s->len); }

/* ---- current time ------------------------------------------------------- */

static int fn_now(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) VEC(out, TimestampTz)[i] = ctx->now_us;
    return MDB_OK_;
}
static int fn_clock_timestamp(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    i64 us = (i64)ts.tv_sec * USECS_PER_SEC + ts.tv_nsec / 1000;
    for (idx_t i = 0; i < count; i++) VEC(out, TimestampTz)[i] = us;
    return MDB_OK_;
}
static int fn_current_date(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    Date d;
    if (session_tz(ctx, &tz) || timestamptz_to_date(ctx->now_us, tz, &d, ctx->err)) return MDB_FAIL;
    for (idx_t i = 0; i < count; i++) VEC(out, Date)[i] = d;
    return MDB_OK_;
}
static int fn_localtimestamp(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    Timestamp t;
    if (session_tz(ctx, &tz) || timestamptz_to_timestamp(ctx->now_us, tz, &t, ctx->err)) return MDB_FAIL;
    for (idx_t i = 0; i < count; i++) VEC(out, Timestamp)[i] = t;
    return MDB_OK_;
}
static int fn_localtime(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    if (session_tz(ctx, &tz)) return MDB_FAIL;
    Time t = timestamptz_to_time(ctx->now_us, tz);
    for (idx_t i = 0; i < count; i++) VEC(out, Time)[i] = t;
    return MDB_OK_;
}

/* ---- date_part / extract ------------------------------------------------ */

static int extract_one(FuncCtx *ctx, const TimeZone *tz, TypeId t, const char *f, Vector *v, idx_t i, Numeric *r)
{
    switch (t) {
    case TYPE_DATE: return dt_extract_date(f, ((const Date *)v->data)[AIDX(v, i)], r, ctx->err);
    case TYPE_TIME: return dt_extract_time(f, ((const Time *)v->data)[AIDX(v, i)], r, ctx->err);
    case TYPE_TIMESTAMP: return dt_extract_timestamp(f, ((const Timestamp *)v->data)[AIDX(v, i)], r, ctx->err);
    case TYPE_TIMESTAMPTZ:
        return dt_extract_timestamptz(f, ((const TimestampTz *)v->data)[AIDX(v, i)], tz, r, ctx->err);
    default: return dt_extract_interval(f, &((const Interval *)v->data)[AIDX(v, i)], r, ctx->err);
    }
}

static int extract_common(FuncCtx *ctx, Vector *args, idx_t count, Vector *out, bool as_double)
{
    const TimeZone *tz = NULL;
    TypeId t = (TypeId)args[1].type.id;
    if (t == TYPE_TIMESTAMPTZ && session_tz(ctx, &tz)) return MDB_FAIL;
    const Str *last = NULL;
    const char *f = NULL;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *fs = SARG(0, i);
        if (!last || !str_eq(last, fs)) f = cstr_lower(ctx, fs), last = fs;
        Numeric r;
        if (extract_one(ctx, tz, t, f, &args[1], i, &r)) return MDB_FAIL;
        if (as_double) VEC(out, double)[i] = numeric_to_double(r);
        else VEC(out, Numeric)[i] = r;
    }
    return MDB_OK_;
}
static int fn_date_part(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return extract_common(c, a, n, o, true); }
static int fn_extract(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return extract_common(c, a, n, o, false); }

/* ---- date_trunc --------------------------------------------------------- */

static int fn_trunc_ts(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) &&
            timestamp_trunc(cstr_lower(ctx, SARG(0, i)), ARGV(1, Timestamp, i), &VEC(out, Timestamp)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}
static int fn_trunc_tstz(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    if (nargs > 2) {
        /* date_trunc(field, ts, zone) */
        for (idx_t i = 0; i < count; i++) {
            if (!ROW_OK(out, i)) continue;
            const Str *z = SARG(2, i);
            if (tz_lookup(str_data(z), z->len, &tz, ctx->err) ||
                timestamptz_trunc(cstr_lower(ctx, SARG(0, i)), ARGV(1, TimestampTz, i), tz, &VEC(out, TimestampTz)[i],
                                  ctx->err))
                return MDB_FAIL;
        }
        return MDB_OK_;
    }
    if (session_tz(ctx, &tz)) return MDB_FAIL;
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && timestamptz_trunc(cstr_lower(ctx, SARG(0, i)), ARGV(1, TimestampTz, i), tz,
                                                &VEC(out, TimestampTz)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}
static int fn_trunc_date(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    if (session_tz(ctx, &tz)) return MDB_FAIL;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        TimestampTz t;
        if (date_to_timestamptz(ARGV(1, Date, i), tz, &t, ctx->err) ||
            timestamptz_trunc(cstr_lower(ctx, SARG(0, i)), t, tz, &VEC(out, TimestampTz)[i], ctx->err))
            return MDB_FAIL;
    }
    return MDB_OK_;
}
static int fn_trunc_ival(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && interval_trunc(cstr_lower(ctx, SARG(0, i)), &ARGV(1, Interval, i),
                                             &VEC(out, Interval)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}

/* ---- age ---------------------------------------------------------------- */

static int fn_age_ts(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    Timestamp today = 0;
    if (nargs == 1) {
        /* age(ts) = age(current_date at midnight, ts) */
        const TimeZone *tz;
        Date d;
        if (session_tz(ctx, &tz) || timestamptz_to_date(ctx->now_us, tz, &d, ctx->err) ||
            date_to_timestamp(d, &today, ctx->err))
            return MDB_FAIL;
    }
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        Timestamp a = nargs == 1 ? today : ARGV(0, Timestamp, i), b = ARGV(nargs - 1, Timestamp, i);
        if (timestamp_age(a, b, &VEC(out, Interval)[i], ctx->err)) return MDB_FAIL;
    }
    return MDB_OK_;
}
static int fn_age_tstz(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    if (session_tz(ctx, &tz)) return MDB_FAIL;
    TimestampTz today = 0;
    if (nargs == 1) {
        Date d;
        if (timestamptz_to_date(ctx->now_us, tz, &d, ctx->err) || date_to_timestamptz(d, tz, &today, ctx->err))
            return MDB_FAIL;
    }
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        TimestampTz a = nargs == 1 ? today : ARGV(0, TimestampTz, i), b = ARGV(nargs - 1, TimestampTz, i);
        if (timestamptz_age(a, b, tz, &VEC(out, Interval)[i], ctx->err)) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* ---- to_char / to_date / to_timestamp ----------------------------------- */

static int to_char_kernel(FuncCtx *ctx, Vector *args, idx_t count, Vector *out)
{
    TypeId t = (TypeId)args[0].type.id;
    const TimeZone *tz = NULL;
    if (t == TYPE_TIMESTAMPTZ && session_tz(ctx, &tz)) return MDB_FAIL;
    StrBuf sb;
    sb_init(&sb);
    int rc = MDB_OK_;
    for (idx_t i = 0; i < count && rc == MDB_OK_; i++) {
        if (!ROW_OK(out, i)) continue;
        const char *fmt = cstr(ctx, SARG(1, i));
        bool is_null = false;
        sb_reset(&sb);
        switch (t) {
        case TYPE_TIMESTAMP: rc = dt_to_char_timestamp(ARGV(0, Timestamp, i), fmt, &sb, &is_null, ctx->err); break;
        case TYPE_TIMESTAMPTZ:
            rc = dt_to_char_timestamptz(ARGV(0, TimestampTz, i), tz, fmt, &sb, &is_null, ctx->err);
            break;
        case TYPE_INTERVAL: rc = dt_to_char_interval(&ARGV(0, Interval, i), fmt, &sb, ctx->err); break;
        case TYPE_NUMERIC: rc = dt_to_char_numeric(ARGV(0, Numeric, i), fmt, &sb, ctx->err); break;
        case TYPE_FLOAT64: rc = dt_to_char_double(ARGV(0, double, i), fmt, &sb, ctx->err); break;
        case TYPE_FLOAT32: rc = dt_to_char_double((double)ARGV(0, float, i), fmt, &sb, ctx->err); break;
        case TYPE_INT32: rc = dt_to_char_int64(ARGV(0, i32, i), fmt, &sb, ctx->err); break;
        default: rc = dt_to_char_int64(ARGV(0, i64, i), fmt, &sb, ctx->err); break;
        }
        if (rc) break;
        if (is_null) out_set_null(out, i);
        else out_str(out, i, sb.data ? sb.data : "", sb.len);
    }
    sb_free(&sb);
    return rc;
}
static int fn_to_char(FuncCtx *c, Vector *a, int na, idx_t n, Vector *o) { return to_char_kernel(c, a, n, o); }

static int fn_to_date(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        if (dt_to_date(str_data(s), s->len, cstr(ctx, SARG(1, i)), &VEC(out, Date)[i], ctx->err)) return MDB_FAIL;
    }
    return MDB_OK_;
}
static int fn_to_timestamp2(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    if (session_tz(ctx, &tz)) return MDB_FAIL;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *s = SARG(0, i);
        if (dt_to_timestamp(str_data(s), s->len, cstr(ctx, SARG(1, i)), tz, &VEC(out, TimestampTz)[i], ctx->err))
            return MDB_FAIL;
    }
    return MDB_OK_;
}
static int fn_to_timestamp1(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && timestamptz_from_epoch(ARGV(0, double, i), &VEC(out, TimestampTz)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}

/* ---- constructors ------------------------------------------------------- */

static int fn_make_date(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) &&
            make_date(ARGV(0, i32, i), ARGV(1, i32, i), ARGV(2, i32, i), &VEC(out, Date)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}
static int fn_make_time(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) &&
            make_time(ARGV(0, i32, i), ARGV(1, i32, i), ARGV(2, double, i), &VEC(out, Time)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}
static int fn_make_timestamp(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && make_timestamp(ARGV(0, i32, i), ARGV(1, i32, i), ARGV(2, i32, i), ARGV(3, i32, i),
                                             ARGV(4, i32, i), ARGV(5, double, i), &VEC(out, Timestamp)[i], ctx->err))
            return MDB_FAIL;
    return MDB_OK_;
}
static int fn_make_timestamptz(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    const TimeZone *tz;
    if (nargs < 7 && session_tz(ctx, &tz)) return MDB_FAIL;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        if (nargs == 7) { /* the 7th argument names the zone the fields are in */
            const Str *z = SARG(6, i);
            if (tz_lookup(str_data(z), z->len, &tz, ctx->err)) return MDB_FAIL;
        }
        if (make_timestamptz(ARGV(0, i32, i), ARGV(1, i32, i), ARGV(2, i32, i), ARGV(3, i32, i), ARGV(4, i32, i),
                             ARGV(5, double, i), tz, &VEC(out, TimestampTz)[i], ctx->err))
            return MDB_FAIL;
    }
    return MDB_OK_;
}
/* make_interval(years [, months [, weeks [, days [, hours [, mins [, secs]]]]]]) (missing ones are 0;
 * the binder fills in named arguments, make_interval(days => 3)). */
static int fn_make_interval(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        int f[6] = {0};
        for (int k = 0; k < nargs && k < 6; k++) f[k] = ARGV(k, i32, i);
        double secs = nargs > 6 ? ARGV(6, double, i) : 0.0;
        if (make_interval(f[0], f[1], f[2], f[3], f[4], f[5], secs, &VEC(out, Interval)[i], ctx->err)) return MDB_FAIL;
    }
    return MDB_OK_;
}

/* date_bin(stride, source, origin): the start of the stride-wide bin (counted from origin)
 * that holds source, as PostgreSQL 14+ computes it (timestamp and timestamptz alike: the
 * bins are fixed lengths of time, no calendar). */
static int fn_date_bin(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Interval *st = &ARGV(0, Interval, i);
        i64 src = ARGV(1, i64, i), org = ARGV(2, i64, i);
        if (src == INT64_MAX || src == INT64_MIN || org == INT64_MAX || org == INT64_MIN)
            return err_set(ctx->err, "22008", "timestamp out of range");
        if (st->months != 0)
            return err_set(ctx->err, "0A000", "timestamps cannot be binned into intervals containing months or years");
        i64 stride;
        if (__builtin_mul_overflow((i64)st->days, (i64)86400000000LL, &stride) || __builtin_add_overflow(stride, st->micros, &stride))
            return err_set(ctx->err, "22008", "interval out of range");
        if (stride <= 0) return err_set(ctx->err, "22008", "stride must be greater than zero");
        i64 diff;
        if (__builtin_sub_overflow(src, org, &diff)) return err_set(ctx->err, "22008", "interval out of range");
        i64 q = diff / stride, r = diff % stride;
        if (r < 0) q--; /* bins before the origin */
        i64 res;
        if (__builtin_mul_overflow(q, stride, &res) || __builtin_add_overflow(org, res, &res))
            return err_set(ctx->err, "22008", "timestamp out of range");
        VEC(out, i64)[i] = res;
    }
    return MDB_OK_;
}

/* to_number(text, format): the digits the format's 9/0 positions take from the text, a point
 * where it has D or '.', the sign from S/MI/PL/SG, a '-' anywhere before the digits or <…> with
 * PR; group separators (G ',') and other format characters skip one character.  Digits beyond
 * the format's positions are not read (to_number('12345', '99') is 12), as in PostgreSQL. */
static int to_number_one(FuncCtx *ctx, const Str *in, const Str *fmt, Numeric *out)
{
    const char *s = str_data(in), *f = str_data(fmt);
    size_t n = in->len, m = fmt->len, i = 0;
    char digits[80];
    size_t nd = 0, frac = 0;
    bool neg = false, point = false, any = false;
    for (size_t k = 0; k < m;) {
        char c = f[k];
        char u = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        char u1 = k + 1 < m ? (char)(f[k + 1] >= 'a' && f[k + 1] <= 'z' ? f[k + 1] - 32 : f[k + 1]) : 0;
        if (u == 'F' && u1 == 'M') { k += 2; continue; }
        if ((u == 'M' && u1 == 'I') || (u == 'P' && u1 == 'L') || (u == 'S' && u1 == 'G') || (u == 'P' && u1 == 'R') || u == 'S') {
            bool pr = u == 'P' && u1 == 'R';
            k += u == 'S' && u1 != 'G' ? 1 : 2;
            while (i < n && s[i] == ' ') i++;
            if (i < n && (s[i] == '-' || (pr && s[i] == '>'))) neg |= s[i] == '-' || pr, i++;
            else if (i < n && s[i] == '+') i++;
            continue;
        }
        k++;
        if (c == '9' || c == '0') {
            /* leading blanks and a sign may precede the first digit */
            while (!any && i < n && (s[i] == ' ' || s[i] == '-' || s[i] == '+' || s[i] == '<')) {
                if (s[i] == '-' || s[i] == '<') neg = true;
                i++;
            }
            while (i < n && s[i] == ' ') i++;
            if (i < n && s[i] >= '0' && s[i] <= '9') {
                if (nd < sizeof digits - 1) digits[nd++] = s[i];
                frac += point;
                any = true;
                i++;
            }
            continue;
        }
        if (c == '.' || u == 'D') {
            if (i < n && s[i] == '.') i++;
            point = true;
            continue;
        }
        if (i < n) i++; /* G, ',' and anything else take one character */
    }
    if (!any) return err_set(ctx->err, SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type numeric: \" \"");
    char txt[96];
    size_t o = 0;
    if (neg) txt[o++] = '-';
    for (size_t k = 0; k < nd; k++) {
        if (k == nd - frac && frac) txt[o++] = '.';
        txt[o++] = digits[k];
    }
    return numeric_from_text(txt, o, out, ctx->err);
}

static int fn_to_number(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++)
        if (ROW_OK(out, i) && to_number_one(ctx, SARG(0, i), SARG(1, i), &VEC(out, Numeric)[i])) return MDB_FAIL;
    return MDB_OK_;
}

/* ---- justify / timezone ------------------------------------------------- */

#define IV1(NAME, FN)                                                                   \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)   \
    {                                                                                   \
        for (idx_t i = 0; i < count; i++)                                               \
            if (ROW_OK(out, i) && FN(&ARGV(0, Interval, i), &VEC(out, Interval)[i], ctx->err)) return MDB_FAIL; \
        return MDB_OK_;                                                                 \
    }
IV1(fn_justify_days, interval_justify_days)
IV1(fn_justify_hours, interval_justify_hours)
IV1(fn_justify_interval, interval_justify_interval)
IV1(fn_ival_neg, interval_neg)

static int fn_timezone_tstz(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *z = SARG(0, i);
        const TimeZone *tz;
        if (tz_lookup(str_data(z), z->len, &tz, ctx->err) ||
            timestamptz_at_zone(ARGV(1, TimestampTz, i), tz, &VEC(out, Timestamp)[i], ctx->err))
            return MDB_FAIL;
    }
    return MDB_OK_;
}
static int fn_timezone_ts(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *z = SARG(0, i);
        const TimeZone *tz;
        if (tz_lookup(str_data(z), z->len, &tz, ctx->err) ||
            timestamp_at_zone(ARGV(1, Timestamp, i), tz, &VEC(out, TimestampTz)[i], ctx->err))
            return MDB_FAIL;
    }
    return MDB_OK_;
}

static int fn_isfinite_date(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        Date d = ARGV(0, Date, i);
        out->data[i] = d != DATE_INFINITY && d != DATE_NEG_INFINITY;
    }
    return MDB_OK_;
}
static int fn_isfinite_ts(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        i64 t = ARGV(0, i64, i);
        out->data[i] = t != TIMESTAMP_INFINITY && t != TIMESTAMP_NEG_INFINITY;
    }
    return MDB_OK_;
}

/* ---- arithmetic operators ----------------------------------------------- */

/* Stamps a binary kernel: TA op TB → TR through `EXPR`, which uses a, b,
 * r (pointer to the result), ctx and returns a status. */
#define DT_OP(NAME, TA, TB, TR, EXPR)                                                  \
    static int NAME(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)  \
    {                                                                                  \
        const TimeZone *tz = NULL;                                                     \
        (void)tz;                                                                      \
        for (idx_t i = 0; i < count; i++) {                                            \
            if (!ROW_OK(out, i)) continue;                                             \
            const TA *a = &ARGV(0, TA, i);                                             \
            const TB *b = &ARGV(1, TB, i);                                             \
            TR *r = &VEC(out, TR)[i];                                                  \
            if (EXPR) return MDB_FAIL;                                                 \
        }                                                                              \
        return MDB_OK_;                                                                \
    }

#define NEED_TZ (!tz && session_tz(ctx, &tz))

DT_OP(date_pl_int, Date, i32, Date, date_add_days(*a, *b, r, ctx->err))
DT_OP(int_pl_date, i32, Date, Date, date_add_days(*b, *a, r, ctx->err))
DT_OP(date_mi_int, Date, i32, Date, date_add_days(*a, -(i64)*b, r, ctx->err))
DT_OP(date_mi_date, Date, Date, i32, date_diff(*a, *b, r, ctx->err))
DT_OP(date_pl_ival, Date, Interval, Timestamp, date_add_interval(*a, b, r, ctx->err))
DT_OP(ival_pl_date, Interval, Date, Timestamp, date_add_interval(*b, a, r, ctx->err))
DT_OP(date_mi_ival, Date, Interval, Timestamp,
      ({ Interval n; interval_neg(b, &n, ctx->err) || date_add_interval(*a, &n, r, ctx->err); }))
DT_OP(date_pl_time, Date, Time, Timestamp,
      ({ Timestamp t; date_to_timestamp(*a, &t, ctx->err) || (*r = t + *b, 0); }))
DT_OP(time_pl_date, Time, Date, Timestamp,
      ({ Timestamp t; date_to_timestamp(*b, &t, ctx->err) || (*r = t + *a, 0); }))
DT_OP(ts_pl_ival, Timestamp, Interval, Timestamp, timestamp_add_interval(*a, b, r, ctx->err))
DT_OP(ival_pl_ts, Interval, Timestamp, Timestamp, timestamp_add_interval(*b, a, r, ctx->err))
DT_OP(ts_mi_ival, Timestamp, Interval, Timestamp,
      ({ Interval n; interval_neg(b, &n, ctx->err) || timestamp_add_interval(*a, &n, r, ctx->err); }))
DT_OP(tstz_pl_ival, TimestampTz, Interval, TimestampTz,
      NEED_TZ || timestamptz_add_interval(*a, b, tz, r, ctx->err))
DT_OP(ival_pl_tstz, Interval, TimestampTz, TimestampTz,
      NEED_TZ || timestamptz_add_interval(*b, a, tz, r, ctx->err))
DT_OP(tstz_mi_ival, TimestampTz, Interval, TimestampTz,
      ({ Interval n; NEED_TZ || interval_neg(b, &n, ctx->err) || timestamptz_add_interval(*a, &n, tz, r, ctx->err); }))
DT_OP(ts_mi_ts, Timestamp, Timestamp, Interval, timestamp_diff(*a, *b, r, ctx->err))
DT_OP(tstz_mi_tstz, TimestampTz, TimestampTz, Interval, timestamp_diff(*a, *b, r, ctx->err))
DT_OP(ival_pl_ival, Interval, Interval, Interval, interval_add(a, b, r, ctx->err))
DT_OP(ival_mi_ival, Interval, Interval, Interval, interval_sub(a, b, r, ctx->err))
DT_OP(ival_mul_f8, Interval, double, Interval, interval_mul(a, *b, r, ctx->err))
DT_OP(f8_mul_ival, double, Interval, Interval, interval_mul(b, *a, r, ctx->err))
DT_OP(ival_div_f8, Interval, double, Interval, interval_div(a, *b, r, ctx->err))
DT_OP(time_pl_ival, Time, Interval, Time, (*r = time_add_interval(*a, b), 0))
DT_OP(ival_pl_time, Interval, Time, Time, (*r = time_add_interval(*b, a), 0))
DT_OP(time_mi_ival, Time, Interval, Time,
      ({ Interval n; interval_neg(b, &n, ctx->err) || (*r = time_add_interval(*a, &n), 0); }))
DT_OP(time_mi_time, Time, Time, Interval, (*r = time_diff(*a, *b), 0))

/* ---- registration ------------------------------------------------------- */

#define T TYPE_TEXT
#define DA TYPE_DATE
#define TI TYPE_TIME
#define TS TYPE_TIMESTAMP
#define TZ TYPE_TIMESTAMPTZ
#define IV TYPE_INTERVAL
#define I4 TYPE_INT32
#define F8 TYPE_FLOAT64
#define OP(N, A, B, R, K) {N, 2, {A, B}, R, 0, K}

static const ScalarFunc DATETIME[] = {
    {"now", 0, {0}, TZ, 0, fn_now},
    {"current_timestamp", 0, {0}, TZ, 0, fn_now},
    {"transaction_timestamp", 0, {0}, TZ, 0, fn_now},
    {"statement_timestamp", 0, {0}, TZ, 0, fn_now},
    {"clock_timestamp", 0, {0}, TZ, FUNC_VOLATILE, fn_clock_timestamp},
    {"current_date", 0, {0}, DA, FUNC_STABLE, fn_current_date},
    {"localtimestamp", 0, {0}, TS, FUNC_STABLE, fn_localtimestamp},
    {"localtime", 0, {0}, TI, FUNC_STABLE, fn_localtime},
    {"current_time", 0, {0}, TI, FUNC_STABLE, fn_localtime},

    OP("date_part", T, TS, F8, fn_date_part), OP("date_part", T, TZ, F8, fn_date_part),
    OP("date_part", T, DA, F8, fn_date_part), OP("date_part", T, TI, F8, fn_date_part),
    OP("date_part", T, IV, F8, fn_date_part),
    OP("extract", T, TS, TYPE_NUMERIC, fn_extract), OP("extract", T, TZ, TYPE_NUMERIC, fn_extract),
    OP("extract", T, DA, TYPE_NUMERIC, fn_extract), OP("extract", T, TI, TYPE_NUMERIC, fn_extract),
    OP("extract", T, IV, TYPE_NUMERIC, fn_extract),

    OP("date_trunc", T, TS, TS, fn_trunc_ts), OP("date_trunc", T, TZ, TZ, fn_trunc_tstz),
    OP("date_trunc", T, DA, TZ, fn_trunc_date), OP("date_trunc", T, IV, IV, fn_trunc_ival),
    {"date_trunc", 3, {T, TZ, T}, TZ, 0, fn_trunc_tstz},
    {"date_bin", 3, {IV, TS, TS}, TS, 0, fn_date_bin}, {"date_bin", 3, {IV, TZ, TZ}, TZ, 0, fn_date_bin},

    OP("age", TS, TS, IV, fn_age_ts), OP("age", TZ, TZ, IV, fn_age_tstz),
    {"age", 1, {TS}, IV, FUNC_STABLE, fn_age_ts}, {"age", 1, {TZ}, IV, FUNC_STABLE, fn_age_tstz},

    {"to_number", 2, {T, T}, TYPE_NUMERIC, 0, fn_to_number},
    OP("to_char", TS, T, T, fn_to_char), OP("to_char", TZ, T, T, fn_to_char), OP("to_char", IV, T, T, fn_to_char),
    OP("to_char", TYPE_INT32, T, T, fn_to_char), OP("to_char", TYPE_INT64, T, T, fn_to_char),
    OP("to_char", TYPE_NUMERIC, T, T, fn_to_char), OP("to_char", TYPE_FLOAT32, T, T, fn_to_char),
    OP("to_char", F8, T, T, fn_to_char),
    OP("to_date", T, T, DA, fn_to_date),
    OP("to_timestamp", T, T, TZ, fn_to_timestamp2),
    {"to_timestamp", 1, {F8}, TZ, 0, fn_to_timestamp1},

    {"make_date", 3, {I4, I4, I4}, DA, 0, fn_make_date},
    {"make_time", 3, {I4, I4, F8}, TI, 0, fn_make_time},
    {"make_timestamp", 6, {I4, I4, I4, I4, I4, F8}, TS, 0, fn_make_timestamp},
    {"make_timestamptz", 6, {I4, I4, I4, I4, I4, F8}, TZ, 0, fn_make_timestamptz},
    {"make_timestamptz", 7, {I4, I4, I4, I4, I4, F8, TYPE_TEXT}, TZ, 0, fn_make_timestamptz},
    {"make_interval", 0, {0}, IV, 0, fn_make_interval},
    {"make_interval", 1, {I4}, IV, 0, fn_make_interval},
    {"make_interval", 2, {I4, I4}, IV, 0, fn_make_interval},
    {"make_interval", 3, {I4, I4, I4}, IV, 0, fn_make_interval},
    {"make_interval", 4, {I4, I4, I4, I4}, IV, 0, fn_make_interval},
    {"make_interval", 5, {I4, I4, I4, I4, I4}, IV, 0, fn_make_interval},
    {"make_interval", 6, {I4, I4, I4, I4, I4, I4}, IV, 0, fn_make_interval},
    {"make_interval", 7, {I4, I4, I4, I4, I4, I4, F8}, IV, 0, fn_make_interval},

    {"justify_days", 1, {IV}, IV, 0, fn_justify_days},
    {"justify_hours", 1, {IV}, IV, 0, fn_justify_hours},
    {"justify_interval", 1, {IV}, IV, 0, fn_justify_interval},
    OP("timezone", T, TZ, TS, fn_timezone_tstz),
    OP("timezone", T, TS, TZ, fn_timezone_ts),
    {"isfinite", 1, {DA}, TYPE_BOOL, 0, fn_isfinite_date},
    {"isfinite", 1, {TS}, TYPE_BOOL, 0, fn_isfinite_ts},
    {"isfinite", 1, {TZ}, TYPE_BOOL, 0, fn_isfinite_ts},

    /* operators: same-type overloads first so '…' literals resolve as PG */
    OP("-", DA, DA, I4, date_mi_date),
    OP("-", DA, I4, DA, date_mi_int),
    OP("-", DA, IV, TS, date_mi_ival),
    OP("-", TS, TS, IV, ts_mi_ts),
    OP("-", TS, IV, TS, ts_mi_ival),
    OP("-", TZ, TZ, IV, tstz_mi_tstz),
    OP("-", TZ, IV, TZ, tstz_mi_ival),
    OP("-", IV, IV, IV, ival_mi_ival),
    OP("-", TI, TI, IV, time_mi_time),
    OP("-", TI, IV, TI, time_mi_ival),
    {"-", 1, {IV}, IV, 0, fn_ival_neg},
    OP("+", DA, I4, DA, date_pl_int),
    OP("+", I4, DA, DA, int_pl_date),
    OP("+", DA, IV, TS, date_pl_ival),
    OP("+", IV, DA, TS, ival_pl_date),
    OP("+", DA, TI, TS, date_pl_time),
    OP("+", TI, DA, TS, time_pl_date),
    OP("+", TS, IV, TS, ts_pl_ival),
    OP("+", IV, TS, TS, ival_pl_ts),
    OP("+", TZ, IV, TZ, tstz_pl_ival),
    OP("+", IV, TZ, TZ, ival_pl_tstz),
    OP("+", IV, IV, IV, ival_pl_ival),
    OP("+", TI, IV, TI, time_pl_ival),
    OP("+", IV, TI, TI, ival_pl_time),
    OP("*", IV, F8, IV, ival_mul_f8),
    OP("*", F8, IV, IV, f8_mul_ival),
    OP("/", IV, F8, IV, ival_div_f8),
};

void func_register_datetime_fn(void) { func_register_scalar(DATETIME, MDB_ARRAY_LEN(DATETIME)); }
