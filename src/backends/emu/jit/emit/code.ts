// The lines of JavaScript an emission has written and not yet taken.
export class Code {
  private readonly lines: string[] = [];

  emit(line: string): void {
    this.lines.push(line);
  }

  /** The lines written since the last take. */
  take(): string[] {
    return this.lines.splice(0, this.lines.length);
  }

  /** Takes back the last line written. */
  pop(): string {
    return this.lines.pop()!;
  }
}
