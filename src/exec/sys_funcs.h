/*
 * src/exec/sys_funcs.h — catalog functions for PostgreSQL clients' catalog queries
 * (sys_funcs.c) and the catalog answers ops_system.c gives them.
 */
#ifndef MEGADB_EXEC_SYS_FUNCS_H
#define MEGADB_EXEC_SYS_FUNCS_H

#include "exec/physical.h"

const char *sys_owner_name(i64 oid);
char *sys_format_type(Arena *a, i64 oid, i64 typmod);
bool sys_table_is_visible(Catalog *cat, const Settings *st, Arena *a, i64 oid);
char *sys_index_def(Catalog *cat, Arena *a, i64 oid);
char *sys_constraint_def(Catalog *cat, Arena *a, i64 oid);
/* Registers pg_get_userbyid, format_type, pg_get_indexdef, … with src/func (once). */
void sys_funcs_register(void);

#endif
