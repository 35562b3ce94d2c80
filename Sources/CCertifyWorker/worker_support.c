#define _GNU_SOURCE
#include "certify_worker_support.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    uintptr_t start, end;
    uint32_t id;
} guards[CERTIFY_GUARD_CAPACITY];
static volatile sig_atomic_t guard_count;
static volatile uint32_t guard_phase;
static int guard_reply_fd = -1;
static char alternate_stack[64 * 1024];

static void put_u32(unsigned char *at, uint32_t value) {
    for (int i = 0; i < 4; i++) at[i] = (unsigned char)(value >> (8 * i));
}

static void on_fault(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < guard_count; i++) {
        if (address >= guards[i].start && address < guards[i].end) {
            unsigned char record[13];
            put_u32(record, 9);
            record[4] = 'M';
            put_u32(record + 5, guards[i].id);
            put_u32(record + 9, guard_phase);
            ssize_t ignored = write(guard_reply_fd, record, sizeof record);
            (void)ignored;
            break;
        }
    }
    /* Die of the same signal: the default action runs when the instruction repeats. */
    signal(signal_number, SIG_DFL);
}

int certify_guard_install(int reply_fd) {
    guard_reply_fd = reply_fd;
    stack_t stack = {.ss_sp = alternate_stack, .ss_size = sizeof alternate_stack, .ss_flags = 0};
    if (sigaltstack(&stack, NULL) != 0) return -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, NULL) != 0) return -1;
    return sigaction(SIGBUS, &action, NULL);
}

void certify_guard_clear(void) { guard_count = 0; }

int certify_guard_add(const void *start, size_t length, uint32_t id) {
    if (guard_count >= CERTIFY_GUARD_CAPACITY) return -1;
    int slot = guard_count;
    guards[slot].start = (uintptr_t)start;
    guards[slot].end = (uintptr_t)start + length;
    guards[slot].id = id;
    guard_count = slot + 1;
    return 0;
}

void certify_guard_set_phase(uint32_t phase) { guard_phase = phase; }

static volatile sig_atomic_t interrupt_signal;

static void on_interrupt(int signal_number) {
    if (interrupt_signal == 0) interrupt_signal = signal_number;
}

int certify_interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    /* A parent may have started us with them blocked; a blocked signal would never arrive. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int certify_interrupt_signal(void) { return interrupt_signal; }

int certify_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int certify_memfd_cloexec(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int certify_pipe_grow(int fd, int bytes) { return fcntl(fd, F_SETPIPE_SZ, bytes); }

static cpu_set_t start_affinity;
static int start_affinity_known = -1; /* -1: not read yet, 0: unavailable, 1: read */

int certify_wait_here(void) {
    if (start_affinity_known < 0) {
        start_affinity_known = sched_getaffinity(0, sizeof start_affinity, &start_affinity) == 0;
    }
    const int cpu = sched_getcpu();
    if (!start_affinity_known || cpu < 0 || !CPU_ISSET(cpu, &start_affinity)) return -1;
    cpu_set_t here;
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    return sched_setaffinity(0, sizeof here, &here);
}

int certify_wait_done(void) {
    if (start_affinity_known != 1) return -1;
    return sched_setaffinity(0, sizeof start_affinity, &start_affinity);
}

int certify_die_with_parent(void) {
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    /* The parent may have died before prctl: then we were reparented already. */
    return getppid() == parent ? 0 : -1;
}

long certify_write_nosigpipe(int fd, const void *buffer, unsigned long length) {
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    const int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    const ssize_t written = write(fd, buffer, length);
    const int saved = errno;
    if (written < 0 && saved == EPIPE && !was_pending) {
        /* Consume the SIGPIPE this write raised, so unblocking does not deliver it. */
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return (long)written;
}
