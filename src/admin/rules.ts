// 分拣规则 (routing rules) as the information centre keeps them: about 150 rules in a searchable
// list, each editable in place, and a dry run that shows what the rules — as they are, or with
// the edited rule — would decide for a chosen draft before anything is saved. A regular
// expression that does not parse is said in Chinese beside the field, never as the JavaScript
// engine words it.
import type { Db } from "../db/client.js";
import { GatewayError } from "../domain/errors.js";
import { ruleSetOf } from "../pipeline/reference.js";
import { prohibitedTerms, route, sensitiveTerms, type RouteDecision } from "../route/router.js";

export const RULE_KINDS = ["column", "division", "importance", "sensitive_term", "prohibited"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const ruleKindLabel: Record<RuleKind, string> = {
  column: "栏目关键词",
  division: "处室线索",
  importance: "重要信息提示",
  sensitive_term: "错敏词",
  prohibited: "违禁内容",
};

export interface RuleInput {
  kind: RuleKind;
  columnId: number | null;
  divisionId: number | null;
  pattern: string;
  isRegex: boolean;
  weight: number;
}

// V8's messages for the mistakes people make in patterns, in the order they are tested.
const REGEX_PROBLEMS: Array<[RegExp, string]> = [
  [/unterminated group|unmatched '\)'/i, "圆括号不配对"],
  [/unterminated character class|lone.*\]/i, "方括号不配对"],
  [/nothing to repeat/i, "* + ? 等符号前面缺少要重复的内容"],
  [/lone quantifier brackets|incomplete quantifier|numbers out of order/i, "花括号 {} 的写法有误"],
  [/invalid escape|\\ at end of pattern|invalid unicode escape|invalid class escape/i, "反斜杠 \\ 的用法有误"],
  [/invalid group|invalid capture group name|duplicate capture group/i, "分组 (?…) 的写法有误"],
  [/range out of order/i, "方括号中的范围顺序颠倒（如 [z-a]）"],
];

/** Why `pattern` is not a usable regular expression, in Chinese; null when it is one. */
export function regexProblem(pattern: string): string | null {
  try {
    new RegExp(pattern, "u");
    return null;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const why = REGEX_PROBLEMS.find(([re]) => re.test(msg))?.[1] ?? "无法解析";
    return `正则表达式有误：${why}。如只需按文字匹配，请取消「正则表达式」`;
  }
}

/** Every problem of a rule as entered, beside its field; the rule as it will be stored. */
export function checkRule(input: RuleInput): RuleInput {
  const pattern = input.pattern.trim();
  const fields: Record<string, string> = {};
  if (!pattern) fields.pattern = "关键词不能为空";
  else if (input.isRegex) {
    const problem = regexProblem(pattern);
    if (problem) fields.pattern = problem;
  }
  if (input.kind === "column" && input.columnId == null) fields.columnId = "栏目关键词须选择栏目";
  if (input.kind === "division" && input.divisionId == null) fields.divisionId = "处室线索须选择处室";
  if (Object.keys(fields).length) throw new GatewayError("VALIDATION", `规则未保存：${Object.values(fields).join("；")}`, { fields });
  return {
    ...input,
    pattern,
    columnId: input.kind === "column" ? input.columnId : null,
    divisionId: input.kind === "division" ? input.divisionId : null,
    weight: Math.max(1, Math.min(10, Math.round(input.weight) || 1)),
  };
}

export interface DryRunDecision extends RouteDecision {
  prohibited: string[];
  sensitive: string[];
}

export interface DryRun {
  draft: { id: number; title: string; columnName: string | null; divisionName: string | null; importantHint: string | null };
  /** With the rules as they are now. */
  current: DryRunDecision;
  /** With the edited or new rule in place of the stored one (absent when nothing was edited). */
  proposed: DryRunDecision | null;
  /** What the edit would change, in words (empty: nothing for this draft). */
  changes: string[];
}

/**
 * What the rules decide for a draft's text as received (the title and body the router saw), now
 * and — when `edit` is given — with that rule changed (`edit.id`) or added. Nothing is saved.
 */
export async function dryRun(db: Db, draftId: number, edit?: (RuleInput & { id?: number; enabled?: boolean }) | null): Promise<DryRun> {
  const d = await db.draft.findUnique({ where: { id: draftId }, include: { column: true, division: true } });
  if (!d) throw new GatewayError("VALIDATION", `稿件 #${draftId} 不存在`, { fields: { draftId: `稿件 #${draftId} 不存在` } });
  const [columns, divisions, rules] = await Promise.all([db.column.findMany({ include: { divisions: true } }), db.division.findMany({ orderBy: { sortOrder: "asc" } }), db.routingRule.findMany()]);
  const decide = (rows: typeof rules): DryRunDecision => {
    const set = ruleSetOf(columns, divisions, rows.filter((r) => r.enabled));
    const text = `${d.originalTitle}\n${d.originalBody}`;
    return { ...route(set, d.originalTitle, d.originalBody), prohibited: prohibitedTerms(set, text), sensitive: sensitiveTerms(set, text) };
  };
  const current = decide(rules);
  let proposed: DryRunDecision | null = null;
  if (edit) {
    const rule = checkRule(edit);
    const row = { id: edit.id ?? -1, ...rule, enabled: edit.enabled ?? true, updatedAt: new Date() };
    proposed = decide(edit.id ? rules.map((r) => (r.id === edit.id ? row : r)) : [...rules, row]);
  }
  return {
    draft: { id: d.id, title: d.title, columnName: d.column?.name ?? null, divisionName: d.division?.name ?? null, importantHint: d.importantHint },
    current,
    proposed,
    changes: proposed ? differences(current, proposed) : [],
  };
}

function differences(a: DryRunDecision, b: DryRunDecision): string[] {
  const out: string[] = [];
  if (a.columnName !== b.columnName) out.push(`栏目：${a.columnName ?? "未定"} → ${b.columnName ?? "未定"}`);
  if (a.divisionName !== b.divisionName) out.push(`处室：${a.divisionName ?? "未定"} → ${b.divisionName ?? "未定"}`);
  if (a.importantHint !== b.importantHint) out.push(`重要信息提示：${a.importantHint ?? "无"} → ${b.importantHint ?? "无"}`);
  if (a.prohibited.join() !== b.prohibited.join()) out.push(`违禁内容：${a.prohibited.join("、") || "无"} → ${b.prohibited.join("、") || "无"}`);
  if (a.sensitive.join() !== b.sensitive.join()) out.push(`错敏词：${a.sensitive.join("、") || "无"} → ${b.sensitive.join("、") || "无"}`);
  if (!out.length && a.columnReason !== b.columnReason) out.push("栏目不变，得分有变化（见理由）");
  return out;
}
