/*
 * tools/megadb/shell.h — the private interface between the parts of the
 * interactive shell `megadb`: the shell state (Shell), the statement-boundary
 * scanner (sqlscan.c), the result printers (print.c), the backslash commands
 * (commands.c) and the input loops and SQL execution (shell.c).  Nothing here is
 * used outside tools/megadb/; the shell itself talks to the engine only through
 * the public API in include/megadb.h.  See tools/megadb/README.md.
 *
 * INTERFACE
 *   shell_init / shell_finish              set up and tear down a Shell
 *   shell_run_command_string               one -c argument
 *   shell_run_file / shell_run_stream      -f FILE, \i FILE, piped stdin
 *   shell_run_interactive                  the libedit prompt loop
 *   shell_exec_sql                         run a SQL text statement by statement
 *   shell_report_error                     psql-style ERROR/LINE/DETAIL/HINT
 *   shell_backslash                        run one backslash command line
 *   sqlscan_*                              find top-level semicolons
 *   printer_*                              aligned, csv, pipe and json output
 */
#ifndef MEGADB_SHELL_H
#define MEGADB_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "megadb.h"

/* Exit statuses of the program, also the statuses of the shell_run_* calls. */
#define SHELL_OK 0    /* everything ran */
#define SHELL_ERROR 1 /* a statement or backslash command failed, or a file was unreadable */
#define SHELL_USAGE 2 /* bad command line, unavailable subcommand, database not opened */

/* Output format of query results (--format). */
typedef enum ShellFormat {
    SHELL_FORMAT_ALIGNED = 0, /* psql's default table layout */
    SHELL_FORMAT_CSV,         /* header + RFC 4180 rows */
    SHELL_FORMAT_PIPE,        /* header + rows, fields joined by '|', no padding */
    SHELL_FORMAT_JSON         /* one JSON array of objects per result */
} ShellFormat;

/* All state of one shell session. */
typedef struct Shell {
    MdbDatabase *db;      /* the open database (owned by main) */
    MdbConn *conn;        /* the one connection all SQL runs on (owned by main) */
    ShellFormat format;   /* output format of results */
    bool is_interactive;  /* reading from a terminal: errors do not stop the shell */
    bool timing;          /* \timing: print "Time: …" after every statement */
    bool quit;            /* \q was run: stop reading input */
    FILE *out;            /* query output: stdout, or the file of \o */
    const char *src_name; /* file being read by -f or \i (for error prefixes), or NULL */
    long src_line;        /* line number in src_name of the line being processed */
    int include_depth;    /* nesting of \i, to stop runaway recursion */
} Shell;

/* Set by the SIGINT handler in interactive mode; polled between result chunks. */
extern volatile sig_atomic_t shell_interrupted;

/* ---- shell.c --------------------------------------------------------------- */

void shell_init(Shell *sh, MdbDatabase *db, MdbConn *conn, ShellFormat format,
                bool is_interactive);
/* Closes the \o file, if any.  Does not close the connection or database. */
void shell_finish(Shell *sh);

/* Runs the text of one -c argument: a backslash command line when it starts
 * with '\', otherwise SQL statements run one by one.  SHELL_OK or SHELL_ERROR. */
int shell_run_command_string(Shell *sh, const char *text);
/* Runs the lines of a file ("-" is stdin).  Stops at the first failing
 * statement unless interactive.  SHELL_OK or SHELL_ERROR. */
int shell_run_file(Shell *sh, const char *path);
/* Runs the lines of an open stream; `name` is used in error prefixes when not NULL. */
int shell_run_stream(Shell *sh, FILE *in, const char *name);
/* The interactive loop on a terminal, with line editing and history. */
int shell_run_interactive(Shell *sh);

/* Runs every statement in `sql` (NUL-terminated), printing each result.
 * Error positions are shown against `sql`.  SHELL_OK or SHELL_ERROR. */
int shell_exec_sql(Shell *sh, const char *sql);

/* Prints the connection's last error to stderr.  `sql` is the whole text the
 * user sent (NULL for internal queries: no LINE/caret) and `offset` the byte
 * offset in it of the string that was passed to the failing API call. */
