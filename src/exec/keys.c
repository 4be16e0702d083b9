/*
 * src/exec/keys.c — canonical row keys and an open-addressing hash table.
 */
#include "exec/keys.h"

#include <math.h>
#include <stdlib.h>

#include "types/numeric.h"

u64 keys_hash_bytes(const u8 *p, size_t n)
{
    /* FNV-1a over 8-byte words with a final avalanche */
    u64 h = 0xcbf29ce484222325ULL ^ (n * 0x9E3779B97F4A7C15ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        u64 w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static size_t enc_width(const Vector *v, idx_t i)
{
    if (v->nulls && v->nulls[v->is_const ? 0 : i]) return 1;
    if (type_is_string((TypeId)v->type.id)) return 1 + 4 + ((const Str *)v->data)[v->is_const ? 0 : i].len;
    return 1 + type_width(v->type);
}

void keys_encode(Arena *a, Vector *cols, int ncols, idx_t n, KeyBuf *kb)
{
    kb->n = n;
    kb->off = arena_alloc(a, sizeof(u32) * (n + 1));
    kb->has_null = arena_zalloc(a, sizeof(bool) * (n ? n : 1));
    kb->hash = arena_alloc(a, sizeof(u64) * (n ? n : 1));
    size_t total = 0;
    for (idx_t i = 0; i < n; i++) {
        kb->off[i] = (u32)total;
        for (int c = 0; c < ncols; c++) total += enc_width(&cols[c], i);
    }
    kb->off[n] = (u32)total;
    kb->data = arena_alloc(a, total ? total : 1);
    for (idx_t i = 0; i < n; i++) {
        u8 *p = kb->data + kb->off[i];
        for (int c = 0; c < ncols; c++) {
            const Vector *v = &cols[c];
            idx_t r = v->is_const ? 0 : i;
            if ((v->nulls && v->nulls[r]) || v->type.id == TYPE_NULL) {
                *p++ = 1;
                kb->has_null[i] = true;
                continue;
            }
            *p++ = 0;
            switch ((TypeId)v->type.id) {
            case TYPE_TEXT:
            case TYPE_BYTEA:
            case TYPE_LIST:
            case TYPE_BIT: {
                const Str *s = &((const Str *)v->data)[r];
                memcpy(p, &s->len, 4);
                memcpy(p + 4, str_data(s), s->len);
                p += 4 + s->len;
                break;
            }
            case TYPE_NUMERIC: {
                Numeric x = numeric_trim_scale(((const Numeric *)v->data)[r]);
                memcpy(p, &x, 16);
                p += 16;
                break;
            }
            case TYPE_FLOAT64: {
                double d = ((const double *)v->data)[r];
                if (d == 0) d = 0;
                if (isnan(d)) d = NAN;
                memcpy(p, &d, 8);
                p += 8;
                break;
            }
            case TYPE_FLOAT32: {
                float d = ((const float *)v->data)[r];
                if (d == 0) d = 0;
                if (isnan(d)) d = NAN;
                memcpy(p, &d, 4);
                p += 4;
                break;
            }
            default: {
                size_t w = type_width(v->type);
                memcpy(p, v->data + r * w, w);
                p += w;
            }
            }
        }
        kb->hash[i] = keys_hash_bytes(kb->data + kb->off[i], kb->off[i + 1] - kb->off[i]);
    }
}

void keytable_init(KeyTable *t)
{
    memset(t, 0, sizeof(*t));
    t->arena = arena_create(NULL);
}

void keytable_free(KeyTable *t)
{
    free(t->hashes);
    free(t->lens);
    free(t->keys);
    free(t->vals);
    arena_destroy(t->arena);
    memset(t, 0, sizeof(*t));
}

static void grow(KeyTable *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    u64 *h = xcalloc_written(ncap, sizeof(u64));
    u32 *l = xcalloc_written(ncap, sizeof(u32));
    u8 **k = xcalloc_written(ncap, sizeof(u8 *));
    i64 *v = xcalloc_written(ncap, sizeof(i64));
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->keys[i]) continue;
        size_t j = t->hashes[i] & (ncap - 1);
        while (k[j]) j = (j + 1) & (ncap - 1);
        h[j] = t->hashes[i];
        l[j] = t->lens[i];
        k[j] = t->keys[i];
        v[j] = t->vals[i];
    }
    free(t->hashes);
    free(t->lens);
    free(t->keys);
    free(t->vals);
    t->hashes = h;
    t->lens = l;
    t->keys = k;
    t->vals = v;
    t->cap = ncap;
}

