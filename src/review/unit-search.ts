// The unit picker's search keys: a province has about 190 sending units, and officers look them
// up as they say them — 「zdx」 or 「zhengding」 for 正定县编办, as well as by the name itself.
// pinyin-pro reads the name (polyphones in names such as 长安区 come out as place names do);
// the keys are made once per name and kept, since the list is rebuilt whenever units change.
import { pinyin } from "pinyin-pro";

const cache = new Map<string, string>();

/** "zdxbb zhengdingxianbianban" for 正定县编办: initials, then the full syllables. */
export function searchKeys(name: string): string {
  let keys = cache.get(name);
  if (keys == null) {
    const syllables = pinyin(name, { toneType: "none", type: "array", nonZh: "removed" });
    keys = `${syllables.map((s) => s[0] ?? "").join("")} ${syllables.join("")}`.toLowerCase();
    cache.set(name, keys);
  }
  return keys;
}

/** Whether a unit matches what was typed: part of its name, or the start of its initials or syllables. */
export function unitMatches(name: string, typed: string): boolean {
  const t = typed.trim().toLowerCase().replace(/\s+/g, "");
  if (!t) return true;
  if (name.includes(t)) return true;
  const [initials = "", full = ""] = searchKeys(name).split(" ");
  return initials.includes(t) || full.startsWith(t) || full.includes(t);
}