void shell_report_error(Shell *sh, const char *sql, size_t offset);
/* Prints a shell-level (not SQL) error message, with the -f prefix if any. */
void shell_error(Shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Small allocation helpers; they abort on out-of-memory. */
void *shell_xmalloc(size_t n);
void *shell_xrealloc(void *p, size_t n);
char *shell_xstrdup(const char *s);
char *shell_xstrndup(const char *s, size_t n);

/* ---- tpch_gen.c ------------------------------------------------------------ */

/* `megadb tpch-gen …` (argv[0] is "tpch-gen"); returns the exit status. */
int shell_tpch_gen(int argc, char **argv);

/* ---- commands.c ------------------------------------------------------------ */

/* Runs one backslash command line (leading blanks, then '\').  Returns SHELL_OK
 * or SHELL_ERROR; \q sets sh->quit. */
int shell_backslash(Shell *sh, const char *line);
/* Prints the \? help text to `out`. */
void shell_print_help(FILE *out);

/* ---- sqlscan.c ------------------------------------------------------------- */

/* Lexical state of the scanner between calls. */
typedef enum SqlScanState {
    SCAN_NORMAL = 0,    /* outside any quote or comment */
    SCAN_SQUOTE,        /* inside '…' */
    SCAN_ESTRING,       /* inside E'…', where backslash escapes */
    SCAN_DQUOTE,        /* inside "…" */
    SCAN_LINE_COMMENT,  /* after -- up to the end of the line */
    SCAN_BLOCK_COMMENT, /* inside a block comment; these nest */
    SCAN_DOLLAR         /* inside $tag$ … $tag$ */
} SqlScanState;

#define SQLSCAN_MAX_TAG 64

/* Incremental statement-boundary scanner.  Zero-initialised is the start state. */
typedef struct SqlScan {
    SqlScanState state;             /* current lexical state */
    int comment_depth;              /* nesting of block comments */
    int paren_depth;                /* open parentheses outside quotes and comments */
    size_t tag_len;                 /* length of dollar_tag, including both '$' */
    char dollar_tag[SQLSCAN_MAX_TAG]; /* the $tag$ that ends the current dollar quote */
} SqlScan;

void sqlscan_reset(SqlScan *s);
/* Scans buf[from, to) and returns the offset just past the first semicolon at
 * top level (outside quotes, comments and parentheses), or (size_t)-1 when the
 * range holds none; then the whole range has been consumed.  buf[to] must be
 * readable (a NUL terminator is fine): the scanner looks one byte ahead. */
size_t sqlscan_next(SqlScan *s, const char *buf, size_t from, size_t to);
/* The psql prompt character for the state: '-', '\'', '"', '$', '*' or '('. */
char sqlscan_prompt_char(const SqlScan *s);
/* Offset of the first byte of `text[0, len)` that is not blank and not in a
 * -- comment; len when there is none. */
size_t sqlscan_skip_blank(const char *text, size_t len);

/* ---- print.c --------------------------------------------------------------- */

/* How a column is aligned and written to JSON. */
typedef enum PrintKind {
    PRINT_TEXT = 0, /* left-aligned; JSON string */
    PRINT_NUMBER,   /* right-aligned; JSON number when it looks like one */
    PRINT_BOOL      /* left-aligned; JSON true/false */
} PrintKind;

/* One table being printed.  Rows stream out in csv/pipe/json and are buffered
 * for the aligned format, which needs the column widths first. */
typedef struct Printer {
    FILE *out;           /* where the table goes */
    ShellFormat format;  /* layout */
    char *title;         /* aligned only: centered line above the table, or NULL */
    bool footer;         /* aligned only: print "(N rows)" */
    int ncols;           /* number of columns */
    char **names;        /* column names (owned) */
    PrintKind *kinds;    /* per column (owned) */
    size_t nrows;        /* rows seen so far */
    char *pool;          /* aligned: the display form of every cell, NUL-terminated */
    size_t pool_len;     /* bytes used in pool */
    size_t pool_cap;     /* bytes allocated for pool */
    size_t *cells;       /* aligned: offset in pool of each cell, row-major */
    size_t cells_cap;    /* entries allocated for cells */
} Printer;

PrintKind printer_kind_of(MdbType type);
/* `names` and `kinds` are copied.  `title` may be NULL. */
void printer_begin(Printer *p, FILE *out, ShellFormat format, int ncols,
                   const char *const *names, const PrintKind *kinds, const char *title,
                   bool footer);
/* One row: cells[i] is NULL for SQL NULL, else lens[i] bytes (not NUL-terminated
 * necessarily).  `lens` may be NULL when every cell is NUL-terminated. */
void printer_row(Printer *p, const char *const *cells, const size_t *lens);
/* Finishes the table (prints it, for aligned) and frees the printer. */
void printer_end(Printer *p);
/* Frees the printer without printing anything more. */
void printer_discard(Printer *p);

#endif /* MEGADB_SHELL_H */
