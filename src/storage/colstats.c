/*
 * src/storage/colstats.c — sampled column statistics shared by the tiers: see
 * colstats.h.
 */
#include "storage/colstats.h"

#include <stdlib.h>
#include <string.h>

static u64 colsample_hash(const u8 *p, size_t n)
{
    u64 h = 0xcbf29ce484222325ULL ^ n;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

void colsample_init(ColSample *s, u32 slots)
{
    memset(s, 0, sizeof(*s));
    s->hs = xcalloc(slots, sizeof(u64));
    s->cnt = xcalloc(slots, sizeof(u32));
    s->mask = slots - 1;
}

void colsample_null(ColSample *s) { s->nulls++; }

void colsample_value(ColSample *s, const u8 *p, size_t len)
{
    s->n++;
    u64 h = colsample_hash(p, len) | 1; /* 0 marks an empty slot */
    u32 j = (u32)(h >> 40) & s->mask;
    while (s->hs[j] && s->hs[j] != h) j = (j + 1) & s->mask;
    if (!s->hs[j]) {
        s->hs[j] = h;
        s->d++;
        s->f1++;
    } else if (s->cnt[j] == 1) {
        s->f1--;
    }
    s->cnt[j]++;
}

void colsample_number(ColSample *s, double x)
{
    if (x != x) return;
    if (!s->has_range || x < s->lo) s->lo = x;
    if (!s->has_range || x > s->hi) s->hi = x;
    s->has_range = true;
}

void colsample_finish(ColSample *s, double rows, TableColStats *out)
{
    free(s->hs);
    free(s->cnt);
    s->hs = NULL;
    s->cnt = NULL;
    memset(out, 0, sizeof(*out));
    double sampled = s->n + s->nulls;
    out->valid = sampled > 0;
    out->null_frac = sampled > 0 ? s->nulls / sampled : 0;
    out->has_range = s->has_range;
    out->lo = s->lo;
    out->hi = s->hi;
    double total = (rows > 0 ? rows : 0) * (1 - out->null_frac);
    double n = s->n, d = s->d, f1 = s->f1;
    if (n <= 0) return;
    double denom = n - f1 + f1 * n / (total > n ? total : n);
    double ndv = denom > 0 ? n * d / denom : total;
    if (ndv < d) ndv = d;
    if (ndv > total) ndv = total;
    out->ndv = ndv;
}
