/*
 * src/types/datetime.c — PostgreSQL 15 date/time semantics on plain
 * integers: calendar math, TZif time zones, text I/O, arithmetic, fields,
 * date_trunc, age and the to_char family.
 *
 * Design notes.
 *  - Calendar: proleptic Gregorian with astronomical years (year 0 = 1 BC),
 *    converted with the classic era-based days-from-civil algorithm, which is
 *    exact for every representable day.
 *  - Ranges follow PG: dates from 4714-11-24 BC (Julian day 0) to
 *    5874897-12-31; timestamps from 4714-11-24 BC to the largest instant whose
 *    microseconds since 1970 fit an i64 (294247-01-01 exclusive; PG goes to
 *    294276 because its epoch is 2000 — documented in README).
 *  - Time zones: a TimeZone is UTC, a fixed offset, a POSIX TZ rule, or a
 *    TZif file (v2+ 64-bit section, plus the footer's POSIX rule for instants
 *    after the last transition).  Parsed zones are cached in a process-wide
 *    table under a mutex and never freed, so handles stay valid.
 *  - Text input is a small field-based tokenizer in the spirit of PG's
 *    ParseDateTime/DecodeDateTime: it accepts ISO, MDY, month names, day
 *    names, AM/PM, BC/AD, 'T' separators and zone suffixes.
 */
#include "types/datetime.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#define SECS_PER_DAY 86400
#define DAYS_PER_MONTH 30
#define MONTHS_PER_YEAR 12
#define UNIX_EPOCH_JD 2440588 /* Julian day of 1970-01-01 */
#define POSTGRES_EPOCH_DAYS 10957 /* 2000-01-01 in our days */

/* Valid ranges (see the file comment). */
#define DATE_MIN_DAYS (-UNIX_EPOCH_JD)                  /* 4714-11-24 BC */
#define DATE_END_DAYS (2147483494 - UNIX_EPOCH_JD)      /* 5874898-01-01 */
#define TS_MIN ((i64)DATE_MIN_DAYS * USECS_PER_DAY)
#define TS_END_DAYS INT64_C(106751982)                  /* 294247-01-01 */
#define TS_END (TS_END_DAYS * USECS_PER_DAY)

static bool ts_in_range(i64 t) { return t >= TS_MIN && t < TS_END; }
static bool date_in_range(i64 d) { return d >= DATE_MIN_DAYS && d < DATE_END_DAYS; }

static i64 floordiv(i64 a, i64 b)
{
    i64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}
static i64 floormod(i64 a, i64 b) { return a - floordiv(a, b) * b; }

