import { describe, expect, test } from "bun:test";
import { compileUriTemplate } from "../../src/util/uri-template.ts";

/** RFC 6570 §3.2 example variables (the associative `keys` is out of scope: values are strings or lists). */
const RFC_VARS: Record<string, string | string[] | undefined> = {
  count: ["one", "two", "three"],
  dom: ["example", "com"],
  dub: "me/too",
  hello: "Hello World!",
  half: "50%",
  var: "value",
  who: "fred",
  base: "http://example.com/home/",
  path: "/foo/bar",
  list: ["red", "green", "blue"],
  v: "6",
  x: "1024",
  y: "768",
  empty: "",
  undef: undefined,
};

/** Every list/string example of RFC 6570 §3.2.2–§3.2.9, [template, expansion]. */
const EXPANSIONS: [string, string][] = [
  // §3.2.2 simple
  ["{var}", "value"],
  ["{hello}", "Hello%20World%21"],
  ["{half}", "50%25"],
  ["O{empty}X", "OX"],
  ["O{undef}X", "OX"],
  ["{x,y}", "1024,768"],
  ["{x,hello,y}", "1024,Hello%20World%21,768"],
  ["?{x,empty}", "?1024,"],
  ["?{x,undef}", "?1024"],
  ["?{undef,y}", "?768"],
  ["{var:3}", "val"],
  ["{var:30}", "value"],
  ["{list}", "red,green,blue"],
  ["{list*}", "red,green,blue"],
  ["{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Findex"],
  // §3.2.3 reserved
  ["{+var}", "value"],
  ["{+hello}", "Hello%20World!"],
  ["{+half}", "50%25"],
  ["{+base}index", "http://example.com/home/index"],
  ["O{+empty}X", "OX"],
  ["{+path}/here", "/foo/bar/here"],
  ["here?ref={+path}", "here?ref=/foo/bar"],
  ["up{+path}{var}/here", "up/foo/barvalue/here"],
  ["{+x,hello,y}", "1024,Hello%20World!,768"],
  ["{+path,x}/here", "/foo/bar,1024/here"],
  ["{+path:6}/here", "/foo/b/here"],
  ["{+list}", "red,green,blue"],
  // §3.2.4 fragment
  ["{#var}", "#value"],
  ["{#hello}", "#Hello%20World!"],
  ["{#half}", "#50%25"],
  ["foo{#empty}", "foo#"],
  ["foo{#undef}", "foo"],
  ["{#x,hello,y}", "#1024,Hello%20World!,768"],
  ["{#path,x}/here", "#/foo/bar,1024/here"],
  ["{#path:6}/here", "#/foo/b/here"],
  ["{#list}", "#red,green,blue"],
  ["{#list*}", "#red,green,blue"],
  // §3.2.5 label
  ["{.who}", ".fred"],
  ["{.who,who}", ".fred.fred"],
  ["{.half,who}", ".50%25.fred"],
  ["www{.dom*}", "www.example.com"],
  ["X{.var}", "X.value"],
  ["X{.empty}", "X."],
  ["X{.undef}", "X"],
  ["X{.var:3}", "X.val"],
  ["X{.list}", "X.red,green,blue"],
  ["X{.list*}", "X.red.green.blue"],
  // §3.2.6 path segments
  ["{/who}", "/fred"],
  ["{/who,who}", "/fred/fred"],
  ["{/half,who}", "/50%25/fred"],
  ["{/who,dub}", "/fred/me%2Ftoo"],
  ["{/var}", "/value"],
  ["{/var,empty}", "/value/"],
  ["{/var,undef}", "/value"],
  ["{/var,x}/here", "/value/1024/here"],
  ["{/var:1,var}", "/v/value"],
  ["{/list}", "/red,green,blue"],
  ["{/list*}", "/red/green/blue"],
  ["{/list*,path:4}", "/red/green/blue/%2Ffoo"],
  // §3.2.7 path-style parameters
  ["{;who}", ";who=fred"],
  ["{;half}", ";half=50%25"],
  ["{;empty}", ";empty"],
  ["{;v,empty,who}", ";v=6;empty;who=fred"],
  ["{;v,bar,who}", ";v=6;who=fred"],
  ["{;x,y}", ";x=1024;y=768"],
  ["{;x,y,empty}", ";x=1024;y=768;empty"],
  ["{;x,y,undef}", ";x=1024;y=768"],
  ["{;hello:5}", ";hello=Hello"],
  ["{;list}", ";list=red,green,blue"],
  ["{;list*}", ";list=red;list=green;list=blue"],
  // §3.2.8 form-style query
  ["{?who}", "?who=fred"],
  ["{?half}", "?half=50%25"],
  ["{?x,y}", "?x=1024&y=768"],
  ["{?x,y,empty}", "?x=1024&y=768&empty="],
  ["{?x,y,undef}", "?x=1024&y=768"],
  ["{?var:3}", "?var=val"],
  ["{?list}", "?list=red,green,blue"],
  ["{?list*}", "?list=red&list=green&list=blue"],
  // §3.2.9 form-style query continuation
  ["{&who}", "&who=fred"],
  ["{&half}", "&half=50%25"],
  ["?fixed=yes{&x}", "?fixed=yes&x=1024"],
  ["{&x,y,empty}", "&x=1024&y=768&empty="],
  ["{&var:3}", "&var=val"],
  ["{&list}", "&list=red,green,blue"],
  ["{&list*}", "&list=red&list=green&list=blue"],
];

