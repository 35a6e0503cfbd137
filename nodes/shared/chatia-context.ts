// How a chatia node reaches the runtime (see runtime/flow-bridge/node-context.ts).
import type { NodeAPI } from "node-red";
import { type ChatiaNodeContext, SETTINGS_KEY } from "../../runtime/flow-bridge/node-context";

export function chatiaContext(RED: NodeAPI): ChatiaNodeContext {
  const context = (RED.settings as unknown as Record<string, unknown>)[SETTINGS_KEY];
  if (!context)
    throw new Error(
      "chatia nodes run inside the chatia-flow runtime (RED.settings.chatia is not set)",
    );
  return context as ChatiaNodeContext;
}