static const char *const MONTH_NAMES[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};
static const char *const DAY_NAMES[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

/* ---------------------------------------------------------------------------
 * Calendar
 * ------------------------------------------------------------------------- */

static bool is_leap(i64 y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int dt_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

bool date_is_valid_ymd(int y, int m, int d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= dt_days_in_month(y, m);
}

i64 date_from_ymd(int yy, int m, int d)
{
    i64 y = (i64)yy - (m <= 2);
    i64 era = floordiv(y, 400);
    i64 yoe = y - era * 400;
    i64 mp = (m + 9) % 12;
    i64 doy = (153 * mp + 2) / 5 + d - 1;
    i64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_to_ymd(i64 z, int *yy, int *mm, int *dd)
{
    z += 719468;
    i64 era = floordiv(z, 146097);
    i64 doe = z - era * 146097;
    i64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    i64 y = yoe + era * 400;
    i64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    i64 mp = (5 * doy + 2) / 153;
    i64 d = doy - (153 * mp + 2) / 5 + 1;
    i64 m = mp < 10 ? mp + 3 : mp - 9;
    *yy = (int)(y + (m <= 2));
    *mm = (int)m;
    *dd = (int)d;
}

/* Broken-down time. */
typedef struct Tm {
    int year, mon, mday; /* astronomical year */
    int hour, min, sec;
    i32 usec;
} Tm;

static void ts_to_tm(i64 t, Tm *tm)
{
    i64 days = floordiv(t, USECS_PER_DAY);
    i64 rem = t - days * USECS_PER_DAY;
    date_to_ymd(days, &tm->year, &tm->mon, &tm->mday);
    tm->hour = (int)(rem / USECS_PER_HOUR);
    rem %= USECS_PER_HOUR;
    tm->min = (int)(rem / USECS_PER_MINUTE);
    rem %= USECS_PER_MINUTE;
    tm->sec = (int)(rem / USECS_PER_SEC);
    tm->usec = (i32)(rem % USECS_PER_SEC);
}

/* No range checks; the caller checks the result. */
static i64 tm_to_ts(const Tm *tm)
{
    i64 days = date_from_ymd(tm->year, tm->mon, tm->mday);
    return days * USECS_PER_DAY + tm->hour * USECS_PER_HOUR + tm->min * USECS_PER_MINUTE + tm->sec * USECS_PER_SEC +
           tm->usec;
}

/* 0 = Sunday */
static int day_of_week(i64 days) { return (int)floormod(days + 4, 7); }

static int day_of_year(int y, int m, int d) { return (int)(date_from_ymd(y, m, d) - date_from_ymd(y, 1, 1)) + 1; }

/* ISO 8601 week-numbering year and week of a day. */
static void iso_week(i64 days, int *iso_year, int *week)
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    int isodow = (day_of_week(days) + 6) % 7 + 1; /* 1 = Monday */
    i64 thursday = days + 4 - isodow;
    int ty, tmn, td;
    date_to_ymd(thursday, &ty, &tmn, &td);
    *iso_year = ty;
    *week = (int)((thursday - date_from_ymd(ty, 1, 1)) / 7) + 1;
}

/* First day (Monday) of ISO year y. */
static i64 iso_year_start(int y)
{
    i64 jan4 = date_from_ymd(y, 1, 4);
    int isodow = (day_of_week(jan4) + 6) % 7 + 1;
    return jan4 - (isodow - 1);
}

static int err_ts_range(Err *err) { return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range"); }
static int err_date_range(Err *err) { return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range"); }
static int err_iv_range(Err *err) { return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "interval out of range"); }

static bool add_overflow_i64(i64 a, i64 b, i64 *r) { return __builtin_add_overflow(a, b, r); }


static bool is_space_c(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
static char lower_c(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }
static bool is_digit_c(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha_c(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Case-insensitive equality of s[0..n) with a NUL-terminated word. */
static bool word_is(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n != wl) return false;
    for (size_t i = 0; i < n; i++) {
        if (lower_c(s[i]) != w[i]) return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------
 * Time zones
 * ------------------------------------------------------------------------- */

#define TZ_DIR "/usr/share/zoneinfo"

typedef struct TzRuleDate {
    char kind;    /* 'M' month.week.day, 'J' Julian 1..365 without Feb 29, 'N' 0..365 */
    int mon, week, wday, n;
    int time;     /* seconds after local midnight (may be negative or > 24h) */
} TzRuleDate;

/* A POSIX TZ rule: std offset, optional DST offset and its start/end. */
typedef struct TzRule {
    int std_off, dst_off; /* seconds east of UTC */
    char std_abbr[16], dst_abbr[16];
    bool has_dst;
    TzRuleDate start, end;
} TzRule;

enum { TZK_FIXED, TZK_RULE, TZK_TZIF };

struct TimeZone {
    char *name;       /* as looked up */
    int kind;         /* TZK_* */
    TzRule rule;      /* TZK_FIXED: std part only; TZK_RULE; TZK_TZIF footer */
    bool has_rule;    /* TZIF: the footer rule applies after the last transition */
    i32 ntrans;       /* TZIF transitions */
    i64 *trans;       /* UTC seconds, ascending */
    u8 *trans_type;   /* type index per transition */
    i32 ntypes;
    i32 *type_off;    /* seconds east */
    u8 *type_isdst;
    u8 *type_abbr;    /* index into abbrs */
    char *abbrs;
    i32 nabbrs;
};

static TimeZone UTC_ZONE = {.name = "UTC", .kind = TZK_FIXED, .rule = {.std_abbr = "UTC"}};

const TimeZone *tz_utc(void) { return &UTC_ZONE; }
const char *tz_name(const TimeZone *tz) { return tz->name; }

/* Seconds from local midnight of Jan 1 of year y to the rule's day. */
static i64 rule_day(const TzRuleDate *r, int y)
{
    i64 jan1 = date_from_ymd(y, 1, 1);
    if (r->kind == 'J') {
        i64 n = r->n - 1;
        if (is_leap(y) && r->n >= 60) n++;
        return n;
    }
    if (r->kind == 'N') return r->n;
    i64 first = date_from_ymd(y, r->mon, 1);
    int dow = day_of_week(first);
    i64 d = first + (r->wday - dow + 7) % 7 + (r->week - 1) * 7;
    while (d >= first + dt_days_in_month(y, r->mon)) d -= 7;
    return d - jan1;
}

static int rule_offset(const TzRule *r, i64 t, const char **abbrev)
{
    if (!r->has_dst) {
        if (abbrev) *abbrev = r->std_abbr;
        return r->std_off;
    }
    int y, m, d;
    date_to_ymd(floordiv(t + r->std_off, SECS_PER_DAY), &y, &m, &d);
    i64 jan1 = date_from_ymd(y, 1, 1) * SECS_PER_DAY;
    i64 start = jan1 + rule_day(&r->start, y) * SECS_PER_DAY + r->start.time - r->std_off;
    i64 end = jan1 + rule_day(&r->end, y) * SECS_PER_DAY + r->end.time - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    if (abbrev) *abbrev = dst ? r->dst_abbr : r->std_abbr;
    return dst ? r->dst_off : r->std_off;
}

static int zone_offset_secs(const TimeZone *tz, i64 t, const char **abbrev)
{
    if (tz->kind != TZK_TZIF) return rule_offset(&tz->rule, t, abbrev);
    if (tz->ntrans > 0 && t >= tz->trans[tz->ntrans - 1] && tz->has_rule) return rule_offset(&tz->rule, t, abbrev);
    int type = 0;
    if (tz->ntrans > 0 && t >= tz->trans[0]) {
        i32 lo = 0, hi = tz->ntrans - 1; /* largest i with trans[i] <= t */
        while (lo < hi) {
            i32 mid = lo + (hi - lo + 1) / 2;
            if (tz->trans[mid] <= t) lo = mid;
            else hi = mid - 1;
        }
        type = tz->trans_type[lo];
    } else if (tz->ntrans == 0 && tz->has_rule) {
        return rule_offset(&tz->rule, t, abbrev);
    }
    if (abbrev) *abbrev = tz->abbrs + tz->type_abbr[type];
    return tz->type_off[type];
}

int tz_utc_offset(const TimeZone *tz, TimestampTz utc, const char **abbrev)
{
    if (tz->kind == TZK_FIXED) {
        if (abbrev) *abbrev = tz->rule.std_abbr;
        return tz->rule.std_off;
    }
    return zone_offset_secs(tz, floordiv(utc, USECS_PER_SEC), abbrev);
}

int tz_local_offset(const TimeZone *tz, Timestamp local)
{
    if (tz->kind == TZK_FIXED) return tz->rule.std_off;
    i64 L = floordiv(local, USECS_PER_SEC);
    int oa = zone_offset_secs(tz, L - SECS_PER_DAY, NULL);
    int ob = zone_offset_secs(tz, L + SECS_PER_DAY, NULL);
    if (oa == ob) {
        /* usually no transition nearby; confirm L maps back consistently */
        int o = zone_offset_secs(tz, L - oa, NULL);
        if (o == oa) return oa;
        ob = o;
    }
    /* find the transition instant T in (L - 1 day, L + 1 day] */
    i64 lo = L - SECS_PER_DAY, hi = L + SECS_PER_DAY; /* offset(lo) = oa, offset(hi) = ob */
    while (hi - lo > 1) {
        i64 mid = lo + (hi - lo) / 2;
        if (zone_offset_secs(tz, mid, NULL) == oa) lo = mid;
        else hi = mid;
    }
    i64 T = hi;
    /* the later offset when L is valid with it (overlap → later), else the
     * earlier one (also for a gap) */
    if (L - ob >= T) return ob;
    return oa;
}

/* Parses [+-]hh[:mm[:ss]] into seconds; returns chars used or 0. */
static int parse_hms_offset(const char *s, int *secs, bool allow_sign)
{
    int i = 0, sign = 1;
    if (allow_sign && (s[i] == '+' || s[i] == '-')) {
        if (s[i] == '-') sign = -1;
        i++;
    }
    if (!is_digit_c(s[i])) return 0;
    int h = 0, m = 0, sec = 0, nd = 0;
    while (is_digit_c(s[i]) && nd < 3) h = h * 10 + (s[i++] - '0'), nd++;
    if (s[i] == ':') {
        i++;
        if (!is_digit_c(s[i])) return 0;
        m = s[i++] - '0';
        if (is_digit_c(s[i])) m = m * 10 + (s[i++] - '0');
        if (s[i] == ':') {
            i++;
            if (!is_digit_c(s[i])) return 0;
            sec = s[i++] - '0';
            if (is_digit_c(s[i])) sec = sec * 10 + (s[i++] - '0');
        }
    }
    *secs = sign * (h * 3600 + m * 60 + sec);
    return i;
}

/* Zone abbreviation in a POSIX TZ string: <...> or 3+ letters. */
static int parse_tz_abbr(const char *s, char *out, size_t cap)
{
    int i = 0;
    size_t n = 0;
    if (s[0] == '<') {
        i = 1;
        while (s[i] && s[i] != '>') {
            if (n + 1 < cap) out[n++] = s[i];
            i++;
        }
        if (s[i] != '>') return 0;
        out[n] = 0;
        return i + 1;
    }
    while (is_alpha_c(s[i])) {
        if (n + 1 < cap) out[n++] = s[i];
        i++;
    }
    out[n] = 0;
    return i >= 3 ? i : 0;
}

static int parse_rule_date(const char *s, TzRuleDate *r)
{
    int i = 0;
    memset(r, 0, sizeof *r);
    if (s[0] == 'M') {
        r->kind = 'M';
        i = 1;
        int vals[3] = {0, 0, 0};
        for (int k = 0; k < 3; k++) {
            if (!is_digit_c(s[i])) return 0;
            while (is_digit_c(s[i])) vals[k] = vals[k] * 10 + (s[i++] - '0');
            if (k < 2) {
                if (s[i] != '.') return 0;
                i++;
            }
        }
        r->mon = vals[0];
        r->week = vals[1];
        r->wday = vals[2];
        if (r->mon < 1 || r->mon > 12 || r->week < 1 || r->week > 5 || r->wday > 6) return 0;
    } else {
        r->kind = 'N';
        if (s[0] == 'J') {
            r->kind = 'J';
            i = 1;
        }
        if (!is_digit_c(s[i])) return 0;
        while (is_digit_c(s[i])) r->n = r->n * 10 + (s[i++] - '0');
    }
    r->time = 7200;
    if (s[i] == '/') {
        int t, k = parse_hms_offset(s + i + 1, &t, true);
        if (!k) return 0;
        r->time = t;
        i += 1 + k;
    }
    return i;
}

/* Parses a whole POSIX TZ string. */
static bool parse_posix_tz(const char *s, TzRule *r)
{
    memset(r, 0, sizeof *r);
    int i = parse_tz_abbr(s, r->std_abbr, sizeof r->std_abbr);
    if (!i) return false;
    int off, k = parse_hms_offset(s + i, &off, true);
    if (!k) return false;
    i += k;
    r->std_off = -off;
    if (s[i] == 0) return true;
    k = parse_tz_abbr(s + i, r->dst_abbr, sizeof r->dst_abbr);
    if (!k) return false;
    i += k;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (s[i] && s[i] != ',') {
        k = parse_hms_offset(s + i, &off, true);
        if (!k) return false;
        r->dst_off = -off;
        i += k;
    }
    if (s[i] == 0) {
        /* no rules: the US rules, as zic's default posixrules */
        parse_rule_date("M3.2.0", &r->start);
        parse_rule_date("M11.1.0", &r->end);
        return true;
    }
    if (s[i] != ',') return false;
    k = parse_rule_date(s + i + 1, &r->start);
    if (!k) return false;
    i += 1 + k;
    if (s[i] != ',') return false;
    k = parse_rule_date(s + i + 1, &r->end);
    if (!k) return false;
    i += 1 + k;
    return s[i] == 0;
}

static u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static i64 be64(const u8 *p) { return (i64)((u64)be32(p) << 32 | be32(p + 4)); }

/* Parses TZif data into tz (TZK_TZIF).  Returns false when malformed. */
static bool parse_tzif(const u8 *buf, size_t n, TimeZone *tz)
{
    if (n < 44 || memcmp(buf, "TZif", 4) != 0) return false;
    int version = buf[4];
    const u8 *h = buf;
    size_t timesz = 4;
    u32 cnt[6];
    for (int i = 0; i < 6; i++) cnt[i] = be32(h + 20 + 4 * i);
    size_t pos = 44;
    if (version >= '2') {
        size_t v1 = (size_t)cnt[3] * 5 + (size_t)cnt[4] * 6 + cnt[5] + (size_t)cnt[2] * 8 + cnt[1] + cnt[0];
        pos = 44 + v1;
        if (pos + 44 > n || memcmp(buf + pos, "TZif", 4) != 0) return false;
        h = buf + pos;
        for (int i = 0; i < 6; i++) cnt[i] = be32(h + 20 + 4 * i);
        pos += 44;
        timesz = 8;
    }
    u32 isutcnt = cnt[0], isstdcnt = cnt[1], leapcnt = cnt[2], timecnt = cnt[3], typecnt = cnt[4], charcnt = cnt[5];
    size_t need = (size_t)timecnt * (timesz + 1) + (size_t)typecnt * 6 + charcnt + (size_t)leapcnt * (timesz + 4) +
                  isstdcnt + isutcnt;
    if (typecnt == 0 || pos + need > n || timecnt > 100000 || typecnt > 256) return false;
    tz->ntrans = (i32)timecnt;
    tz->trans = xmalloc(sizeof(i64) * (timecnt ? timecnt : 1));
    tz->trans_type = xmalloc(timecnt ? timecnt : 1);
    const u8 *p = buf + pos;
    for (u32 i = 0; i < timecnt; i++) tz->trans[i] = timesz == 8 ? be64(p + 8 * i) : (i64)(i32)be32(p + 4 * i);
    p += timecnt * timesz;
    for (u32 i = 0; i < timecnt; i++) {
        tz->trans_type[i] = p[i];
        if (p[i] >= typecnt) return false;
    }
    p += timecnt;
    tz->ntypes = (i32)typecnt;
    tz->type_off = xmalloc(sizeof(i32) * typecnt);
    tz->type_isdst = xmalloc(typecnt);
    tz->type_abbr = xmalloc(typecnt);
    for (u32 i = 0; i < typecnt; i++) {
        tz->type_off[i] = (i32)be32(p + 6 * i);
        tz->type_isdst[i] = p[6 * i + 4];
        tz->type_abbr[i] = p[6 * i + 5];
        if (tz->type_abbr[i] >= charcnt) return false;
    }
    p += typecnt * 6;
    tz->abbrs = xmalloc(charcnt + 1);
    memcpy(tz->abbrs, p, charcnt);
    tz->abbrs[charcnt] = 0;
    tz->nabbrs = (i32)charcnt;
    p += charcnt + (size_t)leapcnt * (timesz + 4) + isstdcnt + isutcnt;
    tz->has_rule = false;
    if (timesz == 8 && p < buf + n && *p == '\n') {
        const u8 *e = memchr(p + 1, '\n', (size_t)(buf + n - (p + 1)));
        if (e && e - p - 1 > 0 && e - p - 1 < 128) {
            char footer[128];
            memcpy(footer, p + 1, (size_t)(e - p - 1));
            footer[e - p - 1] = 0;
            tz->has_rule = parse_posix_tz(footer, &tz->rule);
        }
    }
    tz->kind = TZK_TZIF;
    return true;
}

/* Finds name under the zoneinfo directory, matching each path component
 * case-insensitively; writes the real path. */
static bool find_zone_file(const char *name, char *path, size_t cap)
{
    size_t plen = (size_t)snprintf(path, cap, "%s", TZ_DIR);
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t clen = slash ? (size_t)(slash - p) : strlen(p);
        if (clen == 0 || clen > 255) return false;
        DIR *d = opendir(path);
        if (!d) return false;
        struct dirent *de;
        bool found = false;
        while ((de = readdir(d)) != NULL) {
            if (strlen(de->d_name) == clen && strncasecmp(de->d_name, p, clen) == 0) {
                if (plen + 1 + clen + 1 > cap) break;
                path[plen++] = '/';
                memcpy(path + plen, de->d_name, clen);
                plen += clen;
                path[plen] = 0;
                found = true;
                break;
            }
        }
        closedir(d);
        if (!found) return false;
        p = slash ? slash + 1 : p + clen;
    }
    return true;
}

static bool load_zone_file(const char *name, TimeZone *tz)
{
    for (const char *c = name; *c; c++) {
        if (!(isalnum((unsigned char)*c) || *c == '/' || *c == '_' || *c == '-' || *c == '+')) return false;
    }
    if (name[0] == '/' || strstr(name, "..") || strlen(name) > 200) return false;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TZ_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f && find_zone_file(name, path, sizeof path)) f = fopen(path, "rb");
    if (!f) return false;
    u8 *buf = xmalloc(1 << 20);
    size_t n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    bool ok = parse_tzif(buf, n, tz);
    free(buf);
    return ok;
}

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static TimeZone **tz_cache;
static size_t tz_cache_n, tz_cache_cap;

/* A plain number ('+02', '5.5', '-3') is hours east of UTC. */
static bool parse_numeric_zone(const char *z, int *off)
{
    char *end;
    if (!*z) return false;
    double h = strtod(z, &end);
    if (*end != 0 || end == z || isnan(h) || fabs(h) > 15.99) return false;
    for (const char *c = z; *c; c++) {
        if (!(is_digit_c(*c) || *c == '.' || *c == '+' || *c == '-')) return false;
    }
    *off = (int)lround(h * 3600);
    return true;
}

static void format_offset_abbr(int off, char *buf, size_t cap)
{
    int a = off < 0 ? -off : off;
    if (a % 3600 == 0) snprintf(buf, cap, "%c%02d", off < 0 ? '-' : '+', a / 3600);
    else snprintf(buf, cap, "%c%02d%02d", off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
}

int tz_lookup(const char *s, size_t len, const TimeZone **out, Err *err)
{
    char name[256];
    if (len == 0 || len >= sizeof name || memchr(s, 0, len)) goto bad;
    memcpy(name, s, len);
    name[len] = 0;
    if (word_is(name, len, "utc") || word_is(name, len, "gmt") || word_is(name, len, "z") ||
        word_is(name, len, "etc/utc") || word_is(name, len, "zulu") || word_is(name, len, "universal")) {
        *out = &UTC_ZONE;
        return MDB_OK_;
    }
    pthread_mutex_lock(&tz_lock);
    for (size_t i = 0; i < tz_cache_n; i++) {
        if (strcmp(tz_cache[i]->name, name) == 0) {
            *out = tz_cache[i];
            pthread_mutex_unlock(&tz_lock);
            return MDB_OK_;
        }
    }
    TimeZone *tz = xcalloc(1, sizeof *tz);
    int off;
    bool ok = true;
    if (parse_numeric_zone(name, &off)) {
        tz->kind = TZK_FIXED;
        tz->rule.std_off = off;
        format_offset_abbr(off, tz->rule.std_abbr, sizeof tz->rule.std_abbr);
    } else if ((name[0] == '+' || name[0] == '-' || is_digit_c(name[0])) &&
               parse_hms_offset(name, &off, true) == (int)len) {
        /* a bare POSIX offset: positive is west of Greenwich */
        tz->kind = TZK_FIXED;
        tz->rule.std_off = -off;
        format_offset_abbr(-off, tz->rule.std_abbr, sizeof tz->rule.std_abbr);
    } else if (load_zone_file(name, tz)) {
        /* TZK_TZIF set by the parser */
    } else {
        /* partially parsed TZif arrays are leaked on failure: bounded, rare */
        memset(tz, 0, sizeof *tz);
        if (parse_posix_tz(name, &tz->rule)) tz->kind = tz->rule.has_dst ? TZK_RULE : TZK_FIXED;
        else ok = false;
    }
    if (!ok) {
        free(tz);
        pthread_mutex_unlock(&tz_lock);
        goto bad;
    }
    tz->name = xstrdup(name);
    if (tz_cache_n == tz_cache_cap) {
        tz_cache_cap = tz_cache_cap ? tz_cache_cap * 2 : 16;
        tz_cache = xrealloc(tz_cache, tz_cache_cap * sizeof *tz_cache);
    }
    tz_cache[tz_cache_n++] = tz;
    *out = tz;
    pthread_mutex_unlock(&tz_lock);
    return MDB_OK_;
bad:
    return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "time zone \"%.*s\" not recognized", (int)len, s);
}

/* ---------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------- */

/* Bounded appender over a caller buffer; counts the full length. */
typedef struct Out {
    char *buf;
    size_t cap, len;
} Out;

static void out_c(Out *o, char c)
{
    if (o->len + 1 < o->cap) o->buf[o->len] = c;
    o->len++;
}
static void out_s(Out *o, const char *s)
{
    while (*s) out_c(o, *s++);
}
static void out_fmt(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(Out *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    out_s(o, tmp);
}
static size_t out_end(Out *o)
{
    if (o->cap > 0) o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
    return o->len;
}

/* ":SS[.ffffff]" part: seconds with trailing zeros of the fraction trimmed */
static void out_seconds(Out *o, int sec, i32 usec)
{
    out_fmt(o, "%02d", sec);
    if (usec) {
        char f[8];
        snprintf(f, sizeof f, "%06d", (int)usec);
        int n = 6;
        while (n > 0 && f[n - 1] == '0') n--;
        f[n] = 0;
        out_c(o, '.');
        out_s(o, f);
    }
}

static void out_date_part(Out *o, int y, int m, int d)
{
    out_fmt(o, "%04d-%02d-%02d", y > 0 ? y : 1 - y, m, d);
}

size_t date_format(Date d, char *buf, size_t cap)
{
    Out o = {buf, cap, 0};
    if (d == DATE_INFINITY) out_s(&o, "infinity");
    else if (d == DATE_NEG_INFINITY) out_s(&o, "-infinity");
    else {
        int y, m, dd;
        date_to_ymd(d, &y, &m, &dd);
        out_date_part(&o, y, m, dd);
        if (y <= 0) out_s(&o, " BC");
    }
    return out_end(&o);
}

size_t time_format(Time t, char *buf, size_t cap)
{
    Out o = {buf, cap, 0};
    int h = (int)(t / USECS_PER_HOUR);
    int mi = (int)((t / USECS_PER_MINUTE) % 60);
    int s = (int)((t / USECS_PER_SEC) % 60);
    out_fmt(&o, "%02d:%02d:", h, mi);
    out_seconds(&o, s, (i32)(t % USECS_PER_SEC));
    return out_end(&o);
}

static void out_timestamp(Out *o, i64 t, const int *offset)
{
    Tm tm;
    ts_to_tm(t, &tm);
    out_date_part(o, tm.year, tm.mon, tm.mday);
    out_fmt(o, " %02d:%02d:", tm.hour, tm.min);
    out_seconds(o, tm.sec, tm.usec);
    if (offset) {
        int off = *offset, a = off < 0 ? -off : off;
        out_fmt(o, "%c%02d", off < 0 ? '-' : '+', a / 3600);
        if (a % 3600) out_fmt(o, ":%02d", (a / 60) % 60);
        if (a % 60) out_fmt(o, ":%02d", a % 60);
    }
    if (tm.year <= 0) out_s(o, " BC");
}

size_t timestamp_format(Timestamp ts, char *buf, size_t cap)
{
    Out o = {buf, cap, 0};
    if (ts == TIMESTAMP_INFINITY) out_s(&o, "infinity");
    else if (ts == TIMESTAMP_NEG_INFINITY) out_s(&o, "-infinity");
    else out_timestamp(&o, ts, NULL);
    return out_end(&o);
}

size_t timestamptz_format(TimestampTz ts, const TimeZone *tz, char *buf, size_t cap)
{
    Out o = {buf, cap, 0};
    if (ts == TIMESTAMP_INFINITY) out_s(&o, "infinity");
    else if (ts == TIMESTAMP_NEG_INFINITY) out_s(&o, "-infinity");
    else {
        int off = tz_utc_offset(tz ? tz : &UTC_ZONE, ts, NULL);
        out_timestamp(&o, ts + off * USECS_PER_SEC, &off);
    }
    return out_end(&o);
}

static void iv_part(Out *o, i64 value, const char *unit, bool *is_zero, bool *is_before)
{
    if (value == 0) return;
    out_fmt(o, "%s%s%lld %s%s", *is_zero ? "" : " ", (*is_before && value > 0) ? "+" : "", (long long)value, unit,
            value != 1 ? "s" : "");
    *is_before = value < 0;
    *is_zero = false;
}

size_t interval_format(const Interval *iv, char *buf, size_t cap)
{
    Out o = {buf, cap, 0};
    bool is_zero = true, is_before = false;
    i64 years = iv->months / 12, mons = iv->months % 12;
    iv_part(&o, years, "year", &is_zero, &is_before);
    iv_part(&o, mons, "mon", &is_zero, &is_before);
    iv_part(&o, iv->days, "day", &is_zero, &is_before);
    i64 t = iv->micros;
    if (is_zero || t != 0) {
        bool minus = t < 0;
        u64 a = minus ? (u64)0 - (u64)t : (u64)t;
        u64 hours = a / (u64)USECS_PER_HOUR;
        a %= (u64)USECS_PER_HOUR;
        int mins = (int)(a / (u64)USECS_PER_MINUTE);
        a %= (u64)USECS_PER_MINUTE;
        out_fmt(&o, "%s%s%02llu:%02d:", is_zero ? "" : " ", minus ? "-" : (is_before ? "+" : ""),
                (unsigned long long)hours, mins);
        out_seconds(&o, (int)(a / (u64)USECS_PER_SEC), (i32)(a % (u64)USECS_PER_SEC));
    }
    return out_end(&o);
}

/* ---------------------------------------------------------------------------
 * Input: tokenizer
 * ------------------------------------------------------------------------- */

typedef enum TokKind { TK_NUM, TK_DATE, TK_TIME, TK_ALPHA, TK_AT } TokKind;

typedef struct Tok {
    TokKind kind;
    const char *p; /* text, including a leading sign if any */
    int n;
    bool has_sign; /* leading '+' or '-' */
    bool spaced;   /* preceded by whitespace (or start) */
} Tok;

#define MAX_TOKS 40

/* Reads a token that starts with a digit at s[i] (after an optional sign):
 * a time "h:m[:s[.f]]", a date "a-b-c" / "a/b/c" / "a.b.c" (parts may be
 * month names), or a number with an optional fraction. */
static size_t read_numeric_token(const char *s, size_t i, size_t end, TokKind *kind)
{
    size_t j = i;
    while (j < end && is_digit_c(s[j])) j++;
    if (j < end && s[j] == ':') {
        while (j < end && (is_digit_c(s[j]) || s[j] == ':' || s[j] == '.')) j++;
        *kind = TK_TIME;
        return j;
    }
    if (j + 1 < end && s[j] == '.' && is_digit_c(s[j + 1])) {
        size_t k = j + 1;
        while (k < end && is_digit_c(s[k])) k++;
        if (k + 1 < end && s[k] == '.' && is_digit_c(s[k + 1])) {
            /* 1.2.2024 */
            while (k < end && (is_digit_c(s[k]) || s[k] == '.')) k++;
            *kind = TK_DATE;
            return k;
        }
        *kind = TK_NUM;
        return k;
    }
    if (j < end && s[j] == '.') j++; /* "5." */
    else if (j + 1 < end && (s[j] == '-' || s[j] == '/') && (is_digit_c(s[j + 1]) || is_alpha_c(s[j + 1]))) {
        char delim = s[j];
        while (j + 1 < end && s[j] == delim && (is_digit_c(s[j + 1]) || is_alpha_c(s[j + 1]))) {
            j++;
            if (is_digit_c(s[j])) {
                while (j < end && is_digit_c(s[j])) j++;
            } else {
                while (j < end && is_alpha_c(s[j])) j++;
            }
        }
        *kind = TK_DATE;
        return j;
    }
    *kind = TK_NUM;
    return j;
}

/* Splits date/time text into tokens; returns the count or -1 on bad input. */
static int tokenize(const char *s, size_t len, Tok *toks)
{
    int n = 0;
    size_t i = 0;
    bool spaced = true;
    while (i < len) {
        char c = s[i];
        if (is_space_c(c) || c == ',') {
            spaced = true;
            i++;
            continue;
        }
        if (n == MAX_TOKS) return -1;
        Tok *t = &toks[n];
        t->p = s + i;
        t->has_sign = false;
        t->spaced = spaced;
        spaced = false;
        size_t j;
        if (is_digit_c(c) || (c == '.' && i + 1 < len && is_digit_c(s[i + 1]))) {
            j = read_numeric_token(s, i, len, &t->kind);
        } else if ((c == '+' || c == '-') && i + 1 < len && (is_digit_c(s[i + 1]) || s[i + 1] == '.')) {
            t->has_sign = true;
            j = read_numeric_token(s, i + 1, len, &t->kind);
        } else if ((c == '+' || c == '-') && i + 1 < len && is_alpha_c(s[i + 1])) {
            j = i + 1;
            while (j < len && is_alpha_c(s[j])) j++;
            t->kind = TK_ALPHA;
        } else if (is_alpha_c(c)) {
            j = i;
            while (j < len && is_alpha_c(s[j])) j++;
            if ((c == 't' || c == 'T') && j == i + 1 && j < len && is_digit_c(s[j])) {
                i = j; /* ISO 8601 'T' between date and time */
                spaced = true;
                continue;
            }
            if (j + 2 < len + 1 && j - i == 1 && j + 2 <= len && s[j] == '.' && lower_c(s[j + 1]) == 'm' &&
                j + 2 < len + 1 && (j + 2 == len || s[j + 2] == '.')) {
                j += (j + 2 < len && s[j + 2] == '.') ? 3 : 2; /* a.m. / p.m. */
            } else if (j < len && s[j] == '/' && j + 1 < len && is_alpha_c(s[j + 1])) {
                while (j < len && (is_alpha_c(s[j]) || is_digit_c(s[j]) || s[j] == '/' || s[j] == '_' ||
                                   s[j] == '-' || s[j] == '+'))
                    j++;
            } else if (j + 1 < len && (s[j] == '-' || s[j] == '/') && is_digit_c(s[j + 1])) {
                /* Jan-31-2024 */
                char delim = s[j];
                while (j + 1 < len && s[j] == delim && (is_digit_c(s[j + 1]) || is_alpha_c(s[j + 1]))) {
                    j++;
                    while (j < len && (is_digit_c(s[j]) || is_alpha_c(s[j]))) j++;
                }
                t->kind = TK_DATE;
                t->n = (int)(j - i);
                n++;
                i = j;
                continue;
            }
            t->kind = TK_ALPHA;
        } else if (c == '@') {
            j = i + 1;
            t->kind = TK_AT;
        } else {
            return -1;
        }
        t->n = (int)(j - i);
        n++;
        i = j;
    }
    return n;
}

/* Lower-cased copy of a token (bounded). */
static void tok_lower(const Tok *t, char *buf, size_t cap)
{
    size_t n = (size_t)t->n < cap - 1 ? (size_t)t->n : cap - 1;
    for (size_t i = 0; i < n; i++) buf[i] = lower_c(t->p[i]);
    buf[n] = 0;
}

static int month_from_name(const char *w)
{
    static const char *const abbr[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++) {
        char full[16];
        size_t k = 0;
        for (const char *c = MONTH_NAMES[i]; *c; c++) full[k++] = lower_c(*c);
        full[k] = 0;
        if (strcmp(w, abbr[i]) == 0 || strcmp(w, full) == 0) return i + 1;
    }
    if (strcmp(w, "sept") == 0) return 9;
    return 0;
}

static bool is_day_name(const char *w)
{
    static const char *const names[] = {"sun",    "mon",     "tue",       "tues",     "wed",    "wednesday",
                                        "thu",    "thur",    "thurs",     "thursday", "fri",    "friday",
                                        "sat",    "saturday", "sunday",   "monday",   "tuesday"};
    for (size_t i = 0; i < MDB_ARRAY_LEN(names); i++) {
        if (strcmp(w, names[i]) == 0) return true;
    }
    return false;
}

/* Common zone abbreviations (a subset of PG's Default set), seconds east. */
static bool zone_abbrev(const char *w, int *off)
{
    static const struct {
        const char *name;
        int off;
    } tab[] = {{"utc", 0},       {"gmt", 0},        {"z", 0},          {"zulu", 0},       {"ut", 0},
               {"est", -5 * 3600}, {"edt", -4 * 3600}, {"cst", -6 * 3600}, {"cdt", -5 * 3600}, {"mst", -7 * 3600},
               {"mdt", -6 * 3600}, {"pst", -8 * 3600}, {"pdt", -7 * 3600}, {"akst", -9 * 3600}, {"akdt", -8 * 3600},
               {"hst", -10 * 3600}, {"cet", 3600},     {"cest", 7200},    {"met", 3600},     {"mest", 7200},
               {"eet", 7200},     {"eest", 10800},   {"wet", 0},        {"west", 3600},    {"bst", 3600},
               {"msk", 10800},    {"jst", 9 * 3600}, {"kst", 9 * 3600}, {"hkt", 8 * 3600}, {"sgt", 8 * 3600},
               {"aest", 10 * 3600}, {"aedt", 11 * 3600}, {"acst", 34200}, {"awst", 8 * 3600},
               {"nzst", 12 * 3600}, {"nzdt", 13 * 3600}};
    for (size_t i = 0; i < MDB_ARRAY_LEN(tab); i++) {
        if (strcmp(w, tab[i].name) == 0) {
            *off = tab[i].off;
            return true;
        }
    }
    return false;
}

/* Parses "h:m[:s[.f]]" (no sign); fails on malformed text. */
static bool parse_time_text(const char *p, int n, i64 *h, i64 *m, i64 *sec, i64 *usec)
{
    i64 v[3] = {0, 0, 0};
    int nf = 0, i = 0;
    *usec = 0;
    while (nf < 3) {
        if (i >= n || !is_digit_c(p[i])) return false;
        i64 x = 0;
        int nd = 0;
        while (i < n && is_digit_c(p[i])) {
            if (nd++ > 12) return false;
            x = x * 10 + (p[i++] - '0');
        }
        v[nf++] = x;
        if (i < n && p[i] == ':') {
            i++;
            continue;
        }
        break;
    }
    if (nf < 2) return false;
    if (i < n && p[i] == '.') {
        if (nf < 2) return false;
        char fb[24] = "0.";
        int nd = 0;
        i++;
        while (i < n && is_digit_c(p[i])) {
            if (nd < 20) fb[2 + nd++] = p[i];
            i++;
        }
        double f = strtod(fb, NULL);
        if (nf == 2) {
            /* "mm:ss.f" is not valid for clock time, but PG reads h:m.f as
             * minutes:seconds only in intervals; treat fraction of minutes */
            return false;
        }
        *usec = (i64)rint(f * 1e6);
    }
    if (i != n) return false;
    *h = v[0];
    *m = v[1];
    *sec = v[2];
    return true;
}

/* Date/time fields gathered from the tokens. */
typedef struct DtFields {
    int year, mon, day;
    bool has_date, has_mon_name;
    bool year_2digit;
    i64 hour, min, sec, usec;
    bool has_time;
    int ampm; /* 0 none, 1 am, 2 pm */
    bool bc;
    bool has_tz;
    int tz_off;                /* seconds east, when tz_zone is NULL */
    const TimeZone *tz_zone;   /* named zone */
    int nnum;                  /* loose numbers */
    Tok nums[4];
} DtFields;

enum { DT_OK, DT_BAD_SYNTAX, DT_BAD_FIELD, DT_BAD_TZ, DT_BAD_MONTH };

static i64 tok_int(const char *p, int n, bool *ok)
{
    i64 v = 0;
    *ok = n > 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit_c(p[i]) || i > 9) {
            *ok = false;
            return 0;
        }
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int decode_date_token(const Tok *t, DtFields *f)
{
    const char *parts[3];
    int plen[3], np = 0;
    const char *p = t->p, *e = t->p + t->n;
    while (p < e && np < 3) {
        const char *q = p;
        while (q < e && (is_digit_c(*q) || is_alpha_c(*q))) q++;
        parts[np] = p;
        plen[np++] = (int)(q - p);
        if (q < e) q++; /* delimiter */
        p = q;
    }
    if (p < e || np != 3 || f->has_date) return DT_BAD_SYNTAX;
    int alpha = -1;
    for (int i = 0; i < 3; i++) {
        if (plen[i] > 0 && is_alpha_c(parts[i][0])) {
            if (alpha >= 0) return DT_BAD_SYNTAX;
            alpha = i;
        }
    }
    bool ok;
    i64 v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i == alpha) continue;
        v[i] = tok_int(parts[i], plen[i], &ok);
        if (!ok) return DT_BAD_SYNTAX;
    }
    int yi, mi, di;
    if (alpha >= 0) {
        char w[16];
        Tok mt = {TK_ALPHA, parts[alpha], plen[alpha], false, false};
        tok_lower(&mt, w, sizeof w);
        int m = month_from_name(w);
        if (!m) return DT_BAD_SYNTAX;
        v[alpha] = m;
        mi = alpha;
        int a = alpha == 0 ? 1 : 0, b = alpha == 2 ? 1 : 2;
        if (plen[a] > 2) yi = a, di = b;
        else di = a, yi = b;
    } else if (plen[0] > 2) {
        yi = 0, mi = 1, di = 2;
    } else {
        mi = 0, di = 1, yi = 2;
    }
    f->year = (int)v[yi];
    f->mon = (int)v[mi];
    f->day = (int)v[di];
    f->year_2digit = plen[yi] <= 2;
    f->has_date = true;
    return DT_OK;
}

static int decode_tokens(const Tok *toks, int n, DtFields *f, bool want_time_only)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < n; i++) {
        const Tok *t = &toks[i];
        switch (t->kind) {
        case TK_DATE: {
            if (t->has_sign) return DT_BAD_SYNTAX;
            int rc = decode_date_token(t, f);
            if (rc) return rc;
            break;
        }
        case TK_TIME: {
            if (t->has_sign) {
                /* zone offset "-05:30" */
                if (f->has_tz || (!f->has_time && !f->has_date)) return DT_BAD_SYNTAX;
                int off;
                if (parse_hms_offset(t->p, &off, true) != t->n) return DT_BAD_SYNTAX;
                if (off > 15 * 3600 + 59 * 60 || off < -(15 * 3600 + 59 * 60)) return DT_BAD_TZ;
                f->has_tz = true;
                f->tz_off = off;
                break;
            }
            if (f->has_time) return DT_BAD_SYNTAX;
            if (!parse_time_text(t->p, t->n, &f->hour, &f->min, &f->sec, &f->usec)) return DT_BAD_SYNTAX;
            f->has_time = true;
            break;
        }
        case TK_NUM: {
            if (t->has_sign) {
                /* zone offset "+02", "-0530" */
                if (f->has_tz || (!f->has_time && !f->has_date)) return DT_BAD_SYNTAX;
                int nd = t->n - 1;
                bool ok;
                i64 v = tok_int(t->p + 1, nd, &ok);
                if (!ok) return DT_BAD_SYNTAX;
                int off;
                if (nd <= 2) off = (int)v * 3600;
                else if (nd == 4) off = (int)(v / 100) * 3600 + (int)(v % 100) * 60;
                else if (nd == 6) off = (int)(v / 10000) * 3600 + (int)(v / 100 % 100) * 60 + (int)(v % 100);
                else return DT_BAD_SYNTAX;
                if (off > 15 * 3600 + 59 * 60) return DT_BAD_TZ;
                f->has_tz = true;
                f->tz_off = t->p[0] == '-' ? -off : off;
                break;
            }
            bool ok;
            if (memchr(t->p, '.', (size_t)t->n)) return DT_BAD_SYNTAX;
            if (!f->has_date && !f->has_mon_name && f->nnum == 0 && (t->n == 8 || t->n == 6) && !want_time_only) {
                i64 v = tok_int(t->p, t->n, &ok);
                if (!ok) return DT_BAD_SYNTAX;
                if (t->n == 8) {
                    f->year = (int)(v / 10000);
                } else {
                    f->year = (int)(v / 10000);
                    f->year_2digit = true;
                }
                f->mon = (int)(v / 100 % 100);
                f->day = (int)(v % 100);
                f->has_date = true;
                break;
            }
            if (f->has_date || f->nnum >= 2) return DT_BAD_SYNTAX;
            f->nums[f->nnum++] = *t;
            break;
        }
        case TK_ALPHA: {
            char w[64];
            if (t->n >= (int)sizeof w) return DT_BAD_SYNTAX;
            tok_lower(t, w, sizeof w);
            int m;
            if ((m = month_from_name(w)) != 0) {
                if (f->has_mon_name || f->has_date) return DT_BAD_SYNTAX;
                f->mon = m;
                f->has_mon_name = true;
            } else if (is_day_name(w)) {
                /* ignored, as PG */
            } else if (!strcmp(w, "am") || !strcmp(w, "a.m.") || !strcmp(w, "a.m")) {
                f->ampm = 1;
            } else if (!strcmp(w, "pm") || !strcmp(w, "p.m.") || !strcmp(w, "p.m")) {
                f->ampm = 2;
            } else if (!strcmp(w, "bc")) {
                f->bc = true;
            } else if (!strcmp(w, "ad")) {
                /* default era */
            } else {
                int off;
                if (f->has_tz) return DT_BAD_SYNTAX;
                if (zone_abbrev(w, &off)) {
                    f->has_tz = true;
                    f->tz_off = off;
                } else {
                    const TimeZone *z;
                    Err e = {0};
                    if (tz_lookup(w, strlen(w), &z, &e)) {
                        err_clear(&e);
                        return strchr(w, '/') ? DT_BAD_TZ : DT_BAD_SYNTAX;
                    }
                    f->has_tz = true;
                    f->tz_zone = z;
                }
            }
            break;
        }
        default: return DT_BAD_SYNTAX;
        }
    }
    /* loose numbers with a month name: day and year */
    if (f->has_mon_name) {
        if (f->nnum != 2) return f->nnum == 0 && want_time_only ? DT_OK : DT_BAD_SYNTAX;
        bool ok1, ok2;
        i64 a = tok_int(f->nums[0].p, f->nums[0].n, &ok1), b = tok_int(f->nums[1].p, f->nums[1].n, &ok2);
        if (!ok1 || !ok2) return DT_BAD_SYNTAX;
        if (f->nums[0].n > 2) {
            f->year = (int)a, f->day = (int)b, f->year_2digit = false;
        } else {
            f->day = (int)a, f->year = (int)b, f->year_2digit = f->nums[1].n <= 2;
        }
        f->has_date = true;
    } else if (f->nnum > 0) {
        return DT_BAD_SYNTAX;
    }
    if (f->ampm) {
        if (!f->has_time || f->hour < 1 || f->hour > 12) return f->has_time ? DT_BAD_FIELD : DT_BAD_SYNTAX;
        if (f->ampm == 1 && f->hour == 12) f->hour = 0;
        else if (f->ampm == 2 && f->hour != 12) f->hour += 12;
    }
    if (f->has_date) {
        if (f->year_2digit && !f->bc) f->year += f->year < 70 ? 2000 : 1900;
        if (f->mon < 1 || f->mon > 12) return DT_BAD_MONTH;
        if (f->year == 0 && !f->year_2digit) return DT_BAD_FIELD;
        if (f->bc) f->year = 1 - f->year;
        if (f->day < 1 || f->day > dt_days_in_month(f->year, f->mon)) return DT_BAD_FIELD;
    } else if (f->bc) {
        return DT_BAD_SYNTAX;
    }
    if (f->has_time) {
        if (f->hour < 0 || f->hour > 24 || f->min < 0 || f->min > 59 || f->sec < 0 || f->sec > 60 ||
            (f->hour == 24 && (f->min || f->sec || f->usec)) || (f->sec == 60 && f->usec))
            return DT_BAD_FIELD;
    }
    return DT_OK;
}

static int dt_error(int rc, const char *type, const char *s, size_t len, Err *err)
{
    if (rc == DT_BAD_FIELD || rc == DT_BAD_MONTH) {
        err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"", (int)len, s);
        if (rc == DT_BAD_MONTH) err_hint(err, "Perhaps you need a different \"datestyle\" setting.");
        return MDB_FAIL;
    }
    if (rc == DT_BAD_TZ) {
        /* PG names the zone as the lower-cased token */
        char w[128];
        size_t n = 0;
        const char *p = s, *e = s + len;
        const char *best = NULL;
        size_t best_n = 0;
        while (p < e) {
            while (p < e && (is_space_c(*p))) p++;
            const char *q = p;
            while (q < e && !is_space_c(*q)) q++;
            if (memchr(p, '/', (size_t)(q - p)) && is_alpha_c(*p)) best = p, best_n = (size_t)(q - p);
            p = q;
        }
        if (best) {
            for (n = 0; n < best_n && n < sizeof w - 1; n++) w[n] = lower_c(best[n]);
            w[n] = 0;
            return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized", w);
        }
        return err_set(err, "22009", "time zone displacement out of range: \"%.*s\"",
                       (int)len, s);
    }
    return err_set(err, SQLSTATE_INVALID_DATETIME_FORMAT, "invalid input syntax for type %s: \"%.*s\"", type,
                   (int)len, s);
}

/* Special words valid as a whole input. */
enum { SP_NONE, SP_EPOCH, SP_INF, SP_NINF, SP_NOW, SP_TODAY, SP_TOMORROW, SP_YESTERDAY, SP_ALLBALLS };

static int special_word(const char *s, size_t len)
{
    size_t i = 0, e = len;
    while (i < e && is_space_c(s[i])) i++;
    while (e > i && is_space_c(s[e - 1])) e--;
    const char *p = s + i;
    size_t n = e - i;
    if (word_is(p, n, "epoch")) return SP_EPOCH;
    if (word_is(p, n, "infinity") || word_is(p, n, "+infinity")) return SP_INF;
    if (word_is(p, n, "-infinity")) return SP_NINF;
    if (word_is(p, n, "now")) return SP_NOW;
    if (word_is(p, n, "today")) return SP_TODAY;
    if (word_is(p, n, "tomorrow")) return SP_TOMORROW;
    if (word_is(p, n, "yesterday")) return SP_YESTERDAY;
    if (word_is(p, n, "allballs")) return SP_ALLBALLS;
    return SP_NONE;
}

static TimestampTz ctx_now(const DtContext *ctx)
{
    if (ctx) return ctx->now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (i64)ts.tv_sec * USECS_PER_SEC + ts.tv_nsec / 1000;
}

static const TimeZone *ctx_tz(const DtContext *ctx) { return ctx && ctx->tz ? ctx->tz : &UTC_ZONE; }

/* Local midnight of the session's "today" + delta days, as a local time. */
static i64 ctx_today_local(const DtContext *ctx, int delta)
{
    TimestampTz now = ctx_now(ctx);
    i64 local = now + (i64)tz_utc_offset(ctx_tz(ctx), now, NULL) * USECS_PER_SEC;
    return (floordiv(local, USECS_PER_DAY) + delta) * USECS_PER_DAY;
}

/* Parses a timestamp-like input into a local timestamp, plus its zone. */
static int parse_timestamp_common(const char *s, size_t len, const DtContext *ctx, const char *type, bool with_tz,
                                  i64 *out, Err *err)
{
    int sp = special_word(s, len);
    switch (sp) {
    case SP_EPOCH: *out = 0; return MDB_OK_;
    case SP_INF: *out = TIMESTAMP_INFINITY; return MDB_OK_;
    case SP_NINF: *out = TIMESTAMP_NEG_INFINITY; return MDB_OK_;
    case SP_NOW: {
        TimestampTz now = ctx_now(ctx);
        *out = with_tz ? now : now + (i64)tz_utc_offset(ctx_tz(ctx), now, NULL) * USECS_PER_SEC;
        return MDB_OK_;
    }
    case SP_TODAY:
    case SP_TOMORROW:
    case SP_YESTERDAY: {
        i64 local = ctx_today_local(ctx, sp == SP_TODAY ? 0 : sp == SP_TOMORROW ? 1 : -1);
        *out = with_tz ? local - (i64)tz_local_offset(ctx_tz(ctx), local) * USECS_PER_SEC : local;
        return MDB_OK_;
    }
    default: break;
    }
    Tok toks[MAX_TOKS];
    int n = tokenize(s, len, toks);
    DtFields f;
    int rc = n <= 0 ? DT_BAD_SYNTAX : decode_tokens(toks, n, &f, false);
    if (rc == DT_OK && !f.has_date) rc = DT_BAD_SYNTAX;
    if (rc) return dt_error(rc, type, s, len, err);
    i64 days = date_from_ymd(f.year, f.mon, f.day);
    if (days < DATE_MIN_DAYS - 1 || days > TS_END_DAYS + 1) goto range;
    i64 local = days * USECS_PER_DAY + f.hour * USECS_PER_HOUR + f.min * USECS_PER_MINUTE + f.sec * USECS_PER_SEC +
                f.usec;
    if (with_tz) {
        int off;
        if (f.has_tz && !f.tz_zone) off = f.tz_off;
        else off = tz_local_offset(f.tz_zone ? f.tz_zone : ctx_tz(ctx), local);
        local -= (i64)off * USECS_PER_SEC;
    }
    if (!ts_in_range(local)) goto range;
    *out = local;
    return MDB_OK_;
range:
    return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%.*s\"", (int)len, s);
}

