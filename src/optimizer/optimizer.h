/*
 * src/optimizer/optimizer.h — logical rewrites before physical planning.
 *
 * INTERFACE: optimize
 */
#ifndef MDB_OPTIMIZER_H
#define MDB_OPTIMIZER_H

#include "planner/logical.h"

/* Cardinality estimation (cardinality.c).  card_rows estimates and caches
 * op->est_rows; card_sel is the fraction of input's rows that pass pred;
 * card_ndv the distinct values of column b in input's rows; card_annotate
 * recomputes the estimates of a whole plan. */
double card_rows(LogicalOp *op);
double card_sel(LogicalOp *input, const Expr *pred);
double card_ndv(LogicalOp *input, ColBinding b);
void card_annotate(LogicalOp *root);

/* Rewrites the plan in place and returns the new root. */
LogicalOp *optimize(Arena *a, LogicalOp *root);

#endif
