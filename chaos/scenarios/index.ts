/** Every scenario by name, in the order `bun run chaos` runs them. */
import type { Scenario } from "../lib/report.ts";
import { clockJump } from "./clock-jump.ts";
import { diskFull } from "./disk-full.ts";
import { flood } from "./flood.ts";
import { killShard } from "./kill-shard.ts";
import { sigterm } from "./sigterm.ts";
import { slowConsumer } from "./slow-consumer.ts";

export const SCENARIOS: Record<string, Scenario> = {
  "kill-shard": killShard,
  sigterm,
  "slow-consumer": slowConsumer,
  flood,
  "disk-full": diskFull,
  "clock-jump": clockJump,
};
