/*
 * test/unit/test_cast.c — casts, text I/O of values, value_cmp/value_hash
 * (src/exec/cast.c), with expected results taken from PostgreSQL 15.
 *
 * A case is a literal, the chain of types it is cast through (the first by
 * the input function, the rest by cast_vector on a flat 3-row vector whose
 * other rows are NULL, so NULL rows must neither fail nor leak), and the
 * expected text output or "ERR:<sqlstate>:<message>".
 */
#include <math.h>
#include <stdlib.h>

#include "exec/expr.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "unit.h"

/* exported by cast.c, not yet declared in a header */
size_t value_to_text_tz(const Value *v, const char *timezone, char *buf, size_t cap, Arena *a, const char **out_ptr);

static LType T(TypeId id) { return ltype(id); }
static LType VARCHAR(int n)
{
    LType t = ltype(TYPE_TEXT);
    t.text_kind = TEXT_VARCHAR;
    t.mod1 = n;
    return t;
}
static LType CHAR(int n)
{
    LType t = ltype(TYPE_TEXT);
    t.text_kind = TEXT_CHAR;
    t.mod1 = n;
    return t;
}
static LType NUM(int p, int s)
{
    LType t = ltype(TYPE_NUMERIC);
    t.mod1 = p;
    t.mod2 = s;
    return t;
}
static LType LIST(TypeId elem)
{
    LType t = ltype(TYPE_LIST);
    t.elem = (u8)elem;
    return t;
}

static Arena *arena;
static Err err;
static char result[512];

static void init_fc(FuncCtx *fc, const char *tz)
{
    memset(fc, 0, sizeof *fc);
    fc->err = &err;
    fc->arena = arena;
    fc->timezone = tz;
    fc->now_us = 1;
}

static const char *fail_text(void)
{
    snprintf(result, sizeof result, "ERR:%s:%s", err.sqlstate, err.message ? err.message : "");
    err_clear(&err);
    return result;
}

/* Parses lit as types[0], casts through types[1..n), returns the output text. */
static const char *run_tz(const char *tz, const char *lit, bool explicit_cast, int n, const LType *types)
{
    FuncCtx fc;
    init_fc(&fc, tz);
    Value v;
    if (value_from_text(&fc, lit, strlen(lit), types[0], &v, arena)) return fail_text();
    for (int k = 1; k < n; k++) {
        Vector src, dst;
        vector_init(&src, types[k - 1], 3, arena);
        Value nul = value_null();
        vector_set(&src, 0, &nul);
        vector_set(&src, 1, &v);
        vector_set(&src, 2, &nul);
        vector_init(&dst, types[k], 3, arena);
        if (cast_vector(&fc, &src, 3, types[k], &dst, explicit_cast)) return fail_text();
        if (!vector_is_null(&dst, 0) || !vector_is_null(&dst, 2) || vector_is_null(&dst, 1)) return "BAD NULLS";
        v = vector_get(&dst, 1);
    }
    char buf[128];
    const char *p;
    size_t len = value_to_text_tz(&v, tz, buf, sizeof buf, arena, &p);
    snprintf(result, sizeof result, "%.*s", (int)len, p);
    return result;
}


#define RUN(lit, ...) run_tz(NULL, lit, true, (int)(sizeof((LType[]){__VA_ARGS__}) / sizeof(LType)), (LType[]){__VA_ARGS__})
#define ASSIGN(lit, ...) run_tz(NULL, lit, false, (int)(sizeof((LType[]){__VA_ARGS__}) / sizeof(LType)), (LType[]){__VA_ARGS__})
#define RUN_TZ(tz, lit, ...) run_tz(tz, lit, true, (int)(sizeof((LType[]){__VA_ARGS__}) / sizeof(LType)), (LType[]){__VA_ARGS__})

