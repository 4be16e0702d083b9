/*
 * test/unit/test_func.c — the built-in function library (src/func/) tested
 * through the registry: overload lookup, then the kernel on small vectors.
 * Expected values were produced by PostgreSQL 15.
 */
#include <math.h>
#include <stdarg.h>

#include "func/func.h"
#include "types/datetime.h"
#include "types/numeric.h"
#include "unit.h"

static Arena *A;
static Err E;
static FuncCtx CTX;

/* ---- vector builders ---------------------------------------------------- */

static Vector vec(TypeId t, idx_t n)
{
    Vector v;
    vector_init(&v, ltype(t), n, A);
    return v;
}
static Vector vi32(idx_t n, const i32 *x)
{
    Vector v = vec(TYPE_INT32, n);
    memcpy(v.data, x, n * 4);
    return v;
}
static Vector vi16(idx_t n, const i16 *x)
{
    Vector v = vec(TYPE_INT16, n);
    memcpy(v.data, x, n * 2);
    return v;
}
static Vector vi64(idx_t n, const i64 *x)
{
    Vector v = vec(TYPE_INT64, n);
    memcpy(v.data, x, n * 8);
    return v;
}
static Vector vf64(idx_t n, const double *x)
{
    Vector v = vec(TYPE_FLOAT64, n);
    memcpy(v.data, x, n * 8);
    return v;
}
static Vector vtext(idx_t n, const char *const *s)
{
    Vector v = vec(TYPE_TEXT, n);
    for (idx_t i = 0; i < n; i++) {
        if (s[i]) ((Str *)v.data)[i] = str_copy(A, s[i], (u32)strlen(s[i]));
        else vector_nulls(&v)[i] = 1;
    }
    return v;
}
static Vector vnum(idx_t n, const char *const *s)
{
    Vector v = vec(TYPE_NUMERIC, n);
    for (idx_t i = 0; i < n; i++) numeric_from_text(s[i], strlen(s[i]), &((Numeric *)v.data)[i], &E);
    return v;
}
/* A one-row text constant. */
static Vector ctext(const char *s) { return vtext(1, &s); }

/* The casts the evaluator would insert (integers to wider types only). */
static void widen(Vector *v, LType to, idx_t count)
{
    if (v->type.id == to.id || !type_is_integer((TypeId)v->type.id)) return;
    Vector w;
    vector_init(&w, to, count, A);
    for (idx_t i = 0; i < count; i++) {
        i64 x = v->type.id == TYPE_INT16 ? ((i16 *)v->data)[i] : v->type.id == TYPE_INT32 ? ((i32 *)v->data)[i] : ((i64 *)v->data)[i];
        if (to.id == TYPE_INT64) ((i64 *)w.data)[i] = x;
        else if (to.id == TYPE_INT32) ((i32 *)w.data)[i] = (i32)x;
        else if (to.id == TYPE_FLOAT64) ((double *)w.data)[i] = (double)x;
        else if (to.id == TYPE_NUMERIC) ((Numeric *)w.data)[i] = numeric_from_int64(x);
        else return;
    }
    w.nulls = v->nulls;
    *v = w;
}

/* Calls the overload of `name` matching the argument types. */
static int call(const char *name, Vector *args, int nargs, idx_t count, Vector *out)
{
    LType types[FUNC_MAX_ARGS] = {{0}}, conv[FUNC_MAX_ARGS], ret;
    const ScalarFunc *f;
    for (int k = 0; k < nargs; k++) types[k] = args[k].type;
    if (func_lookup_scalar(name, types, nargs, &f, conv, &ret, &E, 0)) return -1;
    for (int k = 0; k < nargs; k++) widen(&args[k], conv[k], count);
    vector_init(out, ret, count, A);
    out->heap = A;
    if (!(f->flags & FUNC_NOT_STRICT))
        for (int k = 0; k < nargs; k++)
            if (args[k].nulls)
                for (idx_t i = 0; i < count; i++)
                    if (args[k].nulls[args[k].is_const ? 0 : i]) vector_nulls(out)[i] = 1;
    return f->kernel(&CTX, args, nargs, count, out);
}
static const char *sget(const Vector *v, idx_t i)
{
    const Str *s = &((const Str *)v->data)[i];
    return arena_strndup(A, str_data(s), s->len);
}
static const char *ntext(Numeric n)
{
    char *b = arena_alloc(A, NUMERIC_MAX_TEXT_LEN);
    numeric_to_text(n, b, NUMERIC_MAX_TEXT_LEN);
    return b;
}

