/**
 * RFC 6570 URI templates, compiled once into a matcher (resource templates) and an expander.
 * Supports every level-1..4 operator ("", +, #, ., /, ;, ?, &) and the explode modifier;
 * prefix modifiers ({var:3}) match like their unmodified form.
 */

type Operator = "" | "+" | "#" | "." | "/" | ";" | "?" | "&";

interface VarSpec {
  name: string;
  explode: boolean;
  /** The prefix modifier ({var:3}): expansion keeps at most this many characters. */
  maxLength?: number;
}

interface Expression {
  op: Operator;
  vars: VarSpec[];
}

type Part = string | Expression;

/** A compiled URI template. */
export interface UriTemplate {
  readonly template: string;
  readonly variableNames: readonly string[];
  /** Variables when `uri` matches, else null. Exploded variables come back as arrays. */
  match(uri: string): Record<string, string | string[]> | null;
  /** The URI for the given variables. */
  expand(vars: Record<string, string | string[] | undefined>): string;
}

const OPERATORS = new Set(["+", "#", ".", "/", ";", "?", "&"]);

function parse(template: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      parts.push(template.slice(i));
      break;
    }
    if (open > i) parts.push(template.slice(i, open));
    const close = template.indexOf("}", open);
    if (close < 0) throw new Error(`URI template "${template}": unclosed "{" at ${open}`);
    let body = template.slice(open + 1, close);
    let op: Operator = "";
    if (body.length > 0 && OPERATORS.has(body[0]!)) {
      op = body[0] as Operator;
      body = body.slice(1);
    }
    const vars = body.split(",").map((raw) => {
      const explode = raw.endsWith("*");
      const prefix = /:(\d+)$/.exec(raw);
      const name = (explode ? raw.slice(0, -1) : raw).replace(/:\d+$/, "");
      if (!/^[A-Za-z0-9_.%]+$/.test(name)) throw new Error(`URI template "${template}": bad variable name "${raw}"`);
      return prefix ? { name, explode, maxLength: Number(prefix[1]) } : { name, explode };
    });
    parts.push({ op, vars });
    i = close + 1;
  }
  return parts;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The first-character prefix and separator each operator uses (RFC 6570 appendix A). */
const OP_TABLE: Record<Operator, { first: string; sep: string; named: boolean; reserved: boolean }> = {
  "": { first: "", sep: ",", named: false, reserved: false },
  "+": { first: "", sep: ",", named: false, reserved: true },
  "#": { first: "#", sep: ",", named: false, reserved: true },
  ".": { first: ".", sep: ".", named: false, reserved: false },
  "/": { first: "/", sep: "/", named: false, reserved: false },
  ";": { first: ";", sep: ";", named: true, reserved: false },
  "?": { first: "?", sep: "&", named: true, reserved: false },
  "&": { first: "&", sep: "&", named: true, reserved: false },
};

/**
 * What a value may span when matching, per operator: anything but the delimiters its
 * expansion would have percent-encoded. A separator never occurs inside its own value
 * class, so list patterns stay linear (no nested-quantifier backtracking on a hostile URI).
 */
const VALUE_CHARS: Record<Operator, string> = {
  "": "[^/?#,]",
  "+": "[^]",
  "#": "[^]",
  ".": "[^/?#.]",
  "/": "[^/?#]",
  ";": "[^;/?#]",
  "?": "[^&#]",
  "&": "[^&#]",
};

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * RFC 6570 §3.2.1 encoding: only unreserved characters stay literal, except that + and #
 * also keep reserved characters and existing pct-encoded triplets.
 */
function encodeValue(s: string, reserved: boolean): string {
  if (!reserved) return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return encodeURI(s).replace(/%25([0-9A-Fa-f]{2})/g, "%$1").replace(/%5B/g, "[").replace(/%5D/g, "]");
}

/** One capture group of the compiled matcher and how to read its text back. */
interface Capture {
  name: string;
  read(raw: string): string | string[];
}

