// Error types that cross layers. Each message names the cause and what to do.

/** An ioctl (or its emulation) failed: carries the ioctl name and the errno name, like the kernel reports them. */
export class KvmError extends Error {
  override readonly name = 'KvmError';
  constructor(
    readonly ioctl: string,
    readonly errno: string,
    detail?: string,
  ) {
    super(`${ioctl} failed: ${errno}${detail ? ` (${detail})` : ''}`);
  }
}

/** The hypervisor cannot be opened (no /dev/kvm, no permission, unknown backend). */
export class HypervisorUnavailableError extends Error {
  override readonly name = 'HypervisorUnavailableError';
}

/** A guest image was rejected; `reason` is a sentence a user can act on. */
export class GuestImageError extends Error {
  override readonly name = 'GuestImageError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}
