/*
 * tools/megadb/commands.c — the shell's backslash commands (\q, \?, \timing,
 * \o, \d, \i, \echo).  A command is one input line: '\', a name, then
 * arguments separated by blanks, where '…' quotes an argument and "…" keeps
 * an identifier's case.  \d and \d NAME are plain SQL on information_schema,
 * run through the public API like any query, and printed through print.c with
 * psql's titles and column names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell.h"

#define MAX_ARGS 16
#define MAX_INCLUDE_DEPTH 16

void shell_print_help(FILE *out)
{
    fputs("General\n"
          "  \\q                     quit megadb\n"
          "  \\?                     show this help\n"
          "\n"
          "Query buffer and input\n"
          "  \\i FILE                execute commands from FILE\n"
          "  \\echo [STRING]         write STRING to standard output\n"
          "\n"
          "Output\n"
          "  \\o [FILE]              send query results to FILE (no FILE: standard output)\n"
          "  \\timing [on|off]       toggle (or set) timing of statements\n"
          "\n"
          "Informational\n"
          "  \\d                     list tables and views\n"
          "  \\d NAME                describe table or view NAME\n"
          "\n"
          "Statements end with a semicolon at the end of a line.  Output format: --format\n"
          "aligned|csv|pipe|json on the command line.\n",
          out);
}

/* Splits the argument text of a command into words.  '…' quotes a word ('' is
 * a quote inside it); "…" is kept with its quotes, for \d's identifiers.
 * Returns the number of words; each is malloc'd. */
static int split_args(const char *s, char **argv, int max)
{
    int argc = 0;

    for (;;) {
        char *w;
        size_t n = 0;

        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (!*s || argc == max)
            break;
        w = shell_xmalloc(strlen(s) + 1);
        while (*s && *s != ' ' && *s != '\t' && *s != '\r') {
            if (*s == '\'') {
                for (s++; *s; s++) {
                    if (*s == '\'' && s[1] == '\'')
                        w[n++] = *s++;
                    else if (*s == '\'')
                        break;
                    else
                        w[n++] = *s;
                }
                if (*s)
                    s++;
            } else if (*s == '"') {
                w[n++] = *s++;
                while (*s && *s != '"')
                    w[n++] = *s++;
                if (*s)
                    w[n++] = *s++;
            } else {
                w[n++] = *s++;
            }
        }
        w[n] = '\0';
        argv[argc++] = w;
    }
    return argc;
}

