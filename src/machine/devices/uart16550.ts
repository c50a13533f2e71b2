// COM1, a 16550A UART (National PC16550D datasheet): enough for polled output and for Linux's 8250 driver
// to detect and drive it (scratch, LCR/DLAB, FIFO bits in IIR, MCR loopback → MSR). Transmission is
// instantaneous: LSR always has THRE|TEMT. Register state lives in a SharedArrayBuffer so every vCPU
// thread sees the same UART.
import type { PortDevice } from './port-device.js';

export const COM1_BASE = 0x3f8;
export const UART_PORTS = 8;

/** Register offsets from the base port. */
const Reg = { RbrThrDll: 0, IerDlm: 1, IirFcr: 2, Lcr: 3, Mcr: 4, Lsr: 5, Msr: 6, Scr: 7 } as const;
const LCR_DLAB = 0x80;
const IER_RDI = 0x01; // received data available
const IER_THRI = 0x02; // transmitter holding register empty
const IIR_NO_INT = 0x01;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_FIFO_ENABLED = 0xc0;
const FCR_FIFO_ENABLE = 0x01;
const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const MCR_LOOP = 0x10;
/** MCR bits 0-5 are defined. */
const MCR_MASK = 0x1f;
/** Modem lines when not in loopback: DCD, DSR, CTS asserted (a cable is attached, as QEMU reports). */
const MSR_LINES_UP = 0xb0;

/** Indices into the shared state bytes. */
const S = { Ier: 0, Lcr: 1, Mcr: 2, Scr: 3, Dll: 4, Dlm: 5, Fcr: 6, ThrIntPending: 7 } as const;
export const UART_STATE_BYTES = 8;
/** Divisor 12 = 9600 baud on the 1.8432 MHz clock, the power-on value Linux expects to overwrite. */
const DEFAULT_DIVISOR = 12;

export function createUartState(): Uint8Array {
  const s = new Uint8Array(new SharedArrayBuffer(UART_STATE_BYTES));
  s[S.Dll] = DEFAULT_DIVISOR;
  return s;
}

export type ByteSink = (bytes: Uint8Array) => void;

export class Uart16550 implements PortDevice {
  readonly name = 'COM1 16550';
  private readonly input: number[] = [];

  constructor(
    private readonly sink: ByteSink,
    private readonly state: Uint8Array = createUartState(),
    private readonly base = COM1_BASE,
  ) {}

  /** Queues bytes the guest reads from RBR (LSR.DR is set while any are queued). */
  pushInput(bytes: Uint8Array): void {
    this.input.push(...bytes);
  }

  private get dlab(): boolean {
    return (this.state[S.Lcr]! & LCR_DLAB) !== 0;
  }

  read(port: number): number {
    const s = this.state;
    switch (port - this.base) {
      case Reg.RbrThrDll:
        return this.dlab ? s[S.Dll]! : (this.input.shift() ?? 0);
      case Reg.IerDlm:
        return this.dlab ? s[S.Dlm]! : s[S.Ier]!;
      case Reg.IirFcr:
        return this.readIir();
      case Reg.Lcr:
        return s[S.Lcr]!;
      case Reg.Mcr:
        return s[S.Mcr]!;
      case Reg.Lsr:
        return LSR_THRE | LSR_TEMT | (this.input.length > 0 ? LSR_DR : 0);
      case Reg.Msr:
        return this.readMsr();
      default:
        return s[S.Scr]!;
    }
  }

  write(port: number, _size: number, value: number): undefined {
    const s = this.state;
    const v = value & 0xff;
    switch (port - this.base) {
      case Reg.RbrThrDll:
        if (this.dlab) s[S.Dll] = v;
        else this.transmit(v);
        break;
      case Reg.IerDlm:
        if (this.dlab) s[S.Dlm] = v;
        else {
          // Enabling THRI while THR is empty raises the interrupt at once (8250 behaviour Linux relies on).
          if (v & IER_THRI && !(s[S.Ier]! & IER_THRI)) s[S.ThrIntPending] = 1;
          s[S.Ier] = v & 0x0f;
        }
        break;
      case Reg.IirFcr:
        s[S.Fcr] = v;
        break;
      case Reg.Lcr:
        s[S.Lcr] = v;
        break;
      case Reg.Mcr:
        s[S.Mcr] = v & MCR_MASK;
        break;
      case Reg.Scr:
        s[S.Scr] = v;
        break;
      default:
        // LSR and MSR are read-only.
        break;
    }
    return undefined;
  }

  private transmit(byte: number): void {
    // In loopback mode the byte goes back to the receiver instead of the line.
    if (this.state[S.Mcr]! & MCR_LOOP) this.input.push(byte);
    else this.sink(Uint8Array.of(byte));
    this.state[S.ThrIntPending] = 1;
  }

  /** Highest-priority pending, enabled interrupt; reading IIR that reports THRI clears it. */
  private readIir(): number {
    const s = this.state;
    const fifo = s[S.Fcr]! & FCR_FIFO_ENABLE ? IIR_FIFO_ENABLED : 0;
    if (s[S.Ier]! & IER_RDI && this.input.length > 0) return fifo | IIR_RDI;
    if (s[S.Ier]! & IER_THRI && s[S.ThrIntPending]) {
      s[S.ThrIntPending] = 0;
      return fifo | IIR_THRI;
    }
    return fifo | IIR_NO_INT;
  }

  /** Loopback wires RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD (MCR bits 0-3 to MSR bits 4-7, RTS/DTR swapped). */
  private readMsr(): number {
    const mcr = this.state[S.Mcr]!;
    if (!(mcr & MCR_LOOP)) return MSR_LINES_UP;
    const dtr = mcr & 1;
    const rts = (mcr >> 1) & 1;
    const out1 = (mcr >> 2) & 1;
    const out2 = (mcr >> 3) & 1;
    return (rts << 4) | (dtr << 5) | (out1 << 6) | (out2 << 7);
  }
}
