// User accounts (Art. 8): argon2id hashes, lockout, periodic password change.
import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import type { Db, Tx } from "../db/client.js";
import { audit } from "../audit/audit.js";
import type { Actor, Grant, Role } from "../domain/roles.js";
import fs from "node:fs";
import path from "node:path";
import { seedDir } from "../seed/reference.js";
import { normaliseAddress } from "../extract/mime.js";
import { passwordProblem, type PasswordPolicy } from "./passwords.js";

export const hashPassword = (pw: string) => argon2.hash(pw, { type: argon2.argon2id });

export function randomPassword(): string {
  // 16 characters from an alphabet without look-alikes: about 90 bits.
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = randomBytes(16);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

export async function loadActor(db: Db | Tx, userId: number): Promise<Actor | null> {
  return loadActorIn(db, { id: userId });
}

const actorCache = new Map<number, { at: number; actor: Actor | null }>();
const ACTOR_TTL_MS = 5_000;

/**
 * The actor of a signed-in user, cached for a few seconds (it is read on every request). Changes
 * to users and roles call invalidateActors(); a disabled account's sessions are deleted anyway.
 */
export async function cachedActor(db: Db, userId: number): Promise<Actor | null> {
  const hit = actorCache.get(userId);
  if (hit && Date.now() - hit.at < ACTOR_TTL_MS) return hit.actor;
  const actor = await loadActor(db, userId);
  actorCache.set(userId, { at: Date.now(), actor });
  return actor;
}

export function invalidateActors(): void {
  actorCache.clear();
}

/** The actor of a user account, found by its id or by the person it belongs to. */
export async function loadActorIn(db: Db | Tx, where: { id: number } | { personId: number }): Promise<Actor | null> {
  const u = await db.user.findFirst({ where, include: { grants: true } });
  if (!u || u.disabled) return null;
  return {
    userId: u.id,
    username: u.username,
    displayName: u.displayName,
    personId: u.personId,
    grants: u.grants.map((g): Grant => ({ role: g.role as Role, divisionId: g.divisionId })),
  };
}

/** The account each of the three administrators of 三员分立 gets at first start. */
const FIRST_ADMINISTRATORS: Array<{ role: Role; username: string; displayName: string }> = [
  { role: "system_admin", username: "sysadmin", displayName: "系统管理员" },
  { role: "security_admin", username: "secadmin", displayName: "安全管理员" },
  { role: "audit_admin", username: "auditadmin", displayName: "审计管理员" },
];

/**
 * At every start: each of the three administrator roles that no enabled account holds gets an
 * account of its own with a one-time password (printed once; changed, and a second factor set up,
 * at first sign-in). A new installation so starts with three administrators to hand to three
 * people; an upgraded one, whose old single administrator held everything, gains them.
 */
export async function ensureAdministrators(db: Db): Promise<Array<{ username: string; role: Role; password: string }>> {
  const created: Array<{ username: string; role: Role; password: string }> = [];
  for (const a of FIRST_ADMINISTRATORS) {
    const held = await db.roleGrant.count({ where: { role: a.role, user: { disabled: false } } });
    if (held > 0) continue;
    let username = a.username;
    for (let i = 2; await db.user.findUnique({ where: { username } }); i++) username = `${a.username}${i}`;
    const password = randomPassword();
    const passwordHash = await hashPassword(password);
    await db.$transaction(async (tx) => {
      const u = await tx.user.create({ data: { username, displayName: a.displayName, passwordHash, mustChangePassword: true } });
      await tx.roleGrant.create({ data: { userId: u.id, role: a.role } });
      await audit(tx, { actor: "system:setup", action: "user.create", entityType: "user", entityId: u.id, detail: { username, roles: [a.role], reason: "no enabled account held this administrator role" } });
    });
    created.push({ username, role: a.role, password });
  }
  return created;
}

interface ReferenceDivisions {
  divisions: Array<{ name: string; head: string; infoAdmins: string[] }>;
  leaders: Array<{ name: string }>;
  infoCentreAdmins: string[];
}

interface DemoPeople {
  people: Array<{ name: string; username: string; email: string }>;
  administrators: Array<{ username: string; displayName: string; role: Role }>;
}
const demoPeople = (): DemoPeople => JSON.parse(fs.readFileSync(path.join(seedDir, "people.demo.json"), "utf8")) as DemoPeople;

/** Why this password may not be every demo account's password (null: it may). */
export function demoPasswordProblem(password: string, policy: PasswordPolicy): string | null {
  if (!password) return "密码为空";
  const d = demoPeople();
  for (const p of [{ username: "" }, ...d.people, ...d.administrators]) {
    const problem = passwordProblem(password, p.username, policy);
    if (problem) return p.username ? `${problem}（账号 ${p.username}）` : problem;
  }
  return null;
}

/**
 * The demo: an account for every person of Attachments 1 and 2 with their roles and registered
 * (.example) address, and the three administrators of 三员分立 as accounts of their own.
 */
export async function seedDemoUsers(db: Db, password: string, policy: PasswordPolicy = { minLength: 12 }): Promise<Array<{ username: string; name: string; roles: string }>> {
  const weak = demoPasswordProblem(password, policy);
  if (weak) throw new Error(`demo password refused: ${weak}`);
  const ref = JSON.parse(fs.readFileSync(path.join(seedDir, "reference.json"), "utf8")) as ReferenceDivisions;
  const { people, administrators } = demoPeople();
  const divisions = new Map((await db.division.findMany()).map((d) => [d.name, d.id]));
  const grants = new Map<string, Array<{ role: Role; divisionId: number | null }>>();
  const add = (name: string, role: Role, division: string | null) => {
    const list = grants.get(name) ?? [];
    list.push({ role, divisionId: division ? divisions.get(division)! : null });
    grants.set(name, list);
  };
  for (const d of ref.divisions) {
    add(d.head, "division_head", d.name);
    for (const a of d.infoAdmins) add(a, "info_admin", d.name);
  }
  for (const l of ref.leaders) add(l.name, "leader", null);
  for (const n of ref.infoCentreAdmins) add(n, "info_centre", null);
  const hash = await hashPassword(password);
  const out: Array<{ username: string; name: string; roles: string }> = [];
  await db.$transaction(async (tx) => {
    const accounts = [
      ...people.map((p) => ({ username: p.username, name: p.name, email: normaliseAddress(p.email) ?? null, grants: grants.get(p.name) ?? [] })),
      ...administrators.map((a) => ({ username: a.username, name: a.displayName, email: null, grants: [{ role: a.role, divisionId: null }] })),
    ];
    for (const p of accounts) {
      const person = p.email ? await tx.person.findFirst({ where: { name: p.name } }) : null;
      if (person && p.email && person.email !== p.email) await tx.person.update({ where: { id: person.id }, data: { email: p.email } });
      const user = await tx.user.upsert({
        where: { username: p.username },
        create: { username: p.username, displayName: p.name, personId: person?.id ?? null, passwordHash: hash },
        update: { passwordHash: hash, failedLogins: 0, lockedUntil: null },
      });
      await tx.roleGrant.deleteMany({ where: { userId: user.id } });
      if (p.grants.length) await tx.roleGrant.createMany({ data: p.grants.map((x) => ({ userId: user.id, ...x })) });
      out.push({ username: p.username, name: p.name, roles: p.grants.map((x) => x.role).join(",") });
    }
    await audit(tx, { actor: "system:demo", action: "user.seed_demo", detail: { count: accounts.length } });
  });
  return out;
}