/* Calls a 1..3 argument text function on one row and returns its text. */
static const char *t1(const char *fn, Vector *args, int nargs)
{
    Vector out;
    if (call(fn, args, nargs, 1, &out)) {
        fprintf(stderr, "%s: %s\n", fn, E.message ? E.message : "?");
        err_clear(&E);
        return "<error>";
    }
    if (vector_is_null(&out, 0)) return "<null>";
    if (out.type.id == TYPE_TEXT || out.type.id == TYPE_LIST) return sget(&out, 0);
    if (out.type.id == TYPE_INT32) return arena_printf(A, "%d", ((i32 *)out.data)[0]);
    if (out.type.id == TYPE_BOOL) return out.data[0] ? "t" : "f";
    if (out.type.id == TYPE_NUMERIC) return ntext(((Numeric *)out.data)[0]);
    if (out.type.id == TYPE_FLOAT64) return arena_printf(A, "%.17g", ((double *)out.data)[0]);
    return "<type>";
}

/* ---- arithmetic --------------------------------------------------------- */

static void test_arith(void)
{
    Vector out, a[2];
    i32 x[] = {1, 2147483647, -5, 7}, y[] = {2, 1, 3, -2};
    a[0] = vi32(4, x), a[1] = vi32(4, y);
    CHECK(call("+", a, 2, 4, &out) != 0);
    CHECK_ERR(&E, "22003", "integer out of range");
    /* the overflowing row is NULL: no error */
    vector_nulls(&a[0])[1] = 1;
    CHECK_OK(call("+", a, 2, 4, &out), &E);
    CHECK_INT(((i32 *)out.data)[0], 3);
    CHECK_INT(((i32 *)out.data)[3], 5);
    CHECK(vector_is_null(&out, 1));

    i16 s1[] = {200}, s2[] = {200};
    a[0] = vi16(1, s1), a[1] = vi16(1, s2);
    CHECK(call("*", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22003", "smallint out of range");

    i64 l1[] = {INT64_MAX}, l2[] = {-1};
    a[0] = vi64(1, l1), a[1] = vi64(1, l2);
    CHECK(call("+", a, 2, 1, &out) == 0);
    CHECK(call("-", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22003", "bigint out of range");
    l1[0] = INT64_MIN;
    a[0] = vi64(1, l1);
    CHECK(call("/", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22003", "bigint out of range");
    CHECK_OK(call("%", a, 2, 1, &out), &E);
    CHECK_INT(((i64 *)out.data)[0], 0);

    i32 d1[] = {7, 7, -7, INT32_MIN}, d2[] = {-2, -2, 2, -1};
    a[0] = vi32(3, d1), a[1] = vi32(3, d2);
    CHECK_OK(call("/", a, 2, 3, &out), &E);
    CHECK_INT(((i32 *)out.data)[0], -3);
    CHECK_OK(call("%", a, 2, 3, &out), &E);
    CHECK_INT(((i32 *)out.data)[1], 1);
    CHECK_INT(((i32 *)out.data)[2], -1);
    a[0] = vi32(4, d1), a[1] = vi32(4, d2);
    CHECK(call("/", a, 2, 4, &out) != 0);
    CHECK_ERR(&E, "22003", "integer out of range");
    i32 z[] = {0};
    a[0] = vi32(1, d1), a[1] = vi32(1, z);
    CHECK(call("/", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22012", "division by zero");
    CHECK(call("%", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22012", "division by zero");
    a[0] = vi32(1, &d1[3]);
    CHECK(call("-", a, 1, 1, &out) != 0);
    CHECK_ERR(&E, "22003", "integer out of range");

    double f1[] = {1.0, 1e308, 1e-308, NAN}, f2[] = {0.0, 10.0, 1e-308, 0.0};
    a[0] = vf64(1, f1), a[1] = vf64(1, f2);
    CHECK(call("/", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22012", "division by zero");
    a[0] = vf64(1, f1 + 3), a[1] = vf64(1, f2 + 3);
    CHECK_OK(call("/", a, 2, 1, &out), &E); /* NaN / 0 = NaN */
    CHECK(isnan(((double *)out.data)[0]));
    a[0] = vf64(1, f1 + 1), a[1] = vf64(1, f2 + 1);
    CHECK(call("*", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22003", "value out of range: overflow");
    a[0] = vf64(1, f1 + 2), a[1] = vf64(1, f2 + 2);
    CHECK(call("*", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22003", "value out of range: underflow");

    const char *n1[] = {"1.5", "10"}, *n2[] = {"2.25", "0"};
    a[0] = vnum(2, n1), a[1] = vnum(2, n2);
    CHECK_OK(call("+", a, 2, 1, &out), &E);
    CHECK_STR(ntext(((Numeric *)out.data)[0]), "3.75");
    CHECK(call("/", a, 2, 2, &out) != 0);
    CHECK_ERR(&E, "22012", "division by zero");

    /* 2 ^ 3 resolves to float8 like PG */
    i32 p1[] = {2}, p2[] = {3};
    a[0] = vi32(1, p1), a[1] = vi32(1, p2);
    CHECK_OK(call("^", a, 2, 1, &out), &E);
    CHECK_INT(out.type.id, TYPE_FLOAT64);
    CHECK_DBL(((double *)out.data)[0], 8.0);
    double ng[] = {-8.0}, half[] = {0.5};
    a[0] = vf64(1, ng), a[1] = vf64(1, half);
    CHECK(call("^", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "2201F", NULL);
}

/* ---- comparisons -------------------------------------------------------- */

static void test_compare(void)
{
    Vector out, a[2];
    double x[] = {NAN, NAN, 1.0, 2.0}, y[] = {NAN, 1e300, INFINITY, 2.0};
    a[0] = vf64(4, x), a[1] = vf64(4, y);
    CHECK_OK(call("=", a, 2, 4, &out), &E);
    CHECK_INT(out.data[0], 1);
    CHECK_INT(out.data[1], 0);
    CHECK_INT(out.data[3], 1);
    CHECK_OK(call(">", a, 2, 4, &out), &E);
    CHECK_INT(out.data[1], 1); /* NaN > everything */
    CHECK_INT(out.data[2], 0);

    const char *s[] = {"abc", "ab", "a long string value here", "a long string value hero", "", "x"};
    const char *t[] = {"abd", "abc", "a long string value here", "a long string value herb", "", "x"};
    a[0] = vtext(6, s), a[1] = vtext(6, t);
    CHECK_OK(call("<", a, 2, 6, &out), &E);
    CHECK_INT(out.data[0], 1);
    CHECK_INT(out.data[1], 1);
    CHECK_INT(out.data[2], 0);
    CHECK_INT(out.data[3], 0);
    CHECK_OK(call("=", a, 2, 6, &out), &E);
    CHECK_INT(out.data[2], 1);
    CHECK_INT(out.data[3], 0);
    CHECK_INT(out.data[4], 1);
    CHECK_INT(out.data[5], 1);

    const char *n1[] = {"1.0", "2.50"}, *n2[] = {"1", "2.5001"};
    a[0] = vnum(2, n1), a[1] = vnum(2, n2);
    CHECK_OK(call("=", a, 2, 2, &out), &E);
    CHECK_INT(out.data[0], 1);
    CHECK_INT(out.data[1], 0);

    /* interval: 1 mon = 30 days */
    Vector iv0 = vec(TYPE_INTERVAL, 1), iv1 = vec(TYPE_INTERVAL, 1);
    ((Interval *)iv0.data)[0] = (Interval){0, 0, 1};
    ((Interval *)iv1.data)[0] = (Interval){0, 30, 0};
    a[0] = iv0, a[1] = iv1;
    CHECK_OK(call("=", a, 2, 1, &out), &E);
    CHECK_INT(out.data[0], 1);
}

/* ---- LIKE / regex ------------------------------------------------------- */

static const char *like(const char *op, const char *s, const char *p)
{
    Vector a[2] = {ctext(s), ctext(p)};
    return t1(op, a, 2);
}

static void test_like(void)
{
    CHECK_STR(like("~~", "abc", "a%"), "t");
    CHECK_STR(like("~~", "abc", "%c"), "t");
    CHECK_STR(like("~~", "abc", "%b%"), "t");
    CHECK_STR(like("~~", "abc", "abc"), "t");
    CHECK_STR(like("~~", "abc", "ab"), "f");
    CHECK_STR(like("~~", "abc", "a_c"), "t");
    CHECK_STR(like("~~", "abc", "a__c"), "f");
    CHECK_STR(like("~~", "a%c", "a\\%c"), "t");
    CHECK_STR(like("~~", "aXc", "a\\%c"), "f");
    CHECK_STR(like("~~", "a_c", "a\\_c"), "t");
    CHECK_STR(like("~~", "é", "_"), "t");
    CHECK_STR(like("~~", "héllo", "h_llo"), "t");
    CHECK_STR(like("~~", "mississippi", "%iss%ippi"), "t");
    CHECK_STR(like("~~", "mississippi", "m%s%s%p_"), "t");
    CHECK_STR(like("~~", "mississippi", "m%s%s%p__"), "t");
    CHECK_STR(like("~~", "mississippi", "m%s%s%p___"), "f");
    CHECK_STR(like("~~", "", "%"), "t");
    CHECK_STR(like("~~", "", "_"), "f");
    CHECK_STR(like("~~", "abc", "%%%"), "t");
    CHECK_STR(like("!~~", "abc", "a%"), "f");
    CHECK_STR(like("~~*", "ABC", "a_c"), "t");
    CHECK_STR(like("!~~*", "ABC", "a_c"), "f");
    CHECK_STR(like("~~", "a\\", "a\\\\"), "t");
    Vector a[2] = {ctext("abc"), ctext("ab\\")};
    Vector out;
    CHECK(call("~~", a, 2, 1, &out) != 0);
    CHECK_ERR(&E, "22025", "LIKE pattern must not end with escape character");

    Vector le[2] = {ctext("a#%b"), ctext("#")};
    CHECK_STR(t1("like_escape", le, 2), "a\\%b");

    CHECK_STR(like("~", "abc123", "\\d+"), "t");
    CHECK_STR(like("~", "abc", "^b"), "f");
    CHECK_STR(like("~*", "ABC", "^ab"), "t");
    CHECK_STR(like("!~", "abc", "^b"), "t");
    CHECK_STR(like("similar_to", "x", "(x|y)"), "t");
    CHECK_STR(like("similar_to", "xyz", "x%"), "t");
    CHECK_STR(like("similar_to", "axyz", "x%"), "f");
    Vector bad[2] = {ctext("abc"), ctext("(")};
    CHECK(call("~", bad, 2, 1, &out) != 0);
    CHECK_ERR(&E, "2201B", NULL);

    Vector rr[4] = {ctext("foobarbaz"), ctext("b(..)"), ctext("X\\1Y"), ctext("g")};
    CHECK_STR(t1("regexp_replace", rr, 4), "fooXarYXazY");
    CHECK_STR(t1("regexp_replace", rr, 3), "fooXarYbaz");
    Vector rm[2] = {ctext("foobarbequebaz"), ctext("(bar)(beque)")};
    CHECK_STR(t1("regexp_match", rm, 2), "{bar,beque}");

    /* many rows with the pattern changing between rows */
    const char *ss[] = {"apple", "banana", "cherry", "apple"}, *ps[] = {"a%", "a%", "%rr%", "%e"};
    Vector m[2] = {vtext(4, ss), vtext(4, ps)};
    CHECK_OK(call("~~", m, 2, 4, &out), &E);
    CHECK_INT(out.data[0], 1);
    CHECK_INT(out.data[1], 0);
    CHECK_INT(out.data[2], 1);
    CHECK_INT(out.data[3], 1);
}

/* ---- string functions --------------------------------------------------- */

static Vector cint(i32 x) { return vi32(1, &x); }

static void test_string(void)
{
    Vector a[4];
    a[0] = ctext("héllo");
    CHECK_STR(t1("length", a, 1), "5");
    CHECK_STR(t1("octet_length", a, 1), "6");
    CHECK_STR(t1("upper", a, 1), "HéLLO");
    CHECK_STR(t1("reverse", a, 1), "olléh");
    a[1] = cint(2), a[2] = cint(3);
    CHECK_STR(t1("substr", a, 3), "éll");
    a[1] = ctext("l");
    CHECK_STR(t1("strpos", a, 2), "3");
    CHECK_STR(t1("position", a, 2), "3");
    a[0] = ctext("hello"), a[1] = cint(0), a[2] = cint(2);
    CHECK_STR(t1("substr", a, 3), "h");
    a[1] = cint(-1), a[2] = cint(3);
    CHECK_STR(t1("substr", a, 3), "h");
    a[1] = cint(3);
    CHECK_STR(t1("substr", a, 2), "llo");
    a[1] = cint(1), a[2] = cint(-1);
    Vector out;
    CHECK(call("substr", a, 3, 1, &out) != 0);
    CHECK_ERR(&E, "22011", "negative substring length not allowed");
    a[1] = cint(-2);
    CHECK_STR(t1("left", a, 2), "hel");
    a[1] = cint(2);
    CHECK_STR(t1("right", a, 2), "lo");
    a[1] = cint(-2);
    CHECK_STR(t1("right", a, 2), "llo");
    a[0] = ctext("hello wORLD foo_bar 3x");
    CHECK_STR(t1("initcap", a, 1), "Hello World Foo_Bar 3x");
    a[0] = ctext("hi"), a[1] = cint(5), a[2] = ctext("xy");
    CHECK_STR(t1("lpad", a, 3), "xyxhi");
    CHECK_STR(t1("rpad", a, 3), "hixyx");
    a[0] = ctext("hello"), a[1] = cint(2);
    CHECK_STR(t1("rpad", a, 2), "he");
    CHECK_STR(t1("lpad", a, 2), "he");
    a[0] = ctext("xxhixx"), a[1] = ctext("x");
    CHECK_STR(t1("btrim", a, 2), "hi");
    CHECK_STR(t1("ltrim", a, 2), "hixx");
    CHECK_STR(t1("rtrim", a, 2), "xxhi");
    a[0] = ctext("  hi  ");
    CHECK_STR(t1("btrim", a, 1), "hi");
    a[0] = ctext("éaéhiéa"), a[1] = ctext("aé");
    CHECK_STR(t1("btrim", a, 2), "hi");
    a[0] = ctext("a,b,c"), a[1] = ctext(","), a[2] = cint(2);
    CHECK_STR(t1("split_part", a, 3), "b");
    a[2] = cint(-1);
    CHECK_STR(t1("split_part", a, 3), "c");
    a[2] = cint(5);
    CHECK_STR(t1("split_part", a, 3), "");
    a[2] = cint(0);
    CHECK(call("split_part", a, 3, 1, &out) != 0);
    CHECK_ERR(&E, "22023", "field position must not be zero");
    a[0] = ctext("abcabc"), a[1] = ctext("bc"), a[2] = ctext("XYZ123456789");
    CHECK_STR(t1("replace", a, 3), "aXYZ123456789aXYZ123456789");
    a[0] = ctext("12345"), a[1] = ctext("143"), a[2] = ctext("ax");
    CHECK_STR(t1("translate", a, 3), "a2x5");
    a[0] = ctext("abc");
    CHECK_STR(t1("md5", a, 1), "900150983cd24fb0d6963f7d28e17f72");
    a[1] = cint(3);
    CHECK_STR(t1("repeat", a, 2), "abcabcabc");
    a[0] = cint(255);
    CHECK_STR(t1("to_hex", a, 1), "ff");
    a[0] = cint(-1);
    CHECK_STR(t1("to_hex", a, 1), "ffffffff");
    a[0] = cint(233);
    CHECK_STR(t1("chr", a, 1), "é");
    a[0] = ctext("é");
    CHECK_STR(t1("ascii", a, 1), "233");
    a[0] = ctext("it's");
    CHECK_STR(t1("quote_literal", a, 1), "'it''s'");
    a[0] = ctext("Foo");
    CHECK_STR(t1("quote_ident", a, 1), "\"Foo\"");
    a[0] = ctext("abc"), a[1] = ctext("ab");
    CHECK_STR(t1("starts_with", a, 2), "t");

    /* concat skips NULLs; || with a non-text argument */
    const char *nul[] = {NULL};
    a[0] = ctext("a"), a[1] = vtext(1, nul), a[2] = cint(1);
    a[3] = vec(TYPE_BOOL, 1);
    a[3].data[0] = 1;
    CHECK_STR(t1("concat", a, 4), "a1t");
    Vector ws[4] = {ctext(","), ctext("a"), vtext(1, nul), ctext("b")};
    CHECK_STR(t1("concat_ws", ws, 4), "a,b");
    a[0] = ctext("a"), a[1] = cint(1);
    CHECK_STR(t1("||", a, 2), "a1");
    a[0] = ctext("hello world, "), a[1] = ctext("and more");
    CHECK_STR(t1("||", a, 2), "hello world, and more");
    a[1] = vec(TYPE_BOOL, 1);
    a[1].data[0] = 1;
    a[0] = ctext("a");
    CHECK_STR(t1("||", a, 2), "atrue");
}

/* ---- math --------------------------------------------------------------- */

static void test_math(void)
{
    Vector a[4];
    a[0] = cint(2);
    CHECK_STR(t1("sqrt", a, 1), "1.4142135623730951");
    double x = 2.5;
    a[0] = vf64(1, &x);
    CHECK_STR(t1("round", a, 1), "2");
    const char *n[] = {"2.5"};
    a[0] = vnum(1, n);
    CHECK_STR(t1("round", a, 1), "3");
    a[1] = cint(0);
    CHECK_STR(t1("round", a, 2), "3");
    x = 0;
    a[0] = vf64(1, &x);
    Vector out;
    CHECK(call("ln", a, 1, 1, &out) != 0);
    CHECK_ERR(&E, "2201E", "cannot take logarithm of zero");
    x = -1;
    a[0] = vf64(1, &x);
    CHECK(call("log", a, 1, 1, &out) != 0);
    CHECK_ERR(&E, "2201E", "cannot take logarithm of a negative number");
    CHECK(call("sqrt", a, 1, 1, &out) != 0);
    CHECK_ERR(&E, "2201F", "cannot take square root of a negative number");
    a[0] = cint(100);
    CHECK_STR(t1("log", a, 1), "2");
    a[0] = cint(12), a[1] = cint(18);
    CHECK_STR(t1("gcd", a, 2), "6");
    a[0] = cint(4), a[1] = cint(6);
    CHECK_STR(t1("lcm", a, 2), "12");
    const char *d1[] = {"7"}, *d2[] = {"2"};
    a[0] = vnum(1, d1), a[1] = vnum(1, d2);
    CHECK_STR(t1("div", a, 2), "3");
    const char *m1[] = {"-7.5"};
    a[0] = vnum(1, m1);
    CHECK_STR(t1("mod", a, 2), "-1.5");
    double wb[] = {5.35, 0.024, 10.06};
    a[0] = vf64(1, wb), a[1] = vf64(1, wb + 1), a[2] = vf64(1, wb + 2), a[3] = cint(5);
    CHECK_STR(t1("width_bucket", a, 4), "3");
    double r[64];
    Vector rv;
    CHECK_OK(call("random", a, 0, 64, &rv), &E);
    memcpy(r, rv.data, sizeof r);
    bool ok = true;
    for (int i = 0; i < 64; i++) ok &= r[i] >= 0 && r[i] < 1;
    CHECK(ok && r[0] != r[1]);
}

/* ---- aggregates --------------------------------------------------------- */

typedef struct AggRun {
    const AggFunc *fn;
    AggCtx ctx;
    LType ret;
    u8 *st1, *st2;
} AggRun;

static int agg_open(AggRun *r, const char *name, LType *types, int nargs)
{
    LType conv[4];
    memset(r, 0, sizeof *r);
    if (func_lookup_agg(name, types, nargs, &r->fn, conv, &r->ret, &E, 0)) return -1;
    r->ctx.err = &E;
    r->ctx.arena = A;
    r->ctx.fn = r->fn;
    r->ctx.arg_type = nargs ? conv[0] : ltype(TYPE_NULL);
    r->ctx.ret_type = r->ret;
    r->st1 = arena_zalloc(A, r->fn->state_size + 16);
    r->st2 = arena_zalloc(A, r->fn->state_size + 16);
    r->fn->init(&r->ctx, r->st1);
    r->fn->init(&r->ctx, r->st2);
    return 0;
}
/* Feeds rows [0, split) into state 1 and [split, n) into state 2, combines
 * 2 into 1 and finalizes. Strict aggregates get the NULL rows removed. */
static const char *agg_run(const char *name, Vector *args, int nargs, idx_t n, idx_t split)
{
    LType types[4] = {{0}};
    for (int k = 0; k < nargs; k++) types[k] = args[k].type;
    AggRun r;
    if (agg_open(&r, name, types, nargs)) {
        err_clear(&E);
        return "<lookup>";
    }
    void *sp[16];
    Vector part[4];
    for (int half = 0; half < 2; half++) {
        idx_t b = half ? split : 0, e = half ? n : split, m = 0;
        u32 sel[16];
        for (idx_t i = b; i < e; i++) {
            bool skip = !(r.fn->flags & FUNC_NOT_STRICT) && nargs && vector_is_null(&args[0], i);
            if (!skip) sel[m++] = (u32)i;
        }
        for (int k = 0; k < nargs; k++) {
            vector_init(&part[k], args[k].type, 16, A);
            vector_copy(&args[k], sel, m, &part[k], 0);
        }
        for (idx_t i = 0; i < m; i++) sp[i] = half ? r.st2 : r.st1;
        if (m && r.fn->update(&r.ctx, part, m, sp)) goto fail;
    }
    if (r.fn->combine(&r.ctx, r.st1, r.st2)) goto fail;
    Vector out;
    vector_init(&out, r.ret, 1, A);
    if (r.fn->finalize(&r.ctx, r.st1, &out, 0)) goto fail;
    if (vector_is_null(&out, 0)) return "<null>";
    switch (out.type.id) {
    case TYPE_INT64: return arena_printf(A, "%lld", (long long)((i64 *)out.data)[0]);
    case TYPE_INT32: return arena_printf(A, "%d", ((i32 *)out.data)[0]);
    case TYPE_FLOAT64: return arena_printf(A, "%.17g", ((double *)out.data)[0]);
    case TYPE_NUMERIC: return ntext(((Numeric *)out.data)[0]);
    case TYPE_BOOL: return out.data[0] ? "t" : "f";
    case TYPE_INTERVAL: {
        char *b = arena_alloc(A, 128);
        interval_format(&((Interval *)out.data)[0], b, 128);
        return b;
    }
    default: return sget(&out, 0);
    }
fail:
    fprintf(stderr, "%s: %s\n", name, E.message ? E.message : "?");
    err_clear(&E);
    return "<error>";
}

static void test_agg(void)
{
    i32 xi[] = {1, 2, 7, 10};
    Vector v = vi32(4, xi);
    CHECK_STR(agg_run("sum", &v, 1, 4, 2), "20");
    CHECK_STR(agg_run("avg", &v, 1, 4, 1), "5.0000000000000000");
    CHECK_STR(agg_run("stddev", &v, 1, 4, 3), "4.2426406871192851");
    CHECK_STR(agg_run("variance", &v, 1, 4, 2), "18.0000000000000000");
    CHECK_STR(agg_run("var_pop", &v, 1, 4, 0), "13.5000000000000000");
    CHECK_STR(agg_run("stddev_pop", &v, 1, 4, 4), "3.6742346141747671");
    CHECK_STR(agg_run("min", &v, 1, 4, 2), "1");
    CHECK_STR(agg_run("max", &v, 1, 4, 2), "10");
    CHECK_STR(agg_run("count", &v, 1, 4, 2), "4");
    CHECK_STR(agg_run("count_star", NULL, 0, 4, 2), "4");
    CHECK_STR(agg_run("sum", &v, 1, 0, 0), "<null>");
    CHECK_STR(agg_run("count", &v, 1, 0, 0), "0");

    i32 one[] = {1, 1};
    v = vi32(2, one);
    CHECK_STR(agg_run("variance", &v, 1, 2, 1), "0");
    CHECK_STR(agg_run("stddev", &v, 1, 1, 1), "<null>");
    CHECK_STR(agg_run("var_pop", &v, 1, 1, 1), "0");

    const char *ns[] = {"1.5", "2.25", "-0.125"};
    v = vnum(3, ns);
    CHECK_STR(agg_run("sum", &v, 1, 3, 1), "3.625");
    CHECK_STR(agg_run("avg", &v, 1, 3, 2), "1.20833333333333333333");
    CHECK_STR(agg_run("stddev", &v, 1, 3, 1), "1.2140668570277888");
    CHECK_STR(agg_run("var_pop", &v, 1, 3, 2), "0.98263888888888888889");
    CHECK_STR(agg_run("max", &v, 1, 3, 1), "2.25");

    double fs[] = {1.5, 2.25, -0.125};
    v = vf64(3, fs);
    CHECK_STR(agg_run("sum", &v, 1, 3, 1), "3.625");
    CHECK_STR(agg_run("avg", &v, 1, 3, 2), "1.2083333333333333");
    CHECK_STR(agg_run("stddev", &v, 1, 3, 1), "1.2140668570277888");
    CHECK_STR(agg_run("var_pop", &v, 1, 3, 1), "0.98263888888888884");

    i64 big[] = {INT64_MAX, INT64_MAX, 2};
    v = vi64(3, big);
    CHECK_STR(agg_run("sum", &v, 1, 3, 1), "18446744073709551616");

    const char *ts[] = {"hello world long string", "abc", NULL, "zzz"};
    v = vtext(4, ts);
    CHECK_STR(agg_run("min", &v, 1, 4, 2), "abc");
    CHECK_STR(agg_run("max", &v, 1, 4, 1), "zzz");
    Vector sa[2] = {v, vtext(4, (const char *[]){"-", "-", "-", "-"})};
    CHECK_STR(agg_run("string_agg", sa, 2, 4, 2), "hello world long string-abc-zzz");
    CHECK_STR(agg_run("string_agg", sa, 2, 4, 0), "hello world long string-abc-zzz");
    CHECK_STR(agg_run("array_agg", &v, 1, 4, 3), "{\"hello world long string\",abc,NULL,zzz}");
    const char *q[] = {"NULL", "", "q\"\\"};
    v = vtext(3, q);
    CHECK_STR(agg_run("array_agg", &v, 1, 3, 1), "{\"NULL\",\"\",\"q\\\"\\\\\"}");
    v = vi32(4, xi);
    CHECK_STR(agg_run("array_agg", &v, 1, 4, 2), "{1,2,7,10}");

    Vector b = vec(TYPE_BOOL, 3);
    b.data[0] = 1, b.data[1] = 0, b.data[2] = 1;
    CHECK_STR(agg_run("bool_and", &b, 1, 3, 1), "f");
    CHECK_STR(agg_run("bool_or", &b, 1, 3, 1), "t");
    CHECK_STR(agg_run("bool_and", &b, 1, 1, 1), "t");
}

/* ---- date/time --------------------------------------------------------- */

static Vector cdate(int y, int m, int d)
{
    Vector v = vec(TYPE_DATE, 1);
    ((Date *)v.data)[0] = (Date)date_from_ymd(y, m, d);
    return v;
}
static Vector cts(int y, int m, int d, int hh)
{
    Vector v = vec(TYPE_TIMESTAMP, 1);
    ((Timestamp *)v.data)[0] = date_from_ymd(y, m, d) * USECS_PER_DAY + hh * USECS_PER_HOUR;
    return v;
}
static Vector civ(i32 months, i32 days, i64 us)
{
    Vector v = vec(TYPE_INTERVAL, 1);
    ((Interval *)v.data)[0] = (Interval){us, days, months};
    return v;
}
static const char *dt1(const char *fn, Vector *args, int nargs)
{
    Vector out;
    if (call(fn, args, nargs, 1, &out)) {
        fprintf(stderr, "%s: %s\n", fn, E.message ? E.message : "?");
        err_clear(&E);
        return "<error>";
    }
    if (vector_is_null(&out, 0)) return "<null>";
    char *b = arena_alloc(A, 128);
    switch (out.type.id) {
    case TYPE_DATE: date_format(((Date *)out.data)[0], b, 128); return b;
    case TYPE_TIMESTAMP: timestamp_format(((Timestamp *)out.data)[0], b, 128); return b;
    case TYPE_TIMESTAMPTZ: timestamptz_format(((TimestampTz *)out.data)[0], tz_utc(), b, 128); return b;
    case TYPE_INTERVAL: interval_format(&((Interval *)out.data)[0], b, 128); return b;
    default: return t1(fn, args, nargs);
    }
}

static void test_datetime(void)
{
    Vector a[3];
    a[0] = cdate(2020, 3, 1), a[1] = cdate(2020, 2, 1);
    CHECK_STR(dt1("-", a, 2), "29");
    a[1] = cint(1);
    CHECK_STR(dt1("-", a, 2), "2020-02-29");
    CHECK_STR(dt1("+", a, 2), "2020-03-02");
    a[1] = civ(1, 0, USECS_PER_HOUR);
    CHECK_STR(dt1("+", a, 2), "2020-04-01 01:00:00");
    a[0] = cts(2020, 1, 31, 12), a[1] = civ(1, 0, 0);
    CHECK_STR(dt1("+", a, 2), "2020-02-29 12:00:00");
    a[1] = cts(2020, 1, 1, 0);
    CHECK_STR(dt1("-", a, 2), "30 days 12:00:00");
    a[0] = ctext("month"), a[1] = cts(2020, 2, 17, 5);
    CHECK_STR(dt1("date_trunc", a, 2), "2020-02-01 00:00:00");
    a[0] = ctext("year");
    CHECK_STR(dt1("date_part", a, 2), "2020");
    CHECK_STR(dt1("extract", a, 2), "2020");
    a[0] = cts(2020, 2, 17, 5), a[1] = ctext("YYYY-MM-DD HH24");
    CHECK_STR(dt1("to_char", a, 2), "2020-02-17 05");
    a[0] = civ(0, 1, 0), a[1] = civ(0, 0, 25 * USECS_PER_HOUR);
    CHECK_STR(dt1("<", a, 2), "t");
    CHECK_STR(dt1("+", a, 2), "1 day 25:00:00");
    i32 y = 2021, m = 2, d = 28;
    a[0] = vi32(1, &y), a[1] = vi32(1, &m), a[2] = vi32(1, &d);
    CHECK_STR(dt1("make_date", a, 3), "2021-02-28");
    d = 29;
    a[2] = vi32(1, &d);
    Vector out;
    CHECK(call("make_date", a, 3, 1, &out) != 0);
    CHECK_ERR(&E, "22008", NULL);

    Vector iv = vec(TYPE_INTERVAL, 2);
    ((Interval *)iv.data)[0] = (Interval){USECS_PER_HOUR, 1, 1};
    ((Interval *)iv.data)[1] = (Interval){0, 2, 0};
    CHECK_STR(agg_run("sum", &iv, 1, 2, 1), "1 mon 3 days 01:00:00");
    CHECK_STR(agg_run("max", &iv, 1, 2, 1), "1 mon 1 day 01:00:00");
    CHECK_STR(agg_run("avg", &iv, 1, 2, 1), "16 days 12:30:00");
}

void suite_func(void);
void suite_func(void)
{
    A = arena_create(NULL);
    CTX.err = &E;
    CTX.arena = A;
    CTX.timezone = "UTC";
    test_arith();
    test_compare();
    test_like();
    test_string();
    test_math();
    test_agg();
    test_datetime();
    arena_destroy(A);
}