static void test_numbers(void)
{
    /* text → int: syntax and range */
    CHECK_STR(RUN("abc", T(TYPE_TEXT), T(TYPE_INT32)), "ERR:22P02:invalid input syntax for type integer: \"abc\"");
    CHECK_STR(RUN("12x", T(TYPE_TEXT), T(TYPE_INT16)), "ERR:22P02:invalid input syntax for type smallint: \"12x\"");
    CHECK_STR(RUN("1.5", T(TYPE_TEXT), T(TYPE_INT64)), "ERR:22P02:invalid input syntax for type bigint: \"1.5\"");
    CHECK_STR(RUN(" 42 ", T(TYPE_TEXT), T(TYPE_INT32)), "42");
    CHECK_STR(RUN("99999999999", T(TYPE_TEXT), T(TYPE_INT32)),
              "ERR:22003:value \"99999999999\" is out of range for type integer");
    CHECK_STR(RUN("x", T(TYPE_TEXT), T(TYPE_FLOAT64)),
              "ERR:22P02:invalid input syntax for type double precision: \"x\"");
    CHECK_STR(RUN("1.2.3", T(TYPE_TEXT), T(TYPE_NUMERIC)), "ERR:22P02:invalid input syntax for type numeric: \"1.2.3\"");
    /* int ↔ int */
    CHECK_STR(RUN("70000", T(TYPE_INT32), T(TYPE_INT16)), "ERR:22003:smallint out of range");
    CHECK_STR(RUN("-32768", T(TYPE_INT32), T(TYPE_INT16)), "-32768");
    CHECK_STR(RUN("3000000000", T(TYPE_INT64), T(TYPE_INT32)), "ERR:22003:integer out of range");
    CHECK_STR(RUN("-2147483648", T(TYPE_INT64), T(TYPE_INT32)), "-2147483648");
    CHECK_STR(RUN("-32768", T(TYPE_INT16), T(TYPE_INT64)), "-32768");
    /* float → int: rint, half to even */
    CHECK_STR(RUN("2.5", T(TYPE_FLOAT64), T(TYPE_INT32)), "2");
    CHECK_STR(RUN("3.5", T(TYPE_FLOAT64), T(TYPE_INT32)), "4");
    CHECK_STR(RUN("-2.5", T(TYPE_FLOAT64), T(TYPE_INT32)), "-2");
    CHECK_STR(RUN("-3.5", T(TYPE_FLOAT64), T(TYPE_INT64)), "-4");
    CHECK_STR(RUN("2.5", T(TYPE_FLOAT32), T(TYPE_INT16)), "2");
    CHECK_STR(RUN("32767.4", T(TYPE_FLOAT64), T(TYPE_INT16)), "32767");
    CHECK_STR(RUN("32767.5", T(TYPE_FLOAT64), T(TYPE_INT16)), "ERR:22003:smallint out of range");
    CHECK_STR(RUN("2147483647.5", T(TYPE_FLOAT64), T(TYPE_INT32)), "ERR:22003:integer out of range");
    CHECK_STR(RUN("NaN", T(TYPE_FLOAT64), T(TYPE_INT32)), "ERR:22003:integer out of range");
    CHECK_STR(RUN("1e19", T(TYPE_FLOAT64), T(TYPE_INT64)), "ERR:22003:bigint out of range");
    CHECK_STR(RUN("-9223372036854775808", T(TYPE_FLOAT64), T(TYPE_INT64)), "-9223372036854775808");
    CHECK_STR(RUN("inf", T(TYPE_FLOAT32), T(TYPE_INT64)), "ERR:22003:bigint out of range");
    /* numeric → int: half away from zero */
    CHECK_STR(RUN("2.5", T(TYPE_NUMERIC), T(TYPE_INT32)), "3");
    CHECK_STR(RUN("-2.5", T(TYPE_NUMERIC), T(TYPE_INT32)), "-3");
    CHECK_STR(RUN("2.4999", T(TYPE_NUMERIC), T(TYPE_INT64)), "2");
    CHECK_STR(RUN("32767.5", T(TYPE_NUMERIC), T(TYPE_INT16)), "ERR:22003:smallint out of range");
    CHECK_STR(RUN("2.5", T(TYPE_TEXT), T(TYPE_NUMERIC), T(TYPE_INT32)), "3");
    /* to numeric, with typmod */
    CHECK_STR(RUN("123", T(TYPE_INT32), T(TYPE_NUMERIC)), "123");
    CHECK_STR(RUN("123", T(TYPE_INT32), NUM(5, 2)), "123.00");
    CHECK_STR(RUN("1234", T(TYPE_INT32), NUM(5, 2)), "ERR:22003:numeric field overflow");
    CHECK_STR(RUN("999.995", T(TYPE_NUMERIC), NUM(5, 2)), "ERR:22003:numeric field overflow");
    CHECK_STR(RUN("999.994", T(TYPE_NUMERIC), NUM(5, 2)), "999.99");
    CHECK_STR(RUN("1.005", T(TYPE_TEXT), NUM(5, 2)), "1.01");
    CHECK_STR(RUN("0.1", T(TYPE_FLOAT64), T(TYPE_NUMERIC)), "0.1");
    CHECK_STR(RUN("1.5e-05", T(TYPE_FLOAT64), T(TYPE_NUMERIC)), "0.000015");
    CHECK_STR(RUN("3.14159", T(TYPE_FLOAT64), NUM(4, 2)), "3.14");
    CHECK_STR(RUN("0.1", T(TYPE_FLOAT32), T(TYPE_NUMERIC)), "0.1");
    CHECK_STR(RUN("1.25", T(TYPE_NUMERIC), T(TYPE_FLOAT64)), "1.25");
    CHECK_STR(RUN("0.1", T(TYPE_NUMERIC), T(TYPE_FLOAT32)), "0.1");
    /* floats */
    CHECK_STR(RUN("0.1", T(TYPE_FLOAT64), T(TYPE_TEXT)), "0.1");
    CHECK_STR(RUN("1e20", T(TYPE_FLOAT64), T(TYPE_TEXT)), "1e+20");
    CHECK_STR(RUN("0.000015", T(TYPE_FLOAT64), T(TYPE_TEXT)), "1.5e-05");
    CHECK_STR(RUN("123456789012345", T(TYPE_FLOAT64), T(TYPE_TEXT)), "123456789012345");
    CHECK_STR(RUN("1234567890123456", T(TYPE_FLOAT64)), "1.234567890123456e+15");
    CHECK_STR(RUN("-0", T(TYPE_FLOAT64)), "-0");
    CHECK_STR(RUN("0.1", T(TYPE_FLOAT32), T(TYPE_FLOAT64)), "0.10000000149011612");
    CHECK_STR(RUN("0.1", T(TYPE_FLOAT64), T(TYPE_FLOAT32)), "0.1");
    CHECK_STR(RUN("1e300", T(TYPE_FLOAT64), T(TYPE_FLOAT32)), "ERR:22003:value out of range: overflow");
    CHECK_STR(RUN("1e-300", T(TYPE_FLOAT64), T(TYPE_FLOAT32)), "ERR:22003:value out of range: underflow");
    CHECK_STR(RUN("16777217", T(TYPE_INT32), T(TYPE_FLOAT32)), "1.6777216e+07");
    CHECK_STR(RUN("9007199254740993", T(TYPE_INT64), T(TYPE_FLOAT64)), "9.007199254740992e+15");
    CHECK_STR(RUN("NaN", T(TYPE_FLOAT64), T(TYPE_TEXT)), "NaN");
    CHECK_STR(RUN("-inf", T(TYPE_FLOAT64), T(TYPE_TEXT)), "-Infinity");
    /* bool */
    CHECK_STR(RUN("yes", T(TYPE_TEXT), T(TYPE_BOOL)), "t");
    CHECK_STR(RUN("maybe", T(TYPE_TEXT), T(TYPE_BOOL)), "ERR:22P02:invalid input syntax for type boolean: \"maybe\"");
    CHECK_STR(RUN("t", T(TYPE_BOOL), T(TYPE_TEXT)), "true");
    CHECK_STR(RUN("f", T(TYPE_BOOL), VARCHAR(-1)), "false");
    CHECK_STR(RUN("t", T(TYPE_BOOL), T(TYPE_INT32)), "1");
    CHECK_STR(RUN("-7", T(TYPE_INT32), T(TYPE_BOOL)), "t");
    CHECK_STR(RUN("0", T(TYPE_INT32), T(TYPE_BOOL)), "f");
    CHECK_STR(RUN("t", T(TYPE_BOOL)), "t");
    /* numbers to text, and via a typmod */
    CHECK_STR(RUN("-12", T(TYPE_INT16), T(TYPE_TEXT)), "-12");
    CHECK_STR(RUN("1.50", T(TYPE_NUMERIC), T(TYPE_TEXT)), "1.50");
    CHECK_STR(RUN("12345", T(TYPE_INT32), VARCHAR(3)), "123");
    CHECK_STR(ASSIGN("12345", T(TYPE_INT32), VARCHAR(3)), "ERR:22001:value too long for type character varying(3)");
    /* not allowed */
    CHECK_STR(RUN("1.5", T(TYPE_NUMERIC), T(TYPE_BOOL)), "ERR:42846:cannot cast type numeric to boolean");
    CHECK_STR(RUN("2020-01-01", T(TYPE_DATE), T(TYPE_INT32)), "ERR:42846:cannot cast type date to integer");
}

