// Attachment 4, 《河北机构编制网》信息员推荐表: recognised in a submission's text (DOCX table
// cells come out one per line, a PDF or OCR'd fax keeps label and value on one line, a typed
// mail writes "姓名：王晓红") and read into the fields of the form. Pure: no DB, no decisions.

export interface OfficerRecommendation {
  name: string;
  sex: string | null;
  age: number | null;
  unitName: string | null;
  post: string | null;
  politicalStatus: string | null;
  phone: string | null;
  mobile: string | null;
  address: string | null;
  email: string | null;
  postcode: string | null;
  publications: string | null;
  unitOpinion: string | null;
}

const LABELS: Array<[keyof OfficerRecommendation, string]> = [
  ["name", "姓名"],
  ["sex", "性别"],
  ["age", "年龄"],
  ["unitName", "所在单位"],
  ["post", "职务"],
  ["politicalStatus", "政治面貌"],
  ["phone", "固定电话"],
  ["mobile", "手机"],
  ["address", "通讯地址"],
  ["email", "电子邮件"],
  ["postcode", "邮政编码"],
  ["publications", "个人发表作品情况"],
  ["unitOpinion", "本单位推荐意见"],
];

export function isRecommendationForm(text: string): boolean {
  return /信\s*息\s*员\s*推\s*荐\s*表/.test(text);
}

const squash = (s: string) => s.replace(/[\s\u3000]+/g, "");

/** Splits "姓    名：王晓红    性 别：女" into label/value tokens on one line. */
function tokens(line: string): string[] {
  return line
    .split(/[\t|｜]+|\s{2,}|[:：]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function parseRecommendation(text: string): OfficerRecommendation | null {
  if (!isRecommendationForm(text)) return null;
  const labelOf = new Map(LABELS.map(([k, l]) => [l, k]));
  const isLabel = (s: string) => labelOf.has(squash(s));
  const flat: string[] = [];
  for (const line of text.split("\n")) for (const tk of tokens(line)) flat.push(tk);
  // Labels written with spaces ("姓    名") were split in two: join neighbours that form a label.
  const merged: string[] = [];
  for (let i = 0; i < flat.length; i++) {
    const two = flat[i]! + (flat[i + 1] ?? "");
    if (!isLabel(flat[i]!) && isLabel(two)) {
      merged.push(two);
      i++;
    } else merged.push(flat[i]!);
  }
  const out: Partial<Record<keyof OfficerRecommendation, string>> = {};
  for (let i = 0; i < merged.length; i++) {
    const key = labelOf.get(squash(merged[i]!));
    if (!key || out[key] !== undefined) continue;
    const next = merged[i + 1];
    if (next !== undefined && !isLabel(next)) out[key] = next.trim();
  }
  if (!out.name) return null;
  const email = out.email?.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/)?.[0]?.toLowerCase() ?? null;
  const age = out.age ? Number.parseInt(out.age, 10) : NaN;
  const opinion = out.unitOpinion?.replace(/（?\s*单位盖章\s*）?/g, "").trim() || null;
  return {
    name: squash(out.name),
    sex: out.sex ?? null,
    age: Number.isFinite(age) ? age : null,
    unitName: out.unitName ?? null,
    post: out.post ?? null,
    politicalStatus: out.politicalStatus ?? null,
    phone: out.phone ?? null,
    mobile: out.mobile ?? null,
    address: out.address ?? null,
    email,
    postcode: out.postcode?.match(/\d{6}/)?.[0] ?? null,
    publications: out.publications ?? null,
    unitOpinion: opinion,
  };
}