int timestamp_parse(const char *s, size_t len, const DtContext *ctx, Timestamp *out, Err *err)
{
    return parse_timestamp_common(s, len, ctx, "timestamp", false, out, err);
}

int timestamptz_parse(const char *s, size_t len, const DtContext *ctx, TimestampTz *out, Err *err)
{
    return parse_timestamp_common(s, len, ctx, "timestamp with time zone", true, out, err);
}

/* 'YYYY-MM-DD' exactly (the form COPY files and date literals mostly use):
 * year first is ISO whatever DateStyle says, so no tokenising is needed.
 * Returns false for anything else, which the general parser then decides. */
static bool date_parse_iso(const char *s, size_t len, Date *out)
{
    if (len != 10 || s[4] != '-' || s[7] != '-') return false;
    int v[8];
    static const u8 pos[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++) {
        unsigned d = (unsigned)(s[pos[i]] - '0');
        if (d > 9) return false;
        v[i] = (int)d;
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > dt_days_in_month(y, m)) return false;
    *out = (Date)date_from_ymd(y, m, d);
    return true;
}

int date_parse(const char *s, size_t len, const DtContext *ctx, Date *out, Err *err)
{
    if (date_parse_iso(s, len, out)) return MDB_OK_;
    int sp = special_word(s, len);
    switch (sp) {
    case SP_EPOCH: *out = 0; return MDB_OK_;
    case SP_INF: *out = DATE_INFINITY; return MDB_OK_;
    case SP_NINF: *out = DATE_NEG_INFINITY; return MDB_OK_;
    case SP_NOW:
    case SP_TODAY:
    case SP_TOMORROW:
    case SP_YESTERDAY:
        *out = (Date)(ctx_today_local(ctx, sp == SP_TOMORROW ? 1 : sp == SP_YESTERDAY ? -1 : 0) / USECS_PER_DAY);
        return MDB_OK_;
    default: break;
    }
    Tok toks[MAX_TOKS];
    int n = tokenize(s, len, toks);
    DtFields f;
    int rc = n <= 0 ? DT_BAD_SYNTAX : decode_tokens(toks, n, &f, false);
    if (rc == DT_OK && !f.has_date) rc = DT_BAD_SYNTAX;
    if (rc) return dt_error(rc, "date", s, len, err);
    i64 days = date_from_ymd(f.year, f.mon, f.day);
    if (!date_in_range(days))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range: \"%.*s\"", (int)len, s);
    *out = (Date)days;
    return MDB_OK_;
}

