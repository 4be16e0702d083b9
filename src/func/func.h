/*
 * src/func/func.h — the function registry: scalar, aggregate and table
 * functions with their signatures, in one table (DESIGN.md §1).
 *
 * Scalar kernels work a vector at a time.  For a strict function the
 * evaluator has already flattened the arguments and set out->nulls to the OR of
 * the arguments' NULL masks; the kernel computes every row whose out->nulls
 * byte is 0 and must not raise errors for the others.  When every argument is
 * constant the evaluator calls the kernel with count = 1 and marks the result
 * constant.
 *
 * INTERFACE: func_lookup_scalar, func_lookup_agg, func_register_all
 */
#ifndef MDB_FUNC_H
#define MDB_FUNC_H

#include "types/types.h"

typedef struct FuncCtx {
    Err *err;
    Arena *arena;            /* per-chunk scratch, reset between chunks */
    const char *timezone;    /* session TimeZone */
    i64 now_us;              /* statement start time, for now()/current_date */
    void *state;             /* per-evaluator cache owned by the kernel (e.g. a compiled regex) */
    /* registers fn(arg) to run when the execution ends (frees `state`) */
    void (*defer)(void *owner, void (*fn)(void *), void *arg);
    void *defer_owner;
    struct Session *session; /* the calling session (settings, sequences) */
    /* true once the statement is cancelled or timed out (long kernels: pg_sleep) */
    bool (*cancelled)(void *owner);
} FuncCtx;

typedef int (*ScalarKernel)(FuncCtx *ctx, Vector *args, int nargs, idx_t count, Vector *out);

/* Signature matching: ARG_ANY accepts any type; ARG_SAME_AS_0 must match
 * argument 0 after coercion; ARG_ANYARRAY accepts an array of any element
 * type (PG's anyarray; an untyped literal does not match); ARG_BPCHAR
 * accepts only char(n), unchanged (no cast to text, which would strip the
 * padding).  A return type of RET_ARG0 copies argument 0's; RET_TEXT_LIST
 * is text[]. */
enum { ARG_ANY = 250, ARG_NUMERIC_ANY = 251, ARG_SAME = 252, ARG_ANYARRAY = 253, ARG_BPCHAR = 254 };
enum { RET_ARG0 = 250, RET_NUMERIC_PROMOTE = 251, RET_TEXT_LIST = 252, RET_VARBIT = 253 /* bit varying */ };

#define FUNC_MAX_ARGS 8
#define FUNC_VARIADIC 0x1 /* last argument type repeats */
#define FUNC_NOT_STRICT 0x2 /* called with NULL arguments */
#define FUNC_VOLATILE 0x4 /* not folded at plan time */
#define FUNC_CONST_ARGS 0x8 /* kernel reads constant argument vectors itself (row 0, see AIDX) */
#define FUNC_STABLE 0x10 /* reads the statement's moment (PostgreSQL's STABLE): not folded at plan time,
                          * where a prepared statement's kept plan would freeze the value */

typedef struct ScalarFunc {
    const char *name;
    u8 nargs;
    u8 args[FUNC_MAX_ARGS]; /* TypeId or ARG_* */
    u8 ret;                 /* TypeId or RET_* */
    u8 flags;
    ScalarKernel kernel;
} ScalarFunc;

/* Aggregates keep a fixed-size state per group.  update() gets one state
 * pointer per row; rows whose argument is NULL are skipped by the caller for
 * strict aggregates. */
typedef struct AggFunc AggFunc;
typedef struct AggCtx {
    Err *err;
    Arena *arena; /* long-lived: the aggregate's arena (for strings, sets) */
    const AggFunc *fn;
    LType arg_type;
    LType ret_type;
    void *extra;  /* e.g. string_agg's separator */
} AggCtx;

struct AggFunc {
    const char *name;
    u8 nargs;
    u8 arg;            /* TypeId of the (first) argument or ARG_ANY */
    u8 ret;            /* TypeId or RET_ARG0 */
    u8 flags;          /* FUNC_NOT_STRICT: sees NULLs (count(*)) */
    u16 state_size;
    void (*init)(AggCtx *c, void *state);
    /* args: nargs vectors of `count` rows; states[i] is row i's state. */
    int (*update)(AggCtx *c, Vector *args, idx_t count, void **states);
    int (*combine)(AggCtx *c, void *dst, const void *src);
    int (*finalize)(AggCtx *c, void *state, Vector *out, idx_t row);
};

/* Looks up a scalar function by name and argument types; on success *out is
 * the overload and arg_out[] the types the arguments must be cast to. */
int func_lookup_scalar(const char *name, const LType *args, int nargs, const ScalarFunc **out,
                       LType *arg_out, LType *ret_out, Err *err, int position);
bool func_scalar_exists(const char *name);
/* The rows of the set-returning regexp_matches(str, pattern[, flags]): one
 * text[] Value per match (in `a`); ctx->state caches the compiled pattern,
 * so keep the same FuncCtx across calls.  flags may be NULL. */
int func_regexp_matches(FuncCtx *ctx, const Str *str, const Str *pat, const Str *flags, Arena *a, Value **out, size_t *n);
/* The rows of regexp_split_to_table(str, pattern[, flags]): one text Value per piece (in `a`). */
int func_regexp_split(FuncCtx *ctx, const Str *str, const Str *pat, const Str *flags, Arena *a, Value **out, size_t *n);
int func_lookup_agg(const char *name, const LType *args, int nargs, const AggFunc **out, LType *arg_out,
                    LType *ret_out, Err *err, int position);
bool func_is_aggregate(const char *name);
/* The name pg_typeof() prints for a type: PG's regtype output, without
 * type modifiers ("character varying", "integer[]", "unknown"). */
const char *func_pg_type_name(LType t, char *buf, size_t cap);

/* Registration, one call per source file of src/func/. */
void func_register_scalar(const ScalarFunc *fns, size_t n);
void func_register_agg(const AggFunc *fns, size_t n);
void func_init(void);

#endif
