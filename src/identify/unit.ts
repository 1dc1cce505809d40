// Sender → sending unit, with a reason. Only the registered address (or registered fax number)
// identifies a unit; the display name is shown to people but never trusted (anyone can write
// "石家庄市编办" in front of any address).

export interface UnitDirectory {
  byEmail: Map<string, { id: number; name: string }>;
  byFax: Map<string, { id: number; name: string }>;
}

export interface UnitMatch {
  unitId: number | null;
  unitName: string | null;
  confirmed: boolean;
  reason: string;
}

/** Fax numbers to one national form: digits only, +86/0086 removed, leading 0 of the area code kept. */
export function normaliseFax(input: string): string | null {
  let d = input.replace(/[^\d+]/g, "");
  d = d.replace(/^\+?0{0,2}86(?=\d{9,})/, "");
  d = d.replace(/\D/g, "");
  if (d.length < 7) return null;
  if (!d.startsWith("0") && d.length >= 10) d = "0" + d; // "311 8802 1745" from an international form
  return d;
}

export function identifyByEmail(dir: UnitDirectory, address: string | null, displayName: string | null, senderProblems: string[] = []): UnitMatch {
  // An ambiguous header block (two From, a From line another reader folds away …) names no unit.
  if (senderProblems.length) return { unitId: null, unitName: null, confirmed: false, reason: `发件人无法确定（${senderProblems.join("；")}），待人工确认报送单位` };
  if (!address) return { unitId: null, unitName: null, confirmed: false, reason: "邮件没有可识别的发件地址" };
  const unit = dir.byEmail.get(address);
  if (unit) return { unitId: unit.id, unitName: unit.name, confirmed: true, reason: `发件地址 ${address} 是「${unit.name}」的登记邮箱` };
  const claim = displayName ? `（显示名「${displayName}」不作为依据）` : "";
  return { unitId: null, unitName: null, confirmed: false, reason: `发件地址 ${address} 未登记${claim}，待人工确认报送单位` };
}

export function identifyByFax(dir: UnitDirectory, fax: string | null): UnitMatch {
  const n = fax ? normaliseFax(fax) : null;
  if (!n) return { unitId: null, unitName: null, confirmed: false, reason: "传真未带可识别的发送号码" };
  const unit = dir.byFax.get(n);
  if (unit) return { unitId: unit.id, unitName: unit.name, confirmed: true, reason: `传真号码 ${fax} 是「${unit.name}」的登记号码` };
  return { unitId: null, unitName: null, confirmed: false, reason: `传真号码 ${fax} 未登记，待人工确认报送单位` };
}
