// Keyboard use of the queue (j/k/Enter, / to search) and the draft page (e to edit).
// No inline scripts anywhere: the content security policy allows only this file.
document.addEventListener("DOMContentLoaded", () => {
  const rows = [...document.querySelectorAll("table[data-queue] tbody tr[data-href]")];
  let sel = -1;
  const select = (i) => {
    if (!rows.length) return;
    rows[sel]?.classList.remove("sel");
    sel = Math.max(0, Math.min(rows.length - 1, i));
    rows[sel].classList.add("sel");
    rows[sel].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") select(sel + 1);
    else if (e.key === "k") select(sel - 1);
    else if (e.key === "Enter" && sel >= 0) location.href = rows[sel].dataset.href;
    else if (e.key === "/") { const s = document.querySelector("[data-search]"); if (s) { e.preventDefault(); s.focus(); } }
    else if (e.key === "e") { const ed = document.querySelector("[data-edit]"); if (ed) { e.preventDefault(); ed.focus(); } }
  });
  for (const form of document.querySelectorAll("form.action")) {
    form.addEventListener("submit", (e) => {
      const action = form.querySelector("[data-action]")?.dataset.action;
      if (["publish", "reject", "archive", "return_to_sender"].includes(action) && !confirm(`确定要${form.querySelector("button").textContent}吗？`)) e.preventDefault();
    });
  }
});
