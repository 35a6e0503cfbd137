// The one-way path of chatia-flow, checked on every `npm run lint` (and so `npm test`):
//
//   manifest → compile → queues / flow-bridge → nodes → services → services/ports ← adapters
//
// runtime/app is the composition root (the only place that builds adapters and hands them in),
// runtime/cli drives it, runtime/http is the HTTP room (routes, logins, Bull Board's mount, /metrics).
// errors.ts, timeouts.ts and project-root.ts at runtime/ are shared by every layer.
// README.md, "Architecture", shows these rules with the folder map.

/** The composition root and the command line may import anything. */
const ROOT = "^runtime/(app|cli)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "ports-are-leaves",
      comment:
        "services/ports hold interfaces, row types and plain helpers: they import nothing of the runtime but other ports and errors.ts",
      severity: "error",
      from: { path: "^runtime/services/ports/" },
      to: {
        path: "^(runtime|nodes)/",
        pathNot: ["^runtime/services/ports/", "^runtime/errors[.]ts$"],
      },
    },
    {
      name: "services-see-only-ports",
      comment:
        "the domain services reach storage, queues, events and WhatsApp through services/ports, never an adapter or an outer layer",
      severity: "error",
      from: { path: "^runtime/services/" },
      to: {
        path: "^runtime/(adapters|app|cli|http|queues|flow-bridge|compile|manifest|tenancy|observability)/|^nodes/",
      },
    },
    {
      name: "adapters-implement-ports",
      comment:
        "an adapter implements ports (services/ports): it imports no service, node, bridge, queue, plan, HTTP or app code",
      severity: "error",
      from: { path: "^runtime/adapters/" },
      to: {
        path: "^runtime/(app|cli|http|queues|flow-bridge|compile|manifest|tenancy|observability)/|^runtime/services/(?!ports/)|^nodes/",
      },
    },
    {
      name: "adapters-only-from-the-root",
      comment:
        "adapters are built and wired in runtime/app (and the cli); queues drives its own engine (bull, redis), flow-bridge its own (node-red, and redis for published flows and traces)",
      severity: "error",
      from: {
        path: "^runtime/|^nodes/",
        pathNot: [ROOT, "^runtime/adapters/", "^runtime/queues/", "^runtime/flow-bridge/"],
      },
      to: { path: "^runtime/adapters/" },
    },
    {
      name: "queues-drive-bull-only",
      comment: "runtime/queues reaches Bull and Redis, no other adapter",
      severity: "error",
      from: { path: "^runtime/queues/" },
      to: { path: "^runtime/adapters/(?!bull/|redis/)" },
    },
    {
      name: "flow-bridge-drives-node-red-only",
      comment:
        "runtime/flow-bridge reaches Node-RED (and Redis, where deployed flows and traces are shared), no other adapter",
      severity: "error",
      from: { path: "^runtime/flow-bridge/" },
      to: { path: "^runtime/adapters/(?!node-red/|redis/)" },
    },
    {
      name: "nodes-through-the-node-context",
      comment:
        "a node reaches services only through its node context (flow-bridge/node-context.ts): no adapter, queue runtime, HTTP or app code",
      severity: "error",
      from: { path: "^nodes/" },
      to: { path: "^runtime/(adapters|queues|http|app|cli)/" },
    },
    {
      name: "manifest-and-compile-stay-pure",
      comment:
        "manifest reads jobs.yaml and compile turns it into a Plan; neither knows what runs it",
      severity: "error",
      from: { path: "^runtime/(manifest|compile)/" },
      to: {
        path: "^(runtime|nodes)/",
        pathNot: [
          "^runtime/(manifest|compile)/",
          "^runtime/errors[.]ts$",
          "^runtime/project-root[.]ts$",
        ],
      },
    },
    {
      name: "manifest-before-compile",
      severity: "error",
      from: { path: "^runtime/manifest/" },
      to: { path: "^runtime/compile/" },
    },
    {
      name: "http-is-one-room",
      comment: "runtime/http is mounted by runtime/app; nothing else imports it",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: [ROOT, "^runtime/http/"] },
      to: { path: "^runtime/http/" },
    },
    {
      name: "app-is-the-composition-root",
      comment: "runtime/app wires everything; only the command line imports it",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: ROOT },
      to: { path: "^runtime/app/" },
    },
    {
      name: "cli-is-the-top",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: "^runtime/cli/" },
      to: { path: "^runtime/cli/" },
    },
    {
      name: "bull-inside-its-adapter",
      comment: "Bull and Bull Board are seen only in runtime/adapters/bull",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: "^runtime/adapters/bull/" },
      to: { path: "^node_modules/(bull|@bull-board/[^/]+)/" },
    },
    {
      name: "sequelize-inside-its-adapter",
      comment: "Sequelize is seen only in runtime/adapters/db and the root that builds the stores",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: [ROOT, "^runtime/adapters/db/"] },
      to: { path: "^node_modules/(sequelize|pg)/" },
    },
    {
      name: "baileys-inside-its-adapter",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: "^runtime/adapters/whatsapp/" },
      to: { path: "^node_modules/@whiskeysockets/baileys/" },
    },
    {
      name: "socket-io-inside-its-adapter",
      severity: "error",
      from: { path: "^runtime/|^nodes/", pathNot: "^runtime/adapters/socket/" },
      to: { path: "^node_modules/(socket[.]io|@socket[.]io/[^/]+)/" },
    },
    {
      name: "no-circular",
      comment:
        "modules import each other's code in one direction (a cycle of type-only imports erases at build)",
      severity: "error",
      from: { path: "^runtime/|^nodes/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
    // Type-only imports count: a type of an outer layer is a dependency on it too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
