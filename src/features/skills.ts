import { invalidParams, methodNotFound } from "../jsonrpc/errors.ts";
import { SkillMethod } from "../protocol/skills-extension.ts";
import type { McpServer } from "../server/server.ts";
import type { MethodEntry } from "../server/scope.ts";
import { requireString } from "../util/guards.ts";
import { paginate } from "../util/pagination.ts";

/**
 * skills/list, skills/get and resources/directory/read (SEP-2640), in both eras. They exist
 * while the server declares the extension, that is while a skill is registered; before
 * that they answer -32601 like any method of an undeclared capability.
 */
export function skillMethods(server: McpServer): Record<string, MethodEntry> {
  const { registry, limits } = server;
  const catalog = registry.skills;
  const declared = (method: string) => {
    if (catalog.size === 0) throw methodNotFound(method);
  };
  return {
    [SkillMethod.List]: {
      capability: "resources",
      session: true,
      stateless: true,
      handle(params) {
        declared(SkillMethod.List);
        // Entries are whole array elements, so a page never splits one (§Enumeration: an entry is atomic).
        const { page, nextCursor } = paginate(catalog.list(), params.cursor, limits.pageSize);
        return nextCursor ? { skills: page, nextCursor } : { skills: page };
      },
    },
    [SkillMethod.Get]: {
      capability: "resources",
      session: true,
      stateless: true,
      handle(params) {
        declared(SkillMethod.Get);
        const uri = requireString(params, "uri", SkillMethod.Get);
        const skill = catalog.get(uri);
        // §Retrieval via skills/get: -32602 for a URI that names no skill this server serves.
        if (!skill) throw invalidParams(`Unknown skill: ${uri} (params.uri must be the URI of a served skill's SKILL.md)`, { uri });
        return { skill };
      },
    },
    [SkillMethod.DirectoryRead]: {
      capability: "resources",
      session: true,
      stateless: true,
      handle(params) {
        declared(SkillMethod.DirectoryRead);
        const uri = requireString(params, "uri", SkillMethod.DirectoryRead);
        const children = catalog.directory(uri);
        // §resources/directory/read: -32602 when the URI does not exist or is not a directory resource.
        if (!children) throw invalidParams(`Not a directory resource: ${uri}`, { uri });
        const { page, nextCursor } = paginate(children, params.cursor, limits.pageSize);
        return nextCursor ? { resources: page, nextCursor } : { resources: page };
      },
    },
  };
}
