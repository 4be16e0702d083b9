/*
 * src/types/datetime.h — DATE, TIME, TIMESTAMP, TIMESTAMPTZ and INTERVAL:
 * text input/output, arithmetic, time zones, extract/date_part, date_trunc,
 * age, justify_*, make_*, to_char/to_date/to_timestamp, with PostgreSQL 15's
 * behaviour (DateStyle ISO, MDY; IntervalStyle postgres).
 *
 * Representations (fixed; the engine relies on them):
 *   Date        i32 days since 1970-01-01, proleptic Gregorian;
 *               DATE_INFINITY / DATE_NEG_INFINITY.
 *   Time        i64 microseconds since midnight, 0 .. 86400000000 inclusive.
 *   Timestamp   i64 microseconds since 1970-01-01 00:00:00 (local, no zone).
 *   TimestampTz i64 microseconds since 1970-01-01 00:00:00 UTC.
 *               INT64_MAX / INT64_MIN are infinity / -infinity.
 *   Interval    {micros, days, months}.
 *
 * Time zones are `const TimeZone *` handles from tz_lookup(): UTC, fixed
 * offsets and IANA zones read from /usr/share/zoneinfo (TZif v2+, parsed
 * here, cached process-wide).  Handles live for the whole process.
 *
 * All functions are pure (no vectors) and allocation-free except tz_lookup's
 * first load of a zone.  Fallible functions return MDB_OK_ or MDB_FAIL with
 * PostgreSQL's SQLSTATE and message in `err`.  Formatters write into a caller
 * buffer (cap bytes, NUL-terminated when room) and return the full length.
 * See src/types/README.md.
 *
 * INTERFACE
 *   time zones:  tz_lookup, tz_utc, tz_name, tz_utc_offset, tz_local_offset
 *   calendar:    date_from_ymd, date_to_ymd, date_is_valid_ymd, dt_days_in_month
 *   text I/O:    date_parse, date_format, time_parse, time_format,
 *                timestamp_parse, timestamp_format, timestamptz_parse,
 *                timestamptz_format, interval_parse, interval_format
 *   conversion:  date_to_timestamp, timestamp_to_date, timestamp_to_timestamptz,
 *                timestamptz_to_timestamp, date_to_timestamptz,
 *                timestamptz_to_date, timestamp_to_time, timestamptz_to_time,
 *                timestamptz_at_zone, timestamp_at_zone
 *   arithmetic:  date_add_days, date_diff, date_add_interval,
 *                timestamp_add_interval, timestamptz_add_interval,
 *                timestamp_diff, time_add_interval, time_diff,
 *                interval_add, interval_sub, interval_neg, interval_mul,
 *                interval_div, interval_cmp, interval_hash,
 *                interval_justify_days, interval_justify_hours,
 *                interval_justify_interval, timestamp_age, timestamptz_age
 *   fields:      dt_extract_date, dt_extract_time, dt_extract_timestamp,
 *                dt_extract_timestamptz, dt_extract_interval,
 *                timestamp_trunc, timestamptz_trunc, interval_trunc
 *   constructors: make_date, make_time, make_timestamp, make_timestamptz,
 *                make_interval, timestamptz_from_epoch
 *   templates:   dt_to_char_timestamp, dt_to_char_timestamptz,
 *                dt_to_char_interval, dt_to_char_numeric, dt_to_char_double,
 *                dt_to_char_int64, dt_to_date, dt_to_timestamp
 */
#ifndef MDB_DATETIME_H
#define MDB_DATETIME_H

#include "common/common.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "types/numeric.h"

typedef i32 Date;
typedef i64 Time;
typedef i64 Timestamp;
typedef i64 TimestampTz;

typedef struct Interval {
    i64 micros; /* time part */
    i32 days;   /* days, not converted to micros (DST-aware arithmetic) */
    i32 months; /* months, not converted to days (calendar arithmetic) */
} Interval;

#define DATE_INFINITY INT32_MAX
#define DATE_NEG_INFINITY INT32_MIN
#define TIMESTAMP_INFINITY INT64_MAX
#define TIMESTAMP_NEG_INFINITY INT64_MIN

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_MINUTE INT64_C(60000000)
#define USECS_PER_HOUR INT64_C(3600000000)
#define USECS_PER_DAY INT64_C(86400000000)

/* Length bounds for the formatters (including the NUL). */
#define DT_DATE_BUFLEN 32
#define DT_TIME_BUFLEN 24
#define DT_TIMESTAMP_BUFLEN 48
#define DT_INTERVAL_BUFLEN 128

