// The APIC bus: routes IOAPIC messages and IPIs to the local APICs they select (SDM vol. 3 10.6.2 physical and
// logical destinations, 10.6.1 shorthands) and local APICs' level-triggered EOIs back to the IOAPICs.
import type { ApicMessage } from './apic-message.js';
import { DeliveryMode } from './apic-message.js';
import type { LapicHooks, LocalApic } from './lapic.js';
import { Shorthand } from './lapic-regs.js';

export class ApicBus implements LapicHooks {
  private readonly lapics: LocalApic[] = [];
  private readonly eoiListeners: ((vector: number) => void)[] = [];

  addLapic(lapic: LocalApic): void {
    this.lapics.push(lapic);
  }

  /** An IOAPIC (its `eoi`) listens for EOI broadcasts. */
  onEoi(listener: (vector: number) => void): void {
    this.eoiListeners.push(listener);
  }

  eoiBroadcast(vector: number): void {
    for (const l of this.eoiListeners) l(vector);
  }

  /** A message with a destination field (IOAPIC, or an IPI without shorthand). */
  deliver(msg: ApicMessage): void {
    const targets = this.lapics.filter((l) => l.matches(msg.dest, msg.logical));
    this.send(msg, targets);
  }

  sendIpi(msg: ApicMessage, shorthand: number, from: LocalApic): void {
    switch (shorthand) {
      case Shorthand.Self:
        this.send(msg, [from]);
        return;
      case Shorthand.AllIncludingSelf:
        this.send(msg, this.lapics);
        return;
      case Shorthand.AllExcludingSelf:
        this.send(
          msg,
          this.lapics.filter((l) => l !== from),
        );
        return;
      default:
        this.deliver(msg);
    }
  }

  /** Lowest priority goes to one APIC: the lowest PPR, ties to the lowest APIC ID (the SDM leaves the
   *  arbitration model-specific, 10.6.2.4; a fixed rule keeps runs deterministic). Every other mode goes to
   *  every selected APIC. */
  private send(msg: ApicMessage, targets: readonly LocalApic[]): void {
    if (msg.deliveryMode !== DeliveryMode.LowestPriority) {
      for (const l of targets) l.accept(msg);
      return;
    }
    let best: LocalApic | undefined;
    for (const l of targets) {
      if (!l.hardwareEnabled) continue;
      if (best === undefined || l.ppr() < best.ppr() || (l.ppr() === best.ppr() && l.id < best.id)) best = l;
    }
    best?.accept(msg);
  }
}