static void test_strings(void)
{
    CHECK_STR(ASSIGN("abcd", T(TYPE_TEXT), VARCHAR(3)), "ERR:22001:value too long for type character varying(3)");
    CHECK_STR(RUN("abcd", T(TYPE_TEXT), VARCHAR(3)), "abc");
    CHECK_STR(ASSIGN("abc   ", T(TYPE_TEXT), VARCHAR(3)), "abc");
    CHECK_STR(ASSIGN("ab", T(TYPE_TEXT), VARCHAR(3)), "ab");
    CHECK_STR(ASSIGN("éèê", T(TYPE_TEXT), VARCHAR(3)), "éèê");
    CHECK_STR(RUN("éèêë", T(TYPE_TEXT), VARCHAR(3)), "éèê");
    CHECK_STR(ASSIGN("éèêë", T(TYPE_TEXT), VARCHAR(3)), "ERR:22001:value too long for type character varying(3)");
    CHECK_STR(RUN("ab", T(TYPE_TEXT), CHAR(5)), "ab   ");
    CHECK_STR(RUN("é", T(TYPE_TEXT), CHAR(3)), "é  ");
    CHECK_STR(RUN("abcdef", T(TYPE_TEXT), CHAR(5)), "abcde");
    CHECK_STR(ASSIGN("abcdef", T(TYPE_TEXT), CHAR(5)), "ERR:22001:value too long for type character(5)");
    CHECK_STR(ASSIGN("abcde  ", T(TYPE_TEXT), CHAR(5)), "abcde");
    CHECK_STR(RUN("ab", CHAR(5), T(TYPE_TEXT)), "ab");
    CHECK_STR(RUN("ab", CHAR(5), VARCHAR(10)), "ab");
    CHECK_STR(RUN("ab", CHAR(5), CHAR(3)), "ab ");
    CHECK_STR(RUN("ab", CHAR(5)), "ab   ");
    CHECK_STR(RUN("abcdef", CHAR(5)), "ERR:22001:value too long for type character(5)");
    CHECK_STR(RUN("abcdef", VARCHAR(2)), "ERR:22001:value too long for type character varying(2)");
    CHECK_STR(RUN("a very long text value that is not inline", T(TYPE_TEXT), T(TYPE_TEXT)),
              "a very long text value that is not inline");
    CHECK_STR(RUN("\\x0aFF", T(TYPE_TEXT), T(TYPE_BYTEA)), "\\x0aff");
    CHECK_STR(RUN("\\x0aFF", T(TYPE_BYTEA), T(TYPE_TEXT)), "\\x0aff");
    CHECK_STR(RUN("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", T(TYPE_TEXT), T(TYPE_UUID), T(TYPE_TEXT)),
              "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    CHECK_STR(RUN("zz", T(TYPE_UUID)), "ERR:22P02:invalid input syntax for type uuid: \"zz\"");
}