/* ---------------------------------------------------------------------------
 * Time zones
 * ------------------------------------------------------------------------- */

typedef struct TimeZone TimeZone;

/* Resolves a session TimeZone setting as PG's `SET TIME ZONE` does: a plain
 * number is hours east of UTC ('+02', '5.5'); otherwise an IANA zone name
 * (case-insensitive, from /usr/share/zoneinfo), 'UTC'/'GMT'/'Z', or a POSIX
 * TZ string ('UTC+3' is three hours WEST, '<+0530>-05:30', 'EST5EDT').
 * 22023 `time zone "X" not recognized`.  The handle lives forever. */
int tz_lookup(const char *name, size_t len, const TimeZone **out, Err *err);
const TimeZone *tz_utc(void);
const char *tz_name(const TimeZone *tz);
/* Offset east of UTC, in seconds, in effect at a UTC instant; *abbrev (may be
 * NULL) receives the zone abbreviation ("EST", "+0530"). */
int tz_utc_offset(const TimeZone *tz, TimestampTz utc, const char **abbrev);
/* Offset for a local wall-clock time: a time in a DST gap uses the offset
 * before the transition, an ambiguous one the offset after it (as PG). */
int tz_local_offset(const TimeZone *tz, Timestamp local);

/* ---------------------------------------------------------------------------
 * Calendar
 * ------------------------------------------------------------------------- */

/* Astronomical years: 0 is 1 BC, -1 is 2 BC. */
i64 date_from_ymd(int y, int m, int d);
void date_to_ymd(i64 days, int *y, int *m, int *d);
bool date_is_valid_ymd(int y, int m, int d);
int dt_days_in_month(int y, int m);

/* ---------------------------------------------------------------------------
 * Text input / output
 * ------------------------------------------------------------------------- */

/* Context for inputs that depend on the session: the zone used for
 * timestamptz without an explicit zone and for 'today', and the statement's
 * current time for 'now'/'today'/'tomorrow'/'yesterday' (NULL context: UTC
 * and the system clock). */
typedef struct DtContext {
    const TimeZone *tz;
    TimestampTz now;
} DtContext;

int date_parse(const char *s, size_t len, const DtContext *ctx, Date *out, Err *err);
size_t date_format(Date d, char *buf, size_t cap);
int time_parse(const char *s, size_t len, const DtContext *ctx, Time *out, Err *err);
size_t time_format(Time t, char *buf, size_t cap);
int timestamp_parse(const char *s, size_t len, const DtContext *ctx, Timestamp *out, Err *err);
size_t timestamp_format(Timestamp ts, char *buf, size_t cap);
int timestamptz_parse(const char *s, size_t len, const DtContext *ctx, TimestampTz *out, Err *err);
size_t timestamptz_format(TimestampTz ts, const TimeZone *tz, char *buf, size_t cap);
int interval_parse(const char *s, size_t len, Interval *out, Err *err);
size_t interval_format(const Interval *iv, char *buf, size_t cap);

/* ---------------------------------------------------------------------------
 * Conversions (22008 on overflow)
 * ------------------------------------------------------------------------- */

int date_to_timestamp(Date d, Timestamp *out, Err *err);
int timestamp_to_date(Timestamp ts, Date *out, Err *err);
int date_to_timestamptz(Date d, const TimeZone *tz, TimestampTz *out, Err *err);
int timestamptz_to_date(TimestampTz ts, const TimeZone *tz, Date *out, Err *err);
int timestamp_to_timestamptz(Timestamp ts, const TimeZone *tz, TimestampTz *out, Err *err);
int timestamptz_to_timestamp(TimestampTz ts, const TimeZone *tz, Timestamp *out, Err *err);
Time timestamp_to_time(Timestamp ts);
Time timestamptz_to_time(TimestampTz ts, const TimeZone *tz);
/* timestamptz AT TIME ZONE zone → timestamp; timestamp AT TIME ZONE zone →
 * timestamptz. */
int timestamptz_at_zone(TimestampTz ts, const TimeZone *zone, Timestamp *out, Err *err);
int timestamp_at_zone(Timestamp ts, const TimeZone *zone, TimestampTz *out, Err *err);

/* ---------------------------------------------------------------------------
 * Arithmetic
 * ------------------------------------------------------------------------- */

int date_add_days(Date d, i64 days, Date *out, Err *err);
/* date - date → integer days (infinite inputs: 22008 "cannot subtract
 * infinite dates"). */
