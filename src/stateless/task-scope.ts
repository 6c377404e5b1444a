import type { McpError } from "../jsonrpc/errors.ts";
import type { Params, RequestId } from "../jsonrpc/message.ts";
import type {
  CreateMessageParams,
  CreateMessageResult,
  ElicitParams,
  ElicitResult,
  InputRequest,
  InputResponse,
  ListRootsResult,
} from "../protocol/types.ts";
import type { Principal } from "../auth/principal.ts";
import { checkInput } from "../server/client-gates.ts";
import type { ClientView } from "../server/context.ts";
import type { Scope } from "../server/scope.ts";
import type { TaskInbox } from "./task-inbox.ts";
import { sugarKey } from "./input.ts";

/**
 * The context of a tasks-extension task's work (SEP-2663): what the request that created it
 * said (client, identity, _meta), the task's own abort signal, and input through the task's
 * inbox: ctx.elicit/sample/listRoots/input park the task `input_required` until tasks/update
 * answers, instead of ending the request with input_required. Progress and log
 * notifications have nowhere to go (§Task Status Notifications: not supported on tasks).
 */
export class ExtensionTaskScope implements Scope {
  readonly era = "stateless" as const;
  readonly session = undefined;
  readonly progressToken = undefined;
  private sugarSeq = 0;

  constructor(
    private readonly origin: Scope,
    readonly signal: AbortSignal,
    private readonly inbox: TaskInbox,
  ) {}

  get requestId(): RequestId {
    return this.origin.requestId;
  }
  get protocolVersion(): string {
    return this.origin.protocolVersion;
  }
  get client(): ClientView {
    return this.origin.client;
  }
  get auth(): Principal {
    return this.origin.auth;
  }
  get meta(): Params | undefined {
    return this.origin.meta;
  }

  enterTool(name: string): (() => void) | McpError {
    return this.origin.enterTool(name);
  }

  progress(): void {}
  log(): void {}
  completeElicitation(): void {}
  closeStream(): void {}

  async input<R extends Record<string, InputRequest>>(requests: R): Promise<{ [K in keyof R]: InputResponse<R[K]> }> {
    const caps = this.origin.client.capabilities;
    for (const request of Object.values(requests)) checkInput(caps, request);
    const keys = Object.keys(requests);
    const answers = await Promise.all(keys.map((k) => this.inbox.ask(k, requests[k]!)));
    const out: Record<string, unknown> = {};
    keys.forEach((k, i) => (out[k] = answers[i]));
    return out as { [K in keyof R]: InputResponse<R[K]> };
  }

  private async one<T>(method: InputRequest["method"], params: unknown): Promise<T> {
    const key = sugarKey(method, ++this.sugarSeq);
    const answers = await this.input({ [key]: { method, params } as InputRequest });
    return answers[key] as T;
  }

  sample(params: CreateMessageParams): Promise<CreateMessageResult> {
    return this.one("sampling/createMessage", params);
  }
  elicit(params: ElicitParams): Promise<ElicitResult> {
    return this.one("elicitation/create", params);
  }
  listRoots(): Promise<ListRootsResult> {
    return this.one("roots/list", {});
  }
}
