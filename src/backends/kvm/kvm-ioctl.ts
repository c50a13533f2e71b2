// Issuing a KVM ioctl by name: failures become KvmError(ioctl name, errno name).
import { KvmError } from '../../abi/index.js';
import { errnoName } from './errors/errno.js';
import { KVM_IOCTLS, type KvmIoctl } from './ioctls.js';
import { ioctl, lastErrno } from './libc.js';

/** The ioctl's non-negative result, or minus errno ("ioctls return -1 and set errno on failure"). */
export function kvmIoctlRaw(fd: number, name: KvmIoctl, arg: Buffer | number | bigint = 0): number {
  const ret = ioctl(fd, KVM_IOCTLS[name], arg);
  return ret < 0 ? -lastErrno() : ret;
}

/** The ioctl's result; throws KvmError naming the ioctl and the errno on failure. */
export function kvmIoctl(fd: number, name: KvmIoctl, arg: Buffer | number | bigint = 0, detail?: string): number {
  const ret = kvmIoctlRaw(fd, name, arg);
  if (ret < 0) throw new KvmError(name, errnoName(-ret), detail);
  return ret;
}