int time_parse(const char *s, size_t len, const DtContext *ctx, Time *out, Err *err)
{
    int sp = special_word(s, len);
    if (sp == SP_ALLBALLS) {
        *out = 0;
        return MDB_OK_;
    }
    if (sp == SP_NOW) {
        TimestampTz now = ctx_now(ctx);
        i64 local = now + (i64)tz_utc_offset(ctx_tz(ctx), now, NULL) * USECS_PER_SEC;
        *out = floormod(local, USECS_PER_DAY);
        return MDB_OK_;
    }
    Tok toks[MAX_TOKS];
    int n = tokenize(s, len, toks);
    DtFields f;
    int rc = n <= 0 ? DT_BAD_SYNTAX : decode_tokens(toks, n, &f, true);
    if (rc == DT_OK && !f.has_time) rc = DT_BAD_SYNTAX;
    if (rc) return dt_error(rc, "time", s, len, err);
    *out = f.hour * USECS_PER_HOUR + f.min * USECS_PER_MINUTE + f.sec * USECS_PER_SEC + f.usec;
    if (*out > USECS_PER_DAY) *out = USECS_PER_DAY;
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * Interval input
 * ------------------------------------------------------------------------- */

/* Accumulator with PG's fraction spilling: fractional months become days
 * (30 per month), fractional days become time. */
typedef struct IvAcc {
    i64 months, days, micros;
    bool bad;            /* a sum overflowed: "interval out of range" */
    bool field_overflow; /* a number does not fit an int: 22015 */
    u32 seen;            /* unit categories given (each at most once) */
} IvAcc;

enum {
    IVU_US = 1, IVU_MS = 2, IVU_SEC = 4, IVU_MIN = 8, IVU_HOUR = 16, IVU_DAY = 32, IVU_WEEK = 64, IVU_MON = 128,
    IVU_YEAR = 256, IVU_DECADE = 512, IVU_CENTURY = 1024, IVU_MILLENNIUM = 2048
};

/* Records a unit category; false when it was already given. */
static bool acc_mark(IvAcc *a, u32 bits)
{
    if (a->seen & bits) return false;
    a->seen |= bits;
    return true;
}

static void acc_micros(IvAcc *a, double x)
{
    double r = rint(x);
    if (!(fabs(r) < 9.2e18)) {
        a->bad = true;
        return;
    }
    if (add_overflow_i64(a->micros, (i64)r, &a->micros)) a->bad = true;
}

static void acc_days_frac(IvAcc *a, double frac, int scale)
{
    /* frac × scale days: whole days, the rest into time */
    double d = frac * scale;
    i64 whole = (i64)d;
    a->days += whole;
    acc_micros(a, (d - (double)whole) * (double)USECS_PER_DAY);
}

/* Applies `value` (ival + fval) of a unit. */
static bool acc_unit(IvAcc *a, const char *u, i64 ival, double fval)
{
    double v = (double)ival + fval;
    u32 bit = 0;
    if (!strcmp(u, "microsecond") || !strcmp(u, "microseconds") || !strcmp(u, "us") || !strcmp(u, "usec") ||
        !strcmp(u, "usecs") || !strcmp(u, "microsecon"))
        bit = IVU_US, acc_micros(a, v);
    else if (!strcmp(u, "millisecond") || !strcmp(u, "milliseconds") || !strcmp(u, "ms") || !strcmp(u, "msec") ||
             !strcmp(u, "msecs") || !strcmp(u, "millisecon"))
        bit = IVU_MS, acc_micros(a, v * 1000.0);
    else if (!strcmp(u, "second") || !strcmp(u, "seconds") || !strcmp(u, "s") || !strcmp(u, "sec") ||
             !strcmp(u, "secs"))
        bit = IVU_SEC, acc_micros(a, (double)ival * 1e6), acc_micros(a, fval * 1e6);
    else if (!strcmp(u, "minute") || !strcmp(u, "minutes") || !strcmp(u, "m") || !strcmp(u, "min") ||
             !strcmp(u, "mins"))
        bit = IVU_MIN, acc_micros(a, (double)ival * 6e7), acc_micros(a, fval * 6e7);
    else if (!strcmp(u, "hour") || !strcmp(u, "hours") || !strcmp(u, "h") || !strcmp(u, "hr") || !strcmp(u, "hrs"))
        bit = IVU_HOUR, acc_micros(a, (double)ival * 3.6e9), acc_micros(a, fval * 3.6e9);
    else if (!strcmp(u, "day") || !strcmp(u, "days") || !strcmp(u, "d")) {
        bit = IVU_DAY;
        a->days += ival;
        acc_micros(a, fval * (double)USECS_PER_DAY);
    } else if (!strcmp(u, "week") || !strcmp(u, "weeks") || !strcmp(u, "w")) {
        bit = IVU_WEEK;
        a->days += ival * 7;
        acc_days_frac(a, fval, 7);
    } else if (!strcmp(u, "month") || !strcmp(u, "months") || !strcmp(u, "mon") || !strcmp(u, "mons")) {
        bit = IVU_MON;
        a->months += ival;
        acc_days_frac(a, fval, DAYS_PER_MONTH);
    } else {
        int scale = 0;
        if (!strcmp(u, "year") || !strcmp(u, "years") || !strcmp(u, "y") || !strcmp(u, "yr") || !strcmp(u, "yrs"))
            scale = 1, bit = IVU_YEAR;
        else if (!strcmp(u, "decade") || !strcmp(u, "decades") || !strcmp(u, "dec") || !strcmp(u, "decs"))
            scale = 10, bit = IVU_DECADE;
        else if (!strcmp(u, "century") || !strcmp(u, "centuries") || !strcmp(u, "c") || !strcmp(u, "cent"))
            scale = 100, bit = IVU_CENTURY;
        else if (!strcmp(u, "millennium") || !strcmp(u, "millennia") || !strcmp(u, "mil") || !strcmp(u, "mils"))
            scale = 1000, bit = IVU_MILLENNIUM;
        else return false;
        a->months += ival * 12 * scale + (i64)rint(fval * 12 * scale);
    }
    if (a->months > INT32_MAX || a->months < INT32_MIN || a->days > INT32_MAX || a->days < INT32_MIN) a->bad = true;
    return acc_mark(a, bit);
}

/* Splits a signed decimal token into integer and fraction parts. */
static bool split_number(const char *p, int n, i64 *ival, double *fval, bool *field_overflow)
{
    int i = 0;
    bool neg = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    i64 v = 0;
    int nd = 0;
    while (i < n && is_digit_c(p[i])) {
        if (++nd > 18) return false;
        v = v * 10 + (p[i++] - '0');
    }
    double f = 0;
    if (i < n && p[i] == '.') {
        char fb[24] = "0.";
        int k = 0;
        i++;
        while (i < n && is_digit_c(p[i])) {
            if (k < 20) fb[2 + k++] = p[i];
            i++;
            nd++;
        }
        f = strtod(fb, NULL);
    }
    if (i != n || nd == 0) return false;
    if (v > INT32_MAX) *field_overflow = true;
    *ival = neg ? -v : v;
    *fval = neg ? -f : f;
    return true;
}

/* Interval time "h:m[:s[.f]]" or "m:s.f" with an optional sign, as micros. */
static bool interval_time(const char *p, int n, i64 *out)
{
    bool neg = false;
    if (n > 0 && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        p++, n--;
    }
    int colons = 0;
    for (int i = 0; i < n; i++) colons += p[i] == ':';
    i64 h = 0, m = 0, s = 0, us = 0;
    if (colons == 1 && memchr(p, '.', (size_t)n)) {
        /* mm:ss.fff */
        const char *c = memchr(p, ':', (size_t)n);
        bool ok;
        m = tok_int(p, (int)(c - p), &ok);
        if (!ok) return false;
        i64 si;
        double sf;
        bool fo = false;
        if (!split_number(c + 1, (int)(n - (c + 1 - p)), &si, &sf, &fo) || si < 0) return false;
        s = si;
        us = (i64)rint(sf * 1e6);
    } else if (!parse_time_text(p, n, &h, &m, &s, &us)) {
        return false;
    }
    if (m > 59 || s > 59) return false;
    i64 t = h * USECS_PER_HOUR + m * USECS_PER_MINUTE + s * USECS_PER_SEC + us;
    *out = neg ? -t : t;
    return true;
}

/* ISO 8601 "P1Y2M3DT4H5M6S" / "P0001-02-03T04:05:06". */
static bool parse_iso_interval(const char *p, size_t n, IvAcc *a)
{
    size_t i = 1;
    bool in_time = false;
    if (i >= n) return false;
    /* alternative format */
    if (is_digit_c(p[i])) {
        size_t j = i;
        while (j < n && is_digit_c(p[j])) j++;
        if (j < n && p[j] == '-') {
            int y = 0, mo = 0, d = 0;
            if (sscanf(p + i, "%d-%d-%d", &y, &mo, &d) < 2) return false;
            a->months += (i64)y * 12 + mo;
            a->days += d;
            const char *t = memchr(p, 'T', n);
            if (t) {
                i64 us;
                if (!interval_time(t + 1, (int)(p + n - t - 1), &us)) return false;
                a->micros += us;
            }
            return true;
        }
    }
    bool any = false;
    while (i < n) {
        if (p[i] == 'T' || p[i] == 't') {
            if (in_time) return false;
            in_time = true;
            i++;
            continue;
        }
        size_t j = i;
        if (j < n && (p[j] == '-' || p[j] == '+')) j++;
        while (j < n && (is_digit_c(p[j]) || p[j] == '.')) j++;
        if (j == i || j >= n) return false;
        i64 iv;
        double fv;
        if (!split_number(p + i, (int)(j - i), &iv, &fv, &a->field_overflow)) return false;
        char u = (char)toupper((unsigned char)p[j]);
        const char *unit;
        if (!in_time) {
            unit = u == 'Y' ? "year" : u == 'M' ? "month" : u == 'W' ? "week" : u == 'D' ? "day" : NULL;
        } else {
            unit = u == 'H' ? "hour" : u == 'M' ? "minute" : u == 'S' ? "second" : NULL;
        }
        if (!unit) return false;
        acc_unit(a, unit, iv, fv);
        any = true;
        i = j + 1;
    }
    return any;
}

int interval_parse(const char *s, size_t len, Interval *out, Err *err)
{
    IvAcc a = {0, 0, 0, false, false, 0};
    size_t b = 0, e = len;
    while (b < e && is_space_c(s[b])) b++;
    while (e > b && is_space_c(s[e - 1])) e--;
    if (e > b && (s[b] == 'P' || s[b] == 'p')) {
        if (!parse_iso_interval(s + b, e - b, &a)) goto syntax;
        goto done;
    }
    Tok toks[MAX_TOKS];
    int n = tokenize(s, len, toks);
    if (n <= 0) goto syntax;
    bool ago = false, pending = false;
    i64 pi = 0;
    double pf = 0;
    for (int k = 0; k < n; k++) {
        const Tok *t = &toks[k];
        switch (t->kind) {
        case TK_AT:
            if (k != 0) goto syntax;
            break;
        case TK_NUM:
            if (pending) goto syntax;
            if (!split_number(t->p, t->n, &pi, &pf, &a.field_overflow)) goto syntax;
            pending = true;
            break;
        case TK_TIME: {
            if (pending) {
                /* "3 4:05:06": a number before a time is days */
                if (pf != 0 || !acc_mark(&a, IVU_DAY)) goto syntax;
                a.days += pi;
                pending = false;
            }
            if (!acc_mark(&a, IVU_HOUR | IVU_MIN | IVU_SEC)) goto syntax;
            i64 us;
            if (!interval_time(t->p, t->n, &us)) goto syntax;
            if (add_overflow_i64(a.micros, us, &a.micros)) a.bad = true;
            break;
        }
        case TK_DATE: {
            /* SQL year-month "1-2" */
            if (pending) goto syntax;
            const char *p = t->p;
            int n2 = t->n;
            bool neg = false;
            if (p[0] == '+' || p[0] == '-') neg = p[0] == '-', p++, n2--;
            const char *dash = memchr(p, '-', (size_t)n2);
            if (!dash || memchr(dash + 1, '-', (size_t)(p + n2 - dash - 1))) goto syntax;
            bool ok1, ok2;
            i64 y = tok_int(p, (int)(dash - p), &ok1), m = tok_int(dash + 1, (int)(p + n2 - dash - 1), &ok2);
            if (!ok1 || !ok2 || m > 11) goto syntax;
            a.months += neg ? -(y * 12 + m) : y * 12 + m;
            break;
        }
        case TK_ALPHA: {
            char w[24];
            if (t->n >= (int)sizeof w) goto syntax;
            tok_lower(t, w, sizeof w);
            if (!strcmp(w, "ago")) {
                if (pending || k != n - 1) goto syntax;
                ago = true;
                break;
            }
            if (!pending) goto syntax;
            if (!acc_unit(&a, w, pi, pf)) goto syntax;
            pending = false;
            break;
        }
        }
    }
    if (pending && !acc_unit(&a, "second", pi, pf)) goto syntax;
    if (ago) {
        a.months = -a.months;
        a.days = -a.days;
        a.micros = -a.micros;
    }
done:
    if (a.field_overflow)
        return err_set(err, "22015", "interval field value out of range: \"%.*s\"", (int)len, s);
    if (a.bad || a.months > INT32_MAX || a.months < INT32_MIN || a.days > INT32_MAX || a.days < INT32_MIN)
        return err_iv_range(err);
    out->months = (i32)a.months;
    out->days = (i32)a.days;
    out->micros = a.micros;
    return MDB_OK_;
syntax:
    return err_set(err, SQLSTATE_INVALID_DATETIME_FORMAT, "invalid input syntax for type interval: \"%.*s\"", (int)len,
                   s);
}

/* ---------------------------------------------------------------------------
 * Conversions
 * ------------------------------------------------------------------------- */

static bool ts_is_inf(i64 t) { return t == TIMESTAMP_INFINITY || t == TIMESTAMP_NEG_INFINITY; }
static bool date_is_inf(Date d) { return d == DATE_INFINITY || d == DATE_NEG_INFINITY; }

int date_to_timestamp(Date d, Timestamp *out, Err *err)
{
    if (date_is_inf(d)) {
        *out = d == DATE_INFINITY ? TIMESTAMP_INFINITY : TIMESTAMP_NEG_INFINITY;
        return MDB_OK_;
    }
    if (d >= TS_END_DAYS) return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range for timestamp");
    *out = (i64)d * USECS_PER_DAY;
    return MDB_OK_;
}

int timestamp_to_date(Timestamp ts, Date *out, Err *err)
{
    if (ts_is_inf(ts)) {
        *out = ts == TIMESTAMP_INFINITY ? DATE_INFINITY : DATE_NEG_INFINITY;
        return MDB_OK_;
    }
    *out = (Date)floordiv(ts, USECS_PER_DAY);
    return MDB_OK_;
}

int timestamp_to_timestamptz(Timestamp ts, const TimeZone *tz, TimestampTz *out, Err *err)
{
    if (ts_is_inf(ts)) {
        *out = ts;
        return MDB_OK_;
    }
    i64 r = ts - (i64)tz_local_offset(tz, ts) * USECS_PER_SEC;
    if (!ts_in_range(r)) return err_ts_range(err);
    *out = r;
    return MDB_OK_;
}

int timestamptz_to_timestamp(TimestampTz ts, const TimeZone *tz, Timestamp *out, Err *err)
{
    if (ts_is_inf(ts)) {
        *out = ts;
        return MDB_OK_;
    }
    i64 r = ts + (i64)tz_utc_offset(tz, ts, NULL) * USECS_PER_SEC;
    if (!ts_in_range(r)) return err_ts_range(err);
    *out = r;
    return MDB_OK_;
}

int date_to_timestamptz(Date d, const TimeZone *tz, TimestampTz *out, Err *err)
{
    Timestamp t = 0;
    if (date_to_timestamp(d, &t, err)) return MDB_FAIL;
    return timestamp_to_timestamptz(t, tz, out, err);
}

int timestamptz_to_date(TimestampTz ts, const TimeZone *tz, Date *out, Err *err)
{
    Timestamp t = 0;
    if (timestamptz_to_timestamp(ts, tz, &t, err)) return MDB_FAIL;
    return timestamp_to_date(t, out, err);
}

Time timestamp_to_time(Timestamp ts) { return floormod(ts, USECS_PER_DAY); }

Time timestamptz_to_time(TimestampTz ts, const TimeZone *tz)
{
    return floormod(ts + (i64)tz_utc_offset(tz, ts, NULL) * USECS_PER_SEC, USECS_PER_DAY);
}

int timestamptz_at_zone(TimestampTz ts, const TimeZone *zone, Timestamp *out, Err *err)
{
    return timestamptz_to_timestamp(ts, zone, out, err);
}

int timestamp_at_zone(Timestamp ts, const TimeZone *zone, TimestampTz *out, Err *err)
{
    return timestamp_to_timestamptz(ts, zone, out, err);
}

/* ---------------------------------------------------------------------------
 * Arithmetic
 * ------------------------------------------------------------------------- */

int date_add_days(Date d, i64 days, Date *out, Err *err)
{
    if (date_is_inf(d)) {
        *out = d;
        return MDB_OK_;
    }
    i64 r = (i64)d + days;
    if (!date_in_range(r)) return err_date_range(err);
    *out = (Date)r;
    return MDB_OK_;
}

int date_diff(Date a, Date b, i32 *out, Err *err)
{
    if (date_is_inf(a) || date_is_inf(b))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite dates");
    *out = (i32)((i64)a - b);
    return MDB_OK_;
}

/* Adds months with end-of-month clamping to a local timestamp. */
static int local_add_months(i64 t, i32 months, i64 *out, Err *err)
{
    Tm tm;
    ts_to_tm(t, &tm);
    i64 m0 = (i64)tm.year * 12 + (tm.mon - 1) + months;
    i64 y = floordiv(m0, 12);
    if (y < -5000 || y > 300000) return err_ts_range(err);
    tm.year = (int)y;
    tm.mon = (int)(m0 - y * 12) + 1;
    int dim = dt_days_in_month(tm.year, tm.mon);
    if (tm.mday > dim) tm.mday = dim;
    i64 days = date_from_ymd(tm.year, tm.mon, tm.mday);
    if (days < DATE_MIN_DAYS - 1 || days > TS_END_DAYS) return err_ts_range(err);
    *out = tm_to_ts(&tm);
    if (!ts_in_range(*out)) return err_ts_range(err);
    return MDB_OK_;
}

int timestamp_add_interval(Timestamp ts, const Interval *iv, Timestamp *out, Err *err)
{
    if (ts_is_inf(ts)) {
        *out = ts;
        return MDB_OK_;
    }
    i64 t = ts;
    if (iv->months && local_add_months(t, iv->months, &t, err)) return MDB_FAIL;
    if (iv->days) {
        /* |days| < 2^31, so the product fits in 128 bits */
        i128 r = (i128)t + (i128)iv->days * USECS_PER_DAY;
        if (r < TS_MIN || r >= TS_END) return err_ts_range(err);
        t = (i64)r;
    }
    if (add_overflow_i64(t, iv->micros, &t) || !ts_in_range(t)) return err_ts_range(err);
    *out = t;
    return MDB_OK_;
}

int timestamptz_add_interval(TimestampTz ts, const Interval *iv, const TimeZone *tz, TimestampTz *out, Err *err)
{
    if (ts_is_inf(ts)) {
        *out = ts;
        return MDB_OK_;
    }
    i64 t = ts;
    if (iv->months || iv->days) {
        i64 local = t + (i64)tz_utc_offset(tz, t, NULL) * USECS_PER_SEC;
        if (iv->months && local_add_months(local, iv->months, &local, err)) return MDB_FAIL;
        i128 r = (i128)local + (i128)iv->days * USECS_PER_DAY;
        if (r < TS_MIN || r >= TS_END) return err_ts_range(err);
        local = (i64)r;
        t = local - (i64)tz_local_offset(tz, local) * USECS_PER_SEC;
    }
    if (add_overflow_i64(t, iv->micros, &t) || !ts_in_range(t)) return err_ts_range(err);
    *out = t;
    return MDB_OK_;
}

int date_add_interval(Date d, const Interval *iv, Timestamp *out, Err *err)
{
    Timestamp t = 0;
    if (date_to_timestamp(d, &t, err)) return MDB_FAIL;
    return timestamp_add_interval(t, iv, out, err);
}

int timestamp_diff(Timestamp a, Timestamp b, Interval *out, Err *err)
{
    if (ts_is_inf(a) || ts_is_inf(b))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    Interval r = {0, 0, 0};
    if (__builtin_sub_overflow(a, b, &r.micros)) return err_iv_range(err);
    return interval_justify_hours(&r, out, err);
}

Time time_add_interval(Time t, const Interval *iv)
{
    i64 r = t + iv->micros % USECS_PER_DAY;
    r = floormod(r, USECS_PER_DAY);
    return r;
}

Interval time_diff(Time a, Time b)
{
    Interval r = {a - b, 0, 0};
    return r;
}

int interval_add(const Interval *a, const Interval *b, Interval *out, Err *err)
{
    Interval r;
    if (__builtin_add_overflow(a->months, b->months, &r.months) || __builtin_add_overflow(a->days, b->days, &r.days) ||
        __builtin_add_overflow(a->micros, b->micros, &r.micros))
        return err_iv_range(err);
    *out = r;
    return MDB_OK_;
}

int interval_sub(const Interval *a, const Interval *b, Interval *out, Err *err)
{
    Interval r;
    if (__builtin_sub_overflow(a->months, b->months, &r.months) || __builtin_sub_overflow(a->days, b->days, &r.days) ||
        __builtin_sub_overflow(a->micros, b->micros, &r.micros))
        return err_iv_range(err);
    *out = r;
    return MDB_OK_;
}

int interval_neg(const Interval *a, Interval *out, Err *err)
{
    Interval zero = {0, 0, 0};
    return interval_sub(&zero, a, out, err);
}

/* Rounds to microsecond precision (PG's TSROUND). */
static double tsround(double x) { return rint(x * 1000000.0) / 1000000.0; }

static bool fits_i32(double x) { return !isnan(x) && x >= (double)INT32_MIN && x <= (double)INT32_MAX; }

/* Shared tail of interval * and /: m, d are the exact scaled month and day
 * counts, t the scaled time in micros. */
static int iv_scale(double m, double d, double t, Interval *out, Err *err)
{
    if (!fits_i32(m) || !fits_i32(d)) return err_iv_range(err);
    i32 rm = (i32)m, rd = (i32)d;
    double month_rem_days = tsround((m - rm) * DAYS_PER_MONTH);
    double sec_rem = tsround((d - rd + month_rem_days - (int)month_rem_days) * SECS_PER_DAY);
    i64 days = rd;
    if (fabs(sec_rem) >= SECS_PER_DAY) {
        days += (int)(sec_rem / SECS_PER_DAY);
        sec_rem -= (int)(sec_rem / SECS_PER_DAY) * (double)SECS_PER_DAY;
    }
    days += (i32)month_rem_days;
    double rt = rint(t + sec_rem * (double)USECS_PER_SEC);
    if (isnan(rt) || !(rt >= -9.2233720368547758e18 && rt < 9.2233720368547758e18) || days > INT32_MAX ||
        days < INT32_MIN)
        return err_iv_range(err);
    out->months = rm;
    out->days = (i32)days;
    out->micros = (i64)rt;
    return MDB_OK_;
}

int interval_mul(const Interval *a, double f, Interval *out, Err *err)
{
    return iv_scale(a->months * f, a->days * f, (double)a->micros * f, out, err);
}

int interval_div(const Interval *a, double f, Interval *out, Err *err)
{
    if (f == 0.0) return err_set(err, SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    return iv_scale(a->months / f, a->days / f, (double)a->micros / f, out, err);
}

static i128 iv_span(const Interval *a)
{
    return (i128)a->micros + (i128)a->days * USECS_PER_DAY + (i128)a->months * (DAYS_PER_MONTH * USECS_PER_DAY);
}

int interval_cmp(const Interval *a, const Interval *b)
{
    i128 x = iv_span(a), y = iv_span(b);
    return x < y ? -1 : x > y;
}

u64 interval_hash(const Interval *a)
{
    i128 s = iv_span(a);
    u64 h = (u64)s ^ ((u64)((u128)s >> 64) * 0x9E3779B97F4A7C15ull);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

int interval_justify_days(const Interval *a, Interval *out, Err *err)
{
    Interval r = *a;
    i32 wholemonth = r.days / DAYS_PER_MONTH;
    r.days -= wholemonth * DAYS_PER_MONTH;
    if (__builtin_add_overflow(r.months, wholemonth, &r.months)) return err_iv_range(err);
    if (r.months > 0 && r.days < 0) {
        r.days += DAYS_PER_MONTH;
        r.months--;
    } else if (r.months < 0 && r.days > 0) {
        r.days -= DAYS_PER_MONTH;
        r.months++;
    }
    *out = r;
    return MDB_OK_;
}

int interval_justify_hours(const Interval *a, Interval *out, Err *err)
{
    Interval r = *a;
    i64 wholeday = r.micros / USECS_PER_DAY;
    r.micros -= wholeday * USECS_PER_DAY;
    i64 days = (i64)r.days + wholeday;
    if (days > INT32_MAX || days < INT32_MIN) return err_iv_range(err);
    r.days = (i32)days;
    if (r.days > 0 && r.micros < 0) {
        r.micros += USECS_PER_DAY;
        r.days--;
    } else if (r.days < 0 && r.micros > 0) {
        r.micros -= USECS_PER_DAY;
        r.days++;
    }
    *out = r;
    return MDB_OK_;
}

int interval_justify_interval(const Interval *a, Interval *out, Err *err)
{
    Interval r = *a;
    i64 wholeday = r.micros / USECS_PER_DAY;
    r.micros -= wholeday * USECS_PER_DAY;
    i64 days = (i64)r.days + wholeday;
    i64 wholemonth = days / DAYS_PER_MONTH;
    days -= wholemonth * DAYS_PER_MONTH;
    i64 months = (i64)r.months + wholemonth;
    if (months > INT32_MAX || months < INT32_MIN) return err_iv_range(err);
    if (months > 0 && (days < 0 || (days == 0 && r.micros < 0))) {
        days += DAYS_PER_MONTH;
        months--;
    } else if (months < 0 && (days > 0 || (days == 0 && r.micros > 0))) {
        days -= DAYS_PER_MONTH;
        months++;
    }
    if (days > 0 && r.micros < 0) {
        r.micros += USECS_PER_DAY;
        days--;
    } else if (days < 0 && r.micros > 0) {
        r.micros -= USECS_PER_DAY;
        days++;
    }
    r.days = (i32)days;
    r.months = (i32)months;
    *out = r;
    return MDB_OK_;
}

/* age() on two local timestamps: field-wise difference, borrowing. */
static int age_local(i64 t1, i64 t2, Interval *out, Err *err)
{
    if (ts_is_inf(t1) || ts_is_inf(t2))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    Tm a, b;
    ts_to_tm(t1, &a);
    ts_to_tm(t2, &b);
    i64 fsec = a.usec - b.usec, sec = a.sec - b.sec, min = a.min - b.min, hour = a.hour - b.hour;
    i64 mday = a.mday - b.mday, mon = a.mon - b.mon, year = (i64)a.year - b.year;
    bool flip = t1 < t2;
    if (flip) fsec = -fsec, sec = -sec, min = -min, hour = -hour, mday = -mday, mon = -mon, year = -year;
    while (fsec < 0) fsec += USECS_PER_SEC, sec--;
    while (sec < 0) sec += 60, min--;
    while (min < 0) min += 60, hour--;
    while (hour < 0) hour += 24, mday--;
    while (mday < 0) {
        const Tm *ref = flip ? &a : &b;
        mday += dt_days_in_month(ref->year, ref->mon);
        mon--;
    }
    while (mon < 0) mon += 12, year--;
    if (flip) fsec = -fsec, sec = -sec, min = -min, hour = -hour, mday = -mday, mon = -mon, year = -year;
    i64 months = year * 12 + mon;
    if (months > INT32_MAX || months < INT32_MIN) return err_iv_range(err);
    out->months = (i32)months;
    out->days = (i32)mday;
    out->micros = ((hour * 60 + min) * 60 + sec) * USECS_PER_SEC + fsec;
    return MDB_OK_;
}

int timestamp_age(Timestamp a, Timestamp b, Interval *out, Err *err) { return age_local(a, b, out, err); }

int timestamptz_age(TimestampTz a, TimestampTz b, const TimeZone *tz, Interval *out, Err *err)
{
    if (ts_is_inf(a) || ts_is_inf(b)) return age_local(a, b, out, err);
    i64 la = a + (i64)tz_utc_offset(tz, a, NULL) * USECS_PER_SEC;
    i64 lb = b + (i64)tz_utc_offset(tz, b, NULL) * USECS_PER_SEC;
    return age_local(la, lb, out, err);
}

/* ---------------------------------------------------------------------------
 * Fields: extract / date_part, date_trunc
 * ------------------------------------------------------------------------- */

typedef enum DtUnit {
    U_NONE, U_US, U_MS, U_SECOND, U_MINUTE, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR, U_DECADE,
    U_CENTURY, U_MILLENNIUM, U_EPOCH, U_JULIAN, U_DOW, U_ISODOW, U_DOY, U_ISOYEAR, U_TZ, U_TZ_HOUR, U_TZ_MINUTE
} DtUnit;

static DtUnit unit_from_name(const char *field, char *lower, size_t cap)
{
    size_t n = strlen(field);
    if (n >= cap) n = cap - 1;
    for (size_t i = 0; i < n; i++) lower[i] = lower_c(field[i]);
    lower[n] = 0;
    /* surrounding whitespace is not trimmed by PG either */
    static const struct {
        const char *name;
        DtUnit u;
    } tab[] = {
        {"microsecond", U_US},  {"microseconds", U_US}, {"us", U_US},          {"usec", U_US},
        {"usecs", U_US},        {"millisecond", U_MS},  {"milliseconds", U_MS}, {"ms", U_MS},
        {"msec", U_MS},         {"msecs", U_MS},        {"second", U_SECOND},   {"seconds", U_SECOND},
        {"s", U_SECOND},        {"sec", U_SECOND},      {"secs", U_SECOND},     {"minute", U_MINUTE},
        {"minutes", U_MINUTE},  {"m", U_MINUTE},        {"min", U_MINUTE},      {"mins", U_MINUTE},
        {"hour", U_HOUR},       {"hours", U_HOUR},      {"h", U_HOUR},          {"hr", U_HOUR},
        {"hrs", U_HOUR},        {"day", U_DAY},         {"days", U_DAY},        {"d", U_DAY},
        {"week", U_WEEK},       {"weeks", U_WEEK},      {"w", U_WEEK},          {"month", U_MONTH},
        {"months", U_MONTH},    {"mon", U_MONTH},       {"mons", U_MONTH},      {"quarter", U_QUARTER},
        {"qtr", U_QUARTER},     {"year", U_YEAR},       {"years", U_YEAR},      {"y", U_YEAR},
        {"yr", U_YEAR},         {"yrs", U_YEAR},        {"decade", U_DECADE},   {"decades", U_DECADE},
        {"dec", U_DECADE},      {"decs", U_DECADE},     {"century", U_CENTURY}, {"centuries", U_CENTURY},
        {"c", U_CENTURY},       {"cent", U_CENTURY},    {"millennium", U_MILLENNIUM}, {"millennia", U_MILLENNIUM},
        {"mil", U_MILLENNIUM},  {"mils", U_MILLENNIUM}, {"epoch", U_EPOCH},     {"julian", U_JULIAN},
        {"j", U_JULIAN},        {"dow", U_DOW},         {"isodow", U_ISODOW},   {"doy", U_DOY},
        {"isoyear", U_ISOYEAR}, {"timezone", U_TZ},     {"timezone_hour", U_TZ_HOUR},
        {"timezone_minute", U_TZ_MINUTE}, {"timezone_m", U_TZ_MINUTE}, {"timezone_h", U_TZ_HOUR},
    };
    for (size_t i = 0; i < MDB_ARRAY_LEN(tab); i++) {
        if (strcmp(lower, tab[i].name) == 0) return tab[i].u;
    }
    return U_NONE;
}

static int unit_unknown(const char *lower, const char *type, Err *err)
{
    return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "unit \"%s\" not recognized for type %s", lower, type);
}

static int unit_unsupported(const char *lower, const char *type, Err *err)
{
    return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported for type %s", lower, type);
}

static i64 bc_year(int y) { return y > 0 ? y : (i64)y - 1; }
static i64 decade_of(i64 y) { return y >= 0 ? y / 10 : -((8 - (y - 1)) / 10); }
static i64 century_of(i64 y) { return y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100); }
static i64 millennium_of(i64 y) { return y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000); }

