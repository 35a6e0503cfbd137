// Golden files: the expected text lives beside the fixture; UPDATE_GOLDEN=1 rewrites it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

export function expectGolden(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (process.env.CI) throw new Error(`golden file ${file} is missing`);
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
