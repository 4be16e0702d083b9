/*
 * test/runner/slt.h — shared declarations of megadb-slt, the sqllogictest runner.
 * A test file is read whole into memory and parsed once into an array of
 * records (SltScript, slt_parse.c); the records are then interpreted against a
 * database opened through the public API in include/megadb.h (slt_exec.c);
 * main.c handles options, the skip list and the summary.  The format and our
 * extensions to it are described in test/runner/README.md.
 */
#ifndef SLT_H
#define SLT_H

#include <stdbool.h>
#include <stddef.h>

/* The database name used by `skipif` / `onlyif`. */
#define SLT_DB_NAME "postgresql"

typedef enum SltKind {
    SLT_STATEMENT,      /* statement ok|error|maybe [conn] */
    SLT_QUERY,          /* query <types> [sort] [label] [conn] */
    SLT_HASH_THRESHOLD, /* hash-threshold N */
    SLT_HALT,           /* halt */
    SLT_LOOP,           /* loop VAR FROM TO  /  foreach VAR V1 V2 … */
    SLT_ENDLOOP,        /* endloop */
    SLT_RESTART,        /* restart */
    SLT_REQUIRE,        /* require FEATURE */
    SLT_MODE_SKIP,      /* mode skip */
    SLT_MODE_UNSKIP,    /* mode unskip */
    SLT_BAD             /* a record we could not parse; reported as a failure */
} SltKind;

typedef enum SltExpect {
    SLT_EXPECT_OK,
    SLT_EXPECT_ERROR,
    SLT_EXPECT_MAYBE
} SltExpect;

typedef enum SltSort {
    SLT_NOSORT,
    SLT_ROWSORT,
    SLT_VALUESORT
} SltSort;

/* One parsed record.  Every string points into the script's buffer. */
typedef struct SltRecord {
    SltKind kind;
    int line;         /* line of the directive (`statement`, `query`, …) */
    int first_line;   /* line of the first skipif/onlyif before it, else = line */
    bool is_skipped;  /* a skipif/onlyif excludes it for SLT_DB_NAME */
    SltExpect expect; /* statements only */
    SltSort sort;     /* queries only */
    const char *types; /* queries: the column type letters */
    const char *label; /* queries: label or NULL */
    const char *conn;  /* connection name or NULL for the default one */
    const char *sql;   /* statement or query text, NUL-terminated, may span lines */
    int exp_first;     /* index in SltScript.lines of the first expected line */
    int n_exp;         /* number of expected lines (query results, error text) */
    bool has_dashes;   /* a `----` line was present */
    const char *text;  /* SLT_REQUIRE: feature; SLT_BAD: what is wrong; SLT_LOOP: variable */
    long n;            /* SLT_HASH_THRESHOLD: N; SLT_LOOP: from; SLT_ENDLOOP: index of its SLT_LOOP */
    long n_to;         /* SLT_LOOP (numeric): to, exclusive */
    int tok_first;     /* SLT_LOOP (foreach): index of the first value in SltScript.toks */
    int n_tok;         /* SLT_LOOP (foreach): number of values; -1 for a numeric loop */
    int end;           /* SLT_LOOP: index of the matching SLT_ENDLOOP */
} SltRecord;

/* A text line of the script (without its newline; NUL-terminated only where the
 * parser needed it to be). */
typedef struct SltLine {
    char *s;
    int len;
} SltLine;

typedef struct SltScript {
    char *buf;        /* the whole file, CRLF folded to LF */
    SltLine *lines;   /* lines[i] is line i+1 of the file */
    int n_lines;
    char **toks;      /* token store (foreach values) */
    int n_toks, cap_toks;
    SltRecord *recs;
    int n_recs, cap_recs;
} SltScript;

/* Reads and parses `path`.  Returns 0, or -1 with a malloc'd message in *err. */
int slt_script_load(const char *path, SltScript *out, char **err);
void slt_script_free(SltScript *s);

typedef struct SltOptions {
    bool verbose;       /* -v: per-file lines and skipped-record notes */
    bool fail_fast;     /* stop at the first failure */
    const char *db_dir; /* --db DIR: run on this directory instead of in memory */
} SltOptions;

typedef struct SltCounts {
    long passed;
    long failed;
    long skipped;
} SltCounts;

/* Runs one file from a fresh database.  `skip_lines` (sorted ascending) lists
 * the lines of records to skip.  Adds to *counts.  Returns true when the run
 * must stop (--fail-fast and something failed). */
bool slt_run_file(const SltOptions *opt, const char *path, const int *skip_lines, size_t n_skip,
                  SltCounts *counts);

#endif /* SLT_H */
