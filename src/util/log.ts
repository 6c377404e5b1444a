/**
 * The process log: structured lines on stderr (stdout belongs to the stdio transport), JSON
 * for collectors or text for a terminal, each with an ISO-8601 timestamp and the fields a
 * child logger bound. Never log secrets: callers pass fields, not raw requests or headers.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A minimal structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  readonly level: LogLevel;
  /**
   * True when one access line per request is wanted (config logging.access). The request
   * pipeline reads it once: when false, a request costs the log nothing.
   */
  readonly accessLog?: boolean;
  /** Writes one access line (msg "request"), whatever `level` says; only called when `accessLog`. */
  access?(fields: Record<string, unknown>): void;
}

/** How createLogger writes. */
export interface LoggerOptions {
  level?: LogLevel;
  format?: "json" | "text";
  /** Write one access line per request (see Logger.access); default false. */
  access?: boolean;
  write?: (line: string) => void;
  /** Fields on every line (a child's are added to its parent's). */
  fields?: Record<string, unknown>;
}

/** `k=v` pairs of a text line: strings bare unless they hold a space, quote or `=`, the rest as JSON. */
function textFields(fields: Record<string, unknown>): string {
  let out = "";
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    out += ` ${k}=${typeof v === "string" && !/[\s"=]/.test(v) && v !== "" ? v : JSON.stringify(v)}`;
  }
  return out;
}

/** A logger writing JSON lines (or plain text with `format: "text"`) to `write`. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? "info";
  const min = RANK[level];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const base = opts.fields ?? {};
  const text = opts.format === "text";
  const line = (lvl: string, msg: string, fields?: Record<string, unknown>): string => {
    const t = new Date().toISOString();
    if (text) return `${t} ${lvl.toUpperCase()} ${msg}${textFields(base)}${fields ? textFields(fields) : ""}`;
    return JSON.stringify({ t, level: lvl, msg, ...base, ...fields });
  };
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] >= min) write(line(lvl, msg, fields));
  };
  return {
    level,
    accessLog: opts.access === true,
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    access: (f) => write(line("info", "request", f)),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (library default; the appliance passes a real one). */
export const silentLogger: Logger = createLogger({ level: "silent" });
