/*
 * src/planner/planner.h — logical plan → physical plan.
 *
 * INTERFACE: planner_plan
 */
#ifndef MDB_PLANNER_H
#define MDB_PLANNER_H

#include "exec/operators.h"

typedef struct PlanCtx {
    Arena *arena;
    Err *err;
    int next_id;          /* operator ids across the statement and its subqueries */
} PlanCtx;

int planner_plan(PlanCtx *pc, LogicalOp *lop, PhysOp **out);

#endif
