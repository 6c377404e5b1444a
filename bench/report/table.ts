/** A table of strings rendered two ways: aligned plain text for the terminal, and Markdown. */

/** Header and rows of cells; numeric-looking cells are right-aligned. */
export interface Table {
  header: string[];
  rows: string[][];
}

const numeric = (cell: string) => /^[-+]?[\d.,]+\s*[a-zA-Z%×µ/]*$/.test(cell.trim()) || cell === "—";

/** Aligned columns separated by two spaces. */
export function textTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? "").length)));
  const right = rightAligned(t);
  const line = (cells: string[]) => cells.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(t.header), widths.map((w) => "-".repeat(w)).join("  "), ...t.rows.map(line)].join("\n");
}

/** Columns whose every cell is a number are right-aligned. */
function rightAligned(t: Table): boolean[] {
  return t.header.map((_, i) => t.rows.length > 0 && t.rows.every((r) => numeric(r[i] ?? "")));
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(t: Table): string {
  const align = rightAligned(t).map((right) => (right ? "---:" : "---"));
  const row = (cells: string[]) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  return [row(t.header), `|${align.join("|")}|`, ...t.rows.map(row)].join("\n");
}

/** Formats a number with thousands separators and `digits` decimals. */
export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Latency in ms with precision that fits its size. */
export function ms(n: number): string {
  return !Number.isFinite(n) ? "—" : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

/** Bytes as KB or MB. */
export function bytes(n: number): string {
  return n >= 10 * 1024 * 1024 ? `${num(n / 1024 / 1024, 0)} MB` : n >= 1024 * 1024 ? `${num(n / 1024 / 1024, 1)} MB` : `${num(n / 1024, 1)} KB`;
}

/** An error map as "kind ×n, kind ×n" ("0" when empty). */
export function errorList(errors: Record<string, number>): string {
  const entries = Object.entries(errors).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([k, n]) => `${k} ×${n}`).join(", ") : "0";
}
