/*
 * test/unit/unit.h — a minimal unit-test framework for MegaDB's C tests.
 *
 * CHECK-style macros report file:line of every failed check and count it;
 * test/unit/main.c runs every suite listed in UNIT_SUITES and exits non-zero
 * when any check failed.  A suite is a plain `void suite_x(void)` function.
 */
#ifndef MDB_UNIT_H
#define MDB_UNIT_H

#include <stdio.h>
#include <string.h>

#include "common/error.h"

extern int unit_checks;
extern int unit_failures;

#define UNIT_FAIL_(...)                                  \
    do {                                                 \
        unit_failures++;                                 \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                    \
        fputc('\n', stderr);                             \
    } while (0)

#define CHECK(cond)                                        \
    do {                                                   \
        unit_checks++;                                     \
        if (!(cond)) UNIT_FAIL_("%s", #cond);              \
    } while (0)

#define CHECK_INT(got, want)                                                              \
    do {                                                                                  \
        long long g_ = (long long)(got), w_ = (long long)(want);                          \
        unit_checks++;                                                                    \
        if (g_ != w_) UNIT_FAIL_("%s == %lld, expected %lld", #got, g_, w_);              \
    } while (0)

#define CHECK_STR(got, want)                                                              \
    do {                                                                                  \
        const char *g_ = (got), *w_ = (want);                                             \
        unit_checks++;                                                                    \
        if (!g_ || strcmp(g_, w_) != 0) UNIT_FAIL_("%s == \"%s\", expected \"%s\"", #got, g_ ? g_ : "(null)", w_); \
    } while (0)

#define CHECK_DBL(got, want)                                                              \
    do {                                                                                  \
        double g_ = (got), w_ = (want);                                                   \
        unit_checks++;                                                                    \
        if (!(g_ == w_ || (g_ != g_ && w_ != w_))) UNIT_FAIL_("%s == %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

/* The call `rc` succeeded; otherwise prints the recorded error. */
#define CHECK_OK(rc, errp)                                                                \
    do {                                                                                  \
        unit_checks++;                                                                    \
        if ((rc) != 0) {                                                                  \
            UNIT_FAIL_("%s failed: %s %s", #rc, (errp)->is_set ? (errp)->sqlstate : "?",  \
                       (errp)->message ? (errp)->message : "");                           \
            err_clear(errp);                                                              \
        }                                                                                 \
    } while (0)

/* The error in *errp has this SQLSTATE and message (message NULL: any);
 * clears it afterwards. */
#define CHECK_ERR(errp, state, msg)                                                       \
    do {                                                                                  \
        unit_checks++;                                                                    \
        const char *m_ = (msg);                                                           \
        if (!(errp)->is_set) UNIT_FAIL_("expected error %s, got none", (state));          \
        else if (strcmp((errp)->sqlstate, (state)) != 0 || (m_ && strcmp((errp)->message, m_) != 0)) \
            UNIT_FAIL_("expected error %s \"%s\", got %s \"%s\"", (state), m_ ? m_ : "*", \
                       (errp)->sqlstate, (errp)->message);                                \
        err_clear(errp);                                                                  \
    } while (0)

#endif
