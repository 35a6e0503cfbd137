// npm run chaos: the fault suite at its long sizes (test/chaos/faults.ts), one row per fault.
// `npm run chaos -- partition worker-sigkill` runs only those; `--short` uses the test sizes.
import {
  ChaosLab,
  FAULTS,
  type Fault,
  type FaultRow,
  formatTable,
  LONG,
  passes,
  SHORT,
} from "../test/chaos/faults";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const size = args.includes("--short") ? SHORT : LONG;
  const named = args.filter((a) => !a.startsWith("--"));
  const unknown = named.filter((a) => !(FAULTS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown fault ${unknown.join(", ")}: one of ${FAULTS.join(", ")}`);
    return 2;
  }
  const faults = (named.length > 0 ? named : FAULTS) as readonly Fault[];
  const lab = await ChaosLab.open();
  const rows: FaultRow[] = [];
  try {
    for (const fault of faults) {
      rows.push(await lab.run(fault, size, (line) => console.error(line)));
    }
  } finally {
    await lab.close();
  }
  console.log(formatTable(rows));
  return rows.every((r) => passes(r, { recoveryS: 10 })) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