describe("URI template expansion (RFC 6570 §3.2 examples)", () => {
  test("the table covers every operator", () => {
    expect(EXPANSIONS.length).toBe(85);
    for (const op of ["{+", "{#", "{.", "{/", "{;", "{?", "{&"]) expect(EXPANSIONS.some(([t]) => t.includes(op))).toBe(true);
  });
  test.each(EXPANSIONS)("%p expands to %p", (template, expected) => {
    expect(compileUriTemplate(template).expand(RFC_VARS)).toBe(expected);
  });
  test("an empty list counts as undefined (RFC 6570 §2.3)", () => {
    expect(compileUriTemplate("x{?list*}{/seg}").expand({ list: [], seg: [] })).toBe("x");
  });
  test("simple expansion percent-encodes UTF-8 and every reserved character", () => {
    expect(compileUriTemplate("http://x/{a}").expand({ a: "é/?#[]@!$&'()*+,;= ~" })).toBe(
      "http://x/%C3%A9%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%20~",
    );
  });
  test("reserved expansion keeps reserved characters and existing pct-encoded triplets", () => {
    expect(compileUriTemplate("{+a}").expand({ a: "/a b/%20/[x]?q=1#f" })).toBe("/a%20b/%20/[x]?q=1#f");
  });
});

type Vars = Record<string, string | string[]> | null;

/** [template, uri, variables (null: no match)]. */
const MATCHES: [string, string, Vars][] = [
  // simple {var}: one segment, no "/" "?" "#" ","
  ["test://template/{id}/data", "test://template/123/data", { id: "123" }],
  ["test://template/{id}/data", "test://template/1/2/data", null],
  ["test://template/{id}/data", "test://template/123/data/extra", null],
  ["test://template/{id}/data", "test://template/123", null],
  ["test://template/{id}/data", "other://template/123/data", null],
  ["test://template/{id}", "test://template/a?b", null],
  ["test://template/{id}", "test://template/a#b", null],
  ["test://template/{id}", "test://template/a,b", null],
  // percent-decoding of non-reserved values
  ["http://x/{a}/{b}", "http://x/hello%20world/x%2Fy", { a: "hello world", b: "x/y" }],
  ["http://x/{a}", "http://x/%C3%A9t%C3%A9", { a: "été" }],
  ["http://x/{a}", "http://x/100%", { a: "100%" }], // not a valid escape: kept as written
  // multiple variables in one expression and across expressions
  ["http://x/{a,b}", "http://x/1,2", { a: "1", b: "2" }],
  ["http://x/{a}/{b}/{c}", "http://x/1/2/3", { a: "1", b: "2", c: "3" }],
  ["users/{user}/repos/{repo}{?page}", "users/ann/repos/mcp?page=2", { user: "ann", repo: "mcp", page: "2" }],
  ["users/{user}/repos/{repo}{?page}", "users/ann/repos/mcp", { user: "ann", repo: "mcp" }],
  // {+var}: reserved, spans "/", value kept as written
  ["file:///{+path}", "file:///a/b/c.txt", { path: "a/b/c.txt" }],
  ["file:///{+path}", "file:///my%20docs/x", { path: "my%20docs/x" }],
  ["http://x/{+a}/z", "http://x/p/q/z", { a: "p/q" }],
  ["http://x/{+a}/z", "http://x/p/q", null],
  // {#var}
  ["http://x/page{#frag}", "http://x/page#sec/1", { frag: "sec/1" }],
  ["http://x/page{#frag}", "http://x/page", {}],
  ["http://x/page{#frag}", "http://x/other", null],
  // {.var}
  ["http://x/file{.ext}", "http://x/file.json", { ext: "json" }],
  ["http://x/{name}{.ext}", "http://x/report.json", { name: "report", ext: "json" }],
  ["http://x/{name}{.ext}", "http://x/report", { name: "report" }],
  ["www{.dom*}", "www.example.com", { dom: ["example", "com"] }],
  // {/var} and {/var*}
  ["http://x{/seg}", "http://x/abc", { seg: "abc" }],
  ["http://x{/seg}", "http://x", {}],
  ["http://x{/seg}", "http://x/a/b", null],
  ["http://x{/a,b}", "http://x/1/2", { a: "1", b: "2" }],
  ["http://x{/seg*}", "http://x/a/b/c", { seg: ["a", "b", "c"] }],
  ["http://x{/seg*}", "http://x/a%2Fb/c", { seg: ["a/b", "c"] }],
  ["http://x{/seg*}", "http://x", {}],
  ["http://x{/seg*}/end", "http://x/a/b/end", { seg: ["a", "b"] }],
  // {;var}
  ["http://x/m{;a,b}", "http://x/m;a=1;b", { a: "1", b: "" }],
  ["http://x/m{;a}", "http://x/m;ab=1", null],
  // {?a,b} and {&a}
  ["http://x/s{?a,b}", "http://x/s?a=1&b=2", { a: "1", b: "2" }],
  ["http://x/s{?a,b}", "http://x/s?a=1", { a: "1" }],
  ["http://x/s{?a,b}", "http://x/s?b=2", { b: "2" }],
  ["http://x/s{?a,b}", "http://x/s", {}],
  ["http://x/s{?a,b}", "http://x/s?a=", { a: "" }],
  ["http://x/s{?a}", "http://x/s?a=%41%20b", { a: "A b" }],
  ["http://x/s{?q}", "http://x/s?query=x", null],
  ["http://x/s{?a}", "http://x/s?a=1&c=3", null],
  ["http://x/s{?list*}", "http://x/s?list=1&list=2", { list: ["1", "2"] }],
  ["http://x/s{?a}{&b}", "http://x/s?a=1&b=2", { a: "1", b: "2" }],
  ["http://x/s?fixed=yes{&x}", "http://x/s?fixed=yes&x=1024", { x: "1024" }],
  ["http://x/s?fixed=yes{&x}", "http://x/s?fixed=yes", {}],
];

