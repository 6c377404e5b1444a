/**
 * Raw WebSocket frames (RFC 6455 §5.2) a client might send after the upgrade: text frames
 * carrying fuzzed messages, fragmented ones, invalid UTF-8 in text, binary, unmasked frames,
 * reserved bits and opcodes, oversize control frames, lying lengths, close codes out of range.
 * Each input is the bytes of one or more frames.
 */
import { isUtf8 } from "node:buffer";
import type { Rng } from "../prng.ts";

/** Frame opcodes (RFC 6455 §5.2). */
export const Op = { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 } as const;

interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  masked?: boolean;
  payload: Uint8Array;
  /** A payload length to announce other than the real one. */
  announced?: number;
}

/** Encodes one frame. */
export function frame(spec: FrameSpec, rng: Rng): Uint8Array {
  const { payload } = spec;
  const len = spec.announced ?? payload.length;
  const masked = spec.masked ?? true;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + ext + (masked ? 4 : 0) + payload.length);
  out[0] = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f);
  out[1] = (masked ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (ext === 2) view.setUint16(2, len);
  if (ext === 8) view.setBigUint64(2, BigInt(len));
  let at = 2 + ext;
  const mask = rng.bytes(4);
  if (masked) out.set(mask, at), (at += 4);
  for (let i = 0; i < payload.length; i++) out[at + i] = masked ? payload[i]! ^ mask[i & 3]! : payload[i]!;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/** One WebSocket input: its bytes, and whether a conforming server must end the connection after it. */
export interface WsInput {
  bytes: Uint8Array;
  /** A protocol violation (RFC 6455 §5.1-5.5): the server fails the connection; nothing after it is read as frames. */
  ends: boolean;
  /** The message reaches the server as a message (a control frame sent in its place does not carry it: no answer is owed). */
  carries: boolean;
}

/**
 * The bytes of one WebSocket input built around `message` (an encoded fuzz message). Most are
 * a plain masked text frame, so the session behind the socket is exercised too.
 */
export function wsInput(rng: Rng, message: Uint8Array): WsInput {
  // A violation ends the connection (and the batch): they are 1 in 40, so a batch runs on.
  const r = rng.chance(0.85) ? 0 : rng.chance(0.5) ? 5 : rng.chance(0.8) ? 10 : rng.int(6, 13);
  // A text message that is not UTF-8 fails the connection (RFC 6455 §8.1, close 1007).
  const ok = (bytes: Uint8Array) => ({ bytes, ends: !isUtf8(message), carries: true });
  const bad = (bytes: Uint8Array) => ({ bytes, ends: true, carries: false });
  if (r === 0) return ok(frame({ opcode: Op.Text, payload: message }, rng));
  switch (r) {
    case 5: {
      const cut = rng.int(0, message.length);
      return ok(concat([frame({ opcode: Op.Text, fin: false, payload: message.subarray(0, cut) }, rng), frame({ opcode: Op.Continuation, payload: message.subarray(cut) }, rng)]));
    }
    case 6:
      return bad(frame({ opcode: Op.Binary, payload: message }, rng));
    case 7:
      return bad(frame({ opcode: Op.Text, payload: message, masked: false }, rng));
    case 8:
      return bad(frame({ opcode: Op.Text, payload: message, rsv: rng.int(1, 7) }, rng));
    case 9:
      return bad(frame({ opcode: rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: message }, rng));
    case 10: {
      const opcode = rng.pick([Op.Ping, Op.Pong]);
      const size = rng.pick([0, 1, 125, 126, 200]);
      const fin = rng.chance(0.8);
      return { bytes: frame({ opcode, payload: rng.bytes(size), fin }, rng), ends: size > 125 || !fin, carries: false };
    }
    case 11: {
      const code = rng.pick([0, 999, 1000, 1004, 1005, 1006, 1015, 2999, 4999, 65535]);
      return bad(frame({ opcode: Op.Close, payload: concat([new Uint8Array([code >> 8, code & 0xff]), rng.bytes(rng.int(0, 4))]) }, rng));
    }
    case 12:
      return bad(frame({ opcode: Op.Continuation, payload: message }, rng));
    default:
      // A length that lies: larger than what follows (the server waits for bytes that never come) or huge.
      return bad(frame({ opcode: Op.Text, payload: message, announced: rng.pick([message.length + 10, 2 ** 31, 2 ** 53 - 1]) }, rng));
  }
}
