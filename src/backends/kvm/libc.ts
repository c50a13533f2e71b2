// The few libc calls the KVM backend needs, bound through koffi. Each returns the raw C result;
// callers read errno with lastErrno() right after the call (koffi saves it per call, per thread).
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

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

const cOpen = libc.func('int open(const char *path, int flags, ...)');
const cClose = libc.func('int close(int fd)');
// ioctl(2) is variadic: the third argument is declared per call as a pointer or an unsigned long.
const cIoctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
const cMmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
const cMunmap = libc.func('int munmap(void *addr, size_t length)');
const cGettid = libc.func('int gettid(void)');
const cGetpid = libc.func('int getpid(void)');
const cTgkill = libc.func('int tgkill(int tgid, int tid, int sig)');
const cSigaction = libc.func('int sigaction(int signum, const void *act, void *oldact)');
const cPthreadSigmask = libc.func('int pthread_sigmask(int how, const void *set, void *oldset)');
const cSigrtmin = libc.func('int __libc_current_sigrtmin(void)');

/** errno as the last libc call in this thread left it. */
export function lastErrno(): number {
  return koffi.errno();
}

export function open(path: string, flags: number): number {
  return cOpen(path, flags) as number;
}

export function close(fd: number): number {
  return cClose(fd) as number;
}

/** ioctl(fd, request, arg): a Buffer is passed as a pointer to its bytes, a number/bigint as an unsigned long. */
export function ioctl(fd: number, request: number, arg: Buffer | number | bigint = 0): number {
  return (
    arg instanceof Uint8Array ? cIoctl(fd, request, 'void *', arg) : cIoctl(fd, request, 'unsigned long', arg)
  ) as number;
}

/** Returns the mapping address, or MAP_FAILED. */
export function mmap(length: number, prot: number, flags: number, fd: number, offset = 0): bigint {
  return cMmap(null, length, prot, flags, fd, offset) as bigint;
}

export function munmap(addr: bigint, length: number): number {
  return cMunmap(addr, length) as number;
}

/** Host memory at `addr` as a Uint8Array (no copy). The caller keeps the mapping alive while the view is used. */
export function viewAt(addr: bigint, length: number): Uint8Array {
  return new Uint8Array(koffi.view(addr, length));
}

/** The address of a native symbol of libc (for sigaction's sa_handler). */
export function libcSymbol(name: string): bigint {
  return koffi.address(libc.symbol(name));
}

export function gettid(): number {
  return cGettid() as number;
}

export function getpid(): number {
  return cGetpid() as number;
}

export function tgkill(tgid: number, tid: number, sig: number): number {
  return cTgkill(tgid, tid, sig) as number;
}

export function sigaction(signum: number, act: Buffer): number {
  return cSigaction(signum, act, null) as number;
}

/** Returns 0 or an error number (pthread functions do not set errno). */
export function pthreadSigmask(how: number, set: Buffer): number {
  return cPthreadSigmask(how, set, null) as number;
}

/** SIGRTMIN as glibc reports it (it reserves the first real-time signals for itself). */
export function sigrtmin(): number {
  return cSigrtmin() as number;
}
