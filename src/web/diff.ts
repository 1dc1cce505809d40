// Edit history: what a revision changed, as lines removed and added (jsdiff).
import { diffLines } from "diff";

export interface DiffLine {
  kind: "same" | "add" | "del";
  text: string;
}

export function lineDiff(before: string, after: string): DiffLine[] {
  return diffLines(before, after).flatMap((part) =>
    part.value
      .replace(/\n$/, "")
      .split("\n")
      .map((text) => ({ kind: part.added ? ("add" as const) : part.removed ? ("del" as const) : ("same" as const), text })),
  );
}