static void test_lists(void)
{
    CHECK_STR(RUN("{1, 2 ,3}", T(TYPE_TEXT), LIST(TYPE_INT32)), "{1,2,3}");
    CHECK_STR(RUN("{ +01 ,NULL}", LIST(TYPE_INT32)), "{1,NULL}");
    CHECK_STR(RUN("{}", LIST(TYPE_INT32)), "{}");
    CHECK_STR(RUN("{a,\"b c\",\"\",\"NULL\",\"x\\\"y\"}", LIST(TYPE_TEXT)), "{a,\"b c\",\"\",\"NULL\",\"x\\\"y\"}");
    CHECK_STR(RUN("{{1,2},{3,4}}", LIST(TYPE_INT32)), "{{1,2},{3,4}}");
    CHECK_STR(RUN("{1,a}", LIST(TYPE_INT32)), "ERR:22P02:invalid input syntax for type integer: \"a\"");
    CHECK_STR(RUN("1,2", LIST(TYPE_INT32)), "ERR:22P02:malformed array literal: \"1,2\"");
    CHECK_STR(RUN("{1,2", LIST(TYPE_INT32)), "ERR:22P02:malformed array literal: \"{1,2\"");
    CHECK_STR(RUN("{1,2}x", LIST(TYPE_INT32)), "ERR:22P02:malformed array literal: \"{1,2}x\"");
    CHECK_STR(RUN("{1.5,2.5}", LIST(TYPE_FLOAT64), LIST(TYPE_INT32)), "{2,2}");
    CHECK_STR(RUN("{1,2}", LIST(TYPE_INT32), LIST(TYPE_TEXT)), "{1,2}");
    CHECK_STR(RUN("{1,2}", LIST(TYPE_INT32), T(TYPE_TEXT)), "{1,2}");
    CHECK_STR(RUN("{1.50,2}", LIST(TYPE_NUMERIC)), "{1.50,2}");
}

