/*
 * src/common/error.c — recording the first error of an operation.
 */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static int vset(Err *e, int position, const char *sqlstate, const char *fmt, va_list ap)
{
    if (!e || e->is_set) return MDB_FAIL;
    e->is_set = true;
    memcpy(e->sqlstate, sqlstate, 5);
    e->sqlstate[5] = 0;
    e->message = vfmt(fmt, ap);
    e->position = position;
    return MDB_FAIL;
}

int err_set(Err *e, const char *sqlstate, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, 0, sqlstate, fmt, ap);
    va_end(ap);
    return MDB_FAIL;
}

int err_set_pos(Err *e, int position, const char *sqlstate, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, position, sqlstate, fmt, ap);
    va_end(ap);
    return MDB_FAIL;
}

void err_detail(Err *e, const char *fmt, ...)
{
    if (!e || !e->is_set || e->detail) return;
    va_list ap;
    va_start(ap, fmt);
    e->detail = vfmt(fmt, ap);
    va_end(ap);
}

void err_hint(Err *e, const char *fmt, ...)
{
    if (!e || !e->is_set || e->hint) return;
    va_list ap;
    va_start(ap, fmt);
    e->hint = vfmt(fmt, ap);
    va_end(ap);
}

void err_position(Err *e, int position)
{
    if (e && e->is_set && e->position == 0) e->position = position;
}

void err_clear(Err *e)
{
    if (!e) return;
    free(e->message);
    free(e->detail);
    free(e->hint);
    memset(e, 0, sizeof(*e));
}

void err_move(Err *dst, Err *src)
{
    err_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}
