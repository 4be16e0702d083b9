/*
 * src/optimizer/optimizer.h — logical rewrites before physical planning.
 *
 * INTERFACE: optimize
 */
#ifndef MDB_OPTIMIZER_H
#define MDB_OPTIMIZER_H

#include "planner/logical.h"

/* Rewrites the plan in place and returns the new root. */
LogicalOp *optimize(Arena *a, LogicalOp *root);

#endif
