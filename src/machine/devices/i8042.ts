// The part of the i8042 keyboard controller a guest uses to reboot: command 0xFE on port 0x64 pulses
// the CPU reset line. guestdbg follows QEMU's -no-reboot: a reset request ends the VM.
import type { GuestEnd } from '../guest-end.js';
import type { PortDevice } from './port-device.js';

export const I8042_DATA_PORT = 0x60;
export const I8042_COMMAND_PORT = 0x64;
/** "Pulse output line 0" = CPU reset. */
export const I8042_CMD_RESET = 0xfe;
/** Status register: output buffer empty, input buffer empty (a guest polling before a command proceeds). */
const STATUS_IDLE = 0;

export class I8042 implements PortDevice {
  readonly name = 'i8042';
  read(): number {
    return STATUS_IDLE;
  }
  write(port: number, _size: number, value: number): GuestEnd | undefined {
    if (port === I8042_COMMAND_PORT && (value & 0xff) === I8042_CMD_RESET) return { kind: 'reset' };
    return undefined;
  }
}
