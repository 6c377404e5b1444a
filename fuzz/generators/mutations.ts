/**
 * Mutations of an encoded message: byte-level (truncation, bit flips, NUL, BOM, invalid UTF-8,
 * lone surrogate escapes, stray newlines) and structural on the JSON text (duplicate keys,
 * nesting past the depth limit, numbers no double holds, trailing garbage). The input is a
 * message's JSON text; the output is the bytes to send.
 */
import type { Rng } from "../prng.ts";
import { RAW_NUMBERS } from "./values.ts";

const encoder = new TextEncoder();
const BOM = [0xef, 0xbb, 0xbf];
/** Byte sequences that are not UTF-8: a lone continuation, an overlong NUL, a surrogate, past U+10FFFF, a truncated sequence. */
const INVALID_UTF8 = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xfe, 0xff]];

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** One byte-level mutation of `bytes`. */
export function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  const at = rng.int(0, bytes.length);
  switch (rng.int(0, 8)) {
    case 0:
      return bytes.subarray(0, rng.int(0, Math.max(0, bytes.length - 1)));
    case 1: {
      const out = bytes.slice();
      for (let n = rng.int(1, 4); n > 0 && out.length; n--) out[rng.int(0, out.length - 1)]! ^= 1 << rng.int(0, 7);
      return out;
    }
    case 2:
      return splice(bytes, at, 0, [0]);
    case 3:
      return splice(bytes, 0, 0, BOM);
    case 4:
      return splice(bytes, at, 0, rng.pick(INVALID_UTF8));
    case 5:
      return splice(bytes, at, 0, rng.bytes(rng.int(1, 16)));
    case 6:
      return splice(bytes, at, Math.min(rng.int(1, 8), bytes.length - at), []);
    case 7:
      return splice(bytes, at, 0, encoder.encode(rng.pick(["\r", "\n", "\r\n", "\t", "\u2028"])));
    default:
      return splice(bytes, at, 0, bytes.subarray(rng.int(0, bytes.length), bytes.length));
  }
}

/** One structural mutation of a JSON text (the result may or may not still be JSON). */
export function mutateJson(rng: Rng, text: string): string {
  switch (rng.int(0, 7)) {
    case 0:
      // Duplicate keys: which one wins is the parser's choice; the server must not care.
      return text.replace(/^\{/, `{"id":${rng.pick(['"dup"', "0", "null", "{}"])},"method":"ping",`);
    case 1: {
      const depth = rng.pick([63, 64, 65, 1000, 100_000]);
      return `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    }
    case 2: {
      const depth = rng.pick([65, 10_000]);
      return "[".repeat(depth) + "]".repeat(rng.chance(0.5) ? depth : depth - 1);
    }
    case 3:
      return text.replace(/:\s*(-?\d+(\.\d+)?)/, `:${rng.pick(RAW_NUMBERS)}`).replace(/"id":("[^"]*"|\d+)/, `"id":${rng.pick(RAW_NUMBERS)}`);
    case 4:
      return text + rng.pick(["}", "]", ",", " garbage", "{}", "\u0000", "\n{}", text]);
    case 5:
      // Lone surrogates and NUL as JSON escapes: valid JSON, invalid Unicode.
      return text.replace(/"([a-z/_]+)"/, (_, word: string) => `"${word}${rng.pick(["\\ud800", "\\udfff", "\\u0000", "\\ud83d\\u0041"])}"`);
    case 6:
      return text.replace(/"jsonrpc"\s*:\s*"2\.0"/, rng.pick(['"jsonrpc":"2.0","jsonrpc":"1.0"', '"JSONRPC":"2.0"', '"jsonrpc":"2.0\\u0000"']));
    default:
      return text.slice(0, rng.int(0, text.length));
  }
}

/** One input's bytes, and whether they are the message's own JSON text unmutated. */
export interface Encoded {
  bytes: Uint8Array;
  intact: boolean;
  /** The JSON text of the message (as is, before any mutation). */
  text: string;
}

/**
 * The bytes of one fuzz input from a message: usually the message as is, else a structural
 * mutation, a byte-level one, or both. The message is stringified once (huge inputs made
 * that the generator's main cost).
 */
export function encodeInput(rng: Rng, message: unknown): Encoded {
  const text = JSON.stringify(message) ?? "null";
  const r = rng.float();
  if (r < 0.55) return { bytes: encoder.encode(text), intact: true, text };
  if (r < 0.8) {
    const mutated = mutateJson(rng, text);
    return { bytes: encoder.encode(mutated), intact: mutated === text, text };
  }
  const plain = encoder.encode(text);
  // Some byte mutations leave the bytes as they were (an empty splice at the end): still owed an answer.
  const bytes = r < 0.95 ? mutateBytes(rng, plain) : mutateBytes(rng, encoder.encode(mutateJson(rng, text)));
  return { bytes, intact: bytes.length === plain.length && Buffer.compare(bytes, plain) === 0, text };
}
