/**
 * A large JSON array body (Toss's transaction list: 5,000 rows, 2 MB and more a page), kept as its bytes and the
 * bounds of each element, each element parsed when it is read.
 *
 * Why not `JSON.parse(text)`: the whole text is one string of 2–4 MB (UTF-16 as soon as a row holds Korean text) and
 * the parse then holds all 5,000 rows at once while it allocates several more megabytes. The scavenges that this
 * allocation triggers find the page alive and promote it, so every page used to leave its text and its rows in the
 * old generation until the next full collection (measured with --trace-gc-nvp: ≈ 2.5 MB promoted per page for the
 * parse alone, ≈ 7 MB with the scrubbed copy). Read row by row, a decoded element is a few hundred bytes and the
 * row it parses to is dropped by the caller as soon as it has taken what it needs.
 */

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

export class JsonRows {
  private constructor(
    private readonly bytes: Buffer,
    /** start and end (exclusive) byte offsets of element i at [2i] and [2i + 1]. */
    private readonly bounds: Uint32Array,
  ) {}

  /**
   * The array's elements, located but not parsed; undefined when `bytes` are not one JSON array whose elements are
   * separated by commas with balanced brackets and quotes (read them as text instead). An element that is still not
   * JSON (`{"a" 1}`) throws a SyntaxError from `at`, when it is read.
   */
  static scan(bytes: Uint8Array): JsonRows | undefined {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bounds: number[] = [];
    let at = skipWhitespace(buffer, 0);
    if (buffer[at] !== OPEN_ARRAY) return undefined;
    at = skipWhitespace(buffer, at + 1);
    if (buffer[at] !== CLOSE_ARRAY) {
      for (;;) {
        const end = valueEnd(buffer, at);
        if (end <= at) return undefined;
        bounds.push(at, end);
        at = skipWhitespace(buffer, end);
        if (buffer[at] === CLOSE_ARRAY) break;
        if (buffer[at] !== COMMA) return undefined;
        at = skipWhitespace(buffer, at + 1);
      }
    }
    if (skipWhitespace(buffer, at + 1) !== buffer.length) return undefined;
    return new JsonRows(buffer, Uint32Array.from(bounds));
  }

  get length(): number {
    return this.bounds.length / 2;
  }

  /** Element `index` parsed (a new object on every call); undefined outside the array, as `Array.prototype.at`. */
  at(index: number): unknown {
    const i = index < 0 ? index + this.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.length) return undefined;
    // Multi-byte UTF-8 sequences hold no ASCII bytes, so element bounds never split a character.
    return JSON.parse(this.bytes.toString('utf8', this.bounds[2 * i], this.bounds[2 * i + 1]));
  }

  *[Symbol.iterator](): IterableIterator<unknown> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /** Every element parsed: what `JSON.parse` of the whole body gives (logging and `scrubbedBody` use it). */
  toArray(): unknown[] {
    return [...this];
  }

  toJSON(): unknown[] {
    return this.toArray();
  }
}

/** Where the value starting at `start` ends (the index after it); -1 when the bytes end inside it. */
function valueEnd(buffer: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < buffer.length; i++) {
    const byte = buffer[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      // A bracket at depth 0 closes the outer array: the scalar before it ends here.
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (byte === COMMA || isWhitespace(byte))) return i;
  }
  return depth === 0 && !inString ? buffer.length : -1;
}

function skipWhitespace(buffer: Buffer, from: number): number {
  let at = from;
  while (at < buffer.length && isWhitespace(buffer[at])) at++;
  return at;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
