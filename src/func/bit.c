/*
 * src/func/bit.c — bit(n) / bit varying(n) operators and functions with
 * PostgreSQL 15 semantics: & | # (same lengths or 22026), ~, << and >>
 * (length kept, zeros shifted in, a negative count shifts the other way),
 * ||, length/bit_length/octet_length, get_bit/set_bit, substring and
 * position.  Bit strings are '0'/'1' characters (src/types/bitstring.h), so
 * every kernel works on characters; the comparison operators are the text
 * kernels (ops_compare.c).
 *
 * INTERFACE: func_register_bit
 */
#include "func/func_internal.h"

#define SARG(k, i) (&STRS(&args[k])[AIDX(&args[k], i)])
#define IARG(k, i) (((const i32 *)args[k].data)[AIDX(&args[k], i)])

enum { OP_AND, OP_OR, OP_XOR };

static int bitwise(FuncCtx *ctx, Vector *args, idx_t count, Vector *out, int op)
{
    static const char *const NAMES[] = {"AND", "OR", "XOR"};
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i), *b = SARG(1, i);
        if (a->len != b->len)
            return err_set(ctx->err, SQLSTATE_STRING_DATA_LENGTH_MISMATCH, "cannot %s bit strings of different sizes",
                           NAMES[op]);
        const char *pa = str_data(a), *pb = str_data(b);
        char *r = arena_alloc(out->heap, (size_t)a->len + 1);
        for (u32 k = 0; k < a->len; k++) {
            int x = pa[k] == '1', y = pb[k] == '1';
            int v = op == OP_AND ? x & y : op == OP_OR ? x | y : x ^ y;
            r[k] = (char)('0' + v);
        }
        STRS(out)[i] = str_make(r, a->len);
    }
    return MDB_OK_;
}
static int fn_bitand(FuncCtx *c, Vector *a, int n, idx_t cnt, Vector *o) { (void)n; return bitwise(c, a, cnt, o, OP_AND); }
static int fn_bitor(FuncCtx *c, Vector *a, int n, idx_t cnt, Vector *o) { (void)n; return bitwise(c, a, cnt, o, OP_OR); }
static int fn_bitxor(FuncCtx *c, Vector *a, int n, idx_t cnt, Vector *o) { (void)n; return bitwise(c, a, cnt, o, OP_XOR); }

static int fn_bitnot(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)ctx;
    (void)nargs;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i);
        const char *pa = str_data(a);
        char *r = arena_alloc(out->heap, (size_t)a->len + 1);
        for (u32 k = 0; k < a->len; k++) r[k] = pa[k] == '1' ? '0' : '1';
        STRS(out)[i] = str_make(r, a->len);
    }
    return MDB_OK_;
}

/* Shifts left by s (right when negative), keeping the length. */
static int shift(Vector *args, idx_t count, Vector *out, bool left)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i);
        i64 s = IARG(1, i);
        if (!left) s = -s;
        const char *pa = str_data(a);
        i64 n = a->len;
        char *r = arena_alloc(out->heap, (size_t)n + 1);
        for (i64 k = 0; k < n; k++) {
            i64 from = k + s; /* left shift: bit k takes bit k + s */
            r[k] = from >= 0 && from < n ? pa[from] : '0';
        }
        STRS(out)[i] = str_make(r, a->len);
    }
    return MDB_OK_;
}
static int fn_shl(FuncCtx *c, Vector *a, int n, idx_t cnt, Vector *o) { (void)c; (void)n; return shift(a, cnt, o, true); }
static int fn_shr(FuncCtx *c, Vector *a, int n, idx_t cnt, Vector *o) { (void)c; (void)n; return shift(a, cnt, o, false); }

static int fn_bitcat(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i), *b = SARG(1, i);
        size_t len = (size_t)a->len + b->len;
        if (len >= ((size_t)1 << 30)) return err_set(ctx->err, "54000", "bit string length exceeds the maximum allowed (%d)", 83886080);
        char *r = arena_alloc(out->heap, len + 1);
        memcpy(r, str_data(a), a->len);
        memcpy(r + a->len, str_data(b), b->len);
        STRS(out)[i] = str_make(r, (u32)len);
    }
    return MDB_OK_;
}

static int fn_length(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)ctx;
    (void)nargs;
    for (idx_t i = 0; i < count; i++) ((i32 *)out->data)[i] = ROW_OK(out, i) ? (i32)SARG(0, i)->len : 0;
    return MDB_OK_;
}
static int fn_octet_length(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)ctx;
    (void)nargs;
    for (idx_t i = 0; i < count; i++) ((i32 *)out->data)[i] = ROW_OK(out, i) ? (i32)((SARG(0, i)->len + 7) / 8) : 0;
    return MDB_OK_;
}

