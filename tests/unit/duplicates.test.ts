// Duplicate suggestions (review/duplicates.ts): a resend with a sentence added is suggested, other
// news of the same unit is not; punctuation, spacing and OCR's scattered errors do not hide one.
import { describe, expect, it } from "vitest";
import { similarity, suggestDuplicates } from "../../src/review/duplicates.js";

const at = new Date("2026-11-20T02:00:00Z");
const news = "11月20日，正定县召开事业单位分类改革推进会，部署下一阶段公益类事业单位改革任务，明确时间表和路线图。";

describe("duplicate suggestions", () => {
  it("scores the same text 1, unrelated text near 0, and ignores white space and punctuation", () => {
    expect(similarity(news, news)).toBe(1);
    expect(similarity(news, news.replace(/，/g, " ").replace(/。/g, "\n"))).toBe(1);
    expect(similarity(news, "石家庄市开展机构编制政策法规培训，各县编办参加。")).toBeLessThan(0.15);
    expect(similarity("", "")).toBe(0);
  });

  it("survives a fax's OCR errors and a resend's added sentence", () => {
    const ocr = news.replace("推进会", "推迸会").replace("路线图", "路线囹");
    expect(similarity(news, ocr)).toBeGreaterThan(0.85);
    expect(similarity(news, `${news}会议还通报了前期改革进展。`)).toBeGreaterThan(0.8);
  });

  it("suggests the similar ones only, most similar first, each with why in words", () => {
    const draft = { id: 9, title: "正定县召开事业单位分类改革推进会议", body: `${news}会议还通报了前期改革进展。` };
    const candidates = [
      { id: 1, title: "正定县开展机构编制政策培训", body: "正定县编办组织开展机构编制政策法规培训。", status: "triage", channel: "email", receivedAt: at },
      { id: 2, title: "正定县召开事业单位分类改革推进会", body: news, status: "published", channel: "email", receivedAt: at },
      { id: 3, title: "关于报送事业单位改革材料的函", body: news, status: "triage", channel: "fax", receivedAt: at },
      { id: 9, title: draft.title, body: draft.body, status: "triage", channel: "email", receivedAt: at },
    ];
    const out = suggestDuplicates(draft, candidates);
    expect(out.map((s) => s.id)).toEqual([2, 3]);
    expect(out[0]!.why).toMatch(/^标题相似 \d+%，正文相似 \d+%$/);
    expect(out[1]!.why).toMatch(/^正文相似 \d+%$/); // another title over the same text
  });
});