int date_diff(Date a, Date b, i32 *out, Err *err);
/* date + interval → timestamp */
int date_add_interval(Date d, const Interval *iv, Timestamp *out, Err *err);
/* Months first (end-of-month clamped), then days, then micros. */
int timestamp_add_interval(Timestamp ts, const Interval *iv, Timestamp *out, Err *err);
/* Same, month/day steps taken in local time of tz. */
int timestamptz_add_interval(TimestampTz ts, const Interval *iv, const TimeZone *tz, TimestampTz *out, Err *err);
/* a - b as PG's timestamp_mi: justify_hours of the microsecond difference. */
int timestamp_diff(Timestamp a, Timestamp b, Interval *out, Err *err);
Time time_add_interval(Time t, const Interval *iv);
Interval time_diff(Time a, Time b);
int interval_add(const Interval *a, const Interval *b, Interval *out, Err *err);
int interval_sub(const Interval *a, const Interval *b, Interval *out, Err *err);
int interval_neg(const Interval *a, Interval *out, Err *err);
int interval_mul(const Interval *a, double f, Interval *out, Err *err);
int interval_div(const Interval *a, double f, Interval *out, Err *err);
/* Compares 30-day months and 24-hour days as one span; hash agrees. */
int interval_cmp(const Interval *a, const Interval *b);
u64 interval_hash(const Interval *a);
int interval_justify_days(const Interval *a, Interval *out, Err *err);
int interval_justify_hours(const Interval *a, Interval *out, Err *err);
int interval_justify_interval(const Interval *a, Interval *out, Err *err);
/* age(a, b): symbolic years/months/days difference. */
int timestamp_age(Timestamp a, Timestamp b, Interval *out, Err *err);
int timestamptz_age(TimestampTz a, TimestampTz b, const TimeZone *tz, Interval *out, Err *err);

/* ---------------------------------------------------------------------------
 * Fields
 * ------------------------------------------------------------------------- */

/* EXTRACT(field FROM v) as PG 15's numeric result (date_part = its double).
 * 22023 `unit "foo" not recognized for type ...` or `... not supported`. */
int dt_extract_date(const char *field, Date d, Numeric *out, Err *err);
int dt_extract_time(const char *field, Time t, Numeric *out, Err *err);
int dt_extract_timestamp(const char *field, Timestamp ts, Numeric *out, Err *err);
int dt_extract_timestamptz(const char *field, TimestampTz ts, const TimeZone *tz, Numeric *out, Err *err);
int dt_extract_interval(const char *field, const Interval *iv, Numeric *out, Err *err);

int timestamp_trunc(const char *field, Timestamp ts, Timestamp *out, Err *err);
int timestamptz_trunc(const char *field, TimestampTz ts, const TimeZone *tz, TimestampTz *out, Err *err);
int interval_trunc(const char *field, const Interval *iv, Interval *out, Err *err);

/* ---------------------------------------------------------------------------
 * Constructors
 * ------------------------------------------------------------------------- */

int make_date(int y, int m, int d, Date *out, Err *err);
int make_time(int h, int mi, double sec, Time *out, Err *err);
int make_timestamp(int y, int m, int d, int h, int mi, double sec, Timestamp *out, Err *err);
int make_timestamptz(int y, int m, int d, int h, int mi, double sec, const TimeZone *tz, TimestampTz *out, Err *err);
int make_interval(int years, int months, int weeks, int days, int hours, int mins, double secs, Interval *out,
                  Err *err);
/* to_timestamp(double epoch seconds) */
int timestamptz_from_epoch(double secs, TimestampTz *out, Err *err);

/* ---------------------------------------------------------------------------
 * Template formatting (to_char) and parsing (to_date, to_timestamp)
 * ------------------------------------------------------------------------- */

/* Appends to `out`.  Infinite timestamps produce no output (PG: NULL);
 * *is_null is set then. */
int dt_to_char_timestamp(Timestamp ts, const char *fmt, StrBuf *out, bool *is_null, Err *err);
int dt_to_char_timestamptz(TimestampTz ts, const TimeZone *tz, const char *fmt, StrBuf *out, bool *is_null,
                           Err *err);
int dt_to_char_interval(const Interval *iv, const char *fmt, StrBuf *out, Err *err);
int dt_to_char_numeric(Numeric v, const char *fmt, StrBuf *out, Err *err);
int dt_to_char_double(double v, const char *fmt, StrBuf *out, Err *err);
int dt_to_char_int64(i64 v, const char *fmt, StrBuf *out, Err *err);
int dt_to_date(const char *s, size_t len, const char *fmt, Date *out, Err *err);
int dt_to_timestamp(const char *s, size_t len, const char *fmt, const TimeZone *tz, TimestampTz *out, Err *err);

#endif
