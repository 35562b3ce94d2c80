/*
 * certify_worker_support.h — signal handling for certify's own processes.
 * Not part of the plugin ABI: no backend includes this header.
 *
 * Guard pages: the worker registers the PROT_NONE pages around every host
 * buffer it hands a backend. A SIGSEGV or SIGBUS whose address falls in one
 * makes the handler write one protocol record to the reply descriptor,
 *   u32 length = 9 | u8 'M' | u32 guard id | u32 phase
 * then die of the same signal, so the supervisor learns both the signal and
 * which buffer was overrun. Everything the handler touches is preallocated.
 *
 * Interruption: the supervisor records the first SIGINT or SIGTERM and lets
 * blocking calls return EINTR, so it can stop the worker and write a report.
 */
#ifndef CERTIFY_WORKER_SUPPORT_H
#define CERTIFY_WORKER_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#define CERTIFY_GUARD_CAPACITY 256

/* Installs the SIGSEGV/SIGBUS handler on an alternate stack; records go to reply_fd. */
int certify_guard_install(int reply_fd);
/* Forgets every registered guard range. */
void certify_guard_clear(void);
/* Registers [start, start + length) as guard `id`; 0, or -1 when the table is full. */
int certify_guard_add(const void *start, size_t length, uint32_t id);
/* The call the worker is in, reported with a guard hit. */
void certify_guard_set_phase(uint32_t phase);

/* pipe2(fds, O_CLOEXEC) and memfd_create(name, MFD_CLOEXEC), which Swift's Glibc does not
 * expose; -1 with errno on failure. */
int certify_pipe_cloexec(int fds[2]);
int certify_memfd_cloexec(const char *name);
/* Grows a pipe's buffer to at least `bytes` (F_SETPIPE_SZ, capped by /proc/sys/fs/pipe-max-size
 * for an unprivileged process); the new capacity, or -1 with errno. */
int certify_pipe_grow(int fd, int bytes);

/* write(2) that reports EPIPE instead of raising SIGPIPE when the reader is gone: SIGPIPE is
 * blocked on the calling thread for the call and a pending one consumed, so the process's own
 * SIGPIPE disposition is never changed. Returns write's result, errno set as write sets it. */
long certify_write_nosigpipe(int fd, const void *buffer, unsigned long length);

/* Asks the kernel to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG), so a worker
 * stuck in a plugin never outlives a supervisor that was itself killed. */
int certify_die_with_parent(void);

/* The calling thread's waits between cases: certify_wait_here() keeps it on the CPU it runs on
 * (the one whose cache holds the supervisor's last reply), so the next request wakes it there;
 * certify_wait_done() gives it back the CPUs it started with before it runs a case, so threads a
 * backend starts then inherit all of them. Both are best effort: 0, or -1 when affinity is not
 * available. */
int certify_wait_here(void);
int certify_wait_done(void);

/* Installs SIGINT and SIGTERM handlers without SA_RESTART. */
int certify_interrupt_install(void);
/* The first interrupting signal received, or 0. */
int certify_interrupt_signal(void);

#endif
