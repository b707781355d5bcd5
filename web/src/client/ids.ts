// A bounded set of recently applied event ids: the first line of dedupe. Events are
// applied in id order per connection, but REST fetches and replays can overlap, so
// an id may arrive twice; the per-room `seq` watermark in state.ts is the second line.

export class RecentIds {
  private readonly ids = new Set<number>();
  private readonly order: number[] = [];

  constructor(private readonly capacity = 10_000) {}

  /** Records `id`; false if it was already recorded (a duplicate). */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    this.order.push(id);
    if (this.order.length > this.capacity) {
      const old = this.order.shift();
      if (old !== undefined) this.ids.delete(old);
    }
    return true;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  clear(): void {
    this.ids.clear();
    this.order.length = 0;
  }
}
