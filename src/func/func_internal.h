/*
 * src/func/func_internal.h — helpers shared by the built-in function files
 * of src/func/ (not for use outside this folder).
 *
 * Kernels follow the contract in func.h: for strict functions the evaluator
 * has flattened the arguments (unless all are constant, then count == 1) and
 * set out->nulls to the OR of the argument masks.  ROW_OK(out, i) says
 * whether row i must be computed.  The helpers here still read arguments
 * through AIDX() so a kernel also works when a caller passes a constant
 * argument next to flat ones.
 *
 * Each file registers its table with one function called from
 * func_register_builtins() (builtins.c).  See src/func/README.md.
 */
#ifndef MDB_FUNC_INTERNAL_H
#define MDB_FUNC_INTERNAL_H

#include "common/error.h"
#include "func/func.h"
#include "types/numeric.h"

/* Row i is to be computed (not NULL). */
#define ROW_OK(out, i) (!(out)->nulls || !(out)->nulls[i])
/* Index of row i in argument vector v (constant vectors hold row 0 only). */
#define AIDX(v, i) ((v)->is_const ? 0 : (i))
/* Argument row i is NULL (for non-strict kernels). */
#define ARG_NULL(v, i) ((v)->nulls && (v)->nulls[AIDX(v, i)])

#define STRS(v) ((Str *)(v)->data)

/* Marks row i of out NULL (kernel-produced NULL). */
static inline void out_set_null(Vector *out, idx_t i) { vector_nulls(out)[i] = 1; }

/* Writes bytes as row i of a string result (copied into out->heap). */
static inline void out_str(Vector *out, idx_t i, const char *p, size_t n)
{
    STRS(out)[i] = str_copy(out->heap, p, (u32)n);
}

/* Registration functions, one per file (called by builtins.c). */
void func_register_ops_arith(void);
void func_register_ops_compare(void);
void func_register_agg_builtins(void);
void func_register_string(void);
void func_register_like(void);
void func_register_math(void);
void func_register_datetime_fn(void);
void func_register_misc(void);
void func_register_array(void);
void func_register_bytea(void);
void func_register_bit(void);

/* Shared by several files. */
/* float8 result checks of PostgreSQL's float.h (float_overflow_error etc.) */
int func_float_overflow(Err *err);
int func_float_underflow(Err *err);
/* Number of UTF-8 characters in p[0..n). */
size_t func_utf8_len(const char *p, size_t n);
/* Text of an arbitrary non-NULL value in PG's output format, in `a`. */
Str func_value_text(FuncCtx *ctx, const Vector *v, idx_t i, Arena *a);

/* Building an array's text form (array.c): init, add each element (bytes
 * in their text output form, quoted here as PG's array_out does), finish
 * writes `{...}` as row i of out. */
typedef struct ArrayText {
    Arena *arena; /* scratch for the growing buffer */
    char *buf;
    size_t len, cap;
    size_t n; /* elements so far */
} ArrayText;
void func_array_init(ArrayText *b, Arena *scratch);
void func_array_add(ArrayText *b, const char *p, size_t n, bool is_null);
void func_array_finish(ArrayText *b, Vector *out, idx_t i);
/* The elements of a one-dimensional array's text form, unquoted, in
 * ctx->arena; 22P02 on malformed input. */
typedef struct ArrayElems {
    Str *elems;
    bool *nulls;
    size_t n;
} ArrayElems;
int func_array_split(FuncCtx *ctx, const Str *arr, ArrayElems *out);

#endif