/* Date-level fields shared by date and timestamp. */
static bool extract_date_field(DtUnit u, i64 days, Numeric *out)
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    i64 v;
    switch (u) {
    case U_DAY: v = d; break;
    case U_MONTH: v = m; break;
    case U_QUARTER: v = (m - 1) / 3 + 1; break;
    case U_YEAR: v = bc_year(y); break;
    case U_DECADE: v = decade_of(y); break;
    case U_CENTURY: v = century_of(y); break;
    case U_MILLENNIUM: v = millennium_of(y); break;
    case U_DOW: v = day_of_week(days); break;
    case U_ISODOW: v = (day_of_week(days) + 6) % 7 + 1; break;
    case U_DOY: v = day_of_year(y, m, d); break;
    case U_WEEK: {
        int iy, w;
        iso_week(days, &iy, &w);
        v = w;
        break;
    }
    case U_ISOYEAR: {
        int iy, w;
        iso_week(days, &iy, &w);
        v = iy <= 0 ? (i64)iy - 1 : iy;
        break;
    }
    default: return false;
    }
    *out = numeric_make(v, 0);
    return true;
}

int dt_extract_date(const char *field, Date d, Numeric *out, Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    const char *type = "date";
    if (u == U_NONE) return unit_unknown(lw, type, err);
    if (date_is_inf(d)) {
        /* PG returns NULL for most fields and ±Infinity for monotonic ones,
         * which numeric cannot hold here */
        return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot extract from an infinite date");
    }
    if (u == U_EPOCH) {
        *out = numeric_make((i128)d * SECS_PER_DAY, 0);
        return MDB_OK_;
    }
    if (u == U_JULIAN) {
        *out = numeric_make((i128)d + UNIX_EPOCH_JD, 0);
        return MDB_OK_;
    }
    if (extract_date_field(u, d, out)) return MDB_OK_;
    return unit_unsupported(lw, type, err);
}

