import { LocalCode } from "../../jsonrpc/codes.ts";
import { LocalError } from "../../jsonrpc/errors.ts";
import type { McpServer } from "../../server/server.ts";
import type { Profile } from "../index.ts";
import { registerDynamicPrompt, registerPrompts } from "./prompts.ts";
import { registerDynamicResource, registerResources } from "./resources.ts";
import { registerDynamicTool, registerTools } from "./tools.ts";
import { registerSkills } from "./skills.ts";
import { registerStatelessFixtures } from "./stateless.ts";
import { registerTaskFixtures } from "./tasks.ts";

/**
 * Timer periods, overridable for fast tests (the defaults are upstream's fixture server's):
 *
 * - `ERLMCP_WATCH_INTERVAL_MS` (default 3000): how often test://watched-resource changes and
 *   notifications/resources/updated goes to its subscribers. Must be > 0.
 * - `ERLMCP_DYNAMIC_DELAY_MS` (default 2000): how long after install test_dynamic_tool,
 *   test://dynamic-resource and test_dynamic_prompt appear (each kind fires its
 *   list_changed). 0 means on the next tick.
 */
const WATCH_INTERVAL_ENV = "ERLMCP_WATCH_INTERVAL_MS";
const DYNAMIC_DELAY_ENV = "ERLMCP_DYNAMIC_DELAY_MS";
const DEFAULT_WATCH_INTERVAL_MS = 3000;
const DEFAULT_DYNAMIC_DELAY_MS = 2000;

/** A millisecond count from the environment; a bad value is a one-line config error. */
function envMs(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < min)
    throw new LocalError(LocalCode.ConfigInvalid, `${name}=${JSON.stringify(raw)}: expected a number of milliseconds >= ${min}`);
  return ms;
}

/**
 * Every fixture the official conformance suite expects (conformance.md §4). Timers are
 * unref'd, so an installed profile never keeps a process alive; the returned function
 * stops them.
 */
export const everythingProfile: Profile = {
  description: "every fixture of the official MCP conformance suite",
  install(server: McpServer) {
    const watchMs = envMs(WATCH_INTERVAL_ENV, DEFAULT_WATCH_INTERVAL_MS, 1);
    const dynamicMs = envMs(DYNAMIC_DELAY_ENV, DEFAULT_DYNAMIC_DELAY_MS, 0);
    registerTools(server);
    registerStatelessFixtures(server);
    registerTaskFixtures(server);
    registerPrompts(server);
    const watched = registerResources(server);
    registerSkills(server);

    const watch = setInterval(() => watched.touch(), watchMs);
    watch.unref();
    const dynamic = setTimeout(() => {
      registerDynamicTool(server);
      registerDynamicResource(server);
      registerDynamicPrompt(server);
    }, dynamicMs);
    dynamic.unref();

    return () => {
      clearInterval(watch);
      clearTimeout(dynamic);
    };
  },
};
