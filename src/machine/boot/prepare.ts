// Main-thread, single-vCPU guest for tests, the probe and the debugger: VM + RAM + image + PVH state on vCPU 0.
import type { Hypervisor, Vcpu, Vm } from '../../abi/index.js';
import type { IoBus } from '../devices/io-bus.js';
import { createStandardBus, type StandardDevices } from '../devices/standard-bus.js';
import type { ByteSink } from '../devices/uart16550.js';
import { bootPvh } from './boot-vm.js';
import type { LoadedImage } from './loader.js';
import { withSregs } from './pvh-entry.js';

export interface PrepareOptions {
  hypervisor: Hypervisor;
  imagePath?: string;
  image?: Uint8Array;
  memoryBytes: number;
  cmdline?: string;
  /** COM1 output; discarded when absent. */
  serial?: ByteSink;
}

export interface PreparedGuest {
  vm: Vm;
  vcpu: Vcpu;
  ram: Uint8Array;
  image: LoadedImage;
  bus: IoBus;
  devices: StandardDevices;
}

export function prepareGuest(opts: PrepareOptions): PreparedGuest {
  const vm = opts.hypervisor.createVm();
  try {
    const booted = bootPvh(vm, { imagePath: opts.imagePath, image: opts.image }, opts.memoryBytes, opts.cmdline);
    const vcpu = vm.createVcpu(0);
    vcpu.setSregs(withSregs(vcpu.getSregs(), booted.entry.sregs));
    vcpu.setRegs(booted.entry.regs);
    const devices = createStandardBus(opts.serial ?? (() => {}));
    return { vm, vcpu, ram: booted.ram, image: booted.image, bus: devices.bus, devices };
  } catch (err) {
    vm.close();
    throw err;
  }
}
