/*
 * src/storage/colstats.h — the column statistics both tiers give the optimizer
 * (TableColStats, src/storage/tableam.h), computed from a sample of a column's
 * values: distinct values counted exactly in the sample and scaled to the
 * table with the Haas–Stokes "Duj1" estimator n·d / (n − f1 + f1·n/N), which
 * gives d itself when the sample is the whole table and grows towards N when
 * most sampled values are unique; the NULL fraction; and the smallest and
 * largest numeric value.  A tier walks its own sample and feeds the values in.
 *
 * INTERFACE: colsample_init, colsample_null, colsample_value, colsample_number,
 * colsample_finish.
 */
#ifndef MDB_COLSTATS_H
#define MDB_COLSTATS_H

#include "storage/tableam.h"

typedef struct ColSample {
    u64 *hs;     /* hashes of the distinct sampled values (0 = empty slot) */
    u32 *cnt;    /* how often each was seen */
    u32 mask;
    double n, nulls, d, f1; /* non-NULL values, NULLs, distinct, seen once */
    bool has_range;
    double lo, hi;
} ColSample;

/* slots: a power of two, more than twice the sample size. */
void colsample_init(ColSample *s, u32 slots);
void colsample_null(ColSample *s);
/* A non-NULL value, by its bytes (equal values must have equal bytes). */
void colsample_value(ColSample *s, const u8 *p, size_t len);
/* A numeric reading of the value (for the range); NaN is ignored. */
void colsample_number(ColSample *s, double x);
/* The statistics for a table of `rows` rows; frees the sample. */
void colsample_finish(ColSample *s, double rows, TableColStats *out);

#endif