i64 *keytable_find(KeyTable *t, const u8 *key, u32 len, u64 hash, bool insert, bool *inserted)
{
    if (inserted) *inserted = false;
    if (t->cap == 0 || (t->n + 1) * 2 > t->cap) {
        if (!insert && t->cap == 0) return NULL;
        if (insert) grow(t);
    }
    size_t j = hash & (t->cap - 1);
    while (t->keys[j]) {
        if (t->hashes[j] == hash && t->lens[j] == len && memcmp(t->keys[j], key, len) == 0) return &t->vals[j];
        j = (j + 1) & (t->cap - 1);
    }
    if (!insert) return NULL;
    t->keys[j] = arena_memdup(t->arena, key, len ? len : 1);
    t->lens[j] = len;
    t->hashes[j] = hash;
    t->vals[j] = 0;
    t->n++;
    if (inserted) *inserted = true;
    return &t->vals[j];
}

/* ---- integer keys -------------------------------------------------------------- */

/* Row i of an integer-like or boolean vector. */
static inline i64 pack_int_at(const Vector *v, idx_t i)
{
    if (v->type.id == TYPE_BOOL) return v->data[v->is_const ? 0 : i] != 0;
    return keys_int_at(v, i);
}

/* Bits needed to hold the values 0..x. */
static int bits_for(u64 x)
{
    int b = 0;
    while (b < 64 && (x >> b)) b++;
    return b;
}

static bool keypack_fit(KeyPack *kp, const Vector *cols, idx_t n, bool headroom)
{
    int shift = 0;
    for (int c = 0; c < kp->ncols; c++) {
        const Vector *v = &cols[c];
        KeyPackCol *f = &kp->cols[c];
        memset(f, 0, sizeof(*f));
        f->shift = (u8)shift;
        idx_t rows = v->is_const ? 1 : n;
        if (type_is_string((TypeId)v->type.id)) {
            u32 maxlen = 0;
            for (idx_t i = 0; i < rows; i++)
                if (!(v->nulls && v->nulls[i])) maxlen = MDB_MAX(maxlen, ((const Str *)v->data)[i].len);
            if (headroom && maxlen < 7) maxlen++;
            if (maxlen > 7) return false;
            f->str = 1;
            f->maxlen = (u8)maxlen;
            f->lenbits = (u8)bits_for(maxlen + 1);
            shift += 8 * (int)maxlen + f->lenbits;
        } else {
            i64 lo = 0, hi = 0;
            bool any = false;
            for (idx_t i = 0; i < rows; i++) {
                if (v->nulls && v->nulls[i]) continue;
                i64 x = pack_int_at(v, i);
                if (!any || x < lo) lo = x;
                if (!any || x > hi) hi = x;
                any = true;
            }
            u64 range = (u64)hi - (u64)lo + 1; /* values 1..range, 0 = NULL */
            if (range == 0 || range > ((u64)1 << 40)) return false;
            int bits = bits_for(range) + (headroom ? 2 : 0);
            u64 lim = (u64)1 << bits;
            u64 spare = (lim - 1 - range) / 2;
            if ((i128)lo - (i128)spare < INT64_MIN) spare = 0;
            f->base = lo - (i64)spare;
            f->lim = lim;
            shift += bits;
        }
        if (shift > 63) return false;
    }
    return true;
}

