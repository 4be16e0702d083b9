/*
 * src/parser/parser.h — the SQL parser: libpg_query (PostgreSQL 15's grammar)
 * behind a small wrapper.
 *
 * parser_parse() returns the statements of a string as protobuf-c structures
 * (pg_query.pb-c.h) with their byte ranges; syntax errors come back as 42601
 * with the position PostgreSQL reports.
 */
#ifndef MDB_PARSER_H
#define MDB_PARSER_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "common/error.h"

typedef PgQuery__Node PNode;

typedef struct ParseResult {
    PgQuery__ParseResult *tree; /* owned; free with parser_free */
} ParseResult;

int parser_parse(const char *sql, ParseResult *out, Err *err);
void parser_free(ParseResult *r);

#endif
