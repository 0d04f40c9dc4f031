// Caps on open TCP connections, counted when the socket is accepted (before
// any HTTP or WebSocket work, so a flood of half-open or idle connections
// costs one counter each): in total, and per remote address. A refused socket
// is destroyed at once; refusals are counted per address for the log, which
// reports them in aggregate instead of a line per socket.

export class ConnectionGate {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private refused = new Map<string, number>();

  constructor(
    readonly maxTotal: number,
    readonly maxPerAddress: number,
  ) {
    if (!(maxTotal >= 1) || !(maxPerAddress >= 1)) throw new RangeError('ConnectionGate: caps must be at least 1');
  }

  /** Counts the connection in if both caps allow it. */
  admit(address: string): boolean {
    const n = this.perAddress.get(address) ?? 0;
    if (this.total >= this.maxTotal || n >= this.maxPerAddress) {
      this.refused.set(address, (this.refused.get(address) ?? 0) + 1);
      return false;
    }
    this.total++;
    this.perAddress.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = this.perAddress.get(address);
    if (n === undefined) return;
    this.total--;
    if (n <= 1) this.perAddress.delete(address);
    else this.perAddress.set(address, n - 1);
  }

  get open(): number {
    return this.total;
  }

  openFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** Refusals since the last call, per address (and resets them). */
  takeRefused(): Map<string, number> {
    const r = this.refused;
    this.refused = new Map();
    return r;
  }
}
