import type { InputRequest } from "../protocol/types.ts";
import { checkAnswer } from "./input.ts";

/** One question a task's work waits on, until a tasks/update answers it. */
interface Pending {
  readonly request: InputRequest;
  resolve(answer: unknown): void;
  reject(reason: unknown): void;
}

/**
 * The questions one running task has put to its client (SEP-2663 §Task Update Requests).
 * While any is open the task is `input_required` and tasks/get lists them under the keys
 * minted here; tasks/update answers some or all. Keys are unique over the task's life (a key
 * asked twice gets a suffix), so an answer always meets the question the client saw, and
 * answers to keys not open now are ignored, as the SEP asks.
 */
export class TaskInbox {
  private readonly open = new Map<string, Pending>();
  private readonly used = new Set<string>();

  constructor(
    /** Marks the task input_required (true) or working again (false). */
    private readonly waiting: (yes: boolean) => void,
    private readonly signal: AbortSignal,
  ) {}

  /** Puts `request` to the client under (a unique form of) `key`; resolves with its answer. */
  ask(key: string, request: InputRequest): Promise<unknown> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    let wire = key;
    for (let n = 2; this.used.has(wire); n++) wire = `${key}~${n}`;
    this.used.add(wire);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.open.delete(wire);
        reject(this.signal.reason);
      };
      this.signal.addEventListener("abort", onAbort, { once: true });
      this.open.set(wire, {
        request,
        resolve: (answer) => {
          this.signal.removeEventListener("abort", onAbort);
          resolve(answer);
        },
        reject,
      });
      if (this.open.size === 1) this.waiting(true);
    });
  }

  /** The open questions by key (what tasks/get shows while the task is input_required). */
  requests(): Record<string, InputRequest> {
    const out: Record<string, InputRequest> = {};
    for (const [key, p] of this.open) out[key] = p.request;
    return out;
  }

  /**
   * Delivers a tasks/update's answers: each open key's answer is checked against its request
   * (-32602 naming the key, nothing delivered) and handed to the work; other keys are ignored.
   */
  answer(responses: Record<string, unknown>): void {
    const taken: [Pending, unknown][] = [];
    for (const [key, answer] of Object.entries(responses)) {
      const p = this.open.get(key);
      if (!p) continue;
      checkAnswer(key, p.request, answer);
      taken.push([p, answer]);
    }
    for (const [key] of Object.entries(responses)) this.open.delete(key);
    if (taken.length && this.open.size === 0) this.waiting(false);
    for (const [p, answer] of taken) p.resolve(answer);
  }
}
