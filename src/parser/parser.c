/*
 * src/parser/parser.c — libpg_query wrapper.
 */
#include "parser/parser.h"

#include <stdio.h>

int parser_parse(const char *sql, ParseResult *out, Err *err)
{
    out->tree = NULL;
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    if (r.error) {
        /* libpg_query's cursorpos is 1-based, as PostgreSQL's */
        err_set_pos(err, r.error->cursorpos, SQLSTATE_SYNTAX_ERROR, "%s", r.error->message);
        pg_query_free_protobuf_parse_result(r);
        return MDB_FAIL;
    }
    out->tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    pg_query_free_protobuf_parse_result(r);
    if (!out->tree) return err_set(err, SQLSTATE_INTERNAL_ERROR, "could not decode the parse tree");
    return MDB_OK_;
}

void parser_free(ParseResult *r)
{
    if (r->tree) pg_query__parse_result__free_unpacked(r->tree, NULL);
    r->tree = NULL;
}
