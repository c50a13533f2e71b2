// Port 0x80, the POST-code / I/O-delay port: writes are ignored but recorded (firmware and Linux's io_delay use it).
import type { PortDevice } from './port-device.js';

export const POST_CODE_PORT = 0x80;

export class PostCode implements PortDevice {
  readonly name = 'post-code';
  /** The last code written and how many writes there were. */
  last: number | undefined;
  writes = 0;
  read(): number {
    return this.last ?? 0xff;
  }
  write(_port: number, _size: number, value: number): undefined {
    this.last = value & 0xff;
    this.writes++;
    return undefined;
  }
}
