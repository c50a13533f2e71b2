// What a port-I/O device implements. Values are little-endian, `size` bytes wide.
import type { GuestEnd } from '../guest-end.js';

export type IoSize = 1 | 2 | 4;

export interface PortDevice {
  readonly name: string;
  read(port: number, size: IoSize): number;
  /** Returns a GuestEnd when the write ends the VM (isa-debug-exit, reset). */
  write(port: number, size: IoSize, value: number): GuestEnd | undefined;
}

/** What a read from nothing returns: the ISA bus floats high (all ones). */
export function floatingBus(size: IoSize): number {
  return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}
