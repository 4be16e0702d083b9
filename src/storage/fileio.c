/*
 * src/storage/fileio.c — error-reporting wrappers around pread/pwrite/fsync
 * with the fault-injection hook (see fileio.h).
 */
#include "storage/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

static FioFaultHook _Atomic fault_hook;
static void *_Atomic fault_arg;

void fio_set_fault_hook(FioFaultHook hook, void *arg)
{
    atomic_store(&fault_arg, arg);
    atomic_store(&fault_hook, hook);
}

static int fio_fault(FioOp op, const char *path)
{
    FioFaultHook h = atomic_load(&fault_hook);
    return h ? h(op, path, atomic_load(&fault_arg)) : 0;
}

int fio_pread(int fd, const char *path, void *buf, size_t n, off_t off, size_t *got, Err *err)
{
    size_t done = 0;
    int e = fio_fault(FIO_READ, path);
    if (e) {
        errno = e;
        return err_set(err, SQLSTATE_IO_ERROR, "could not read file \"%s\": %s", path, strerror(e));
    }
    while (done < n) {
        ssize_t r = pread(fd, (u8 *)buf + done, n - done, off + (off_t)done);
        if (r < 0) {
            if (errno == EINTR) continue;
            return err_set(err, SQLSTATE_IO_ERROR, "could not read file \"%s\": %s", path, strerror(errno));
        }
        if (r == 0) break;
        done += (size_t)r;
    }
    *got = done;
    return MDB_OK_;
}

int fio_pwrite(int fd, const char *path, const void *buf, size_t n, off_t off, Err *err)
{
    size_t done = 0;
    int e = fio_fault(FIO_WRITE, path);
    if (e) return err_set(err, SQLSTATE_IO_ERROR, "could not write file \"%s\": %s", path, strerror(e));
    while (done < n) {
        ssize_t r = pwrite(fd, (const u8 *)buf + done, n - done, off + (off_t)done);
        if (r < 0) {
            if (errno == EINTR) continue;
            return err_set(err, SQLSTATE_IO_ERROR, "could not write file \"%s\": %s", path, strerror(errno));
        }
        done += (size_t)r;
    }
    return MDB_OK_;
}

int fio_fsync(int fd, const char *path, Err *err)
{
    int e = fio_fault(FIO_FSYNC, path);
    if (e) return err_set(err, SQLSTATE_IO_ERROR, "could not fsync file \"%s\": %s", path, strerror(e));
    if (fdatasync(fd) != 0)
        return err_set(err, SQLSTATE_IO_ERROR, "could not fsync file \"%s\": %s", path, strerror(errno));
    return MDB_OK_;
}

int fio_fsync_dir(const char *dir, Err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return err_set(err, SQLSTATE_IO_ERROR, "could not open directory \"%s\": %s", dir, strerror(errno));
    int rc = MDB_OK_;
    int e = fio_fault(FIO_FSYNC, dir);
    if (e || fsync(fd) != 0)
        rc = err_set(err, SQLSTATE_IO_ERROR, "could not fsync directory \"%s\": %s", dir, strerror(e ? e : errno));
    close(fd);
    return rc;
}

int fio_open(const char *path, int flags, Err *err)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0) err_set(err, SQLSTATE_IO_ERROR, "could not open file \"%s\": %s", path, strerror(errno));
    return fd;
}

int fio_mkdir(const char *path, Err *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return err_set(err, SQLSTATE_IO_ERROR, "could not create directory \"%s\": %s", path, strerror(errno));
    return MDB_OK_;
}