/* Parses a psql-style boolean for \timing. */
static int parse_bool(const char *v, bool *out)
{
    size_t n = strlen(v);

    if (n == 0)
        return -1;
    if (strncasecmp(v, "on", n > 2 ? n : 2) == 0 || strncasecmp(v, "true", n) == 0 ||
        strncasecmp(v, "yes", n) == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if ((n >= 2 && strncasecmp(v, "off", n) == 0) || strncasecmp(v, "false", n) == 0 ||
             strncasecmp(v, "no", n) == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

static int cmd_timing(Shell *sh, int argc, char **argv)
{
    bool on = !sh->timing;

    if (argc > 0 && parse_bool(argv[0], &on) != 0) {
        shell_error(sh, "unrecognized value \"%s\" for \"\\timing\": Boolean expected", argv[0]);
        return SHELL_ERROR;
    }
    sh->timing = on;
    printf("Timing is %s.\n", on ? "on" : "off");
    fflush(stdout);
    return SHELL_OK;
}

static int cmd_output(Shell *sh, int argc, char **argv)
{
    FILE *f = stdout;

    if (argc > 0) {
        f = fopen(argv[0], "w");
        if (!f) {
            shell_error(sh, "%s: %s", argv[0], strerror(errno));
            return SHELL_ERROR;
        }
    }
    if (sh->out != stdout)
        fclose(sh->out);
    sh->out = f;
    return SHELL_OK;
}

static int cmd_include(Shell *sh, int argc, char **argv)
{
    int rc;

    if (argc == 0) {
        shell_error(sh, "\\i: missing required argument");
        return SHELL_ERROR;
    }
    if (sh->include_depth >= MAX_INCLUDE_DEPTH) {
        shell_error(sh, "\\i: files nested more than %d deep", MAX_INCLUDE_DEPTH);
        return SHELL_ERROR;
    }
    sh->include_depth++;
    rc = shell_run_file(sh, argv[0]);
    sh->include_depth--;
    return rc;
}

static int cmd_echo(Shell *sh, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("%s%s", i > 0 ? " " : "", argv[i]);
    putchar('\n');
    fflush(stdout);
    return SHELL_OK;
}

/* ---- \d ------------------------------------------------------------------------ */

/* The rows of an internal query, as strings. */
typedef struct Rows {
    int ncols;     /* columns */
    size_t nrows;  /* rows */
    char **cells;  /* row-major, NULL for SQL NULL, malloc'd */
} Rows;

static void rows_free(Rows *rows)
{
    for (size_t i = 0; i < rows->nrows * (size_t)rows->ncols; i++)
        free(rows->cells[i]);
    free(rows->cells);
    memset(rows, 0, sizeof *rows);
}

static const char *rows_get(const Rows *rows, size_t r, int c)
{
    return rows->cells[r * (size_t)rows->ncols + (size_t)c];
}

/* Runs an internal query with text parameters and collects its rows.  Errors
 * are reported (without LINE, the user did not type this SQL). */
static int query_rows(Shell *sh, const char *sql, int nparams, const char *const *params,
                      Rows *rows)
{
    MdbStmt *stmt = NULL;
    MdbResult *res = NULL;
    MdbChunk *chunk;
    size_t cap = 0;

    memset(rows, 0, sizeof *rows);
    if (mdb_prepare(sh->conn, sql, &stmt, NULL) != MDB_OK) {
        shell_report_error(sh, NULL, 0);
        return SHELL_ERROR;
    }
    if (!stmt)
        return SHELL_ERROR;
    for (int i = 0; i < nparams; i++) {
        if (mdb_bind_text(stmt, i + 1, params[i], strlen(params[i])) != MDB_OK) {
            shell_report_error(sh, NULL, 0);
            mdb_stmt_free(stmt);
            return SHELL_ERROR;
        }
    }
    if (mdb_stmt_execute(stmt, &res) != MDB_OK || !res) {
        shell_report_error(sh, NULL, 0);
        mdb_stmt_free(stmt);
        return SHELL_ERROR;
    }
    rows->ncols = mdb_result_column_count(res);
    for (;;) {
        if (mdb_result_fetch(res, &chunk) != MDB_OK) {
            shell_report_error(sh, NULL, 0);
            mdb_result_free(res);
            mdb_stmt_free(stmt);
            rows_free(rows);
            return SHELL_ERROR;
        }
        if (!chunk)
            break;
        size_t n = mdb_chunk_row_count(chunk);
        for (size_t r = 0; r < n; r++) {
            size_t need = (rows->nrows + 1) * (size_t)rows->ncols;
            if (need > cap) {
                cap = cap ? cap * 2 : 64;
                while (cap < need)
                    cap *= 2;
                rows->cells = shell_xrealloc(rows->cells, cap * sizeof(char *));
            }
            for (int c = 0; c < rows->ncols; c++) {
                size_t len = 0;
                const char *v = mdb_chunk_get_text(chunk, c, r, &len);
                rows->cells[rows->nrows * (size_t)rows->ncols + (size_t)c] =
                    v ? shell_xstrndup(v, len) : NULL;
            }
            rows->nrows++;
        }
    }
    mdb_result_free(res);
    mdb_stmt_free(stmt);
    return SHELL_OK;
}

/* psql's word for information_schema's table_type. */
static const char *relation_kind(const char *table_type)
{
    if (!table_type)
        return "";
    if (strcmp(table_type, "BASE TABLE") == 0 || strcmp(table_type, "LOCAL TEMPORARY") == 0)
        return "table";
    if (strcmp(table_type, "VIEW") == 0)
        return "view";
    if (strcmp(table_type, "FOREIGN") == 0)
        return "foreign table";
    return table_type;
}

static int list_relations(Shell *sh)
{
    static const char *const names[] = {"Schema", "Name", "Type"};
    static const PrintKind kinds[] = {PRINT_TEXT, PRINT_TEXT, PRINT_TEXT};
    Rows rows;
    Printer p;

    if (query_rows(sh,
                   "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                   "WHERE table_schema NOT IN ('pg_catalog','information_schema') ORDER BY 1,2",
                   0, NULL, &rows) != SHELL_OK)
        return SHELL_ERROR;
    if (rows.nrows == 0) {
        shell_error(sh, "Did not find any relations.");
        rows_free(&rows);
        return SHELL_OK;
    }
    printer_begin(&p, sh->out, sh->format, 3, names, kinds, "List of relations", true);
    for (size_t r = 0; r < rows.nrows; r++) {
        const char *cells[3] = {rows_get(&rows, r, 0), rows_get(&rows, r, 1),
                                relation_kind(rows_get(&rows, r, 2))};
        printer_row(&p, cells, NULL);
    }
    printer_end(&p);
    fflush(sh->out);
    rows_free(&rows);
    return SHELL_OK;
}

/* Parses one identifier of a \d pattern: "…" keeps case, otherwise it is
 * folded to lower case as PostgreSQL folds unquoted names.  Returns the
 * malloc'd name; *rest is set just past it. */
static char *parse_ident(const char *s, const char **rest)
{
    char *out = shell_xmalloc(strlen(s) + 1);
    size_t n = 0;
    bool quoted = false;

    while (*s && (quoted || *s != '.')) {
        if (*s == '"') {
            if (quoted && s[1] == '"') {
                out[n++] = '"';
                s += 2;
                continue;
            }
            quoted = !quoted;
            s++;
            continue;
        }
        out[n++] = quoted ? *s : (char)tolower((unsigned char)*s);
        s++;
    }
    out[n] = '\0';
    *rest = s;
    return out;
}

static int describe_one(Shell *sh, const char *schema, const char *name, const char *kind)
{
    static const char *const names[] = {"Column", "Type", "Nullable", "Default"};
    static const PrintKind kinds[] = {PRINT_TEXT, PRINT_TEXT, PRINT_TEXT, PRINT_TEXT};
    const char *params[2] = {schema, name};
    Rows rows;
    Printer p;
    char *title;
    const char *word = strcmp(kind, "view") == 0 ? "View" : "Table";

    if (query_rows(sh,
                   "SELECT column_name, data_type, is_nullable, column_default "
                   "FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
                   "ORDER BY ordinal_position",
                   2, params, &rows) != SHELL_OK)
        return SHELL_ERROR;
    title = shell_xmalloc(strlen(word) + strlen(schema) + strlen(name) + 8);
    sprintf(title, "%s \"%s.%s\"", word, schema, name);
    printer_begin(&p, sh->out, sh->format, 4, names, kinds, title, false);
    for (size_t r = 0; r < rows.nrows; r++) {
        const char *nullable = rows_get(&rows, r, 2);
        const char *cells[4] = {rows_get(&rows, r, 0), rows_get(&rows, r, 1),
                                nullable && strcmp(nullable, "NO") == 0 ? "not null" : "",
                                rows_get(&rows, r, 3) ? rows_get(&rows, r, 3) : ""};
        printer_row(&p, cells, NULL);
    }
    printer_end(&p);
    fflush(sh->out);
    free(title);
    rows_free(&rows);
    return SHELL_OK;
}

static int describe_relation(Shell *sh, const char *pattern)
{
    const char *rest;
    char *first = parse_ident(pattern, &rest);
    char *schema = NULL, *name = first;
    const char *params[2];
    Rows rows;
    int rc = SHELL_OK;

    if (*rest == '.') {
        schema = first;
        name = parse_ident(rest + 1, &rest);
    }
    if (schema) {
        params[0] = schema;
        params[1] = name;
        rc = query_rows(sh,
                        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                        "WHERE table_schema = $1 AND table_name = $2 ORDER BY 1",
                        2, params, &rows);
    } else {
        params[0] = name;
        rc = query_rows(sh,
                        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                        "WHERE table_name = $1 ORDER BY 1",
                        1, params, &rows);
    }
    if (rc == SHELL_OK) {
        if (rows.nrows == 0) {
            shell_error(sh, "Did not find any relation named \"%s\".", pattern);
            rc = SHELL_ERROR;
        }
        for (size_t r = 0; r < rows.nrows && rc == SHELL_OK; r++)
            rc = describe_one(sh, rows_get(&rows, r, 0) ? rows_get(&rows, r, 0) : "",
                              rows_get(&rows, r, 1) ? rows_get(&rows, r, 1) : "",
                              relation_kind(rows_get(&rows, r, 2)));
        rows_free(&rows);
    }
    free(schema);
    free(name);
    return rc;
}

static int cmd_describe(Shell *sh, int argc, char **argv)
{
    int rc = SHELL_OK;

    if (argc == 0)
        return list_relations(sh);
    for (int i = 0; i < argc && rc == SHELL_OK; i++)
        rc = describe_relation(sh, argv[i]);
    return rc;
}

/* ---- dispatch ----------------------------------------------------------------- */

int shell_backslash(Shell *sh, const char *line)
{
    const char *p = line;
    char name[64];
    size_t n = 0;
    char *argv[MAX_ARGS];
    int argc, rc;

    while (*p == ' ' || *p == '\t')
        p++;
    p++; /* the backslash */
    while (*p && *p != ' ' && *p != '\t' && *p != '\r' && n + 1 < sizeof name)
        name[n++] = *p++;
    name[n] = '\0';
    argc = split_args(p, argv, MAX_ARGS);

    if (strcmp(name, "q") == 0 || strcmp(name, "quit") == 0) {
        sh->quit = true;
        rc = SHELL_OK;
    } else if (strcmp(name, "?") == 0) {
        shell_print_help(stdout);
        rc = SHELL_OK;
    } else if (strcmp(name, "timing") == 0) {
        rc = cmd_timing(sh, argc, argv);
    } else if (strcmp(name, "o") == 0 || strcmp(name, "out") == 0) {
        rc = cmd_output(sh, argc, argv);
    } else if (strcmp(name, "d") == 0) {
        rc = cmd_describe(sh, argc, argv);
    } else if (strcmp(name, "i") == 0 || strcmp(name, "include") == 0) {
        rc = cmd_include(sh, argc, argv);
    } else if (strcmp(name, "echo") == 0) {
        rc = cmd_echo(sh, argc, argv);
    } else {
        shell_error(sh, "invalid command \\%s", name);
        if (sh->is_interactive)
            fputs("Try \\? for help.\n", stderr);
        rc = SHELL_ERROR;
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}
