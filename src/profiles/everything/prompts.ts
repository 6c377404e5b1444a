import { z } from "zod";
import type { McpServer } from "../../server/server.ts";
import { TEST_IMAGE_BASE64 } from "./media.ts";

/** The prompt fixtures of the conformance suite (conformance.md §4, Prompts). */

/** Values completion/complete offers for `arg1` of test_prompt_with_arguments. */
export const ARG1_CANDIDATES = ["testValue1", "testValue2", "testing", "example", "sample"];

/** Registers every prompt the suite gets. */
export function registerPrompts(server: McpServer): void {
  server
    .prompt("test_simple_prompt", { title: "Simple Test Prompt", description: "A simple prompt without arguments" }, () => [
      { role: "user", content: { type: "text", text: "This is a simple prompt for testing." } },
    ])
    .prompt(
      "test_prompt_with_arguments",
      {
        title: "Prompt With Arguments",
        description: "A prompt with required arguments",
        args: z.object({ arg1: z.string().describe("First test argument"), arg2: z.string().describe("Second test argument") }),
        complete: {
          arg1: (value) => ARG1_CANDIDATES.filter((c) => c.toLowerCase().startsWith(value.toLowerCase())),
        },
      },
      ({ arg1, arg2 }) => [{ role: "user", content: { type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    )
    .prompt(
      "test_prompt_with_embedded_resource",
      {
        title: "Prompt With Embedded Resource",
        description: "A prompt that includes an embedded resource",
        args: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
      },
      ({ resourceUri }) => [
        { role: "user", content: { type: "resource", resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." } } },
        { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
      ],
    )
    .prompt("test_prompt_with_image", { title: "Prompt With Image", description: "A prompt that includes image content" }, () => [
      { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ]);
}

/** The prompt added some time after start (notifications/prompts/list_changed). */
export function registerDynamicPrompt(server: McpServer): void {
  server.prompt(
    "test_dynamic_prompt",
    { title: "Dynamic Prompt", description: "A prompt registered after start (tests notifications/prompts/list_changed)" },
    () => [{ role: "user", content: { type: "text", text: "This prompt was added dynamically." } }],
  );
}