static int bit_index(FuncCtx *ctx, const Str *a, i32 n)
{
    if (n < 0 || (u32)n >= a->len)
        return err_set(ctx->err, "2202E", "bit index %d out of valid range (0..%d)", n, (int)a->len - 1);
    return MDB_OK_;
}

static int fn_get_bit(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i);
        i32 n = IARG(1, i);
        if (bit_index(ctx, a, n)) return MDB_FAIL;
        ((i32 *)out->data)[i] = str_data(a)[n] == '1';
    }
    return MDB_OK_;
}

static int fn_set_bit(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)nargs;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i);
        i32 n = IARG(1, i), v = IARG(2, i);
        if (bit_index(ctx, a, n)) return MDB_FAIL;
        if (v != 0 && v != 1) return err_set(ctx->err, SQLSTATE_INVALID_PARAMETER_VALUE, "new bit must be 0 or 1");
        char *r = arena_alloc(out->heap, (size_t)a->len + 1);
        memcpy(r, str_data(a), a->len);
        r[n] = (char)('0' + v);
        STRS(out)[i] = str_make(r, a->len);
    }
    return MDB_OK_;
}

/* substring(b from s [for l]): bits s .. s+l-1 (1-based), clipped to the string. */
static int fn_substring(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i);
        i64 s = IARG(1, i), e;
        if (nargs > 2) {
            i64 l = IARG(2, i);
            if (l < 0) return err_set(ctx->err, "22011", "negative substring length not allowed");
            e = s + l;
        } else {
            e = (i64)a->len + 1;
        }
        i64 from = s < 1 ? 1 : s, to = e > (i64)a->len + 1 ? (i64)a->len + 1 : e;
        u32 n = to > from ? (u32)(to - from) : 0;
        STRS(out)[i] = str_copy(out->heap, str_data(a) + (n ? from - 1 : 0), n);
    }
    return MDB_OK_;
}

/* position(sub in b): 1-based start of the first match, 0 when none; an empty sub is found at 1. */
static int fn_position(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out)
{
    (void)ctx;
    (void)nargs;
    for (idx_t i = 0; i < count; i++) {
        if (!ROW_OK(out, i)) continue;
        const Str *a = SARG(0, i), *sub = SARG(1, i); /* the grammar's position(sub IN a) is position(a, sub) */
        i32 pos = 0;
        if (sub->len == 0) {
            pos = 1;
        } else {
            const char *ps = str_data(sub), *pa = str_data(a);
            for (u32 k = 0; k + sub->len <= a->len; k++) {
                if (!memcmp(pa + k, ps, sub->len)) {
                    pos = (i32)k + 1;
                    break;
                }
            }
        }
        ((i32 *)out->data)[i] = pos;
    }
    return MDB_OK_;
}

#define B TYPE_BIT
#define I TYPE_INT32
static const ScalarFunc BIT_FNS[] = {
    {"&", 2, {B, B}, RET_ARG0, 0, fn_bitand},
    {"|", 2, {B, B}, RET_ARG0, 0, fn_bitor},
    {"#", 2, {B, B}, RET_ARG0, 0, fn_bitxor},
    {"~", 1, {B}, RET_ARG0, 0, fn_bitnot},
    {"<<", 2, {B, I}, RET_ARG0, 0, fn_shl},
    {">>", 2, {B, I}, RET_ARG0, 0, fn_shr},
    {"||", 2, {B, B}, RET_VARBIT, 0, fn_bitcat},
    {"bitcat", 2, {B, B}, RET_VARBIT, 0, fn_bitcat},
    {"length", 1, {B}, I, 0, fn_length},
    {"bit_length", 1, {B}, I, 0, fn_length},
    {"octet_length", 1, {B}, I, 0, fn_octet_length},
    {"get_bit", 2, {B, I}, I, 0, fn_get_bit},
    {"set_bit", 3, {B, I, I}, RET_ARG0, 0, fn_set_bit},
    {"substring", 2, {B, I}, RET_ARG0, 0, fn_substring},
    {"substring", 3, {B, I, I}, RET_ARG0, 0, fn_substring},
    {"position", 2, {B, B}, I, 0, fn_position},
};

void func_register_bit(void) { func_register_scalar(BIT_FNS, MDB_ARRAY_LEN(BIT_FNS)); }
