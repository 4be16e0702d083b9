/*
 * src/common/error.h — the error record every fallible function fills.
 *
 * Functions return MDB_OK_ (0) or MDB_FAIL and record the first error in the
 * Err passed down to them: SQLSTATE, message (PostgreSQL's message style:
 * lower case, no trailing period), optional detail and hint, and a 1-based
 * character position in the statement text (0 when unknown).  A later error
 * never overwrites the first one, so callers may add context freely.
 */
#ifndef MDB_ERROR_H
#define MDB_ERROR_H

#include "common/common.h"

typedef struct Err {
    bool is_set;      /* an error has been recorded */
    char sqlstate[6]; /* five characters + NUL */
    char *message;    /* malloc'd */
    char *detail;     /* malloc'd or NULL */
    char *hint;       /* malloc'd or NULL */
    int position;     /* 1-based byte offset in the statement text, 0 when unknown */
} Err;

/* Records an error unless one is already set; always returns MDB_FAIL so that
 * `return err_set(e, "22012", "division by zero");` reads naturally. */
int err_set(Err *e, const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, with a position (byte offset + 1 into the statement; 0 = none). */
int err_set_pos(Err *e, int position, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void err_detail(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_hint(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the position if the error has none yet. */
void err_position(Err *e, int position);
void err_clear(Err *e);
/* Moves the error from src to dst (dst cleared first); src is left clear. */
void err_move(Err *dst, Err *src);

/* Common SQLSTATEs (PostgreSQL's codes). */
#define SQLSTATE_SYNTAX_ERROR "42601"
#define SQLSTATE_UNDEFINED_TABLE "42P01"
#define SQLSTATE_UNDEFINED_COLUMN "42703"
#define SQLSTATE_UNDEFINED_FUNCTION "42883"
#define SQLSTATE_AMBIGUOUS_COLUMN "42702"
#define SQLSTATE_DUPLICATE_TABLE "42P07"
#define SQLSTATE_DUPLICATE_COLUMN "42701"
#define SQLSTATE_DUPLICATE_OBJECT "42710"
#define SQLSTATE_DUPLICATE_SCHEMA "42P06"
#define SQLSTATE_INVALID_SCHEMA "3F000"
#define SQLSTATE_DATATYPE_MISMATCH "42804"
#define SQLSTATE_UNDEFINED_OBJECT "42704"
#define SQLSTATE_GROUPING_ERROR "42803"
#define SQLSTATE_INVALID_TEXT_REPRESENTATION "22P02"
#define SQLSTATE_NUMERIC_OUT_OF_RANGE "22003"
#define SQLSTATE_DIVISION_BY_ZERO "22012"
#define SQLSTATE_DATETIME_FIELD_OVERFLOW "22008"
#define SQLSTATE_INVALID_DATETIME_FORMAT "22007"
#define SQLSTATE_STRING_DATA_RIGHT_TRUNCATION "22001"
#define SQLSTATE_STRING_DATA_LENGTH_MISMATCH "22026"
#define SQLSTATE_INVALID_PARAMETER_VALUE "22023"
#define SQLSTATE_CARDINALITY_VIOLATION "21000"
#define SQLSTATE_NOT_NULL_VIOLATION "23502"
#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define SQLSTATE_CHECK_VIOLATION "23514"
#define SQLSTATE_FEATURE_NOT_SUPPORTED "0A000"
#define SQLSTATE_INTERNAL_ERROR "XX000"
#define SQLSTATE_OUT_OF_MEMORY "53200"
#define SQLSTATE_SERIALIZATION_FAILURE "40001"
#define SQLSTATE_IN_FAILED_TXN "25P02"
#define SQLSTATE_ACTIVE_SQL_TXN "25001"
#define SQLSTATE_NO_ACTIVE_SQL_TXN "25P01"
#define SQLSTATE_CANNOT_COERCE "42846"
#define SQLSTATE_WRONG_OBJECT_TYPE "42809"
#define SQLSTATE_INVALID_COLUMN_REFERENCE "42P10"
#define SQLSTATE_UNDEFINED_PARAMETER "42P02"
#define SQLSTATE_INVALID_ROW_COUNT "2201W"
#define SQLSTATE_INVALID_ARGUMENT_FOR_LOG "2201E"
#define SQLSTATE_INVALID_REGEX "2201B"
#define SQLSTATE_IO_ERROR "58030"
#define SQLSTATE_DEPENDENT_OBJECTS "2BP01"
#define SQLSTATE_INVALID_NAME "42602"
#define SQLSTATE_AMBIGUOUS_FUNCTION "42725"
#define SQLSTATE_INDETERMINATE_DATATYPE "42P18"

#endif
