import { invalidParams } from "../jsonrpc/errors.ts";

/**
 * Opaque list cursors. A cursor names an offset into a list snapshot; it is base64url so
 * clients treat it as opaque, and tagged so a forged or foreign cursor is a clear -32602.
 */
const TAG = "erlmcp.c1:";

const encodeCursor = (offset: number): string => Buffer.from(TAG + offset).toString("base64url");

function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== "string") throw invalidParams('Invalid params: "cursor" must be a string');
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(TAG)) throw invalidParams(`Invalid cursor: ${JSON.stringify(cursor.slice(0, 64))} was not issued by this server`);
  const offset = Number(text.slice(TAG.length));
  // Only the exact form we issue: " 4", "0x4", "4e0" or stray characters around the base64 are forgeries.
  if (!Number.isSafeInteger(offset) || offset < 0 || encodeCursor(offset) !== cursor)
    throw invalidParams(`Invalid cursor: ${JSON.stringify(cursor.slice(0, 64))}`);
  return offset;
}

/** One page of `items` starting at `cursor` (absent: the start), with `nextCursor` when more remain. */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): { page: readonly T[]; nextCursor?: string } {
  const start = cursor === undefined ? 0 : decodeCursor(cursor);
  if (start > items.length) throw invalidParams("Invalid cursor: past the end of the list");
  if (start === 0 && items.length <= pageSize) return { page: items };
  const end = Math.min(start + pageSize, items.length);
  const page = items.slice(start, end);
  return end < items.length ? { page, nextCursor: encodeCursor(end) } : { page };
}
