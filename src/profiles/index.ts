import type { McpServer } from "../server/server.ts";
import { everythingProfile } from "./everything/index.ts";

/** A built-in set of registrations the appliance can serve with `--profile NAME`. */
export interface Profile {
  /** One line for `erlmcp --help`. */
  readonly description: string;
  /** Registers the profile on `server`; returns a function that stops its timers. */
  install(server: McpServer): () => void;
}

/** Every built-in profile by name. */
export const PROFILES: Readonly<Record<string, Profile>> = {
  everything: everythingProfile,
  empty: { description: "no tools, resources or prompts (a bare server)", install: () => () => {} },
};
