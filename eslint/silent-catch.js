// A lint rule: no error dropped without a word. A `.catch(() => undefined)` or a `catch {}` that
// neither looks at the error nor does anything with it (a log line, a recorded reason, a throw)
// must say in a comment why nothing is lost — or log through util/log.ts `logged(log, "…")`.
// "Does something" is read plainly: the handler calls a function, constructs or throws. A
// handler that only returns a constant, continues or does nothing needs the comment.

/** Does this subtree call, construct or throw anything? */
function acts(node) {
  let found = false;
  const visit = (n) => {
    if (found || !n || typeof n.type !== "string") return;
    if (n.type === "CallExpression" || n.type === "NewExpression" || n.type === "ThrowStatement" || n.type === "AwaitExpression") {
      found = true;
      return;
    }
    for (const key of Object.keys(n)) {
      if (key === "parent") continue;
      const v = n[key];
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === "object" && typeof v.type === "string") visit(v);
    }
  };
  visit(node);
  return found;
}

/** Is the caught error used anywhere in the handler? */
function usesParam(context, fnOrClause, param) {
  if (!param) return false;
  if (param.type !== "Identifier") return true; // destructured: it is looked at
  const scope = context.sourceCode.getScope(fnOrClause.type === "CatchClause" ? fnOrClause.body : fnOrClause);
  const find = (s) => s.variables.find((v) => v.name === param.name) ?? (s.upper ? find(s.upper) : null);
  const variable = find(scope);
  return !!variable && variable.references.length > 0;
}

/** A comment inside the node, on its first line, or just before the statement it belongs to. */
function explained(context, node, statement) {
  const sc = context.sourceCode;
  if (sc.getCommentsInside(node).length) return true;
  const line = node.loc.start.line;
  const all = sc.getAllComments();
  if (all.some((c) => c.loc.start.line === line || c.loc.end.line === node.loc.end.line)) return true;
  const before = sc.getCommentsBefore(statement);
  return before.length > 0 && before[before.length - 1].loc.end.line >= statement.loc.start.line - 1;
}

function enclosingStatement(node) {
  let n = node;
  while (n.parent && !/Statement$|Declaration$/.test(n.type)) n = n.parent;
  return n;
}

export const noSilentCatch = {
  meta: {
    type: "problem",
    docs: { description: "an error dropped without a log line needs a comment saying why nothing is lost" },
    schema: [],
    messages: {
      silent: "silent catch: log it (util/log.ts `logged(log, \"…\")`) or say in a comment why nothing is lost",
    },
  },
  create(context) {
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== "MemberExpression" || callee.property.type !== "Identifier") return;
        const handler = callee.property.name === "catch" ? node.arguments[0] : callee.property.name === "then" ? node.arguments[1] : null;
        if (!handler || (handler.type !== "ArrowFunctionExpression" && handler.type !== "FunctionExpression")) return;
        if (usesParam(context, handler, handler.params[0]) || acts(handler.body)) return;
        if (!explained(context, handler, enclosingStatement(node))) context.report({ node: handler, messageId: "silent" });
      },
      CatchClause(node) {
        if (usesParam(context, node, node.param) || acts(node.body)) return;
        if (!explained(context, node.body, enclosingStatement(node.parent))) context.report({ node, messageId: "silent" });
      },
    };
  },
};

export default { rules: { "no-silent-catch": noSilentCatch } };
