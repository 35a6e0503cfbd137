// Which of Node-RED's core nodes the palette leaves out. Two reasons: the `exec` node runs shell
// commands on every worker, and the network nodes that listen (HTTP routes, websocket, TCP, UDP) or
// need a broker (MQTT) have nothing to serve them here. Each group is brought back by name with
// CHATIA_OPTIONAL_NODES; Node-RED (settings.nodesExcludes) and `validate`'s scan of installed types
// leave out the same files, so a flow using an excluded node is refused before it reaches a worker.
import { ChatiaError } from "../../errors";

interface OptionalGroup {
  /** Node-RED's core files that register the group's types (what nodesExcludes matches). */
  readonly files: readonly string[];
  readonly types: readonly string[];
  /** Why it is left out by default. */
  readonly reason: string;
}

export const OPTIONAL_NODE_GROUPS = {
  exec: {
    files: ["90-exec.js"],
    types: ["exec"],
    reason: "runs shell commands on every worker",
  },
  "http-in": {
    files: ["21-httpin.js"],
    types: ["http in", "http response"],
    reason: "needs HTTP routes; the runtime serves none",
  },
  websocket: {
    files: ["22-websocket.js"],
    types: ["websocket in", "websocket out", "websocket-listener", "websocket-client"],
    reason: "needs a websocket server the runtime does not provide",
  },
  tcp: {
    files: ["31-tcpin.js"],
    types: ["tcp in", "tcp out", "tcp request"],
    reason: "listens on TCP ports of the workers",
  },
  udp: { files: ["32-udp.js"], types: ["udp in", "udp out"], reason: "listens on UDP ports" },
  mqtt: {
    files: ["10-mqtt.js"],
    types: ["mqtt in", "mqtt out", "mqtt-broker"],
    reason: "needs an MQTT broker the runtime does not provide",
  },
} as const satisfies Record<string, OptionalGroup>;

export type OptionalNodeGroup = keyof typeof OPTIONAL_NODE_GROUPS;

const GROUP_NAMES = Object.keys(OPTIONAL_NODE_GROUPS) as OptionalNodeGroup[];

/** `exec,mqtt` (or `all`) → the groups to bring back; an unknown name is CF_CONFIG_INVALID. */
export function parseOptionalNodes(value: string | undefined): OptionalNodeGroup[] {
  const names = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.includes("all")) return [...GROUP_NAMES];
  for (const name of names) {
    if (!(GROUP_NAMES as string[]).includes(name))
      throw new ChatiaError(
        "CF_CONFIG_INVALID",
        `CHATIA_OPTIONAL_NODES: "${name}" is not a node group; use ${GROUP_NAMES.join(", ")} or all`,
      );
  }
  return names as OptionalNodeGroup[];
}

/** The core node files to leave out when `enabled` groups are brought back (Node-RED's nodesExcludes). */
export function excludedNodeFiles(enabled: readonly OptionalNodeGroup[] = []): string[] {
  return GROUP_NAMES.filter((g) => !enabled.includes(g)).flatMap((g) => [
    ...OPTIONAL_NODE_GROUPS[g].files,
  ]);
}

/** For a type of a left-out group: why it is left out and how to bring it back. */
export function optionalNodeHint(type: string): string | undefined {
  for (const name of GROUP_NAMES) {
    const group: OptionalGroup = OPTIONAL_NODE_GROUPS[name];
    if (group.types.includes(type))
      return `"${type}" is left out of the palette (it ${group.reason}); CHATIA_OPTIONAL_NODES=${name} brings it back on every process`;
  }
  return undefined;
}