/* Time-of-day fields of micros-of-day t. */
static bool extract_time_field(DtUnit u, i64 t, Numeric *out)
{
    i64 secmicros = t % USECS_PER_MINUTE;
    switch (u) {
    case U_US: *out = numeric_make(secmicros, 0); return true;
    case U_MS: *out = numeric_make(secmicros, 3); return true;
    case U_SECOND: *out = numeric_make(secmicros, 6); return true;
    case U_MINUTE: *out = numeric_make((t / USECS_PER_MINUTE) % 60, 0); return true;
    case U_HOUR: *out = numeric_make(t / USECS_PER_HOUR, 0); return true;
    default: return false;
    }
}

int dt_extract_time(const char *field, Time t, Numeric *out, Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    const char *type = "time without time zone";
    if (u == U_NONE) return unit_unknown(lw, type, err);
    if (u == U_EPOCH) {
        *out = numeric_make(t, 6);
        return MDB_OK_;
    }
    if (extract_time_field(u, t, out)) return MDB_OK_;
    return unit_unsupported(lw, type, err);
}

static int extract_ts_common(const char *field, i64 local, i64 utc, const int *tzoff, const char *type, Numeric *out,
                             Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    if (u == U_NONE) return unit_unknown(lw, type, err);
    if (ts_is_inf(local)) return err_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot extract from an infinite timestamp");
    i64 days = floordiv(local, USECS_PER_DAY);
    i64 tod = local - days * USECS_PER_DAY;
    switch (u) {
    case U_EPOCH: *out = numeric_make(utc, 6); return MDB_OK_;
    case U_JULIAN: {
        Numeric frac;
        if (numeric_div(numeric_make(tod, 0), numeric_make(USECS_PER_DAY, 0), &frac, err)) return MDB_FAIL;
        return numeric_add(numeric_make(days + UNIX_EPOCH_JD, 0), frac, out, err);
    }
    case U_TZ:
    case U_TZ_HOUR:
    case U_TZ_MINUTE:
        if (!tzoff) return unit_unsupported(lw, type, err);
        *out = numeric_make(u == U_TZ ? *tzoff : u == U_TZ_HOUR ? *tzoff / 3600 : (*tzoff / 60) % 60, 0);
        return MDB_OK_;
    default: break;
    }
    if (extract_time_field(u, tod, out) || extract_date_field(u, days, out)) return MDB_OK_;
    return unit_unsupported(lw, type, err);
}

int dt_extract_timestamp(const char *field, Timestamp ts, Numeric *out, Err *err)
{
    return extract_ts_common(field, ts, ts, NULL, "timestamp without time zone", out, err);
}

int dt_extract_timestamptz(const char *field, TimestampTz ts, const TimeZone *tz, Numeric *out, Err *err)
{
    if (ts_is_inf(ts)) return extract_ts_common(field, ts, ts, NULL, "timestamp with time zone", out, err);
    int off = tz_utc_offset(tz, ts, NULL);
    return extract_ts_common(field, ts + (i64)off * USECS_PER_SEC, ts, &off, "timestamp with time zone", out, err);
}

int dt_extract_interval(const char *field, const Interval *iv, Numeric *out, Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    const char *type = "interval";
    if (u == U_NONE) return unit_unknown(lw, type, err);
    i64 years = iv->months / 12, mon = iv->months % 12, t = iv->micros;
    i64 v;
    switch (u) {
    case U_US: *out = numeric_make(t % USECS_PER_MINUTE, 0); return MDB_OK_;
    case U_MS: *out = numeric_make(t % USECS_PER_MINUTE, 3); return MDB_OK_;
    case U_SECOND: *out = numeric_make(t % USECS_PER_MINUTE, 6); return MDB_OK_;
    case U_MINUTE: v = (t / USECS_PER_MINUTE) % 60; break;
    case U_HOUR: v = t / USECS_PER_HOUR; break;
    case U_DAY: v = iv->days; break;
    case U_MONTH: v = mon; break;
    case U_QUARTER: v = mon / 3 + 1; break;
    case U_YEAR: v = years; break;
    case U_DECADE: v = years / 10; break;
    case U_CENTURY: v = years / 100; break;
    case U_MILLENNIUM: v = years / 1000; break;
    case U_EPOCH: {
        i128 secs = (i128)years * 31557600 + (i128)mon * DAYS_PER_MONTH * SECS_PER_DAY + (i128)iv->days * SECS_PER_DAY;
        *out = numeric_make(secs * USECS_PER_SEC + t, 6);
        return MDB_OK_;
    }
    default: return unit_unsupported(lw, type, err);
    }
    *out = numeric_make(v, 0);
    return MDB_OK_;
}

/* Truncates local timestamp t; *day_level says whether the zone offset must
 * be recomputed for timestamptz. */
static int trunc_local(DtUnit u, i64 t, i64 *out, bool *day_level)
{
    Tm tm;
    ts_to_tm(t, &tm);
    *day_level = true;
    switch (u) {
    case U_MILLENNIUM:
        tm.year = tm.year > 0 ? (int)(((tm.year + 999) / 1000) * 1000 - 999)
                              : (int)(-((999 - (tm.year - 1)) / 1000) * 1000 + 1);
        tm.mon = 1, tm.mday = 1;
        break;
    case U_CENTURY:
        tm.year = tm.year > 0 ? (int)(((tm.year + 99) / 100) * 100 - 99) : (int)(-((99 - (tm.year - 1)) / 100) * 100 + 1);
        tm.mon = 1, tm.mday = 1;
        break;
    case U_DECADE:
        tm.year = tm.year > 0 ? (tm.year / 10) * 10 : (int)(-((8 - (tm.year - 1)) / 10) * 10);
        tm.mon = 1, tm.mday = 1;
        break;
    case U_YEAR: tm.mon = 1, tm.mday = 1; break;
    case U_QUARTER: tm.mon = 3 * ((tm.mon - 1) / 3) + 1, tm.mday = 1; break;
    case U_MONTH: tm.mday = 1; break;
    case U_WEEK: {
        i64 days = floordiv(t, USECS_PER_DAY);
        int isodow = (day_of_week(days) + 6) % 7 + 1;
        *out = (days - (isodow - 1)) * USECS_PER_DAY;
        return MDB_OK_;
    }
    case U_DAY: break;
    case U_HOUR: *day_level = false; tm.min = 0, tm.sec = 0, tm.usec = 0; goto done;
    case U_MINUTE: *day_level = false; tm.sec = 0, tm.usec = 0; goto done;
    case U_SECOND: *day_level = false; tm.usec = 0; goto done;
    case U_MS: *day_level = false; tm.usec = (tm.usec / 1000) * 1000; goto done;
    case U_US: *day_level = false; goto done;
    default: return -1;
    }
    tm.hour = tm.min = tm.sec = 0;
    tm.usec = 0;
done:
    *out = tm_to_ts(&tm);
    return MDB_OK_;
}

int timestamp_trunc(const char *field, Timestamp ts, Timestamp *out, Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    const char *type = "timestamp without time zone";
    if (u == U_NONE) return unit_unknown(lw, type, err);
    if (ts_is_inf(ts)) {
        *out = ts;
        return MDB_OK_;
    }
    bool dl;
    if (trunc_local(u, ts, out, &dl)) return unit_unknown(lw, type, err);
    if (!ts_in_range(*out)) return err_ts_range(err);
    return MDB_OK_;
}

int timestamptz_trunc(const char *field, TimestampTz ts, const TimeZone *tz, TimestampTz *out, Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    const char *type = "timestamp with time zone";
    if (u == U_NONE) return unit_unknown(lw, type, err);
    if (ts_is_inf(ts)) {
        *out = ts;
        return MDB_OK_;
    }
    int off = tz_utc_offset(tz, ts, NULL);
    i64 local = ts + (i64)off * USECS_PER_SEC, r;
    bool day_level;
    if (trunc_local(u, local, &r, &day_level)) return unit_unknown(lw, type, err);
    if (day_level) off = tz_local_offset(tz, r);
    r -= (i64)off * USECS_PER_SEC;
    if (!ts_in_range(r)) return err_ts_range(err);
    *out = r;
    return MDB_OK_;
}

int interval_trunc(const char *field, const Interval *iv, Interval *out, Err *err)
{
    char lw[32];
    DtUnit u = unit_from_name(field, lw, sizeof lw);
    const char *type = "interval";
    if (u == U_NONE) return unit_unknown(lw, type, err);
    i64 years = iv->months / 12, mon = iv->months % 12, days = iv->days;
    i64 t = iv->micros;
    i64 hour = t / USECS_PER_HOUR, min = (t / USECS_PER_MINUTE) % 60, sec = (t / USECS_PER_SEC) % 60,
        usec = t % USECS_PER_SEC;
    switch (u) {
    case U_MILLENNIUM: years = (years / 1000) * 1000; mon = 0; days = 0; hour = min = sec = usec = 0; break;
    case U_CENTURY: years = (years / 100) * 100; mon = 0; days = 0; hour = min = sec = usec = 0; break;
    case U_DECADE: years = (years / 10) * 10; mon = 0; days = 0; hour = min = sec = usec = 0; break;
    case U_YEAR: mon = 0; days = 0; hour = min = sec = usec = 0; break;
    case U_QUARTER: mon = 3 * (mon / 3); days = 0; hour = min = sec = usec = 0; break;
    case U_MONTH: days = 0; hour = min = sec = usec = 0; break;
    case U_DAY: hour = min = sec = usec = 0; break;
    case U_HOUR: min = sec = usec = 0; break;
    case U_MINUTE: sec = usec = 0; break;
    case U_SECOND: usec = 0; break;
    case U_MS: usec = (usec / 1000) * 1000; break;
    case U_US: break;
    case U_WEEK: return unit_unsupported(lw, type, err);
    default: return unit_unknown(lw, type, err);
    }
    out->months = (i32)(years * 12 + mon);
    out->days = (i32)days;
    out->micros = hour * USECS_PER_HOUR + min * USECS_PER_MINUTE + sec * USECS_PER_SEC + usec;
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * Constructors
 * ------------------------------------------------------------------------- */

int make_date(int y, int m, int d, Date *out, Err *err)
{
    int ay = y < 0 ? y + 1 : y; /* negative years are BC */
    if (y == 0 || !date_is_valid_ymd(ay, m, d))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date field value out of range: %d-%02d-%02d", y, m, d);
    i64 days = date_from_ymd(ay, m, d);
    if (!date_in_range(days))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range: %d-%02d-%02d", y, m, d);
    *out = (Date)days;
    return MDB_OK_;
}

static bool time_fields_ok(int h, int mi, double sec)
{
    if (isnan(sec) || h < 0 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || h > 24) return false;
    if (h == 24 && (mi != 0 || sec != 0)) return false;
    return true;
}

int make_time(int h, int mi, double sec, Time *out, Err *err)
{
    if (!time_fields_ok(h, mi, sec))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "time field value out of range: %d:%02d:%02g", h, mi,
                       sec);
    i64 t = h * USECS_PER_HOUR + mi * USECS_PER_MINUTE + (i64)rint(sec * 1e6);
    if (t > USECS_PER_DAY)
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "time field value out of range: %d:%02d:%02g", h, mi,
                       sec);
    *out = t;
    return MDB_OK_;
}

int make_timestamp(int y, int m, int d, int h, int mi, double sec, Timestamp *out, Err *err)
{
    int ay = y < 0 ? y + 1 : y;
    if (y == 0 || !date_is_valid_ymd(ay, m, d))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date field value out of range: %d-%02d-%02d", y, m, d);
    if (!time_fields_ok(h, mi, sec))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "time field value out of range: %d:%02d:%02g", h, mi,
                       sec);
    i64 days = date_from_ymd(ay, m, d);
    bool day_ok = days >= DATE_MIN_DAYS - 1 && days <= TS_END_DAYS;
    i64 t = day_ok ? days * USECS_PER_DAY + h * USECS_PER_HOUR + mi * USECS_PER_MINUTE + (i64)rint(sec * 1e6) : 0;
    if (!day_ok || !ts_in_range(t))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range: %d-%02d-%02d %d:%02d:%02g", y,
                       m, d, h, mi, sec);
    *out = t;
    return MDB_OK_;
}

