// The Hypervisor over /dev/kvm: opening the device (with errors a user can act on) and the system ioctls.
import { Cap, type CpuidEntry, type Hypervisor, HypervisorUnavailableError, type Vm } from '../../abi/index.js';
import { Errno, errnoName } from './errors/errno.js';
import { kvmIoctl, kvmIoctlRaw } from './kvm-ioctl.js';
import { close, lastErrno, O_CLOEXEC, O_RDWR, open } from './libc.js';
import { decodeCpuid2, encodeCpuid2 } from './structs/cpuid.js';
import { KvmVm } from './vm.js';

export const DEFAULT_KVM_DEVICE = '/dev/kvm';
/** "KVM_GET_API_VERSION: the return value must be compared against KVM_API_VERSION (12)". */
export const KVM_API_VERSION = 12;
/** KVM_CREATE_VM's argument: the machine type, 0 = default on x86. */
const VM_TYPE_DEFAULT = 0;
/** KVM_GET_SUPPORTED_CPUID: start with room for this many entries, double on E2BIG ("nent too small"). */
const CPUID_INITIAL_ENTRIES = 128;
const CPUID_MAX_ENTRIES = 4096;
const USE_EMU = 'or use --backend emu';

function openError(path: string, errno: number): HypervisorUnavailableError {
  switch (errno) {
    case Errno.ENOENT:
      return new HypervisorUnavailableError(
        `${path} does not exist: this host has no KVM (enable virtualization and load kvm_intel or kvm_amd), ${USE_EMU}`,
      );
    case Errno.EACCES:
    case Errno.EPERM:
      return new HypervisorUnavailableError(
        `no permission to open ${path}: add your user to the 'kvm' group, ${USE_EMU}`,
      );
    case Errno.ENXIO:
    case Errno.ENODEV:
      return new HypervisorUnavailableError(
        `${path} has no driver behind it (${errnoName(errno)}): load kvm_intel or kvm_amd, ${USE_EMU}`,
      );
    default:
      return new HypervisorUnavailableError(`cannot open ${path}: ${errnoName(errno)}; check the device, ${USE_EMU}`);
  }
}

export class KvmSystem implements Hypervisor {
  readonly backend = 'kvm';
  private cpuidCache: CpuidEntry[] | undefined;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly version: number,
  ) {}

  static open(path: string = DEFAULT_KVM_DEVICE): KvmSystem {
    const fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) throw openError(path, lastErrno());
    const version = kvmIoctlRaw(fd, 'KVM_GET_API_VERSION');
    if (version < 0) {
      close(fd);
      throw new HypervisorUnavailableError(
        `${path} is not a KVM device (KVM_GET_API_VERSION failed with ${errnoName(-version)}): open /dev/kvm, ${USE_EMU}`,
      );
    }
    if (version !== KVM_API_VERSION) {
      close(fd);
      throw new HypervisorUnavailableError(
        `${path} speaks KVM API version ${version}, guestdbg needs ${KVM_API_VERSION}: use a Linux kernel with the stable KVM API, ${USE_EMU}`,
      );
    }
    return new KvmSystem(fd, version);
  }

  apiVersion(): number {
    return this.version;
  }

  checkExtension(cap: number): number {
    return kvmIoctl(this.fd, 'KVM_CHECK_EXTENSION', cap, `capability ${cap}`);
  }

  supportedCpuid(): CpuidEntry[] {
    if (this.cpuidCache) return this.cpuidCache.map((e) => ({ ...e }));
    for (let capacity = CPUID_INITIAL_ENTRIES; capacity <= CPUID_MAX_ENTRIES; capacity *= 2) {
      const buf = encodeCpuid2([], capacity);
      const ret = kvmIoctlRaw(this.fd, 'KVM_GET_SUPPORTED_CPUID', buf);
      if (ret === -Errno.E2BIG) continue;
      if (ret < 0) kvmIoctl(this.fd, 'KVM_GET_SUPPORTED_CPUID', buf); // throws with the errno name
      this.cpuidCache = decodeCpuid2(buf);
      return this.supportedCpuid();
    }
    throw new RangeError(
      `KVM_GET_SUPPORTED_CPUID wants more than ${CPUID_MAX_ENTRIES} entries: raise CPUID_MAX_ENTRIES`,
    );
  }

  createVm(): Vm {
    const vcpuMmapSize = kvmIoctl(this.fd, 'KVM_GET_VCPU_MMAP_SIZE');
    const supportedCpuid = this.supportedCpuid();
    const vmFd = kvmIoctl(this.fd, 'KVM_CREATE_VM', VM_TYPE_DEFAULT);
    const xsave = this.checkExtension(Cap.Xsave) > 0;
    return new KvmVm(vmFd, { vcpuMmapSize, supportedCpuid, xsave }, [], true);
  }

  /** Closes /dev/kvm; VMs already created keep working (they hold their own fds). */
  close(): void {
    if (this.closed) return; // a second close() could close an unrelated fd that reused the number
    this.closed = true;
    close(this.fd);
  }
}
