// Small statistics and a progress line on stderr (rewritten in place on a terminal, one line per update otherwise).

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export class Progress {
  private last = '';
  private readonly tty = process.stderr.isTTY === true;
  private readonly started = performance.now();

  update(text: string): void {
    const secs = ((performance.now() - this.started) / 1000).toFixed(0).padStart(4);
    const line = `[bench ${secs}s] ${text}`;
    if (line === this.last) return;
    this.last = line;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  /** A line that stays (a failure, a note). */
  note(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${text}\n`);
    this.last = '';
  }

  done(): void {
    if (this.tty && this.last !== '') process.stderr.write('\r\x1b[K');
    this.last = '';
  }
}

/** A failure the harness reports as one line ("emu: <reason>") instead of a stack trace. */
export class BenchError extends Error {}

export function errorLine(e: unknown): string {
  if (e instanceof BenchError) return e.message;
  if (e instanceof Error) return `${e.name === 'Error' ? '' : `${e.name}: `}${e.message.split('\n')[0]}`;
  return String(e);
}
