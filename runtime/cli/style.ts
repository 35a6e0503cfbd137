// Terminal emphasis, on only for a TTY without NO_COLOR (so piped output and tests stay plain).
import { styleText } from "node:util";

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
}

export const plainStyle: Style = {
  bold: (t) => t,
  dim: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  red: (t) => t,
};

const colourStyle: Style = {
  bold: (t) => styleText("bold", t),
  dim: (t) => styleText("dim", t),
  green: (t) => styleText("green", t),
  yellow: (t) => styleText("yellow", t),
  red: (t) => styleText("red", t),
};

export function styleFor(stream: NodeJS.WriteStream): Style {
  const wanted = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return wanted ? colourStyle : plainStyle;
}
