/*
 * src/storage/fileio.h — the few file operations the storage layer performs
 * (positioned read/write of whole buffers, fsync, open, unlink), each turning
 * a failure into an Err with SQLSTATE 58030 and the path, and each passing
 * through one fault-injection hook so tests can make any write or fsync fail
 * and check that the caller reports the error instead of carrying on.
 */
#ifndef MDB_FILEIO_H
#define MDB_FILEIO_H

#include <sys/types.h>

#include "common/error.h"

/* data_corrupted: a page or log record failed its checksum. */
#define SQLSTATE_DATA_CORRUPTED "XX001"

typedef enum FioOp { FIO_READ, FIO_WRITE, FIO_FSYNC } FioOp;

/* A hook that returns 0 to let the operation run or an errno value to make it
 * fail with that error (without performing it).  Process-wide; tests only. */
typedef int (*FioFaultHook)(FioOp op, const char *path, void *arg);
void fio_set_fault_hook(FioFaultHook hook, void *arg);

/* Reads up to n bytes at off; *got = bytes read (short only at end of file). */
int fio_pread(int fd, const char *path, void *buf, size_t n, off_t off, size_t *got, Err *err);
/* Writes all n bytes at off (retrying short writes). */
int fio_pwrite(int fd, const char *path, const void *buf, size_t n, off_t off, Err *err);
int fio_fsync(int fd, const char *path, Err *err);
/* fsyncs a directory so that file creations/renames/unlinks in it are durable. */
int fio_fsync_dir(const char *dir, Err *err);
/* open(2) with an error on failure; returns the fd or -1. */
int fio_open(const char *path, int flags, Err *err);
/* Creates the directory if missing. */
int fio_mkdir(const char *path, Err *err);

#endif
