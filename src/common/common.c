/*
 * src/common/common.c — allocation helpers that abort on out-of-memory, and the
 * single exit for internal errors.
 */
#include "common/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void oom(size_t n) __attribute__((noreturn));
static void oom(size_t n)
{
    fprintf(stderr, "megadb: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) oom(n * sz);
    return p;
}

i64 time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (i64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void *xcalloc_written(size_t n, size_t sz)
{
    size_t bytes = (n ? n : 1) * (sz ? sz : 1);
    char *p = calloc(1, bytes);
    if (!p) oom(bytes);
    /* a write to every page maps it zeroed at once (malloc + memset would be
     * turned into calloc by the compiler, and leave the pages unmapped) */
    for (size_t i = 0; i < bytes; i += 4096) ((volatile char *)p)[i] = 0;
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void mdb_internal_fatal(const char *file, int line, const char *msg)
{
    fprintf(stderr, "megadb: internal error at %s:%d: %s\n", file, line, msg);
    abort();
}
