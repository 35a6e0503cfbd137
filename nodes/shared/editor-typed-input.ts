// The editor's typed inputs of every chatia node, made in one place: `chatiaTypedInput(node,
// selector, options)` is Node-RED's `$(selector).typedInput(options)` whose `msg` type suggests,
// as the operator types, `payload.<field>` for each field of the payload schema of the job the
// node's flow handles (the flow's `job in` names it; the fields come from GET chatia/jobs, the
// list the `job in` form shows). It uses the editor's own autoComplete of typed inputs. The build
// writes it into every node's .html (editor-prelude.ts); the first one loaded defines it.

/** A job as GET chatia/jobs gives it (only what the suggestions use). */
interface EditorJob {
  readonly queue: string;
  readonly job: string;
  readonly payloadFields?: readonly {
    readonly name: string;
    readonly type: string;
    readonly required: boolean;
    readonly description?: string;
  }[];
}

interface EditedNode {
  readonly z?: string;
}

interface TypedInputOptions {
  types?: unknown[];
  [option: string]: unknown;
}

/**
 * Defines `window.chatiaTypedInput`. Runs in the editor (serialised into each node's .html), so it
 * refers to nothing outside itself but the page's RED and jQuery.
 */
export function installTypedInput(): void {
  const page = globalThis as unknown as { chatiaTypedInput?: unknown };
  if (page.chatiaTypedInput) return;
  // The list of jobs, read once per form opened (a deploy or a reload may have changed it).
  let jobs: { at: number; list: Promise<readonly EditorJob[]> } | undefined;
  const jobList = (): Promise<readonly EditorJob[]> => {
    if (jobs === undefined || Date.now() - jobs.at > 2000) {
      const list = new Promise<readonly EditorJob[]>((resolve) => {
        $.getJSON("chatia/jobs")
          .done((answer: readonly EditorJob[]) => resolve(answer))
          .fail(() => resolve([]));
      });
      jobs = { at: Date.now(), list };
    }
    return jobs.list;
  };
  /** The job the node's flow handles: the one its (enabled) `job in` names. */
  const jobOf = (node: EditedNode, list: readonly EditorJob[]): EditorJob | undefined => {
    if (!node.z) return undefined;
    const entry = RED.nodes
      .filterNodes({ z: node.z, type: "job in" })
      .find((n: { d?: boolean }) => n.d !== true) as { queue?: string; job?: string } | undefined;
    return entry && list.find((j) => j.queue === entry.queue && j.job === entry.job);
  };
  const suggestions = (node: EditedNode) =>
    function search(value: string, done: (completions: unknown[]) => void): void {
      const typed = value.trim().toLowerCase();
      jobList().then((list) => {
        const job = jobOf(node, list);
        const fields = job?.payloadFields ?? [];
        const completions = fields
          .map((field) => ({ field, path: `payload.${field.name}` }))
          .filter(({ path }) => path.toLowerCase().includes(typed))
          .map(({ field, path }) => {
            const label = $("<div>", { style: "display: flex", class: "chatia-payload-field" });
            // The path in full; what is said of it gives way when the menu is narrow.
            $("<div>", { class: "red-ui-autoComplete-completion" })
              .css({ "flex-shrink": "0" })
              .text(path)
              .appendTo(label);
            $("<div>")
              .css({
                "font-size": "0.8em",
                "margin-left": "auto",
                overflow: "hidden",
                "white-space": "nowrap",
                "text-overflow": "ellipsis",
              })
              .text(
                `${field.type}${field.required ? ", required" : ""} · ${job?.queue}/${job?.job}`,
              )
              .appendTo(label);
            return { value: path, label };
          });
        done(completions);
      });
    };
  page.chatiaTypedInput = (node: EditedNode, selector: string, options: TypedInputOptions) => {
    // Without types, typedInput offers its own list; every chatia node names its types.
    if (options.types === undefined) return $(selector).typedInput(options);
    const types = options.types.map((type) =>
      type === "msg"
        ? {
            value: "msg",
            label: "msg.",
            validate: RED.utils.validatePropertyExpression,
            autoComplete: suggestions(node),
          }
        : type,
    );
    return $(selector).typedInput({ ...options, types });
  };
}

/** The page's Node-RED editor and jQuery (only what installTypedInput uses). */
declare const RED: {
  nodes: { filterNodes(filter: { z: string; type: string }): { d?: boolean }[] };
  utils: { validatePropertyExpression: unknown };
};
/** The part of a jQuery object used here. */
interface JQueryLike {
  text(text: string): JQueryLike;
  css(css: Record<string, string>): JQueryLike;
  appendTo(parent: unknown): JQueryLike;
  typedInput(options: Record<string, unknown>): unknown;
}
declare const $: {
  (selector: string, attributes?: Record<string, string>): JQueryLike;
  getJSON(url: string): {
    done(f: (answer: never) => void): { fail(f: () => void): unknown };
  };
};
