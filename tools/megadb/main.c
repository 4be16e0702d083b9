/*
 * tools/megadb/main.c — entry point of the `megadb` program: dispatches the
 * reserved subcommands (serve, tpch-gen), parses the shell's options, opens the
 * database (a directory, or in memory when none is named) and one connection,
 * and then runs the -c and -f actions in command-line order, or piped stdin,
 * or the interactive prompt.  Exit status: 0 success, 1 a statement, command or
 * file failed, 2 bad usage or the database could not be opened.
 */
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/pgwire.h"
#include "shell.h"

/* ---- subcommands ------------------------------------------------------------- */

/* A subcommand takes the arguments after its name and returns the exit status.
 * A NULL function marks a name reserved for a subcommand not written yet. */
typedef int (*SubcommandFn)(int argc, char **argv);

static const struct {
    const char *name; /* first argument that selects it */
    SubcommandFn fn;  /* its implementation, or NULL */
} subcommands[] = {
    {"serve", pgwire_serve_main}, /* the pgwire server (src/net) */
    {"tpch-gen", shell_tpch_gen}, /* the TPC-H data generator (tpch_gen.c) */
};

/* Runs the subcommand argv[1] names.  Returns true and sets *status when
 * argv[1] is one; false when the arguments are for the shell. */
static bool dispatch_subcommand(int argc, char **argv, int *status)
{
    if (argc < 2)
        return false;
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) != 0)
            continue;
        if (!subcommands[i].fn) {
            fprintf(stderr, "megadb: subcommand '%s' is not available yet\n", argv[1]);
            *status = SHELL_USAGE;
        } else {
            *status = subcommands[i].fn(argc - 1, argv + 1);
        }
        return true;
    }
    return false;
}

/* ---- the shell --------------------------------------------------------------- */

/* One -c or -f option, run in command-line order. */
typedef struct Action {
    bool is_file;     /* -f (else -c) */
    const char *text; /* the SQL, or the file name */
} Action;

static void usage(FILE *out)
{
    fprintf(out,
            "megadb is the interactive shell of MegaDB.\n"
            "\n"
            "Usage:\n"
            "  megadb [OPTION]... [DBDIR]\n"
            "  megadb tpch-gen --sf N [--out DIR]   (TPC-H .tbl files; --help for more)\n"
            "  megadb serve --data DIR ...          (PostgreSQL wire-protocol server; --help for more)\n"
            "\n"
            "DBDIR is a database directory, created if missing; without it the\n"
            "database lives in memory and is gone when megadb exits.\n"
            "\n"
            "Options:\n"
            "  -c, --command=SQL        run SQL (or one backslash command) and exit;\n"
            "                           may be repeated\n"
            "  -f, --file=FILE          run the statements in FILE (\"-\": stdin) and exit;\n"
            "                           may be repeated\n"
            "      --format=FORMAT      result format: aligned (default), csv, pipe, json\n"
            "      --csv                same as --format=csv\n"
            "  -V, --version            print the version and exit\n"
            "  -?, --help               print this help and exit\n"
            "\n"
            "Without -c or -f, statements are read from stdin: with line editing and\n"
            "history (~/.megadb_history) when it is a terminal.  Non-interactive runs\n"
            "stop at the first failing statement and exit with status 1.  Type \\? in\n"
            "the shell for its backslash commands.\n");
}

static bool parse_format(const char *s, ShellFormat *out)
{
    static const struct {
        const char *name;
        ShellFormat format;
    } formats[] = {
        {"aligned", SHELL_FORMAT_ALIGNED},
        {"csv", SHELL_FORMAT_CSV},
        {"pipe", SHELL_FORMAT_PIPE},
        {"json", SHELL_FORMAT_JSON},
    };

    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *out = formats[i].format;
            return true;
        }
    }
    return false;
}

