/**
 * The process log: structured JSON lines on stderr (stdout belongs to the stdio transport).
 * Never log secrets: callers pass fields, not raw requests.
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
}

/** A logger writing JSON lines (or plain text with `format: "text"`) to `write`. */
export function createLogger(opts: {
  level?: LogLevel;
  format?: "json" | "text";
  write?: (line: string) => void;
  fields?: Record<string, unknown>;
} = {}): Logger {
  const level = opts.level ?? "info";
  const min = RANK[level];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const base = opts.fields ?? {};
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    if (opts.format === "text") {
      const extra = fields ? " " + Object.entries({ ...base, ...fields }).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "";
      write(`${lvl.toUpperCase()} ${msg}${extra}`);
    } else write(JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...base, ...fields }));
  };
  return {
    level,
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (library default; the appliance passes a real one). */
export const silentLogger: Logger = createLogger({ level: "silent" });
