/*
 * test/unit/main.c — runs every C unit-test suite (the megadb-unit binary).
 *
 * Add a suite by listing it in UNIT_SUITES below; arguments name the suites
 * to run (default: all).  Suites are declared weak,
 * so a suite whose file is not linked into a build is skipped instead of
 * breaking the link.  Exits 1 when any check failed, 0 otherwise.
 */
#include "unit.h"

int unit_checks;
int unit_failures;

#define UNIT_SUITES(X) \
    X(suite_numeric)   \
    X(suite_scalar_io) \
    X(suite_datetime)  \
    X(suite_cast)      \
    X(suite_func)      \
    X(suite_copy_parallel) \
    X(suite_memscan_claims) \
    X(suite_keyenc)    \
    X(suite_wal)       \
    X(suite_bufpool)   \
    X(suite_btree)     \
    X(suite_oltp_recovery) \
    X(suite_oltp_crash) \
    X(suite_oltp_overflow) \
    X(suite_oltp_default) \
    X(suite_oltp_index) \
    X(suite_oltp_sql_crash) \
    X(suite_oltp_bulk) \
    X(suite_oltp_bulk_crash) \
    X(suite_isolation) \
    X(suite_vacuum) \
    X(suite_vacuum_crash) \
    X(suite_plancache) \
    X(suite_pgwire) \
    X(suite_pgwire_fuzz) \
    X(suite_spill)

#define DECLARE(name) void name(void) __attribute__((weak));
UNIT_SUITES(DECLARE)

int main(int argc, char **argv)
{
    struct {
        const char *name;
        void (*fn)(void);
    } suites[] = {
#define ENTRY(name) {#name, name},
        UNIT_SUITES(ENTRY)
    };
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (!suites[i].fn) continue;
        if (argc > 1) { /* megadb-unit suite_a suite_b: run only those */
            bool wanted = false;
            for (int a = 1; a < argc; a++) wanted |= strcmp(argv[a], suites[i].name) == 0;
            if (!wanted) continue;
        }
        int before = unit_failures, checks = unit_checks;
        suites[i].fn();
        printf("%-20s %6d checks, %d failed\n", suites[i].name, unit_checks - checks, unit_failures - before);
    }
    printf("total: %d checks, %d failed\n", unit_checks, unit_failures);
    return unit_failures ? 1 : 0;
}