void keypack_plan(KeyPack *kp, const Vector *cols, int ncols, idx_t n)
{
    kp->state = KEYPACK_OFF;
    if (ncols < 1 || ncols > (int)(sizeof kp->cols / sizeof kp->cols[0])) return;
    for (int c = 0; c < ncols; c++) {
        TypeId id = (TypeId)cols[c].type.id;
        if (!keys_is_int_type(id) && id != TYPE_TEXT && id != TYPE_BOOL) return;
    }
    kp->ncols = ncols;
    if (keypack_fit(kp, cols, n, true) || keypack_fit(kp, cols, n, false)) kp->state = KEYPACK_ON;
}

idx_t keypack_encode(const KeyPack *kp, const Vector *cols, idx_t n, i64 *packed, u8 *fits)
{
    memset(packed, 0, sizeof(i64) * n);
    memset(fits, 1, n);
    for (int c = 0; c < kp->ncols; c++) {
        const Vector *v = &cols[c];
        const KeyPackCol *f = &kp->cols[c];
        const u8 *nulls = v->nulls;
        if (v->is_const) {
            /* one value for every row */
            u64 x = 0;
            bool fit = true;
            if (!(nulls && nulls[0])) {
                if (f->str) {
                    const Str *s = (const Str *)v->data;
                    fit = s->len <= f->maxlen;
                    u64 b = 0;
                    if (fit) memcpy(&b, str_data(s), s->len);
                    x = b << f->lenbits | (u64)(s->len + 1);
                } else {
                    x = (u64)pack_int_at(v, 0) - (u64)f->base + 1;
                    fit = x != 0 && x < f->lim;
                }
            }
            for (idx_t i = 0; i < n; i++) {
                packed[i] |= (i64)(x << f->shift);
                fits[i] &= fit;
            }
            continue;
        }
        if (f->str) {
            /* strings that fit are at most 7 bytes: inline in the Str, read
             * as one 8-byte word and masked to their length */
            const Str *sv = (const Str *)v->data;
            for (idx_t i = 0; i < n; i++) {
                if (nulls && nulls[i]) continue; /* field 0 */
                u32 len = sv[i].len;
                if (len > f->maxlen) {
                    fits[i] = 0;
                    continue;
                }
                u64 b;
                memcpy(&b, sv[i].prefix, 8);
                b &= len ? ~(u64)0 >> (64 - 8 * len) : 0;
                packed[i] |= (i64)((b << f->lenbits | (u64)(len + 1)) << f->shift);
            }
            continue;
        }
        for (idx_t i = 0; i < n; i++) {
            if (nulls && nulls[i]) continue;
            /* below the base wraps around: too large, like above the field */
            u64 x = (u64)pack_int_at(v, i) - (u64)f->base + 1;
            if (x == 0 || x >= f->lim) {
                fits[i] = 0;
                continue;
            }
            packed[i] |= (i64)(x << f->shift);
        }
    }
    idx_t miss = 0;
    for (idx_t i = 0; i < n; i++) miss += !fits[i];
    return miss;
}

bool keys_is_int_type(TypeId id)
{
    return id == TYPE_INT16 || id == TYPE_INT32 || id == TYPE_INT64 || id == TYPE_DATE || id == TYPE_TIME ||
           id == TYPE_TIMESTAMP || id == TYPE_TIMESTAMPTZ;
}

void inttable_init(IntTable *t, size_t expected)
{
    memset(t, 0, sizeof(*t));
    size_t cap = 1024;
    while (cap < expected * 2) cap *= 2;
    t->cap = cap;
    t->slots = xcalloc_written(cap, sizeof(IntSlot));
}

void inttable_free(IntTable *t)
{
    free(t->slots);
    memset(t, 0, sizeof(*t));
}


void inttable_grow(IntTable *t)
{
    size_t ncap = t->cap * 2;
    IntSlot *ns = xcalloc_written(ncap, sizeof(IntSlot));
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].used) continue;
        size_t j = inttable_hash(t->slots[i].key) & (ncap - 1);
        while (ns[j].used) j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
}
