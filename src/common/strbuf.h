/*
 * src/common/strbuf.h — a growable, NUL-terminated byte buffer on malloc.
 */
#ifndef MDB_STRBUF_H
#define MDB_STRBUF_H

#include "common/common.h"

typedef struct StrBuf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
} StrBuf;

void sb_init(StrBuf *sb);
void sb_free(StrBuf *sb);
void sb_reset(StrBuf *sb);
void sb_reserve(StrBuf *sb, size_t extra);
void sb_append(StrBuf *sb, const char *s, size_t n);
void sb_puts(StrBuf *sb, const char *s);
void sb_putc(StrBuf *sb, char c);
void sb_printf(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Detaches the buffer (caller frees); sb is left empty. */
char *sb_steal(StrBuf *sb);

#endif
