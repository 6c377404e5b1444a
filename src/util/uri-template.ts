/**
 * RFC 6570 URI templates, compiled once into a matcher (resource templates) and an expander.
 * Supports every level-1..4 operator ("", +, #, ., /, ;, ?, &) and the explode modifier;
 * prefix modifiers ({var:3}) match like their unmodified form.
 */

type Operator = "" | "+" | "#" | "." | "/" | ";" | "?" | "&";

interface VarSpec {
  name: string;
  explode: boolean;
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
      const name = (explode ? raw.slice(0, -1) : raw).replace(/:\d+$/, "");
      if (!/^[A-Za-z0-9_.%]+$/.test(name)) throw new Error(`URI template "${template}": bad variable name "${raw}"`);
      return { name, explode };
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

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Compiles a template; throws with a clear message on a malformed one. */
export function compileUriTemplate(template: string): UriTemplate {
  const parts = parse(template);
  const names: string[] = [];
  let pattern = "^";
  // Each capture group records how to read it back.
  const groups: { name: string; explode: boolean; op: Operator }[] = [];
  for (const part of parts) {
    if (typeof part === "string") {
      pattern += escapeRegex(part);
      continue;
    }
    const t = OP_TABLE[part.op];
    if (t.named) {
      // Query-like operators: each var optional, any order is out of scope; match in order.
      part.vars.forEach((v, idx) => {
        names.push(v.name);
        const lead = escapeRegex(idx === 0 ? t.first : t.sep);
        pattern += `(?:${lead}${escapeRegex(v.name)}=?([^&;#]*))?`;
        groups.push({ name: v.name, explode: v.explode, op: part.op });
      });
      continue;
    }
    const valueChars = t.reserved ? "[^]*?" : part.op === "/" || part.op === "." ? `[^/?#${escapeRegex(t.sep)}]*` : "[^/?#,]*";
    part.vars.forEach((v, idx) => {
      names.push(v.name);
      const lead = idx === 0 ? escapeRegex(t.first) : escapeRegex(t.sep);
      if (v.explode) {
        pattern += `((?:${lead}${valueChars})*)`;
      } else {
        pattern += `(?:${lead}(${t.reserved ? "[^]*?" : valueChars}))${idx === 0 && t.first === "" ? "" : "?"}`;
      }
      groups.push({ name: v.name, explode: v.explode, op: part.op });
    });
  }
  pattern += "$";
  const regex = new RegExp(pattern);

  return {
    template,
    variableNames: names,
    match(uri) {
      const m = regex.exec(uri);
      if (!m) return null;
      const out: Record<string, string | string[]> = {};
      groups.forEach((g, i) => {
        const raw = m[i + 1];
        if (raw === undefined) return;
        if (g.explode) {
          const t = OP_TABLE[g.op];
          const items = raw.split(t.sep).filter((s, k) => !(k === 0 && s === ""));
          out[g.name] = items.map((s) => decode(s.startsWith(t.first) && t.first ? s.slice(t.first.length) : s));
        } else out[g.name] = OP_TABLE[g.op].reserved ? raw : decode(raw);
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
        const enc = (s: string) => (t.reserved ? encodeURI(s) : encodeURIComponent(s));
        const pieces: string[] = [];
        for (const v of part.vars) {
          const value = vars[v.name];
          if (value === undefined) continue;
          const joined = Array.isArray(value) ? value.map(enc).join(v.explode ? t.sep : ",") : enc(value);
          pieces.push(t.named ? `${v.name}=${joined}` : joined);
        }
        if (pieces.length) out += t.first + pieces.join(t.sep);
      }
      return out;
    },
  };
}
