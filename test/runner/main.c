/*
 * test/runner/main.c — command line of megadb-slt, the sqllogictest runner:
 *   megadb-slt [--skip-list FILE]… [--db DIR] [-v] [--fail-fast] FILE…
 * It loads the skip lists (tab-separated `file  line  …` records whose file
 * path is matched as a suffix of each test file's real path), runs every test
 * file from a fresh database through slt_run_file(), and prints the one-line
 * summary `N passed, N failed, N skipped`; the exit status is 1 when anything
 * failed, 2 on a usage error.
 */
#define _GNU_SOURCE
#include "slt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct SkipEntry {
    char *path; /* as written in the skip list, without a leading "./" */
    int line;
} SkipEntry;

typedef struct SkipList {
    SkipEntry *v;
    size_t n, cap;
} SkipList;

static void usage(FILE *f)
{
    fprintf(f, "usage: megadb-slt [--skip-list FILE]... [--db DIR] [-v] [--fail-fast] FILE...\n"
               "  --skip-list FILE  skip the records listed in FILE (tab-separated: file, line, ...)\n"
               "  --db DIR          run on database directory DIR (deleted before each file)\n"
               "                    instead of an in-memory database\n"
               "  -v                print per-file results and skip-listed records\n"
               "  --fail-fast       stop at the first failure\n");
}

static int load_skip_list(const char *file, SkipList *sl)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len == 0 || line[0] == '#' || line[0] == '\n')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        char *end;
        long ln = strtol(tab + 1, &end, 10);
        /* The header row ("file\tline\t…") and malformed rows have no number. */
        if (end == tab + 1 || (*end != '\t' && *end != '\n' && *end != '\r' && *end != '\0') || ln <= 0)
            continue;
        *tab = '\0';
        const char *p = line;
        while (p[0] == '.' && p[1] == '/')
            p += 2;
        if (sl->n == sl->cap) {
            sl->cap = sl->cap ? sl->cap * 2 : 256;
            sl->v = realloc(sl->v, sl->cap * sizeof *sl->v);
            if (!sl->v) {
                fprintf(stderr, "megadb-slt: out of memory\n");
                exit(2);
            }
        }
        sl->v[sl->n].path = strdup(p);
        sl->v[sl->n].line = (int)ln;
        sl->n++;
    }
    free(line);
    fclose(f);
    return 0;
}

/* True when `suffix` equals `path` or ends it at a '/' boundary. */
static bool path_ends_with(const char *path, const char *suffix)
{
    size_t lp = strlen(path), ls = strlen(suffix);
    if (ls > lp || strcmp(path + lp - ls, suffix) != 0)
        return false;
    return ls == lp || path[lp - ls - 1] == '/' || suffix[0] == '/';
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The sorted lines of `file` named by the skip list. */
static int *lines_for(const SkipList *sl, const char *file, size_t *n_out)
{
    *n_out = 0;
    if (sl->n == 0)
        return NULL;
    char real[PATH_MAX];
    const char *abs = realpath(file, real) ? real : file;
    const char *given = file;
    while (given[0] == '.' && given[1] == '/')
        given += 2;
    int *v = malloc(sl->n * sizeof *v);
    if (!v) {
        fprintf(stderr, "megadb-slt: out of memory\n");
        exit(2);
    }
    size_t n = 0;
    for (size_t i = 0; i < sl->n; i++)
        if (path_ends_with(abs, sl->v[i].path) || path_ends_with(given, sl->v[i].path))
            v[n++] = sl->v[i].line;
    qsort(v, n, sizeof *v, cmp_int);
    *n_out = n;
    return v;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    SltOptions opt = {0};
    SkipList skips = {0};
    int first_file = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            first_file = i + 1;
            break;
        } else if (strcmp(a, "--skip-list") == 0 && i + 1 < argc) {
            if (load_skip_list(argv[++i], &skips) != 0)
                return 2;
        } else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
            opt.db_dir = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            opt.verbose = true;
        } else if (strcmp(a, "--fail-fast") == 0) {
            opt.fail_fast = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "megadb-slt: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            first_file = i;
            break;
        }
    }
    if (first_file >= argc) {
        usage(stderr);
        return 2;
    }

    SltCounts total = {0};
    for (int i = first_file; i < argc; i++) {
        size_t n_skip = 0;
        int *skip_lines = lines_for(&skips, argv[i], &n_skip);
        SltCounts c = {0};
        double t0 = now_s();
        bool stop = slt_run_file(&opt, argv[i], skip_lines, n_skip, &c);
        free(skip_lines);
        if (opt.verbose)
            printf("%s: %ld passed, %ld failed, %ld skipped (%.2fs)\n", argv[i], c.passed, c.failed, c.skipped,
                   now_s() - t0);
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
        fflush(stdout);
        if (stop)
            break;
    }
    printf("%ld passed, %ld failed, %ld skipped\n", total.passed, total.failed, total.skipped);

    for (size_t i = 0; i < skips.n; i++)
        free(skips.v[i].path);
    free(skips.v);
    return total.failed ? 1 : 0;
}
