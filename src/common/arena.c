/*
 * src/common/arena.c — bump arenas.  Blocks grow geometrically up to 1 MiB;
 * a request larger than a block gets a block of its own.
 */
#include "common/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct ArenaBlock {
    ArenaBlock *next;
    size_t size; /* usable bytes after the header */
    max_align_t data[];
};

#define ARENA_FIRST_BLOCK 4096
#define ARENA_MAX_BLOCK (1u << 20)

Arena *arena_create(Arena *parent)
{
    Arena *a = xcalloc(1, sizeof(Arena));
    a->parent = parent;
    if (parent) {
        a->sibling = parent->child;
        parent->child = a;
    }
    return a;
}

static void free_blocks(ArenaBlock *b)
{
    while (b) {
        ArenaBlock *n = b->next;
        free(b);
        b = n;
    }
}

static void destroy_children(Arena *a)
{
    Arena *c = a->child;
    while (c) {
        Arena *n = c->sibling;
        c->parent = NULL; /* no unlink needed: the whole list goes */
        destroy_children(c);
        free_blocks(c->head);
        free(c);
        c = n;
    }
    a->child = NULL;
}

void arena_destroy(Arena *a)
{
    if (!a) return;
    destroy_children(a);
    if (a->parent) {
        Arena **pp = &a->parent->child;
        while (*pp && *pp != a) pp = &(*pp)->sibling;
        if (*pp) *pp = a->sibling;
    }
    free_blocks(a->head);
    free(a);
}

void arena_reset(Arena *a)
{
    destroy_children(a);
    if (!a->head) return;
    /* keep the newest (largest) block: an arena reset once per chunk (operator
     * scratch space) then serves the next chunk without going back to malloc,
     * whose large blocks are fresh mappings (page faults, and TLB shootdowns
     * across the worker threads when they are unmapped) */
    ArenaBlock *keep = a->head, *b = keep->next;
    while (b) {
        ArenaBlock *n = b->next;
        free(b);
        b = n;
    }
    keep->next = NULL;
    a->head = keep;
    a->ptr = (char *)keep->data;
    a->end = a->ptr + keep->size;
    a->total = keep->size;
}

static void *alloc_slow(Arena *a, size_t n)
{
    size_t want = a->head ? a->head->size * 2 : ARENA_FIRST_BLOCK;
    if (want > ARENA_MAX_BLOCK) want = ARENA_MAX_BLOCK;
    if (want < n) want = n;
    ArenaBlock *b = xmalloc(sizeof(ArenaBlock) + want);
    b->size = want;
    a->total += want;
    if (a->head && n > (size_t)(a->end - a->ptr) && want == n && a->head->next) {
        /* oversized request: put it behind the current block, keep bumping there */
        b->next = a->head->next;
        a->head->next = b;
        return b->data;
    }
    b->next = a->head;
    a->head = b;
    a->ptr = (char *)b->data + n;
    a->end = (char *)b->data + want;
    return b->data;
}

void *arena_alloc(Arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (MDB_LIKELY((size_t)(a->end - a->ptr) >= n && a->ptr)) {
        void *p = a->ptr;
        a->ptr += n;
        return p;
    }
    return alloc_slow(a, n);
}

void *arena_zalloc(Arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(Arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *arena_memdup(Arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    memcpy(q, p, n);
    return q;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}
