/*
 * src/func/registry.c — the one table of functions and overload resolution.
 *
 * Resolution follows PostgreSQL's outline: an exact match wins; otherwise
 * every overload whose parameters the arguments coerce to implicitly is a
 * candidate, and the one with the lowest total coercion cost is chosen
 * (ties go to the first registered, so files register preferred overloads
 * first).
 */
#include "func/func.h"

#include <pthread.h>
#include <stdio.h>
#include <strings.h>

#include "types/coerce.h"

#define NBUCKETS 512

typedef struct Entry {
    const char *name;
    bool is_agg;
    const void *fn;
    struct Entry *next;
} Entry;

static Entry *buckets[NBUCKETS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static unsigned hash_name(const char *s)
{
    unsigned h = 5381;
    for (; *s; s++) h = h * 33 + (unsigned char)*s;
    return h % NBUCKETS;
}

static void add(const char *name, bool is_agg, const void *fn)
{
    Entry *e = xmalloc(sizeof(Entry));
    e->name = name;
    e->is_agg = is_agg;
    e->fn = fn;
    e->next = NULL;
    /* append to keep registration order */
    Entry **pp = &buckets[hash_name(name)];
    while (*pp) pp = &(*pp)->next;
    *pp = e;
}

void func_register_scalar(const ScalarFunc *fns, size_t n)
{
    for (size_t i = 0; i < n; i++) add(fns[i].name, false, &fns[i]);
}

void func_register_agg(const AggFunc *fns, size_t n)
{
    for (size_t i = 0; i < n; i++) add(fns[i].name, true, &fns[i]);
}

void func_register_builtins(void);
static void init_once(void) { func_register_builtins(); }
void func_init(void) { pthread_once(&once, init_once); }

static bool is_unknown(LType t) { return t.id == TYPE_NULL || (t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN); }

/* Cost of passing `a` to parameter spec `p`; -1 = impossible. */
static int param_cost(LType a, u8 p, LType *resolved, LType same)
{
    if (p == ARG_ANY) { *resolved = is_unknown(a) && a.id != TYPE_NULL ? ltype(TYPE_TEXT) : a; return 0; }
    if (p == ARG_SAME) {
        int c = coerce_cost(a, same, is_unknown(a));
        *resolved = same;
        return c;
    }
    if (p == ARG_ANYARRAY) {
        if (a.id != TYPE_LIST) return -1;
        *resolved = a;
        return 0;
    }
    if (p == ARG_BPCHAR) {
        if (a.id != TYPE_TEXT || a.text_kind != TEXT_CHAR) return -1;
        *resolved = a;
        return 0;
    }
    if (p == ARG_NUMERIC_ANY) {
        if (type_is_numeric((TypeId)a.id)) { *resolved = a; return 0; }
        if (is_unknown(a)) { *resolved = ltype(TYPE_NUMERIC); return 2; }
        return -1;
    }
    LType want = ltype((TypeId)p);
    int c = coerce_cost(a, want, is_unknown(a));
    if (c < 0) return -1;
    *resolved = a.id == p ? a : want;
    if (resolved->id == TYPE_TEXT) resolved->text_kind = TEXT_PLAIN;
    return c;
}

static int score(const ScalarFunc *f, const LType *args, int nargs, LType *arg_out)
{
    bool variadic = f->flags & FUNC_VARIADIC;
    if (variadic ? nargs < f->nargs - 1 : nargs != f->nargs) return -1;
    int total = 0;
    LType same = args[0];
    for (int i = 0; i < nargs; i++) {
        u8 p = i < f->nargs ? f->args[i] : f->args[f->nargs - 1];
        int c = param_cost(args[i], p, &arg_out[i], same);
        if (c < 0) return -1;
        total += c;
    }
    return total;
}

static LType ret_type(u8 ret, const LType *args)
{
    if (ret == RET_ARG0) {
        LType t = args[0];
        if (t.id == TYPE_TEXT) t.text_kind = TEXT_PLAIN, t.mod1 = -1;
        if (t.id == TYPE_BIT) t.mod1 = -1; /* PG: bit operators return bit / bit varying without a length */
        return t;
    }
    if (ret == RET_VARBIT) {
        LType t = ltype(TYPE_BIT);
        t.text_kind = BIT_VARYING;
        return t;
    }
    if (ret == RET_NUMERIC_PROMOTE) return args[0];
    if (ret == RET_TEXT_LIST) {
        LType t = ltype(TYPE_LIST);
        t.elem = TYPE_TEXT;
        return t;
    }
    return ltype((TypeId)ret);
}

const char *func_pg_type_name(LType t, char *buf, size_t cap)
{
    const char *n;
    if (t.id == TYPE_TEXT)
        n = t.text_kind == TEXT_VARCHAR ? "character varying"
            : t.text_kind == TEXT_CHAR  ? "character"
            : t.text_kind == TEXT_UNKNOWN ? "unknown"
                                          : "text";
    else if (t.id == TYPE_LIST)
        n = t.elem == TYPE_NULL || t.elem == TYPE_LIST ? "text" : type_id_name((TypeId)t.elem);
    else
        n = type_id_name((TypeId)t.id);
    snprintf(buf, cap, "%s%s", n, t.id == TYPE_LIST ? "[]" : "");
    return buf;
}

int func_lookup_scalar(const char *name, const LType *args, int nargs, const ScalarFunc **out, LType *arg_out,
                       LType *ret_out, Err *err, int position)
{
    func_init();
    const ScalarFunc *best = NULL;
    int best_cost = 1 << 30;
    LType tmp[16], best_args[16];
    if (nargs > 16) return err_set_pos(err, position, SQLSTATE_UNDEFINED_FUNCTION, "too many arguments");
    bool found_name = false;
    bool is_op = !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
    if (is_op && nargs == 2 && is_unknown(args[0]) != is_unknown(args[1]) && args[0].id != TYPE_NULL &&
        args[1].id != TYPE_NULL) {
        /* PG: for a binary operator with one untyped literal, an operator
         * taking the other argument's type on both sides is an exact match
         * ('\x01'::bytea || '\x02' is bytea || bytea, not text || text) */
        LType known = is_unknown(args[0]) ? args[1] : args[0];
        for (Entry *e = buckets[hash_name(name)]; e; e = e->next) {
            if (e->is_agg || strcmp(e->name, name) != 0) continue;
            const ScalarFunc *f = e->fn;
            if (f->nargs == 2 && !(f->flags & FUNC_VARIADIC) && f->args[0] == known.id && f->args[1] == known.id &&
                known.id != TYPE_LIST) {
                *out = f;
                arg_out[0] = arg_out[1] = known;
                if (known.id == TYPE_TEXT) arg_out[0].text_kind = arg_out[1].text_kind = TEXT_PLAIN;
                *ret_out = ret_type(f->ret, arg_out);
                return MDB_OK_;
            }
        }
    }
    for (Entry *e = buckets[hash_name(name)]; e; e = e->next) {
        if (e->is_agg || strcmp(e->name, name) != 0) continue;
        found_name = true;
        const ScalarFunc *f = e->fn;
        int c = score(f, args, nargs, tmp);
        if (c >= 0 && c < best_cost) {
            best = f;
            best_cost = c;
            memcpy(best_args, tmp, sizeof(LType) * (size_t)nargs);
        }
    }
    if (!best) {
        /* PG: an untyped literal cannot stand for an anyarray parameter */
        for (Entry *e = buckets[hash_name(name)]; e; e = e->next) {
            if (e->is_agg || strcmp(e->name, name) != 0) continue;
            const ScalarFunc *f = e->fn;
            for (int i = 0; i < nargs && i < f->nargs; i++)
                if (f->args[i] == ARG_ANYARRAY && is_unknown(args[i]) && args[i].id != TYPE_NULL)
                    return err_set_pos(err, position, "42804", "could not determine polymorphic type because input has type unknown");
        }
        char sig[512];
        sig[0] = 0; /* f() */
        size_t o = 0;
        for (int i = 0; i < nargs && o < sizeof sig - 64; i++) {
            char tb[64];
            LType t = args[i];
            const char *tn = is_unknown(t) ? "unknown" : type_name(t, tb, sizeof tb);
            o += (size_t)snprintf(sig + o, sizeof sig - o, "%s%s", i ? ", " : "", tn);
        }
        if (is_op) {
            if (nargs == 2)
                err_set_pos(err, position, SQLSTATE_UNDEFINED_FUNCTION, "operator does not exist: %s %s %s",
                            is_unknown(args[0]) ? "unknown" : type_name(args[0], (char[64]){0}, 64), name,
                            is_unknown(args[1]) ? "unknown" : type_name(args[1], (char[64]){0}, 64));
            else
                err_set_pos(err, position, SQLSTATE_UNDEFINED_FUNCTION, "operator does not exist: %s %s", name, sig);
            err_hint(err, "No operator matches the given name and argument types. You might need to add explicit type casts.");
        } else {
            err_set_pos(err, position, SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name, sig);
            err_hint(err, found_name ? "No function matches the given name and argument types. You might need to add explicit type casts."
                                     : "No function matches the given name and argument types. You might need to add explicit type casts.");
        }
        return MDB_FAIL;
    }
    *out = best;
    memcpy(arg_out, best_args, sizeof(LType) * (size_t)nargs);
    *ret_out = ret_type(best->ret, best_args);
    return MDB_OK_;
}

bool func_scalar_exists(const char *name)
{
    func_init();
    for (Entry *e = buckets[hash_name(name)]; e; e = e->next)
        if (!e->is_agg && strcmp(e->name, name) == 0) return true;
    return false;
}

bool func_is_aggregate(const char *name)
{
    func_init();
    for (Entry *e = buckets[hash_name(name)]; e; e = e->next)
        if (e->is_agg && strcmp(e->name, name) == 0) return true;
    return false;
}

int func_lookup_agg(const char *name, const LType *args, int nargs, const AggFunc **out, LType *arg_out,
                    LType *ret_out, Err *err, int position)
{
    func_init();
    const AggFunc *best = NULL;
    int best_cost = 1 << 30;
    LType best_arg = ltype(TYPE_NULL);
    for (Entry *e = buckets[hash_name(name)]; e; e = e->next) {
        if (!e->is_agg || strcmp(e->name, name) != 0) continue;
        const AggFunc *f = e->fn;
        if (f->nargs != nargs) continue;
        LType r = ltype(TYPE_NULL);
        int c = 0;
        if (nargs > 0) {
            c = param_cost(args[0], f->arg, &r, args[0]);
            if (c < 0) continue;
            for (int i = 1; i < nargs; i++) arg_out[i] = is_unknown(args[i]) ? ltype(TYPE_TEXT) : args[i];
        }
        if (c < best_cost) {
            best = f;
            best_cost = c;
            best_arg = r;
        }
    }
    if (!best) {
        char tb[64];
        err_set_pos(err, position, SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name,
                    nargs ? (is_unknown(args[0]) ? "unknown" : type_name(args[0], tb, sizeof tb)) : "");
        err_hint(err, "No function matches the given name and argument types. You might need to add explicit type casts.");
        return MDB_FAIL;
    }
    *out = best;
    if (nargs) arg_out[0] = best_arg;
    *ret_out = best->ret == RET_ARG0 ? best_arg : ltype((TypeId)best->ret);
    if (ret_out->id == TYPE_TEXT) ret_out->text_kind = TEXT_PLAIN, ret_out->mod1 = -1;
    return MDB_OK_;
}