int make_timestamptz(int y, int m, int d, int h, int mi, double sec, const TimeZone *tz, TimestampTz *out, Err *err)
{
    Timestamp t = 0;
    if (make_timestamp(y, m, d, h, mi, sec, &t, err)) return MDB_FAIL;
    return timestamp_to_timestamptz(t, tz, out, err);
}

int make_interval(int years, int months, int weeks, int days, int hours, int mins, double secs, Interval *out,
                  Err *err)
{
    i64 m = (i64)years * 12 + months, d = (i64)weeks * 7 + days;
    double us = rint(((double)hours * 3600 + (double)mins * 60 + secs) * 1e6);
    if (m > INT32_MAX || m < INT32_MIN || d > INT32_MAX || d < INT32_MIN || isnan(us) || fabs(us) >= 9.2e18)
        return err_iv_range(err);
    out->months = (i32)m;
    out->days = (i32)d;
    out->micros = (i64)us;
    return MDB_OK_;
}

int timestamptz_from_epoch(double secs, TimestampTz *out, Err *err)
{
    if (isnan(secs)) return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp cannot be NaN");
    if (isinf(secs)) {
        *out = secs > 0 ? TIMESTAMP_INFINITY : TIMESTAMP_NEG_INFINITY;
        return MDB_OK_;
    }
    double us = rint(secs * 1e6);
    if (!(us >= (double)TS_MIN && us < (double)TS_END))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%g\"", secs);
    *out = (i64)us;
    return MDB_OK_;
}

/* ---------------------------------------------------------------------------
 * to_char / to_date / to_timestamp templates
 * ------------------------------------------------------------------------- */

/* Broken-down value for templates (timestamps and intervals). */
typedef struct TmplTm {
    i64 year; /* astronomical for timestamps; plain years for intervals */
    int mon, mday, hour, min, sec;
    i64 hour_total; /* intervals: total hours */
    i32 usec;
    i64 days;       /* timestamp: day number (for weeks, julian, dow) */
    bool is_interval;
    const char *tzabbr;
    int tzoff;
    bool has_tz;
} TmplTm;

static bool starts(const char *p, const char *kw) { return strncmp(p, kw, strlen(kw)) == 0; }

static bool starts_ci(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    for (size_t i = 0; i < n; i++) {
        if (!p[i] || lower_c(p[i]) != lower_c(kw[i])) return false;
    }
    return true;
}

static const char *ordinal_suffix(i64 n, bool upper)
{
    i64 a = n < 0 ? -n : n;
    const char *s;
    if (a % 100 >= 11 && a % 100 <= 13) s = "th";
    else if (a % 10 == 1) s = "st";
    else if (a % 10 == 2) s = "nd";
    else if (a % 10 == 3) s = "rd";
    else s = "th";
    if (!upper) return s;
    return !strcmp(s, "th") ? "TH" : !strcmp(s, "st") ? "ST" : !strcmp(s, "nd") ? "ND" : "RD";
}

/* Writes a name in the case style of the pattern ("MONTH", "Month", "month"),
 * padded to `pad` characters unless fm. */
static void put_name(StrBuf *out, const char *name, int style, size_t maxlen, int pad, bool fm)
{
    char tmp[16];
    size_t n = strlen(name);
    if (n > maxlen) n = maxlen;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (style == 0) c = (char)toupper((unsigned char)c);
        else if (style == 2 || i > 0) c = lower_c(c);
        tmp[i] = c;
    }
    tmp[n] = 0;
    sb_puts(out, tmp);
    if (!fm) {
        for (int i = (int)n; i < pad; i++) sb_putc(out, ' ');
    }
}

static int case_style(const char *p) { return isupper((unsigned char)p[1]) ? 0 : isupper((unsigned char)p[0]) ? 1 : 2; }

static void put_num(StrBuf *out, i64 v, int width, bool fm, const char *th)
{
    if (fm) sb_printf(out, "%lld", (long long)v);
    else if (v < 0) sb_printf(out, "-%0*lld", width, (long long)-v);
    else sb_printf(out, "%0*lld", width, (long long)v);
    (void)th;
}

static int tmpl_format(const TmplTm *t, const char *fmt, StrBuf *out, Err *err)
{
    static const char *const RM[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"};
    const char *p = fmt;
    while (*p) {
        bool fm = false;
        while (starts_ci(p, "FM") || starts_ci(p, "FX")) {
            if (starts_ci(p, "FM")) fm = true;
            p += 2;
        }
        if (!*p) break;
        i64 y_abs = t->is_interval ? t->year : (t->year > 0 ? t->year : 1 - t->year);
        i64 num = 0;
        int width = 0;
        bool is_num = true;
        const char *kw_end = p;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                sb_putc(out, *p++);
            }
            if (*p) p++;
            continue;
        }
        if (*p == '\\' && p[1] == '"') {
            sb_putc(out, '"');
            p += 2;
            continue;
        }
        if (starts(p, "Y,YYY") || starts(p, "y,yyy")) {
            is_num = false;
            sb_printf(out, "%lld,%03lld", (long long)(y_abs / 1000), (long long)(y_abs % 1000));
            kw_end = p + 5;
        } else if (starts_ci(p, "YYYY")) num = y_abs, width = 4, kw_end = p + 4;
        else if (starts_ci(p, "YYY")) num = y_abs % 1000, width = 3, kw_end = p + 3;
        else if (starts_ci(p, "YY")) num = y_abs % 100, width = 2, kw_end = p + 2;
        else if (!starts_ci(p, "ID") && !starts_ci(p, "IW") &&
                 (starts_ci(p, "IYYY") || starts_ci(p, "IYY") || starts_ci(p, "IY") || starts_ci(p, "I"))) {
            int iy = (int)t->year, w;
            if (!t->is_interval) iso_week(t->days, &iy, &w);
            i64 a = iy > 0 ? iy : 1 - iy;
            int k = starts_ci(p, "IYYY") ? 4 : starts_ci(p, "IYY") ? 3 : starts_ci(p, "IY") ? 2 : 1;
            num = k == 4 ? a : k == 3 ? a % 1000 : k == 2 ? a % 100 : a % 10;
            width = k;
            kw_end = p + k;
        } else if (starts_ci(p, "Y")) num = y_abs % 10, width = 1, kw_end = p + 1;
        else if (starts(p, "B.C.") || starts(p, "A.D.") || starts(p, "b.c.") || starts(p, "a.d.")) {
            is_num = false;
            bool bc = !t->is_interval && t->year <= 0;
            bool up = isupper((unsigned char)p[0]);
            sb_puts(out, bc ? (up ? "B.C." : "b.c.") : (up ? "A.D." : "a.d."));
            kw_end = p + 4;
        } else if (starts(p, "BC") || starts(p, "AD") || starts(p, "bc") || starts(p, "ad")) {
            is_num = false;
            bool bc = !t->is_interval && t->year <= 0;
            bool up = isupper((unsigned char)p[0]);
            sb_puts(out, bc ? (up ? "BC" : "bc") : (up ? "AD" : "ad"));
            kw_end = p + 2;
        } else if (starts(p, "A.M.") || starts(p, "P.M.") || starts(p, "a.m.") || starts(p, "p.m.")) {
            is_num = false;
            bool up = isupper((unsigned char)p[0]);
            sb_puts(out, t->hour >= 12 ? (up ? "P.M." : "p.m.") : (up ? "A.M." : "a.m."));
            kw_end = p + 4;
        } else if (starts(p, "AM") || starts(p, "PM") || starts(p, "am") || starts(p, "pm")) {
            is_num = false;
            bool up = isupper((unsigned char)p[0]);
            sb_puts(out, t->hour >= 12 ? (up ? "PM" : "pm") : (up ? "AM" : "am"));
            kw_end = p + 2;
        } else if (starts_ci(p, "HH24")) num = t->is_interval ? t->hour_total : t->hour, width = 2, kw_end = p + 4;
        else if (starts_ci(p, "HH12") || starts_ci(p, "HH")) {
            i64 h = t->is_interval ? t->hour_total : t->hour;
            num = h % 12 == 0 ? 12 : h % 12;
            width = 2;
            kw_end = p + (starts_ci(p, "HH12") ? 4 : 2);
        } else if (starts_ci(p, "MI")) num = t->min, width = 2, kw_end = p + 2;
        else if (starts_ci(p, "SSSSS") || starts_ci(p, "SSSS")) {
            num = (t->is_interval ? t->hour_total : t->hour) * 3600 + t->min * 60 + t->sec;
            width = 0;
            kw_end = p + (starts_ci(p, "SSSSS") ? 5 : 4);
        } else if (starts_ci(p, "SS")) num = t->sec, width = 2, kw_end = p + 2;
        else if (starts_ci(p, "MS")) num = t->usec / 1000, width = 3, kw_end = p + 2;
        else if (starts_ci(p, "US")) num = t->usec, width = 6, kw_end = p + 2;
        else if (starts_ci(p, "MONTH")) {
            is_num = false;
            if (t->mon >= 1) put_name(out, MONTH_NAMES[t->mon - 1], case_style(p), 9, 9, fm);
            kw_end = p + 5;
        } else if (starts_ci(p, "MON")) {
            is_num = false;
            if (t->mon >= 1) put_name(out, MONTH_NAMES[t->mon - 1], case_style(p), 3, 3, fm);
            kw_end = p + 3;
        } else if (starts_ci(p, "MM")) num = t->mon, width = 2, kw_end = p + 2;
        else if (starts_ci(p, "DAY")) {
            is_num = false;
            if (!t->is_interval) put_name(out, DAY_NAMES[day_of_week(t->days)], case_style(p), 9, 9, fm);
            kw_end = p + 3;
        } else if (starts_ci(p, "DY")) {
            is_num = false;
            if (!t->is_interval) put_name(out, DAY_NAMES[day_of_week(t->days)], case_style(p), 3, 3, fm);
            kw_end = p + 2;
        } else if (starts_ci(p, "DDD")) {
            num = t->is_interval ? t->mday : day_of_year((int)t->year, t->mon, t->mday);
            width = 3;
            kw_end = p + 3;
        } else if (starts_ci(p, "IDDD")) {
            num = t->is_interval ? 0 : t->days - iso_year_start(0) + 1;
            if (!t->is_interval) {
                int iy, w;
                iso_week(t->days, &iy, &w);
                num = t->days - iso_year_start(iy) + 1;
            }
            width = 3;
            kw_end = p + 4;
        } else if (starts_ci(p, "DD")) num = t->mday, width = 2, kw_end = p + 2;
        else if (starts_ci(p, "D")) num = t->is_interval ? 0 : day_of_week(t->days) + 1, width = 1, kw_end = p + 1;
        else if (starts_ci(p, "ID")) num = t->is_interval ? 0 : (day_of_week(t->days) + 6) % 7 + 1, width = 1,
                                     kw_end = p + 2;
        else if (starts_ci(p, "WW")) num = t->is_interval ? 0 : (day_of_year((int)t->year, t->mon, t->mday) - 1) / 7 + 1,
                                     width = 2, kw_end = p + 2;
        else if (starts_ci(p, "IW")) {
            int iy, w = 0;
            if (!t->is_interval) iso_week(t->days, &iy, &w);
            num = w, width = 2, kw_end = p + 2;
        } else if (starts_ci(p, "W")) num = (t->mday - 1) / 7 + 1, width = 1, kw_end = p + 1;
        else if (starts_ci(p, "CC")) {
            num = t->is_interval ? t->year / 100 : century_of(t->year);
            width = 2;
            kw_end = p + 2;
        } else if (starts_ci(p, "J")) num = t->days + UNIX_EPOCH_JD, width = 1, kw_end = p + 1;
        else if (starts_ci(p, "Q")) num = t->mon >= 1 ? (t->mon - 1) / 3 + 1 : 0, width = 1, kw_end = p + 1;
        else if (starts(p, "RM") || starts(p, "rm")) {
            is_num = false;
            if (t->mon >= 1) {
                char b[8];
                snprintf(b, sizeof b, "%s", RM[t->mon - 1]);
                if (p[0] == 'r') {
                    for (char *c = b; *c; c++) *c = lower_c(*c);
                }
                sb_puts(out, b);
                if (!fm) {
                    for (size_t i = strlen(b); i < 4; i++) sb_putc(out, ' ');
                }
            }
            kw_end = p + 2;
        } else if (starts(p, "TZH")) {
            is_num = false;
            if (t->has_tz) sb_printf(out, "%c%02d", t->tzoff < 0 ? '-' : '+', abs(t->tzoff) / 3600);
            kw_end = p + 3;
        } else if (starts(p, "TZM")) {
            is_num = false;
            if (t->has_tz) sb_printf(out, "%02d", (abs(t->tzoff) / 60) % 60);
            kw_end = p + 3;
        } else if (starts(p, "TZ") || starts(p, "tz")) {
            is_num = false;
            if (t->has_tz && t->tzabbr) {
                char b[32];
                snprintf(b, sizeof b, "%s", t->tzabbr);
                if (p[0] == 't') {
                    for (char *c = b; *c; c++) *c = lower_c(*c);
                }
                sb_puts(out, b);
            }
            kw_end = p + 2;
        } else if (starts(p, "OF")) {
            is_num = false;
            {
                int a = abs(t->tzoff);
                sb_printf(out, "%c%02d", t->tzoff < 0 ? '-' : '+', a / 3600);
                if (a % 3600) sb_printf(out, ":%02d", (a / 60) % 60);
            }
            kw_end = p + 2;
        } else {
            sb_putc(out, *p++);
            continue;
        }
        if (is_num) put_num(out, num, width, fm, NULL);
        p = kw_end;
        if (is_num && (starts(p, "TH") || starts(p, "th"))) {
            sb_puts(out, ordinal_suffix(num, p[0] == 'T'));
            p += 2;
        }
    }
    (void)err;
    return MDB_OK_;
}

static void tmpl_from_local(i64 local, TmplTm *t)
{
    Tm tm;
    ts_to_tm(local, &tm);
    memset(t, 0, sizeof *t);
    t->year = tm.year;
    t->mon = tm.mon;
    t->mday = tm.mday;
    t->hour = tm.hour;
    t->hour_total = tm.hour;
    t->min = tm.min;
    t->sec = tm.sec;
    t->usec = tm.usec;
    t->days = floordiv(local, USECS_PER_DAY);
}

int dt_to_char_timestamp(Timestamp ts, const char *fmt, StrBuf *out, bool *is_null, Err *err)
{
    *is_null = ts_is_inf(ts);
    if (*is_null) return MDB_OK_;
    TmplTm t;
    tmpl_from_local(ts, &t);
    return tmpl_format(&t, fmt, out, err);
}

int dt_to_char_timestamptz(TimestampTz ts, const TimeZone *tz, const char *fmt, StrBuf *out, bool *is_null, Err *err)
{
    *is_null = ts_is_inf(ts);
    if (*is_null) return MDB_OK_;
    const char *abbr = NULL;
    int off = tz_utc_offset(tz, ts, &abbr);
    TmplTm t;
    tmpl_from_local(ts + (i64)off * USECS_PER_SEC, &t);
    t.has_tz = true;
    t.tzoff = off;
    t.tzabbr = abbr;
    return tmpl_format(&t, fmt, out, err);
}

int dt_to_char_interval(const Interval *iv, const char *fmt, StrBuf *out, Err *err)
{
    TmplTm t;
    memset(&t, 0, sizeof t);
    t.is_interval = true;
    t.year = iv->months / 12;
    t.mon = iv->months % 12;
    t.mday = iv->days;
    i64 a = iv->micros;
    t.hour_total = a / USECS_PER_HOUR;
    t.hour = (int)(t.hour_total % 24);
    t.min = (int)((a / USECS_PER_MINUTE) % 60);
    t.sec = (int)((a / USECS_PER_SEC) % 60);
    t.usec = (i32)(a % USECS_PER_SEC);
    t.days = 0;
    return tmpl_format(&t, fmt, out, err);
}

/* Numeric templates: 9 0 . D , G S MI PL SG FM EEEE.  `digits` is the
 * absolute value as decimal text. */
typedef struct NumFmt {
    int pre, post;       /* digit positions before / after the point */
    int zero_from;       /* first '0' position before the point (pre = none) */
    bool point, fm, eeee, sign_s, minus, plus, sg, sign_trailing;
} NumFmt;

static void numfmt_parse(const char *f, NumFmt *nf)
{
    memset(nf, 0, sizeof *nf);
    nf->zero_from = -1;
    bool after = false;
    int pos = 0;
    for (const char *p = f; *p;) {
        if (*p == '9' || *p == '0') {
            if (after) nf->post++;
            else {
                if (*p == '0' && nf->zero_from < 0) nf->zero_from = pos;
                nf->pre++;
                pos++;
            }
            p++;
        } else if (*p == '.' || *p == 'D' || *p == 'd') {
            nf->point = true;
            after = true;
            p++;
        } else if (starts_ci(p, "FM")) nf->fm = true, p += 2;
        else if (starts_ci(p, "EEEE")) nf->eeee = true, p += 4;
        else if (starts_ci(p, "MI")) nf->minus = true, nf->sign_trailing = after || nf->pre > 0, p += 2;
        else if (starts_ci(p, "PL")) nf->plus = true, p += 2;
        else if (starts_ci(p, "SG")) nf->sg = true, nf->sign_trailing = after || nf->pre > 0, p += 2;
        else if (*p == 'S' || *p == 's') nf->sign_s = true, nf->sign_trailing = after || nf->pre > 0, p++;
        else p++;
    }
}

