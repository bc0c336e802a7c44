/** Collects text up to `maxBytes`: `head` keeps the start (an output), `tail` the end (a log). */
export class CappedText {
  private chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly keep: 'head' | 'tail',
  ) {}

  push(chunk: Buffer): void {
    this.seen += chunk.byteLength;
    if (this.keep === 'head') {
      const room = this.maxBytes - this.kept;
      if (room <= 0) return;
      const part = chunk.byteLength <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.byteLength;
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.byteLength;
    if (this.kept > 2 * this.maxBytes) this.compact();
  }

  /** More arrived than was kept. */
  get truncated(): boolean {
    return this.seen > this.maxBytes;
  }

  text(): string {
    this.compact();
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const cut = this.keep === 'tail' && all.byteLength > this.maxBytes;
    this.chunks = [cut ? all.subarray(all.byteLength - this.maxBytes) : all];
    this.kept = this.chunks[0]?.byteLength ?? 0;
  }
}
