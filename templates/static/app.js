// The review screen's small helpers, all optional (every page works without script):
// keyboard use of the queue (j/k/Enter, / to search, x to tick for a bulk action) and of the
// draft page (e to edit; s 送审, a 同意, r 退回, p 发布 — each asks first), the searchable unit
// picker (name or pinyin initials), the reason a 退回 needs before it is sent, ticking all rows.
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
    rows[sel].querySelector("td.title a")?.focus({ preventScroll: true });
  };
  const typing = (t) => t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));

  document.addEventListener("keydown", (e) => {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") select(sel + 1);
    else if (e.key === "k") select(sel - 1);
    else if (e.key === "Enter" && sel >= 0 && document.activeElement === document.body) location.href = rows[sel].dataset.href;
    else if (e.key === "x" && sel >= 0) {
      const box = rows[sel].querySelector("input[data-bulk-item]");
      if (box) box.checked = !box.checked;
    } else if (e.key === "/") {
      const s = document.querySelector("[data-search]");
      if (s) { e.preventDefault(); s.focus(); }
    } else if (e.key === "e") {
      const ed = document.querySelector("[data-edit]");
      if (ed) { e.preventDefault(); ed.focus(); }
    } else {
      // The chain's actions: the key only ever presses a button the page offers, and asks first.
      const button = document.querySelector(`button[data-shortcut="${CSS.escape(e.key)}"]:not([disabled])`);
      if (button) {
        e.preventDefault();
        button.focus();
        if (button.hasAttribute("data-needs-reason")) return needReason(button);
        if (confirm(`确定要「${button.textContent.trim()}」吗？`)) button.form.requestSubmit(button);
      }
    }
  });

  // A decision that needs a reason (退回, 意见) is not sent without one: said beside the field.
  const needReason = (button) => {
    const field = button.form.querySelector("[name=comment]");
    if (!field || field.value.trim()) return false;
    let note = button.form.querySelector(".field-error[data-client]");
    if (!note) {
      note = document.createElement("span");
      note.className = "field-error";
      note.setAttribute("role", "alert");
      note.dataset.client = "";
      (field.closest("label") ?? field).after(note);
    }
    note.textContent = button.value === "comment" ? "请填写意见" : "退回须填写理由";
    field.setAttribute("aria-invalid", "true");
    field.focus();
    return true;
  };
  for (const form of document.querySelectorAll("form[data-approval]")) {
    form.addEventListener("submit", (e) => {
      const button = e.submitter;
      if (button?.hasAttribute("data-needs-reason") && needReason(button)) e.preventDefault();
    });
  }
  for (const form of document.querySelectorAll("form.action")) {
    form.addEventListener("submit", (e) => {
      const action = form.querySelector("[data-action]")?.dataset.action;
      if (["publish", "reject", "archive", "return_to_sender"].includes(action) && !confirm(`确定要${form.querySelector("button").textContent.trim()}吗？`)) e.preventDefault();
    });
  }

  // Bulk actions: tick all, and the count beside the buttons.
  const all = document.querySelector("input[data-bulk-all]");
  const items = [...document.querySelectorAll("input[data-bulk-item]")];
  const count = document.querySelector("[data-bulk-count]");
  const recount = () => { if (count) count.textContent = String(items.filter((i) => i.checked).length); };
  all?.addEventListener("change", () => { for (const i of items) i.checked = all.checked; recount(); });
  for (const i of items) i.addEventListener("change", recount);
  recount();

  for (const s of document.querySelectorAll("select[data-unit-picker]")) unitPicker(s);

  // The 通报: print from its own button (the fields above it are not printed).
  document.querySelector("[data-print]")?.addEventListener("click", () => window.print());

  // 分拣规则: the list narrows as one types (the form's 筛选 does the same without script).
  const ruleSearch = document.querySelector("[data-rule-search]");
  if (ruleSearch) {
    const ruleRows = [...document.querySelectorAll("table.rules tbody tr[data-rule]")];
    ruleSearch.addEventListener("input", () => {
      const t = ruleSearch.value.trim().toLowerCase();
      for (const row of ruleRows) row.hidden = !!t && !row.textContent.toLowerCase().includes(t);
    });
  }
});

/**
 * A searchable unit picker over a plain <select> (which stays, hidden, as the form's value):
 * type part of the name or the pinyin initials — 「zdx」 or 「zhengding」 finds 正定县编办.
 */
function unitPicker(select) {
  const options = [...select.options].map((o) => ({ value: o.value, name: o.textContent.trim(), py: (o.dataset.py ?? "").split(" ") }));
  const matches = (o, typed) => {
    const t = typed.trim().toLowerCase().replace(/\s+/g, "");
    if (!t) return true;
    const [initials = "", full = ""] = o.py;
    return o.name.includes(t) || initials.includes(t) || full.includes(t);
  };
  const id = `picker-${Math.random().toString(36).slice(2)}`;
  const wrap = document.createElement("div");
  wrap.className = "picker";
  const input = document.createElement("input");
  input.type = "text";
  input.autocomplete = "off";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", id);
  input.setAttribute("aria-label", select.getAttribute("aria-label") ?? select.closest("label")?.firstChild?.textContent?.trim() ?? "报送单位");
  input.placeholder = "输入名称或拼音首字母，如 zdx";
  input.dataset.unitSearch = "";
  const list = document.createElement("ul");
  list.id = id;
  list.setAttribute("role", "listbox");
  list.hidden = true;
  wrap.append(input, list);
  select.after(wrap);
  select.classList.add("picker-source");
  select.tabIndex = -1;
  select.setAttribute("aria-hidden", "true");
  const current = () => options.find((o) => o.value === select.value);
  input.value = current()?.value ? current().name : "";
  let shown = [];
  let active = -1;
  const render = () => {
    list.replaceChildren(
      ...shown.map((o, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = `${id}-${i}`;
        li.textContent = o.name;
        li.dataset.value = o.value;
        li.setAttribute("aria-selected", String(i === active));
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(o); });
        return li;
      }),
    );
    if (!shown.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = "没有匹配的单位";
      list.append(li);
    }
    input.setAttribute("aria-activedescendant", active >= 0 ? `${id}-${active}` : "");
    list.children[active]?.scrollIntoView({ block: "nearest" });
  };
  const open = () => {
    shown = options.filter((o) => matches(o, input.value === current()?.name ? "" : input.value)).slice(0, 200);
    active = shown.length ? 0 : -1;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    render();
  };
  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); };
  const choose = (o) => {
    select.value = o.value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    input.value = o.value ? o.name : "";
    close();
  };
  input.addEventListener("input", open);
  input.addEventListener("focus", open);
  input.addEventListener("blur", () => { close(); input.value = current()?.value ? current().name : ""; });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) return open();
      active = Math.max(0, Math.min(shown.length - 1, active + (e.key === "ArrowDown" ? 1 : -1)));
      render();
    } else if (e.key === "Enter" && !list.hidden) {
      e.preventDefault();
      if (shown[active]) choose(shown[active]);
    } else if (e.key === "Escape") close();
  });
}