/* Formats |value| given as digit strings ip (integer part) and fp (fraction,
 * already rounded to nf->post digits).  The digits are laid out into a body
 * (blanks for unused leading positions); the sign then floats to just before
 * the first printed character, as PG does for the default sign and for S. */
static void numfmt_emit(const char *fmt, const NumFmt *nf, bool neg, const char *ip, const char *fp, StrBuf *out)
{
    int ni = (int)strlen(ip);
    if (ni == 1 && ip[0] == '0') ni = 0; /* no significant integer digits */
    bool overflow = ni > nf->pre;
    bool zero = ni == 0;
    for (const char *c = fp; *c; c++) zero = zero && *c == '0';
    if (zero) neg = false;
    int first_digit = nf->pre - ni; /* integer position of the first digit */
    if (nf->zero_from >= 0 && nf->zero_from < first_digit) first_digit = nf->zero_from;
    /* fraction positions: which are trimmed by FM (trailing 9-positions
     * holding zeros) */
    char ftype[64];
    int nft = 0;
    bool after = false;
    for (const char *p = fmt; *p; p++) {
        if (*p == '.' || *p == 'D' || *p == 'd') after = true;
        else if (after && (*p == '9' || *p == '0') && nft < 63) ftype[nft++] = *p;
    }
    int keep = nft;
    if (nf->fm && !overflow) {
        while (keep > 0 && ftype[keep - 1] == '9' && fp[keep - 1] == '0') keep--;
    }
    /* integer zero prints as "0" when nothing else shows */
    if (ni == 0 && first_digit >= nf->pre && (!nf->point || keep == 0)) first_digit = nf->pre - 1;
    bool float_sign = !(nf->minus || nf->sg || (nf->sign_s && nf->sign_trailing));
    char sign_c = neg ? '-' : ((nf->sign_s) ? '+' : ' ');
    StrBuf body;
    sb_init(&body);
    int pos = 0, fpos = 0;
    bool started = false;
    after = false;
    for (const char *p = fmt; *p;) {
        if (*p == '9' || *p == '0') {
            if (!after) {
                if (overflow) sb_putc(&body, '#'), started = true;
                else if (pos >= first_digit) {
                    int di = pos - (nf->pre - ni);
                    sb_putc(&body, di >= 0 ? ip[di] : '0');
                    started = true;
                } else if (!nf->fm) sb_putc(&body, ' ');
                pos++;
            } else {
                if (fpos < keep) sb_putc(&body, overflow ? '#' : fp[fpos]);
                fpos++;
            }
            p++;
        } else if (*p == '.' || *p == 'D' || *p == 'd') {
            after = true;
            sb_putc(&body, '.');
            started = true;
            p++;
        } else if (*p == ',' || *p == 'G' || *p == 'g') {
            if (started) sb_putc(&body, ',');
            else if (!nf->fm) sb_putc(&body, ' ');
            p++;
        } else if (starts_ci(p, "FM")) p += 2;
        else if (starts_ci(p, "EEEE")) p += 4;
        else if (starts_ci(p, "MI")) {
            sb_putc(&body, neg ? '-' : ' ');
            p += 2;
        } else if (starts_ci(p, "PL")) {
            sb_putc(&body, neg ? ' ' : '+');
            p += 2;
        } else if (starts_ci(p, "SG")) {
            sb_putc(&body, neg ? '-' : '+');
            p += 2;
        } else if (*p == 'S' || *p == 's') {
            if (!float_sign) sb_putc(&body, sign_c);
            p++;
        } else if (*p == '"') {
            p++;
            while (*p && *p != '"') sb_putc(&body, *p++);
            if (*p) p++;
        } else {
            sb_putc(&body, *p++);
        }
    }
    const char *b = body.data ? body.data : "";
    if (float_sign) {
        /* the sign sits just before the first non-blank of the body */
        const char *q = b;
        if (nf->plus && !nf->sign_s) {
            /* PL: a leading PL stays in front; the default slot floats */
            if (starts_ci(fmt, "PL") || starts_ci(fmt, "FMPL")) sb_putc(out, *q++);
        }
        size_t lead = 0;
        while (q[lead] == ' ') lead++;
        sb_append(out, q, lead);
        if (!(nf->fm && sign_c == ' ')) sb_putc(out, sign_c);
        sb_puts(out, q + lead);
    } else {
        sb_puts(out, b);
    }
    sb_free(&body);
}

/* to_char(n, 'RN'): Roman numerals of n rounded to an integer, 1..3999, right-aligned in 15
 * characters (FM: not padded; 'rn': lower case); other values fill the 15 with '#'. */
static bool roman_fmt(const char *fmt)
{
    const char *p = fmt;
    if ((p[0] == 'F' || p[0] == 'f') && (p[1] == 'M' || p[1] == 'm')) p += 2;
    return (p[0] == 'R' || p[0] == 'r') && (p[1] == 'N' || p[1] == 'n') && p[2] == 0;
}

static bool to_char_roman(Numeric v, const char *fmt, StrBuf *out, Err *err)
{
    if (!roman_fmt(fmt)) return false;
    bool fm = fmt[0] == 'F' || fmt[0] == 'f';
    const char *p = fm ? fmt + 2 : fmt;
    bool lower = p[0] == 'r';
    Numeric r;
    i64 n = 0;
    if (numeric_is_special(v) || numeric_round(v, 0, &r, err) || numeric_to_int64(r, &n, err)) {
        err_clear(err);
        n = 0;
    }
    if (n < 1 || n > 3999) {
        sb_puts(out, "###############");
        return true;
    }
    static const char *const sym[] = {"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"};
    static const int val[] = {1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1};
    char buf[32];
    size_t o = 0;
    for (int k = 0; k < 13; k++)
        while (n >= val[k]) {
            for (const char *c = sym[k]; *c; c++) buf[o++] = lower ? (char)(*c + 32) : *c;
            n -= val[k];
        }
    buf[o] = 0;
    for (size_t k = o; !fm && k < 15; k++) sb_putc(out, ' ');
    sb_puts(out, buf);
    return true;
}

int dt_to_char_numeric(Numeric v, const char *fmt, StrBuf *out, Err *err)
{
    if (to_char_roman(v, fmt, out, err)) return MDB_OK_;
    NumFmt nf;
    numfmt_parse(fmt, &nf);
    if (numeric_is_special(v)) {
        /* PostgreSQL 15: NaN right-aligned in the integer digits (when at least three), else
         * and for ±Infinity every digit position shows '#' */
        bool neg = !numeric_is_nan(v) && numeric_sign(v) < 0;
        if (numeric_is_nan(v) && nf.pre >= 3 && !nf.eeee) {
            for (int i = 0; !nf.fm && i < nf.pre - 2; i++) sb_putc(out, ' ');
            sb_puts(out, "NaN");
            return MDB_OK_;
        }
        if (nf.eeee) {
            sb_putc(out, ' ');
            sb_puts(out, "#.");
            for (int i = 0; i < nf.post + 4; i++) sb_putc(out, '#');
            return MDB_OK_;
        }
        char ip[64], fp[64];
        int pre = nf.pre < 63 ? nf.pre : 63, post = nf.post < 63 ? nf.post : 63;
        memset(ip, '#', (size_t)pre);
        ip[pre] = 0;
        memset(fp, '#', (size_t)post);
        fp[post] = 0;
        numfmt_emit(fmt, &nf, neg, ip, fp, out);
        return MDB_OK_;
    }
    if (nf.eeee) {
        char tmp[64];
        int prec = nf.post;
        snprintf(tmp, sizeof tmp, "%+.*e", prec, numeric_to_double(v));
        /* " 1.23e+04" / "-1.23e+04" */
        sb_putc(out, tmp[0] == '-' ? '-' : ' ');
        sb_puts(out, tmp + 1);
        return MDB_OK_;
    }
    Numeric r;
    if (numeric_round(v, nf.post, &r, err)) return MDB_FAIL;
    char txt[NUMERIC_MAX_TEXT_LEN];
    numeric_to_text(numeric_abs(r), txt, sizeof txt);
    char ip[48], fp[48];
    char *dot = strchr(txt, '.');
    size_t il = dot ? (size_t)(dot - txt) : strlen(txt);
    memcpy(ip, txt, il);
    ip[il] = 0;
    int k = 0;
    if (dot) {
        for (const char *c = dot + 1; *c && k < 47; c++) fp[k++] = *c;
    }
    while (k < nf.post && k < 47) fp[k++] = '0';
    fp[k] = 0;
    numfmt_emit(fmt, &nf, numeric_sign(r) < 0, ip, fp, out);
    return MDB_OK_;
}

int dt_to_char_double(double v, const char *fmt, StrBuf *out, Err *err)
{
    Numeric n;
    if (roman_fmt(fmt)) {
        Numeric rn;
        if (isnan(v) || isinf(v) || fabs(v) > 1e15 || numeric_from_double(v, &rn, err)) rn = NUMERIC_NAN;
        err_clear(err);
        to_char_roman(rn, fmt, out, err);
        return MDB_OK_;
    }
    if (isnan(v) || isinf(v)) /* as numeric's NaN and ±Infinity */
        return dt_to_char_numeric(isnan(v) ? NUMERIC_NAN : v > 0 ? NUMERIC_PINF : NUMERIC_NINF, fmt, out, err);
    /* PG rounds float8 to 15 significant digits first */
    if (numeric_from_double(v, &n, err)) return MDB_FAIL;
    return dt_to_char_numeric(n, fmt, out, err);
}

int dt_to_char_int64(i64 v, const char *fmt, StrBuf *out, Err *err)
{
    return dt_to_char_numeric(numeric_from_int64(v), fmt, out, err);
}

/* to_date / to_timestamp: walks the template, reading fields from the
 * input; separators in the template skip any non-alphanumeric input. */
static int tmpl_parse(const char *s, size_t len, const char *fmt, Tm *tm, bool *has_pm, bool *has_ampm, Err *err)
{
    memset(tm, 0, sizeof *tm);
    tm->year = 1, tm->mon = 1, tm->mday = 1;
    *has_pm = *has_ampm = false;
    size_t i = 0;
    bool bc = false;
    int doy = 0;
    for (const char *p = fmt; *p;) {
        while (starts_ci(p, "FM") || starts_ci(p, "FX")) p += 2;
        if (!*p) break;
        struct {
            const char *kw;
            int maxd;
            int *field;
        } nums[] = {{"YYYY", 9, &tm->year}, {"HH24", 2, &tm->hour}, {"HH12", 2, &tm->hour}, {"HH", 2, &tm->hour},
                    {"MI", 2, &tm->min},    {"SS", 2, &tm->sec},    {"MM", 2, &tm->mon},    {"DDD", 3, &doy},
                    {"DD", 2, &tm->mday},   {"YY", 2, NULL}};
        bool matched = false;
        for (size_t k = 0; k < MDB_ARRAY_LEN(nums); k++) {
            if (!starts_ci(p, nums[k].kw)) continue;
            while (i < len && is_space_c(s[i])) i++;
            size_t st = i;
            int v = 0;
            int maxd = nums[k].maxd;
            const char *nx = p + strlen(nums[k].kw);
            if (maxd > 4 && (is_alpha_c(*nx) || is_digit_c(*nx))) maxd = 4; /* YYYYMMDD: fixed width */
            while (i < len && is_digit_c(s[i]) && (int)(i - st) < maxd) v = v * 10 + (s[i++] - '0');
            if (i == st)
                return err_set(err, SQLSTATE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%s\"",
                               (int)MDB_MIN(len - st, (size_t)nums[k].maxd), s + st, nums[k].kw);
            if (nums[k].field) *nums[k].field = v;
            else tm->year = v + (v < 70 ? 2000 : 1900);
            p += strlen(nums[k].kw);
            matched = true;
            break;
        }
        if (matched) continue;
        if (starts_ci(p, "MS") || starts_ci(p, "US")) {
            bool ms = starts_ci(p, "MS");
            size_t st = i;
            i64 v = 0;
            int nd = 0;
            while (i < len && is_digit_c(s[i]) && nd < (ms ? 3 : 6)) v = v * 10 + (s[i++] - '0'), nd++;
            if (i == st) return err_set(err, SQLSTATE_INVALID_DATETIME_FORMAT, "invalid value \"\" for \"%s\"", ms ? "MS" : "US");
            for (int k = nd; k < (ms ? 3 : 6); k++) v *= 10;
            tm->usec = (i32)(ms ? v * 1000 : v);
            p += 2;
        } else if (starts_ci(p, "MONTH") || starts_ci(p, "MON")) {
            bool full = starts_ci(p, "MONTH");
            while (i < len && is_space_c(s[i])) i++;
            int m = 0;
            for (int k = 0; k < 12 && !m; k++) {
                size_t n = full ? strlen(MONTH_NAMES[k]) : 3;
                if (i + n <= len && strncasecmp(s + i, MONTH_NAMES[k], n) == 0) m = k + 1, i += n;
            }
            if (!m)
                return err_set(err, SQLSTATE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%s\"",
                               (int)MDB_MIN(len - i, (size_t)(full ? 9 : 3)), s + i, full ? "Month" : "Mon");
            tm->mon = m;
            p += full ? 5 : 3;
        } else if (starts_ci(p, "DAY") || starts_ci(p, "DY")) {
            bool full = starts_ci(p, "DAY");
            for (int k = 0; k < 7; k++) {
                size_t n = full ? strlen(DAY_NAMES[k]) : 3;
                if (i + n <= len && strncasecmp(s + i, DAY_NAMES[k], n) == 0) {
                    i += n;
                    break;
                }
            }
            p += full ? 3 : 2;
        } else if (starts_ci(p, "AM") || starts_ci(p, "PM")) {
            if (i + 2 <= len && (lower_c(s[i]) == 'a' || lower_c(s[i]) == 'p') && lower_c(s[i + 1]) == 'm') {
                *has_ampm = true;
                *has_pm = lower_c(s[i]) == 'p';
                i += 2;
            } else {
                return err_set(err, SQLSTATE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%.2s\"",
                               (int)MDB_MIN(len - i, (size_t)2), s + i, p);
            }
            p += 2;
        } else if (starts_ci(p, "BC") || starts_ci(p, "AD")) {
            if (i + 2 <= len && starts_ci(s + i, "BC")) bc = true;
            i += 2;
            p += 2;
        } else if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                p++;
                if (i < len) i++;
            }
            if (*p) p++;
        } else {
            /* separator: consume one input char if it is not alphanumeric */
            if (is_space_c(*p)) {
                while (i < len && is_space_c(s[i])) i++;
            } else if (i < len && !is_digit_c(s[i]) && !is_alpha_c(s[i])) {
                i++;
            }
            p++;
        }
    }
    if (bc) tm->year = 1 - tm->year;
    if (doy) {
        i64 d = date_from_ymd(tm->year, 1, 1) + doy - 1;
        date_to_ymd(d, &tm->year, &tm->mon, &tm->mday);
    }
    return MDB_OK_;
}

static int tmpl_finish(const char *s, size_t len, Tm *tm, bool has_pm, bool has_ampm, Err *err)
{
    if (has_ampm) {
        if (tm->hour < 1 || tm->hour > 12)
            return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "hour \"%d\" is invalid for the 12-hour clock",
                           tm->hour);
        if (has_pm && tm->hour != 12) tm->hour += 12;
        else if (!has_pm && tm->hour == 12) tm->hour = 0;
    }
    if (!date_is_valid_ymd(tm->year, tm->mon, tm->mday) || tm->hour > 24 || tm->min > 59 || tm->sec > 60 ||
        tm->year > 294247 || tm->year < -4713)
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"", (int)len,
                       s);
    return MDB_OK_;
}

int dt_to_date(const char *s, size_t len, const char *fmt, Date *out, Err *err)
{
    Tm tm;
    bool pm, ampm;
    if (tmpl_parse(s, len, fmt, &tm, &pm, &ampm, err) || tmpl_finish(s, len, &tm, pm, ampm, err)) return MDB_FAIL;
    i64 d = date_from_ymd(tm.year, tm.mon, tm.mday);
    if (!date_in_range(d))
        return err_set(err, SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range: \"%.*s\"", (int)len, s);
    *out = (Date)d;
    return MDB_OK_;
}

int dt_to_timestamp(const char *s, size_t len, const char *fmt, const TimeZone *tz, TimestampTz *out, Err *err)
{
    Tm tm;
    bool pm, ampm;
    if (tmpl_parse(s, len, fmt, &tm, &pm, &ampm, err) || tmpl_finish(s, len, &tm, pm, ampm, err)) return MDB_FAIL;
    i64 local = tm_to_ts(&tm);
    if (!ts_in_range(local)) return err_ts_range(err);
    return timestamp_to_timestamptz(local, tz, out, err);
}
