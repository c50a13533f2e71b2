// QEMU's isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=4): writing v ends the VM with
// status (v << 1) | 1; reads return 0.
import type { GuestEnd } from '../guest-end.js';
import type { PortDevice } from './port-device.js';

export const DEBUG_EXIT_PORT = 0xf4;
export const DEBUG_EXIT_IOSIZE = 4;
/** A process exit status keeps its low 8 bits (what the shell sees). */
const EXIT_STATUS_MASK = 0xff;

export class DebugExit implements PortDevice {
  readonly name = 'isa-debug-exit';
  read(): number {
    return 0;
  }
  write(_port: number, _size: number, value: number): GuestEnd {
    return { kind: 'debug-exit', value, status: ((value << 1) | 1) & EXIT_STATUS_MASK };
  }
}