static void test_datetime(void)
{
    CHECK_STR(RUN("2024-02-29", T(TYPE_TEXT), T(TYPE_DATE), T(TYPE_TEXT)), "2024-02-29");
    CHECK_STR(RUN("2023-02-29", T(TYPE_DATE)), "ERR:22008:date/time field value out of range: \"2023-02-29\"");
    CHECK_STR(RUN("2024-02-29", T(TYPE_DATE), T(TYPE_TIMESTAMP)), "2024-02-29 00:00:00");
    CHECK_STR(RUN("2024-02-29 13:45:01.5", T(TYPE_TIMESTAMP), T(TYPE_DATE)), "2024-02-29");
    CHECK_STR(RUN("2024-02-29 13:45:01.5", T(TYPE_TIMESTAMP), T(TYPE_TIME)), "13:45:01.5");
    CHECK_STR(RUN("2024-02-29 13:45:01.5", T(TYPE_TIMESTAMP), T(TYPE_TEXT)), "2024-02-29 13:45:01.5");
    CHECK_STR(RUN("2024-02-29 13:45:01.5", T(TYPE_TIMESTAMP), T(TYPE_TIMESTAMPTZ)), "2024-02-29 13:45:01.5+00");
    CHECK_STR(RUN_TZ("America/New_York", "2024-07-01 12:00", T(TYPE_TIMESTAMP), T(TYPE_TIMESTAMPTZ)),
              "2024-07-01 12:00:00-04");
    CHECK_STR(RUN_TZ("America/New_York", "2024-07-01 12:00+00", T(TYPE_TIMESTAMPTZ), T(TYPE_TIMESTAMP)),
              "2024-07-01 08:00:00");
    CHECK_STR(RUN_TZ("America/New_York", "2024-07-01 02:00+00", T(TYPE_TIMESTAMPTZ), T(TYPE_DATE)), "2024-06-30");
    CHECK_STR(RUN_TZ("America/New_York", "2024-07-01", T(TYPE_DATE), T(TYPE_TIMESTAMPTZ), T(TYPE_TEXT)),
              "2024-07-01 00:00:00-04");
    CHECK_STR(RUN("infinity", T(TYPE_DATE), T(TYPE_TIMESTAMP)), "infinity");
    CHECK_STR(RUN("1 day 02:03:04", T(TYPE_INTERVAL), T(TYPE_TIME)), "02:03:04");
    CHECK_STR(RUN("-01:00", T(TYPE_INTERVAL), T(TYPE_TIME)), "23:00:00");
    CHECK_STR(RUN("02:03:04", T(TYPE_TIME), T(TYPE_INTERVAL)), "02:03:04");
    CHECK_STR(RUN("1 year 2 mons 3 days", T(TYPE_TEXT), T(TYPE_INTERVAL), T(TYPE_TEXT)), "1 year 2 mons 3 days");
    CHECK_STR(RUN("2024-01-01", T(TYPE_DATE), VARCHAR(4)), "2024");
}

static Value num(const char *s)
{
    Value v;
    memset(&v, 0, sizeof v);
    v.type = ltype(TYPE_NUMERIC);
    Err e = {0};
    if (numeric_from_text(s, strlen(s), &v.u.num, &e)) err_clear(&e);
    return v;
}

static Value dbl(double d)
{
    Value v = value_double(d);
    return v;
}

