import type { McpServer } from "../../server/server.ts";
import { TEST_IMAGE_BASE64 } from "./media.ts";

/** The resource fixtures of the conformance suite (conformance.md §4, Resources). */

/** The subscribable resource whose content changes on a timer. */
export const WATCHED_URI = "test://watched-resource";

/** Template ids offered by completion/complete on `test://template/{id}/data`. */
const TEMPLATE_IDS = ["123", "456", "789"];

/** The watched resource: `touch()` changes its content and tells its subscribers. */
export interface WatchedResource {
  touch(): void;
}

/** Registers the static, template and watched resources. */
export function registerResources(server: McpServer): WatchedResource {
  let revision = 0;
  server
    .resource(
      "test://static-text",
      { name: "static-text", title: "Static Text Resource", description: "A static text resource for testing", mimeType: "text/plain" },
      { text: "This is the content of the static text resource." },
    )
    .resource(
      "test://static-binary",
      { name: "static-binary", title: "Static Binary Resource", description: "A static binary resource (image) for testing", mimeType: "image/png" },
      { blob: TEST_IMAGE_BASE64 },
    )
    .resourceTemplate(
      "test://template/{id}/data",
      {
        name: "template",
        title: "Resource Template",
        description: "A resource template with parameter substitution",
        mimeType: "application/json",
        complete: { id: (value) => TEMPLATE_IDS.filter((id) => id.startsWith(value)) },
      },
      (_uri, { id }) => ({ text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }),
    )
    .resource(
      WATCHED_URI,
      { name: "watched-resource", title: "Watched Resource", description: "A resource that changes periodically; subscribe to hear about it", mimeType: "text/plain" },
      () => ({ text: `Watched resource content (revision ${revision})` }),
    );
  return {
    touch() {
      revision++;
      // Every shard runs this timer over its own copy: each tells only its own subscribers.
      server.notifyResourceUpdated(WATCHED_URI, { local: true });
    },
  };
}

/** The resource added some time after start (notifications/resources/list_changed). */
export function registerDynamicResource(server: McpServer): void {
  server.resource(
    "test://dynamic-resource",
    { name: "dynamic-resource", title: "Dynamic Resource", description: "A resource registered after start (tests notifications/resources/list_changed)", mimeType: "text/plain" },
    { text: "This resource was added dynamically." },
  );
}