/** The regex source for one expression; pushes one Capture per variable. */
function expressionPattern(part: Expression, captures: Capture[]): string {
  const t = OP_TABLE[part.op];
  const chars = VALUE_CHARS[part.op];
  const sep = escapeRegex(t.sep);
  // Reserved expansion keeps pct-encoding, so its values come back as written.
  const dec = t.reserved ? (s: string) => s : decode;
  let pattern = "";
  part.vars.forEach((v, idx) => {
    // A later variable follows a separator, or the operator itself when the earlier ones
    // were undefined and so skipped by the expansion ({?a,b} with only b gives "?b=2").
    const lead = idx === 0 ? escapeRegex(t.first) : t.first && t.first !== t.sep ? `[${escapeRegex(t.first)}${sep}]` : sep;
    const leadLength = idx === 0 ? t.first.length : 1;
    if (t.named) {
      const name = escapeRegex(v.name);
      // ? and & always write "name=" (RFC 6570 ifemp "="); ; writes a bare name for "".
      const one = part.op === ";" ? `${name}(?:=${chars}*|(?=[;/?#]|$))` : `${name}=${chars}*`;
      pattern += v.explode ? `(${lead}${one}(?:${sep}${one})*)?` : `(${lead}${one})?`;
      captures.push({
        name: v.name,
        read(raw) {
          const items = raw.slice(leadLength).split(t.sep).map((pair) => dec(pair.slice(v.name.length + 1)));
          return v.explode ? items : items[0]!;
        },
      });
    } else if (v.explode) {
      const body = t.reserved ? "[^]*?" : `${chars}*(?:${sep}${chars}*)*`;
      pattern += `(${lead}${body})?`;
      captures.push({ name: v.name, read: (raw) => (raw === "" ? [] : raw.slice(leadLength).split(t.sep).map(dec)) });
    } else {
      // Lazy, so an optional expression after it gets its share ({name}{.ext} on "a.json").
      const value = t.reserved ? "[^]*?" : `${chars}*?`;
      const required = idx === 0 && t.first === "";
      pattern += required ? `(${value})` : `(${lead}${value})?`;
      captures.push({ name: v.name, read: (raw) => dec(required ? raw : raw.slice(leadLength)) });
    }
  });
  return pattern;
}

/** Compiles a template; throws with a clear message on a malformed one. */
export function compileUriTemplate(template: string): UriTemplate {
  const parts = parse(template);
  const names: string[] = [];
  const captures: Capture[] = [];
  let pattern = "^";
  for (const part of parts) {
    if (typeof part === "string") pattern += escapeRegex(part);
    else {
      for (const v of part.vars) names.push(v.name);
      pattern += expressionPattern(part, captures);
    }
  }
  const regex = new RegExp(pattern + "$");

  return {
    template,
    variableNames: names,
    match(uri) {
      const m = regex.exec(uri);
      if (!m) return null;
      const out: Record<string, string | string[]> = {};
      captures.forEach((c, i) => {
        const raw = m[i + 1];
        if (raw !== undefined) out[c.name] = c.read(raw);
      });
      return out;
    },
    expand(vars) {
      let out = "";
      for (const part of parts) {
        if (typeof part === "string") {
          out += part;
          continue;
        }
        const t = OP_TABLE[part.op];
        const pieces: string[] = [];
        for (const v of part.vars) {
          const value = vars[v.name];
          // RFC 6570 §2.3: undefined variables and empty lists are skipped.
          if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
          const named = (s: string) => (!t.named ? s : s === "" && part.op === ";" ? v.name : `${v.name}=${s}`);
          if (Array.isArray(value)) {
            const items = value.map((s) => encodeValue(s, t.reserved));
            pieces.push(v.explode ? items.map(named).join(t.sep) : named(items.join(",")));
          } else {
            const s = v.maxLength === undefined ? value : [...value].slice(0, v.maxLength).join("");
            pieces.push(named(encodeValue(s, t.reserved)));
          }
        }
        if (pieces.length) out += t.first + pieces.join(t.sep);
      }
      return out;
    },
  };
}