static Value ival(const char *s)
{
    Interval iv;
    Err e = {0};
    Value v;
    memset(&v, 0, sizeof v);
    v.type = ltype(TYPE_INTERVAL);
    if (interval_parse(s, strlen(s), &iv, &e)) err_clear(&e);
    memcpy(v.u.raw, &iv, sizeof iv);
    return v;
}

static Value list(const char *s, TypeId elem)
{
    Value v = value_text(NULL, s, strlen(s));
    v.type = LIST(elem);
    return v;
}

static void test_cmp_hash(void)
{
    Value a = num("1.0"), b = num("1.00"), c = num("1.01");
    CHECK_INT(value_cmp(&a, &b), 0);
    CHECK(value_hash(&a) == value_hash(&b));
    CHECK(value_cmp(&a, &c) < 0);
    CHECK(value_cmp(&c, &a) > 0);
    Value z1 = dbl(0.0), z2 = dbl(-0.0), n1 = dbl(NAN), n2 = dbl(-NAN), inf = dbl(INFINITY);
    CHECK_INT(value_cmp(&z1, &z2), 0);
    CHECK(value_hash(&z1) == value_hash(&z2));
    CHECK_INT(value_cmp(&n1, &n2), 0);
    CHECK(value_hash(&n1) == value_hash(&n2));
    CHECK(value_cmp(&n1, &inf) > 0);
    CHECK(value_cmp(&inf, &n1) < 0);
    Value i1 = value_int(TYPE_INT64, -5), i2 = value_int(TYPE_INT64, 3);
    CHECK(value_cmp(&i1, &i2) < 0);
    CHECK(value_hash(&i1) != value_hash(&i2));
    Value t1 = value_text(arena, "abc", 3), t2 = value_text(arena, "abd", 3), t3 = value_text(arena, "ab", 2);
    Value t4 = value_text(arena, "a fairly long string, not inline", 32);
    Value t5 = value_text(arena, "a fairly long string, not inline", 32);
    CHECK(value_cmp(&t1, &t2) < 0);
    CHECK(value_cmp(&t3, &t1) < 0);
    CHECK_INT(value_cmp(&t4, &t5), 0);
    CHECK(value_hash(&t4) == value_hash(&t5));
    CHECK(value_hash(&t1) != value_hash(&t2));
    Value c1 = value_text(arena, "ab   ", 5), c2 = value_text(arena, "ab", 2);
    c1.type = CHAR(5);
    c2.type = CHAR(2);
    CHECK_INT(value_cmp(&c1, &c2), 0);
    CHECK(value_hash(&c1) == value_hash(&c2));
    Value f = value_bool(false), t = value_bool(true);
    CHECK(value_cmp(&f, &t) < 0);
    Value nul = value_null();
    CHECK(value_cmp(&nul, &i1) > 0);
    CHECK(value_cmp(&i1, &nul) < 0);
    CHECK_INT(value_cmp(&nul, &nul), 0);
    Value m = ival("1 mon"), d30 = ival("30 days"), h720 = ival("720 hours"), d31 = ival("31 days");
    CHECK_INT(value_cmp(&m, &d30), 0);
    CHECK_INT(value_cmp(&m, &h720), 0);
    CHECK(value_hash(&m) == value_hash(&d30));
    CHECK(value_hash(&m) == value_hash(&h720));
    CHECK(value_cmp(&d31, &m) > 0);
    Value l1 = list("{9}", TYPE_INT32), l2 = list("{10}", TYPE_INT32), l3 = list("{9,1}", TYPE_INT32);
    Value l4 = list("{1.0}", TYPE_NUMERIC), l5 = list("{1.00}", TYPE_NUMERIC), l6 = list("{NULL}", TYPE_INT32);
    CHECK(value_cmp(&l1, &l2) < 0);
    CHECK(value_cmp(&l1, &l3) < 0);
    CHECK_INT(value_cmp(&l4, &l5), 0);
    CHECK(value_hash(&l4) == value_hash(&l5));
    CHECK(value_cmp(&l6, &l2) > 0);
}

