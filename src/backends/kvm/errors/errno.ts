// Linux errno numbers (asm-generic/errno-base.h, errno.h) and their names, so errors read like the kernel's.
// strerror() is avoided on purpose: names are stable, greppable and locale-free.

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Errno).map(([name, value]) => [value, name]));

/** The symbolic name of an errno value ('EINVAL'); values outside the table read 'errno <n>'. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}
