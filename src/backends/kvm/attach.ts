// attachKvmVm: a worker thread rebuilds the VM from vm.handle(). File descriptors and mappings are
// process-wide, so the same fd and host addresses are valid in every thread of the process.
import { HypervisorUnavailableError, type Vm, type VmHandle } from '../../abi/index.js';
import { installKickHandler } from './kick.js';
import { viewAt } from './libc.js';
import { type KvmRegion, KvmVm, type KvmVmHandle } from './vm.js';

function isKvmVmHandle(h: VmHandle): h is KvmVmHandle {
  return (
    'vcpuMmapSize' in h &&
    typeof h.vcpuMmapSize === 'number' &&
    'supportedCpuid' in h &&
    Array.isArray(h.supportedCpuid) &&
    'xsave' in h &&
    typeof h.xsave === 'boolean'
  );
}

export function attachKvmVm(handle: VmHandle): Vm {
  const fix = 'pass the object vm.handle() returned in the thread that created the VM';
  if (handle.backend !== 'kvm' || handle.vmFd === undefined) {
    throw new HypervisorUnavailableError(
      `this VmHandle is not from a kvm VM (backend '${handle.backend}', no vmFd): ${fix}`,
    );
  }
  if (!isKvmVmHandle(handle))
    throw new HypervisorUnavailableError(`this VmHandle lacks vcpuMmapSize/supportedCpuid/xsave: ${fix}`);
  const regions: KvmRegion[] = handle.regions.map((r) => {
    if (r.hostAddress === undefined)
      throw new HypervisorUnavailableError(`memory slot ${r.slot} has no hostAddress: ${fix}`);
    return {
      slot: r.slot,
      guestPhysAddr: r.guestPhysAddr,
      size: r.size,
      hostAddress: r.hostAddress,
      memory: viewAt(r.hostAddress, r.size),
    };
  });
  installKickHandler();
  return new KvmVm(
    handle.vmFd,
    { vcpuMmapSize: handle.vcpuMmapSize, supportedCpuid: handle.supportedCpuid, xsave: handle.xsave },
    regions,
    false,
  );
}