static void test_vectors(void)
{
    FuncCtx fc;
    init_fc(&fc, NULL);
    /* a NULL row holding an out-of-range payload must not fail */
    Vector src, dst;
    vector_init(&src, T(TYPE_INT64), 4, arena);
    i64 *s = (i64 *)src.data;
    s[0] = 1;
    s[1] = INT64_C(5000000000);
    s[2] = -7;
    s[3] = INT64_C(3000000000);
    vector_nulls(&src)[1] = 1;
    vector_init(&dst, T(TYPE_INT32), 4, arena);
    CHECK_OK(cast_vector(&fc, &src, 3, T(TYPE_INT32), &dst, false), &err);
    CHECK_INT(((i32 *)dst.data)[0], 1);
    CHECK_INT(((i32 *)dst.data)[2], -7);
    CHECK(vector_is_null(&dst, 1) && !vector_is_null(&dst, 0));
    CHECK(cast_vector(&fc, &src, 4, T(TYPE_INT32), &dst, false) != 0);
    CHECK_ERR(&err, "22003", "integer out of range");
    /* double NULL row with NaN payload */
    Vector fs;
    vector_init(&fs, T(TYPE_FLOAT64), 2, arena);
    ((double *)fs.data)[0] = NAN;
    ((double *)fs.data)[1] = 2.5;
    vector_nulls(&fs)[0] = 1;
    vector_init(&dst, T(TYPE_INT32), 2, arena);
    CHECK_OK(cast_vector(&fc, &fs, 2, T(TYPE_INT32), &dst, true), &err);
    CHECK_INT(((i32 *)dst.data)[1], 2);
    /* constant vector: only row 0 converted, result constant */
    Vector cs;
    vector_init(&cs, T(TYPE_INT32), 1, arena);
    Value v = value_int(TYPE_INT32, 77);
    vector_set_const(&cs, &v);
    vector_init(&dst, T(TYPE_TEXT), 1, arena);
    CHECK_OK(cast_vector(&fc, &cs, 2048, T(TYPE_TEXT), &dst, true), &err);
    CHECK(dst.is_const);
    Value r = vector_get(&dst, 5);
    CHECK_INT(r.u.s.len, 2);
    CHECK(memcmp(str_data(&r.u.s), "77", 2) == 0);
    /* TYPE_NULL source */
    Vector ns;
    vector_init(&ns, T(TYPE_NULL), 3, arena);
    vector_init(&dst, T(TYPE_DATE), 3, arena);
    CHECK_OK(cast_vector(&fc, &ns, 3, T(TYPE_DATE), &dst, true), &err);
    CHECK(vector_is_null(&dst, 0) && vector_is_null(&dst, 2));
    /* cast_value and value_to_text */
    Value in = value_text(arena, "123.456", 7), out;
    CHECK_OK(cast_value(&fc, &in, NUM(5, 1), &out, arena), &err);
    char buf[128];
    const char *p;
    size_t n = value_to_text(&out, buf, sizeof buf, arena, &p);
    CHECK(n == 5 && memcmp(p, "123.5", 5) == 0);
    Value sv = value_text(arena, "short", 5);
    n = value_to_text(&sv, buf, sizeof buf, arena, &p);
    CHECK(n == 5 && p == buf && memcmp(buf, "short", 5) == 0);
    Value nv = value_null();
    CHECK_INT(value_to_text(&nv, buf, sizeof buf, arena, &p), 0);
    CHECK(p == NULL);
    /* a bytea whose text exceeds cap goes to the arena */
    u8 raw[100];
    for (int i = 0; i < 100; i++) raw[i] = (u8)i;
    Value bv = value_text(arena, (const char *)raw, 100);
    bv.type = T(TYPE_BYTEA);
    n = value_to_text(&bv, buf, sizeof buf, arena, &p);
    CHECK_INT(n, 202);
    CHECK(p != buf && memcmp(p, "\\x00010203", 10) == 0);
    /* value_from_text: input function with typmods */
    CHECK(value_from_text(&fc, "abcd", 4, VARCHAR(3), &out, arena) != 0);
    CHECK_ERR(&err, "22001", "value too long for type character varying(3)");
    CHECK_OK(value_from_text(&fc, "ab", 2, CHAR(4), &out, arena), &err);
    CHECK(out.u.s.len == 4 && memcmp(str_data(&out.u.s), "ab  ", 4) == 0);
}

void suite_cast(void)
{
    arena = arena_create(NULL);
    test_numbers();
    test_strings();
    test_lists();
    test_datetime();
    test_cmp_hash();
    test_vectors();
    arena_destroy(arena);
}
