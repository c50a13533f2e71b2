// The machine's fixed device set (docs/architecture.md, "Boot contract"): COM1, isa-debug-exit, i8042 reset, port 0x80.
import { DEBUG_EXIT_IOSIZE, DEBUG_EXIT_PORT, DebugExit } from './debug-exit.js';
import { I8042, I8042_COMMAND_PORT, I8042_DATA_PORT } from './i8042.js';
import { IoBus } from './io-bus.js';
import { POST_CODE_PORT, PostCode } from './post-code.js';
import { type ByteSink, COM1_BASE, UART_PORTS, Uart16550 } from './uart16550.js';

export interface StandardDevices {
  bus: IoBus;
  uart: Uart16550;
  postCode: PostCode;
}

/** `uartState` is shared between the threads of one machine (see createUartState). */
export function createStandardBus(serial: ByteSink, uartState?: Uint8Array): StandardDevices {
  const uart = new Uart16550(serial, uartState);
  const postCode = new PostCode();
  const i8042 = new I8042();
  const bus = new IoBus()
    .register(COM1_BASE, UART_PORTS, uart)
    .register(DEBUG_EXIT_PORT, DEBUG_EXIT_IOSIZE, new DebugExit())
    .register(I8042_DATA_PORT, 1, i8042)
    .register(I8042_COMMAND_PORT, 1, i8042)
    .register(POST_CODE_PORT, 1, postCode);
  return { bus, uart, postCode };
}
