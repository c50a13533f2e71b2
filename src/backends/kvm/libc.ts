// The few libc calls the KVM backend needs, bound through koffi. Each returns the raw C result;
// callers read errno with lastErrno() right after the call (koffi saves it per call, per thread).
// koffi and libc are bound on first use, so processes that never touch /dev/kvm do not pay for loading them.
import { createRequire } from 'node:module';
import type KoffiModule from 'koffi';

/** <fcntl.h> */
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;
/** <sys/mman.h> */
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
/** mmap() returns (void *) -1 on failure. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
/** <signal.h> how values of pthread_sigmask(). */
export const SIG_UNBLOCK = 1;

function bind() {
  const koffi = createRequire(import.meta.url)('koffi') as typeof KoffiModule;
  const libc = koffi.load('libc.so.6');
  return {
    koffi,
    libc,
    open: libc.func('int open(const char *path, int flags, ...)'),
    close: libc.func('int close(int fd)'),
    // ioctl(2) is variadic: the third argument is declared per call as a pointer or an unsigned long.
    ioctl: libc.func('int ioctl(int fd, unsigned long request, ...)'),
    mmap: libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: libc.func('int munmap(void *addr, size_t length)'),
    gettid: libc.func('int gettid(void)'),
    getpid: libc.func('int getpid(void)'),
    tgkill: libc.func('int tgkill(int tgid, int tid, int sig)'),
    sigaction: libc.func('int sigaction(int signum, const void *act, void *oldact)'),
    pthreadSigmask: libc.func('int pthread_sigmask(int how, const void *set, void *oldset)'),
    sigrtmin: libc.func('int __libc_current_sigrtmin(void)'),
  };
}

let bound: ReturnType<typeof bind> | undefined;
const c = (): ReturnType<typeof bind> => {
  bound ??= bind();
  return bound;
};

/** errno as the last libc call in this thread left it. */
export function lastErrno(): number {
  return c().koffi.errno();
}

export function open(path: string, flags: number): number {
  return c().open(path, flags) as number;
}

export function close(fd: number): number {
  return c().close(fd) as number;
}

/** ioctl(fd, request, arg): a Buffer is passed as a pointer to its bytes, a number/bigint as an unsigned long. */
export function ioctl(fd: number, request: number, arg: Buffer | number | bigint = 0): number {
  return (
    arg instanceof Uint8Array ? c().ioctl(fd, request, 'void *', arg) : c().ioctl(fd, request, 'unsigned long', arg)
  ) as number;
}

/** Returns the mapping address, or MAP_FAILED. */
export function mmap(length: number, prot: number, flags: number, fd: number, offset = 0): bigint {
  return c().mmap(null, length, prot, flags, fd, offset) as bigint;
}

export function munmap(addr: bigint, length: number): number {
  return c().munmap(addr, length) as number;
}

/** Host memory at `addr` as a Uint8Array (no copy). The caller keeps the mapping alive while the view is used. */
export function viewAt(addr: bigint, length: number): Uint8Array {
  return new Uint8Array(c().koffi.view(addr, length));
}

/** The address of a native symbol of libc (for sigaction's sa_handler). */
export function libcSymbol(name: string): bigint {
  return c().koffi.address(c().libc.symbol(name));
}

export function gettid(): number {
  return c().gettid() as number;
}

export function getpid(): number {
  return c().getpid() as number;
}

export function tgkill(tgid: number, tid: number, sig: number): number {
  return c().tgkill(tgid, tid, sig) as number;
}

export function sigaction(signum: number, act: Buffer): number {
  return c().sigaction(signum, act, null) as number;
}

/** Returns 0 or an error number (pthread functions do not set errno). */
export function pthreadSigmask(how: number, set: Buffer): number {
  return c().pthreadSigmask(how, set, null) as number;
}

/** SIGRTMIN as glibc reports it (it reserves the first real-time signals for itself). */
export function sigrtmin(): number {
  return c().sigrtmin() as number;
}
