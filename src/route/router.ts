// Column and division by rules kept as data (RoutingRule rows), every decision with its reason.
// Score: a pattern found in the title counts weight×3, in the body weight×1 (presence, not
// frequency). The best column wins; a tie or no hit leaves the column open for triage. A column
// owned by several divisions (机构编制管理, and 工作动态/通知公告/政策法规 which all share) gets
// its division from the division cues among its owners, else its default division (综合处).

export interface RuleSet {
  columns: Array<{ id: number; name: string; ownerIds: number[]; defaultDivisionId: number | null }>;
  divisions: Map<number, string>;
  columnRules: Array<{ columnId: number; pattern: string; isRegex: boolean; weight: number }>;
  divisionCues: Array<{ divisionId: number; pattern: string; isRegex: boolean; weight: number }>;
  importanceRules: Array<{ pattern: string; isRegex: boolean; weight: number }>;
  /** Art. 10: content a person must look at before it can be published. */
  prohibitedRules: Array<{ pattern: string; isRegex: boolean }>;
  /** 错敏词: error-prone or sensitive terms (outdated names of bodies, wrong forms) checked before 发布. */
  sensitiveRules?: Array<{ pattern: string; isRegex: boolean }>;
  fallbackDivisionId: number | null; // 综合处: triage when nothing decides
}

export interface RouteDecision {
  columnId: number | null;
  columnName: string | null;
  columnReason: string;
  divisionId: number | null;
  divisionName: string | null;
  divisionReason: string;
  importantHint: string | null;
}

interface Hit {
  pattern: string;
  where: "标题" | "正文";
  points: number;
}

type Tester = (s: string) => boolean;

function makeMatcher(pattern: string, isRegex: boolean): Tester {
  if (!isRegex) return (s) => s.includes(pattern);
  const re = new RegExp(pattern, "u");
  return (s) => re.test(s);
}

/**
 * The compiled testers of a rule list, built once per list: the reference data is cached
 * between batches, and building a cache key per rule and message cost more than the match.
 */
const compiled = new WeakMap<ReadonlyArray<{ pattern: string; isRegex: boolean }>, Tester[]>();
function testers(rules: ReadonlyArray<{ pattern: string; isRegex: boolean }>): Tester[] {
  let t = compiled.get(rules);
  if (!t) compiled.set(rules, (t = rules.map((r) => makeMatcher(r.pattern, r.isRegex))));
  return t;
}

function score<T extends { pattern: string; isRegex: boolean; weight: number }>(rules: T[], title: string, body: string, key: (r: T) => number) {
  const totals = new Map<number, { points: number; hits: Hit[] }>();
  const test = testers(rules);
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    const t = test[i]!;
    let hit: Hit | null = null;
    if (t(title)) hit = { pattern: r.pattern, where: "标题", points: r.weight * 3 };
    else if (t(body)) hit = { pattern: r.pattern, where: "正文", points: r.weight };
    if (!hit) continue;
    const k = key(r);
    const tot = totals.get(k) ?? { points: 0, hits: [] };
    tot.points += hit.points;
    tot.hits.push(hit);
    totals.set(k, tot);
  }
  return totals;
}

const columnIndexes = new WeakMap<RuleSet["columns"], Map<number, RuleSet["columns"][number]>>();
function columnIndex(columns: RuleSet["columns"]) {
  let m = columnIndexes.get(columns);
  if (!m) columnIndexes.set(columns, (m = new Map(columns.map((c) => [c.id, c]))));
  return m;
}

/** The patterns of `rules` found in `text`. */
function found(rules: ReadonlyArray<{ pattern: string; isRegex: boolean }>, text: string): string[] {
  const test = testers(rules);
  const out: string[] = [];
  for (let i = 0; i < rules.length; i++) if (test[i]!(text)) out.push(rules[i]!.pattern);
  return out;
}

function best(totals: Map<number, { points: number; hits: Hit[] }>, among?: Set<number>) {
  const ranked = [...totals.entries()].filter(([k]) => !among || among.has(k)).sort((a, b) => b[1].points - a[1].points);
  const [first, second] = ranked;
  if (!first || first[1].points <= 0) return { winner: null, tie: false, first, second };
  if (second && second[1].points === first[1].points) return { winner: null, tie: true, first, second };
  return { winner: first[0], tie: false, first, second };
}

const explain = (hits: Hit[]) =>
  hits
    .slice(0, 4)
    .map((h) => `“${h.pattern}”(${h.where}+${h.points})`)
    .join("、");

/** The prohibited patterns found in the item, for the flag and its reason. */
export function prohibitedTerms(rules: RuleSet, text: string): string[] {
  return found(rules.prohibitedRules, text);
}

/** The 错敏词 found in the item: each must be changed or confirmed before it is published. */
export function sensitiveTerms(rules: RuleSet, text: string): string[] {
  return found(rules.sensitiveRules ?? [], text);
}

export function route(rules: RuleSet, title: string, body: string): RouteDecision {
  const colById = columnIndex(rules.columns);
  const colScores = score(rules.columnRules, title, body, (r) => r.columnId);
  const col = best(colScores);
  const fallback = rules.fallbackDivisionId;
  const fallbackName = fallback != null ? (rules.divisions.get(fallback) ?? null) : null;

  const imp = found(rules.importanceRules, `${title}\n${body}`);
  const importantHint = imp.length ? `涉及“${imp.slice(0, 3).join("”“")}”，建议报办领导审核` : null;

  if (col.winner == null) {
    const why = col.tie
      ? `栏目得分并列：「${colById.get(col.first![0])?.name}」与「${colById.get(col.second![0])?.name}」各 ${col.first![1].points} 分`
      : "未命中任何栏目规则";
    return {
      columnId: null,
      columnName: null,
      columnReason: `${why}，待人工选择栏目`,
      divisionId: fallback,
      divisionName: fallbackName,
      divisionReason: `栏目未定，交${fallbackName ?? "信息中心"}分拣`,
      importantHint,
    };
  }
  const column = colById.get(col.winner)!;
  const colHits = col.first![1];
  const runnerUp = col.second ? `；次高「${colById.get(col.second[0])?.name}」${col.second[1].points} 分` : "";
  const columnReason = `「${column.name}」${colHits.points} 分：${explain(colHits.hits)}${runnerUp}`;

  if (column.ownerIds.length === 1) {
    const d = column.ownerIds[0]!;
    return {
      columnId: column.id,
      columnName: column.name,
      columnReason,
      divisionId: d,
      divisionName: rules.divisions.get(d) ?? null,
      divisionReason: `栏目「${column.name}」由${rules.divisions.get(d)}负责（附件2）`,
      importantHint,
    };
  }
  const cues = best(score(rules.divisionCues, title, body, (r) => r.divisionId), new Set(column.ownerIds));
  if (cues.winner != null) {
    const name = rules.divisions.get(cues.winner) ?? null;
    return {
      columnId: column.id,
      columnName: column.name,
      columnReason,
      divisionId: cues.winner,
      divisionName: name,
      divisionReason: `栏目「${column.name}」由多个处室共同负责，按内容归${name}：${explain(cues.first![1].hits)}`,
      importantHint,
    };
  }
  const d = column.defaultDivisionId ?? fallback;
  const dName = d != null ? (rules.divisions.get(d) ?? null) : null;
  return {
    columnId: column.id,
    columnName: column.name,
    columnReason,
    divisionId: d,
    divisionName: dName,
    divisionReason: `栏目「${column.name}」由多个处室共同负责，内容未指向具体处室${cues.tie ? "（处室线索并列）" : ""}，交${dName}分拣`,
    importantHint,
  };
}
