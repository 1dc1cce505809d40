// User accounts (Art. 8): argon2id hashes, lockout, periodic password change.
import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import type { Db, Tx } from "../db/client.js";
import { audit } from "../audit/audit.js";
import type { Actor, Grant, Role } from "../domain/roles.js";
import fs from "node:fs";
import path from "node:path";
import { seedDir } from "../seed/reference.js";
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

/** The first start creates one info-centre administrator with a one-time password. */
export async function ensureAdministrator(db: Db): Promise<{ username: string; password: string } | null> {
  if ((await db.user.count()) > 0) return null;
  const password = randomPassword();
  await db.$transaction(async (tx) => {
    const u = await tx.user.create({ data: { username: "admin", displayName: "系统管理员", passwordHash: await hashPassword(password), mustChangePassword: true } });
    await tx.roleGrant.create({ data: { userId: u.id, role: "info_centre" } });
    await audit(tx, { actor: "system:setup", action: "user.create", entityType: "user", entityId: u.id, detail: { username: "admin", roles: ["info_centre"] } });
  });
  return { username: "admin", password };
}

interface ReferenceDivisions {
  divisions: Array<{ name: string; head: string; infoAdmins: string[] }>;
  leaders: Array<{ name: string }>;
  infoCentreAdmins: string[];
}

/** Why this password may not be every demo account's password (null: it may). */
export function demoPasswordProblem(password: string, policy: PasswordPolicy): string | null {
  if (!password) return "密码为空";
  const people = (JSON.parse(fs.readFileSync(path.join(seedDir, "people.demo.json"), "utf8")) as { people: Array<{ username: string }> }).people;
  for (const p of [{ username: "" }, ...people]) {
    const problem = passwordProblem(password, p.username, policy);
    if (problem) return p.username ? `${problem}（账号 ${p.username}）` : problem;
  }
  return null;
}

/** Demo accounts for every person of Attachments 1 and 2, with their roles. */
export async function seedDemoUsers(db: Db, password: string, policy: PasswordPolicy = { minLength: 12 }): Promise<Array<{ username: string; name: string; roles: string }>> {
  const weak = demoPasswordProblem(password, policy);
  if (weak) throw new Error(`demo password refused: ${weak}`);
  const ref = JSON.parse(fs.readFileSync(path.join(seedDir, "reference.json"), "utf8")) as ReferenceDivisions;
  const people = (JSON.parse(fs.readFileSync(path.join(seedDir, "people.demo.json"), "utf8")) as { people: Array<{ name: string; username: string }> }).people;
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
    for (const p of people) {
      const person = await tx.person.findFirst({ where: { name: p.name } });
      const user = await tx.user.upsert({
        where: { username: p.username },
        create: { username: p.username, displayName: p.name, personId: person?.id ?? null, passwordHash: hash },
        update: { passwordHash: hash, failedLogins: 0, lockedUntil: null },
      });
      await tx.roleGrant.deleteMany({ where: { userId: user.id } });
      const g = grants.get(p.name) ?? [];
      if (g.length) await tx.roleGrant.createMany({ data: g.map((x) => ({ userId: user.id, ...x })) });
      out.push({ username: p.username, name: p.name, roles: g.map((x) => x.role).join(",") });
    }
    await audit(tx, { actor: "system:demo", action: "user.seed_demo", detail: { count: people.length } });
  });
  return out;
}
