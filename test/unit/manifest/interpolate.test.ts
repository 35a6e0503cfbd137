import { describe, expect, it } from "vitest";
import { interpolate } from "../../../runtime/manifest/interpolate";

const env = { SET: "value", EMPTY: "", NUM: "42" };

function value(input: string): string {
  const result = interpolate(input, env);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result.value;
}

function errors(input: string) {
  const result = interpolate(input, env);
  if (result.ok) throw new Error(`expected errors for ${input}`);
  return result.errors;
}

describe("interpolate", () => {
  it("leaves text without references alone", () => {
    expect(interpolate("plain text", env)).toEqual({
      ok: true,
      value: "plain text",
      changed: false,
    });
  });

  it("substitutes ${VAR} anywhere in the text", () => {
    expect(value("${NUM}")).toBe("42");
    expect(value("a-${SET}-b")).toBe("a-value-b");
    expect(value("${SET}${NUM}")).toBe("value42");
  });

  it("reads ${VAR:-default} as the default when unset or empty, ${VAR-default} only when unset", () => {
    expect(value("${UNSET:-d}")).toBe("d");
    expect(value("${EMPTY:-d}")).toBe("d");
    expect(value("${SET:-d}")).toBe("value");
    expect(value("${UNSET-d}")).toBe("d");
    expect(value("${EMPTY-d}")).toBe("");
    expect(value("${UNSET:-}")).toBe("");
    expect(value("${UNSET:-a:b-c}")).toBe("a:b-c");
  });

  it("fails ${VAR:?message} when unset or empty, ${VAR?message} only when unset", () => {
    expect(errors("${UNSET:?needed here}")[0]?.message).toBe("UNSET is not set: needed here");
    expect(errors("${EMPTY:?needed}")[0]?.message).toBe("EMPTY is not set: needed");
    expect(value("${EMPTY?needed}")).toBe("");
    expect(errors("x ${UNSET?}")[0]).toMatchObject({
      kind: "unset",
      index: 2,
      message: "UNSET is not set: it is required",
    });
  });

  it("fails a bare ${VAR} that is unset, with a hint", () => {
    expect(errors("${UNSET}")[0]).toMatchObject({
      kind: "unset",
      index: 0,
      hint: "set it, or give a default with ${UNSET:-default}",
    });
  });

  it("turns $$ into a literal $, so $${VAR} is not a reference", () => {
    expect(value("$$5")).toBe("$5");
    expect(value("$${SET}")).toBe("${SET}");
    expect(value("a $ b")).toBe("a $ b");
  });

  it("reports malformed and unclosed references at their offset, every one", () => {
    const found = errors("${1X} and ${A B} and ${OPEN");
    expect(found.map((e) => [e.kind, e.index])).toEqual([
      ["syntax", 0],
      ["syntax", 10],
      ["syntax", 21],
    ]);
  });
});
