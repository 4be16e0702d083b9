/*
 * src/common/arena.h — memory contexts: bump arenas in a tree.
 *
 * An Arena hands out memory that is freed all at once by arena_reset() or
 * arena_destroy().  Child arenas are destroyed with their parent, so the
 * instance → session → transaction → statement → operator → chunk tree of
 * DESIGN.md §6 frees as a whole.  Not thread-safe: one thread per arena.
 */
#ifndef MDB_ARENA_H
#define MDB_ARENA_H

#include "common/common.h"

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
    ArenaBlock *head;      /* current block; older blocks chained behind it */
    char *ptr;             /* next free byte in head */
    char *end;             /* end of head's usable space */
    size_t total;          /* bytes held in blocks (for accounting) */
    struct Arena *parent;  /* NULL for a root arena */
    struct Arena *child;   /* first child */
    struct Arena *sibling; /* next child of parent */
} Arena;

Arena *arena_create(Arena *parent);
void arena_destroy(Arena *a);
/* Frees everything allocated in `a` (children are destroyed too) but keeps the
 * first block for reuse. */
void arena_reset(Arena *a);
void *arena_alloc(Arena *a, size_t n);  /* 16-byte aligned */
void *arena_zalloc(Arena *a, size_t n); /* zero-filled */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *arena_memdup(Arena *a, const void *p, size_t n);

#endif