static int run_shell(int argc, char **argv)
{
    enum { OPT_FORMAT = 256, OPT_CSV };
    static const struct option long_options[] = {
        {"command", required_argument, NULL, 'c'},
        {"file", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"csv", no_argument, NULL, OPT_CSV},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    Action *actions = shell_xmalloc(sizeof(Action) * (size_t)argc);
    int nactions = 0, opt, status = SHELL_OK;
    ShellFormat format = SHELL_FORMAT_ALIGNED;
    const char *dbdir = NULL;
    MdbDatabase *db = NULL;
    MdbConn *conn = NULL;
    char *err = NULL;
    Shell sh;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:f:V", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c':
        case 'f':
            actions[nactions].is_file = opt == 'f';
            actions[nactions].text = optarg;
            nactions++;
            break;
        case OPT_FORMAT:
            if (!parse_format(optarg, &format)) {
                fprintf(stderr,
                        "megadb: unknown format \"%s\" (use aligned, csv, pipe or json)\n",
                        optarg);
                free(actions);
                return SHELL_USAGE;
            }
            break;
        case OPT_CSV:
            format = SHELL_FORMAT_CSV;
            break;
        case 'V':
            printf("megadb (MegaDB) %s\n", mdb_version());
            free(actions);
            return SHELL_OK;
        case 'H':
            usage(stdout);
            free(actions);
            return SHELL_OK;
        case ':':
            fprintf(stderr, "megadb: option '%s' requires an argument\n", argv[optind - 1]);
            fputs("Try \"megadb --help\" for more information.\n", stderr);
            free(actions);
            return SHELL_USAGE;
        default:
            if (optopt == '?') { /* -? asks for help, as in psql */
                usage(stdout);
                free(actions);
                return SHELL_OK;
            }
            if (optopt != 0)
                fprintf(stderr, "megadb: invalid option -- '%c'\n", optopt);
            else
                fprintf(stderr, "megadb: unrecognized option '%s'\n", argv[optind - 1]);
            fputs("Try \"megadb --help\" for more information.\n", stderr);
            free(actions);
            return SHELL_USAGE;
        }
    }
    if (optind < argc)
        dbdir = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "megadb: too many arguments (first extra: \"%s\")\n", argv[optind]);
        fputs("Try \"megadb --help\" for more information.\n", stderr);
        free(actions);
        return SHELL_USAGE;
    }

    if (mdb_open(dbdir, &db, &err) != MDB_OK) {
        fprintf(stderr, "megadb: could not open database%s%s%s: %s\n", dbdir ? " \"" : "",
                dbdir ? dbdir : "", dbdir ? "\"" : "", err ? err : "unknown error");
        free(err);
        free(actions);
        return SHELL_USAGE;
    }
    if (mdb_connect(db, &conn) != MDB_OK) {
        fprintf(stderr, "megadb: could not connect to the database\n");
        mdb_close(db);
        free(actions);
        return SHELL_USAGE;
    }

    shell_init(&sh, db, conn, format, nactions == 0 && isatty(STDIN_FILENO));
    if (nactions > 0) {
        for (int i = 0; i < nactions && status == SHELL_OK && !sh.quit; i++)
            status = actions[i].is_file ? shell_run_file(&sh, actions[i].text)
                                        : shell_run_command_string(&sh, actions[i].text);
    } else if (sh.is_interactive) {
        status = shell_run_interactive(&sh);
    } else {
        status = shell_run_stream(&sh, stdin, NULL);
    }
    shell_finish(&sh);
    mdb_disconnect(conn);
    mdb_close(db);
    free(actions);
    return status;
}

int main(int argc, char **argv)
{
    int status;

    /* Column widths come from wcwidth(), which needs a UTF-8 locale; the engine
     * always sends UTF-8, so fall back to C.UTF-8 under a single-byte locale. */
    if (!setlocale(LC_CTYPE, "") || MB_CUR_MAX == 1)
        setlocale(LC_CTYPE, "C.UTF-8");
    if (dispatch_subcommand(argc, argv, &status))
        return status;
    return run_shell(argc, argv);
}
