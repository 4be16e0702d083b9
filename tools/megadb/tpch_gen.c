/*
 * tools/megadb/tpch_gen.c — the `megadb tpch-gen` subcommand: writes the eight
 * TPC-H tables as dbgen-style .tbl files (pipe-separated, a '|' after every
 * field) with the same generator that CALL tpch_generate uses
 * (src/main/tpchgen.h).  This is the one file of the shell that calls an
 * internal module instead of the C API: the generator is not a database
 * operation and has no API of its own.
 *
 *   megadb tpch-gen --sf N [--out DIR] [--threads N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "main/tpchgen.h"
#include "shell.h"

static void tpch_gen_usage(FILE *out)
{
    fprintf(out,
            "megadb tpch-gen writes the TPC-H tables as .tbl files.\n"
            "\n"
            "Usage:\n"
            "  megadb tpch-gen --sf N [--out DIR] [--threads N]\n"
            "\n"
            "Options:\n"
            "  --sf N          scale factor, greater than 0 and at most %d (1 = about 1 GB)\n"
            "  --out DIR       directory for region.tbl … lineitem.tbl (default: .;\n"
            "                  created when missing)\n"
            "  --threads N     generator threads (default: the number of CPUs)\n"
            "  --help          print this help and exit\n",
            TPCH_MAX_SF);
}

int shell_tpch_gen(int argc, char **argv)
{
    enum { OPT_SF = 256, OPT_OUT, OPT_THREADS, OPT_HELP };
    static const struct option opts[] = {
        {"sf", required_argument, NULL, OPT_SF},
        {"out", required_argument, NULL, OPT_OUT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *sf_text = NULL, *dir = ".";
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (opt) {
        case OPT_SF: sf_text = optarg; break;
        case OPT_OUT: dir = optarg; break;
        case OPT_THREADS:
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 256) {
                fprintf(stderr, "megadb tpch-gen: --threads must be a number from 1 to 256, not \"%s\"\n", optarg);
                return SHELL_USAGE;
            }
            break;
        case OPT_HELP: tpch_gen_usage(stdout); return SHELL_OK;
        case ':': fprintf(stderr, "megadb tpch-gen: option '%s' requires an argument\n", argv[optind - 1]); return SHELL_USAGE;
        default:
            fprintf(stderr, "megadb tpch-gen: unrecognized option '%s'\n", argv[optind - 1]);
            fputs("Try \"megadb tpch-gen --help\" for more information.\n", stderr);
            return SHELL_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "megadb tpch-gen: unexpected argument \"%s\"\n", argv[optind]);
        return SHELL_USAGE;
    }
    if (!sf_text) {
        fprintf(stderr, "megadb tpch-gen: --sf is required\n");
        fputs("Try \"megadb tpch-gen --help\" for more information.\n", stderr);
        return SHELL_USAGE;
    }
    char *end;
    double sf = strtod(sf_text, &end);
    Err err = {0};
    TpchScale sc;
    if (end == sf_text || *end || tpchgen_scale(sf, &sc, &err)) {
        fprintf(stderr, "megadb tpch-gen: invalid scale factor \"%s\": must be a number greater than 0 and at most %d\n", sf_text,
                TPCH_MAX_SF);
        err_clear(&err);
        return SHELL_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    i64 counts[TPCH_NTABLES];
    if (tpchgen_write_tbl(&sc, dir, (int)threads, counts, &err)) {
        fprintf(stderr, "megadb tpch-gen: %s\n", err.message ? err.message : "generation failed");
        err_clear(&err);
        return SHELL_ERROR;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (int t = 0; t < TPCH_NTABLES; t++)
        fprintf(stderr, "%-9s %10lld rows  %s/%s.tbl\n", tpchgen_table_name((TpchTable)t), (long long)counts[t], dir,
                tpchgen_table_name((TpchTable)t));
    fprintf(stderr, "SF %s generated in %.2f s with %ld thread%s\n", sf_text, secs, threads, threads == 1 ? "" : "s");
    return SHELL_OK;
}