describe("URI template matching", () => {
  test("the table has positive and negative rows", () => {
    expect(MATCHES.length).toBe(48);
    expect(MATCHES.filter(([, , v]) => v === null).length).toBe(13);
  });
  test.each(MATCHES)("%p on %p", (template, uri, expected) => {
    expect(compileUriTemplate(template).match(uri)).toEqual(expected);
  });
  test("match inverts expand for every operator", () => {
    const rows: [string, Record<string, string | string[]>][] = [
      ["t://{a}/{b}", { a: "x y", b: "ü,?" }],
      ["t://r/{+p}", { p: "a/b/c" }],
      ["t://r{#f}", { f: "frag/x" }],
      ["t://r/n{.e}", { e: "tar" }],
      ["t://r{/s*}", { s: ["a b", "c"] }],
      ["t://r{;a,b}", { a: "1", b: "2" }],
      ["t://r{?a,b}", { a: "1&2", b: "=" }],
      ["t://r{?a}{&b*}", { a: "1", b: ["x", "y"] }],
    ];
    expect.assertions(rows.length);
    for (const [template, vars] of rows) {
      const t = compileUriTemplate(template);
      expect(t.match(t.expand(vars))).toEqual(vars);
    }
  });
  // Nested quantifiers once made these exponential (36 characters took seconds; 50, hours).
  test.each(["http://x/{list*}/end", "http://x/{+list*}/end", "http://x{/seg*}/end", "http://x/{a}{b}/end", "http://x{?q*}/end"])(
    "a hostile URI against %p fails fast",
    (template) => {
      const t = compileUriTemplate(template);
      const started = performance.now();
      expect(t.match("http://x/" + "a".repeat(36) + "/")).toBeNull();
      expect(t.match("http://x/" + "a,".repeat(50_000) + "/")).toBeNull();
      // Linear matching takes milliseconds; the exponential kind never finishes. 5 s tolerates a loaded machine.
      expect(performance.now() - started).toBeLessThan(5000);
    },
  );
  test("variableNames lists every variable in order", () => {
    expect(compileUriTemplate("a/{x}{/y*}{?p,q}{&r:3}").variableNames).toEqual(["x", "y", "p", "q", "r"]);
  });
  test("a malformed template is rejected with a message naming it", () => {
    expect(() => compileUriTemplate("a/{x")).toThrow('URI template "a/{x": unclosed "{" at 2');
    expect(() => compileUriTemplate("a/{x y}")).toThrow('bad variable name "x y"');
  });
});
