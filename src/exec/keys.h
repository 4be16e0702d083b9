/*
 * src/exec/keys.h — row keys as byte strings, for hashing and equality in
 * hash aggregation, hash joins, DISTINCT and set operations.
 *
 * A key encodes each column as a NULL flag byte plus a canonical form of the
 * value: numerics with trailing zeros trimmed, -0.0 as 0.0, every NaN alike,
 * strings length-prefixed.  Values that compare equal encode to equal bytes.
 */
#ifndef MDB_KEYS_H
#define MDB_KEYS_H

#include "exec/physical.h"

typedef struct KeyBuf {
    u8 *data;       /* row keys back to back */
    u32 *off;       /* off[i]..off[i+1] is row i's key */
    bool *has_null; /* row i has a NULL in some column */
    u64 *hash;
    idx_t n;
} KeyBuf;

/* Encodes rows 0..n-1 of the given vectors into kb (memory from `a`). */
void keys_encode(Arena *a, Vector *cols, int ncols, idx_t n, KeyBuf *kb);
u64 keys_hash_bytes(const u8 *p, size_t n);

/* A hash table from key bytes to an integer payload (group id / row chain). */
typedef struct KeyTable {
    u64 *hashes;
    u32 *lens;
    u8 **keys;
    i64 *vals;
    size_t cap, n;
    Arena *arena;   /* key bytes */
} KeyTable;

void keytable_init(KeyTable *t);
void keytable_free(KeyTable *t);
/* Finds key; when absent and insert is true, adds it with value *val.  Returns
 * a pointer to the value slot, or NULL when absent and not inserted. */
i64 *keytable_find(KeyTable *t, const u8 *key, u32 len, u64 hash, bool insert, bool *inserted);

/* A hash table from 64-bit integer keys to an integer payload: the fast path
 * for single-column integer, date and timestamp keys. */
typedef struct IntSlot {
    i64 key;
    i64 val;
    void *ptr; /* a payload pointer next to val (aggregation: the group's state block) */
    u64 used;  /* 0 = empty; 32-byte slots: a probe touches one cache line */
} IntSlot;

typedef struct IntTable {
    IntSlot *slots;
    size_t cap, n;
} IntTable;

void inttable_init(IntTable *t, size_t expected);
void inttable_free(IntTable *t);
void inttable_grow(IntTable *t);

static inline u64 inttable_hash(i64 key)
{
    u64 x = (u64)key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Makes room for `more` inserts, so slot pointers stay valid meanwhile. */
static inline void inttable_reserve(IntTable *t, size_t more)
{
    /* small tables stay at most a quarter full: fewer collisions, fewer
     * mispredicted probe loops, and they still fit the cache */
    while ((t->n + more) * (t->cap < 65536 ? 4 : 2) > t->cap) inttable_grow(t);
}

/* The slot of key, inserted (val 0, ptr NULL) when absent; the caller has
 * reserved room (inttable_reserve). */
static inline IntSlot *inttable_slot(IntTable *t, i64 key, size_t hash, bool *inserted)
{
    size_t mask = t->cap - 1, j = hash & mask;
    IntSlot *sl = t->slots;
    *inserted = false;
    while (sl[j].used) {
        if (sl[j].key == key) return &sl[j];
        j = (j + 1) & mask;
    }
    sl[j].used = 1;
    sl[j].key = key;
    sl[j].val = 0;
    sl[j].ptr = NULL;
    t->n++;
    *inserted = true;
    return &sl[j];
}

/* Finds key; when absent and insert is true, adds it with value 0.  Returns a
 * pointer to the value slot, or NULL when absent and not inserted.  Inline:
 * it runs once per row in aggregation loops. */
static inline i64 *inttable_find(IntTable *t, i64 key, bool insert, bool *inserted)
{
    if (inserted) *inserted = false;
    if (insert && (t->n + 1) * 2 > t->cap) inttable_grow(t);
    size_t mask = t->cap - 1;
    size_t j = inttable_hash(key) & mask;
    IntSlot *sl = t->slots;
    while (sl[j].used) {
        if (sl[j].key == key) return &sl[j].val;
        j = (j + 1) & mask;
    }
    if (!insert) return NULL;
    sl[j].used = 1;
    sl[j].key = key;
    sl[j].val = 0;
    t->n++;
    if (inserted) *inserted = true;
    return &sl[j].val;
}
/* True for types whose values fit an i64 losslessly and compare as integers. */
bool keys_is_int_type(TypeId id);
/* Reads row i of an integer-like vector as i64. */
static inline i64 keys_int_at(const Vector *v, idx_t i)
{
    idx_t r = v->is_const ? 0 : i;
    switch (type_width(v->type)) {
    case 2: return ((const i16 *)v->data)[r];
    case 4: return ((const i32 *)v->data)[r];
    default: return ((const i64 *)v->data)[r];
    }
}

/* keys_int_at for rows 0..n-1 into out, the width decided once. */
static inline void keys_int_column(const Vector *v, idx_t n, i64 *out)
{
    if (v->is_const) {
        i64 x = keys_int_at(v, 0);
        for (idx_t i = 0; i < n; i++) out[i] = x;
        return;
    }
    switch (type_width(v->type)) {
    case 2: for (idx_t i = 0; i < n; i++) out[i] = ((const i16 *)v->data)[i]; break;
    case 4: for (idx_t i = 0; i < n; i++) out[i] = ((const i32 *)v->data)[i]; break;
    default: for (idx_t i = 0; i < n; i++) out[i] = ((const i64 *)v->data)[i]; break;
    }
}

/* Composite keys of small values packed into one 63-bit integer, so that
 * grouping by several narrow columns (flags, short codes, small ids, dates)
 * takes the integer table instead of encoding byte keys.  Each column gets a
 * bit field: integer-like values as an offset from a base, short strings
 * (at most 7 bytes) as their bytes and length; field value 0 is NULL.  The
 * widths are chosen once, from the first batch seen, with headroom; a row
 * whose value falls outside its field does not fit and takes the byte-key
 * path.  Since fitting depends only on the key's value, a group is always
 * found on the same path. */
typedef struct KeyPackCol {
    u8 str;     /* string field (else integer-like) */
    u8 shift;   /* position of the field */
    u8 maxlen;  /* strings: longest byte length that fits */
    u8 lenbits; /* strings: bits of the length part */
    i64 base;   /* integers: value stored as v - base + 1 */
    u64 lim;    /* integers: v - base + 1 must be < lim */
} KeyPackCol;

typedef struct KeyPack {
    int state;  /* KEYPACK_UNDECIDED, KEYPACK_ON or KEYPACK_OFF */
    int ncols;
    KeyPackCol cols[8];
} KeyPack;
enum { KEYPACK_UNDECIDED = 0, KEYPACK_ON = 1, KEYPACK_OFF = 2 };

/* Chooses the fields from rows 0..n-1 of cols (state becomes ON or OFF). */
void keypack_plan(KeyPack *kp, const Vector *cols, int ncols, idx_t n);
/* Packs rows 0..n-1: fits[i] = 1 and packed[i] set where the row fits.
 * Returns the number of rows that do not fit. */
idx_t keypack_encode(const KeyPack *kp, const Vector *cols, idx_t n, i64 *packed, u8 *fits);

#endif
