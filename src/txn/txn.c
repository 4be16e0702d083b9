/*
 * src/txn/txn.c — transaction life cycle: begin (snapshot), commit (publish
 * stamps under the commit lock), rollback (undo in reverse order).
 */
#include "txn/txn.h"

#include <stdlib.h>

#include "storage/memory/memtable.h"

void txnmgr_init(TxnManager *m)
{
    pthread_rwlock_init(&m->commit_lock, NULL);
    pthread_mutex_init(&m->mu, NULL);
    m->clock = 1;
    m->next_id = TXN_ID_BASE + 1;
}

void txnmgr_destroy(TxnManager *m)
{
    pthread_rwlock_destroy(&m->commit_lock);
    pthread_mutex_destroy(&m->mu);
}

Txn *txn_begin(TxnManager *m)
{
    Txn *t = xcalloc(1, sizeof(Txn));
    t->mgr = m;
    pthread_rwlock_rdlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    t->id = m->next_id++;
    t->snapshot = m->clock;
    pthread_mutex_unlock(&m->mu);
    pthread_rwlock_unlock(&m->commit_lock);
    return t;
}

void txn_log(Txn *t, void *table, u64 row, u64 count, u8 kind)
{
    if (t->nundo > t->merge_floor) {
        UndoEntry *l = &t->undo[t->nundo - 1];
        if (l->table == table && l->kind == kind && l->row + l->count == row) {
            l->count += count;
            return;
        }
    }
    if (t->nundo == t->capundo) {
        t->capundo = t->capundo ? t->capundo * 2 : 64;
        t->undo = xrealloc(t->undo, t->capundo * sizeof(UndoEntry));
    }
    t->undo[t->nundo++] = (UndoEntry){table, row, count, kind};
}

int txn_commit(Txn *t, Err *err)
{
    if (t->nundo == 0) return MDB_OK_;
    TxnManager *m = t->mgr;
    pthread_rwlock_wrlock(&m->commit_lock);
    pthread_mutex_lock(&m->mu);
    Ts cts = ++m->clock;
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < t->nundo; i++) {
        UndoEntry *u = &t->undo[i];
        memtable_commit_rows(u->table, u->row, u->count, u->kind, t->id, cts);
    }
    pthread_rwlock_unlock(&m->commit_lock);
    return MDB_OK_;
}

void txn_rollback_to(Txn *t, size_t mark)
{
    while (t->nundo > mark) {
        UndoEntry *u = &t->undo[--t->nundo];
        memtable_undo_rows(u->table, u->row, u->count, u->kind, t->id);
    }
    if (t->merge_floor > t->nundo) t->merge_floor = t->nundo;
}

size_t txn_mark(Txn *t)
{
    t->merge_floor = t->nundo;
    return t->nundo;
}

void txn_rollback(Txn *t)
{
    txn_rollback_to(t, 0);
}

void txn_free(Txn *t)
{
    if (!t) return;
    free(t->undo);
    free(t);
}
